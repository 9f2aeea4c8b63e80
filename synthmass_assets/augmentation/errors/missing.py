"""Missing data: one field left blank at registration.

Weights follow what registration desks skip most: SSN and phone, then middle name and address
parts; names, birthdate and sex are rarely blank.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from synthmass_assets.augmentation.errors.variant import Variant, on_field

BLANK_WEIGHTS: dict[str, float] = {
    "ssn": 0.22, "phone": 0.22, "middle_name": 0.14, "address": 0.08, "zip": 0.08, "city": 0.05,
    "maiden_name": 0.05, "suffix": 0.03, "first_name": 0.04, "last_name": 0.03, "birthdate": 0.03,
    "gender": 0.03,
}  # fmt: skip


def blank(values: pl.Series, rng: np.random.Generator) -> pl.Series:
    """All values replaced by null, keeping the dtype."""
    return values.clear(len(values))


MISSING_VARIANTS: tuple[Variant, ...] = tuple(
    Variant("blank", "missing", (field,), weight, on_field(field, blank))
    for field, weight in BLANK_WEIGHTS.items()
)
