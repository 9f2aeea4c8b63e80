"""One kind of demographic error: which fields it touches, when it applies, how it changes them.

A transform receives the current values of the variant's fields for the rows it corrupts (as
polars Series, index-aligned) and returns their new values; it must change every row it is
given. ``applies`` says, from those same values, which rows the variant makes sense for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl

Values = dict[str, pl.Series]
Transform = Callable[[Values, np.random.Generator], Values]
Applicability = Callable[[Values], pl.Series]
FieldChange = Callable[[pl.Series, np.random.Generator], pl.Series]


def fields_present(values: Values) -> pl.Series:
    """Rows where every field is non-null and non-empty (the default applicability)."""
    mask = pl.Series(np.ones(len(next(iter(values.values()))), dtype=bool))
    for series in values.values():
        present = series.is_not_null()
        if series.dtype == pl.String:
            present = present & (series.str.len_chars() > 0)
        mask = mask & present.fill_null(False)
    return mask


@dataclass(frozen=True)
class Variant:
    """A named error variant of one error type.

    Attributes:
        name: Variant name logged in ``error_log.variant`` (``nickname``, ``keyboard_typo``...).
        error_type: One of `protocol.ERROR_TYPES`.
        fields: Record fields it writes; the error log joins them with ``+``.
        weight: Relative frequency among the applicable variants of its type.
        transform: Returns the corrupted values.
        applies: Boolean mask of the rows it makes sense for (beyond fields being present).
        reads: Further fields it reads but does not change (the maiden name, the state).
        requires: Fields that must be present for it to apply (default: all it reads).
        group: Variants sharing a group apply at most once per record, because a second one
            could undo the first (a nickname and its reverse, two swaps of first and last).
        last_of_type: Only as a record's last error of its type (a blanked SSN cannot be
            transposed afterwards).
    """

    name: str
    error_type: str
    fields: tuple[str, ...]
    weight: float
    transform: Transform
    applies: Applicability | None = None
    reads: tuple[str, ...] = ()
    requires: tuple[str, ...] | None = None
    group: str | None = None
    last_of_type: bool = False

    @property
    def inputs(self) -> tuple[str, ...]:
        """Every field the transform receives: written fields first."""
        return (*self.fields, *self.reads)

    @property
    def label(self) -> str:
        """Field names as logged: ``first_name`` or ``first_name+last_name``."""
        return "+".join(self.fields)

    @property
    def required(self) -> tuple[str, ...]:
        """Fields that must be present (non-null, non-empty) for the variant to apply."""
        return self.inputs if self.requires is None else self.requires

    def applicable(self, values: Values) -> np.ndarray:
        """Rows this variant can corrupt, as a numpy boolean array."""
        mask = fields_present({name: values[name] for name in self.required})
        if self.applies is not None:
            mask = mask & self.applies(values).fill_null(False)
        return mask.to_numpy()


def uniforms(rng: np.random.Generator, n: int, columns: int = 1) -> pl.DataFrame:
    """A frame of ``columns`` uniform draws named ``u0``, ``u1``, ..."""
    draws = rng.random((columns, n))
    return pl.DataFrame({f"u{i}": draws[i] for i in range(columns)})


def random_index(u: pl.Expr, length: pl.Expr) -> pl.Expr:
    """A uniform integer in ``[0, length)`` from a uniform draw ``u`` (0 when length is 0)."""
    return (u * length).floor().cast(pl.Int64)


def on_field(field: str, change: FieldChange) -> Transform:
    """A transform that rewrites one field with ``change``."""
    return lambda values, rng: {field: change(values[field], rng)}
