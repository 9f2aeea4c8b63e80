"""Missing data: one field left blank at registration.

Weights follow what registration desks skip most: SSN and phone, then middle name and address
parts. First name, last name and birthdate are mandatory at registration and never blank.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from synthmass_assets.augmentation.errors.variant import Variant, on_field

BLANK_WEIGHTS: dict[str, float] = {
    "ssn": 0.10, "phone": 0.15, "middle_name": 0.24, "address": 0.10, "zip": 0.06, "city": 0.05,
    "maiden_name": 0.12, "suffix": 0.10, "gender": 0.04,
}  # fmt: skip


def blank(values: pl.Series, rng: np.random.Generator) -> pl.Series:
    """All values replaced by null, keeping the dtype."""
    return values.clear(len(values))


MISSING_VARIANTS: tuple[Variant, ...] = tuple(
    Variant("blank", "missing", (field,), weight, on_field(field, blank))
    for field, weight in BLANK_WEIGHTS.items()
)
