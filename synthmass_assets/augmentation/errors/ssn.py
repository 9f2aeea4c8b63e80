"""SSN errors: adjacent digits transposed, one wrong digit, another format, or left blank.

Digit errors keep the record's current format (``999-12-3456``, ``999 12 3456``, ``999123456``).
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa

from synthmass_assets.augmentation.errors.missing import blank
from synthmass_assets.augmentation.errors.variant import (
    Values,
    Variant,
    on_field,
    random_index,
    uniforms,
)

FIELD = "ssn"
SSN_STYLES: dict[str, tuple[str, str]] = {
    "dashed": ("-", "-"),
    "spaced": (" ", " "),
    "plain": ("", ""),
}


def ssn_digits(values: pl.Expr) -> pl.Expr:
    """The nine digits without separators."""
    return values.str.replace_all(r"\D", "")


def ssn_style(values: pl.Expr) -> pl.Expr:
    """``dashed``, ``spaced`` or ``plain``."""
    return (
        pl.when(values.str.contains("-"))
        .then(pl.lit("dashed"))
        .when(values.str.contains(" "))
        .then(pl.lit("spaced"))
        .otherwise(pl.lit("plain"))
    )


def formatted_ssn(digits: pl.Expr, style: pl.Expr) -> pl.Expr:
    """Nine digits written in ``style``."""
    out = digits
    for name, (first, second) in SSN_STYLES.items():
        written = (
            digits.str.slice(0, 3) + first + digits.str.slice(3, 2) + second + digits.str.slice(5)
        )
        out = pl.when(style == name).then(written).otherwise(out)
    return out


def _with_digits(values: pl.Series, rng: np.random.Generator) -> pl.DataFrame:
    return uniforms(rng, len(values), 2).with_columns(
        d=ssn_digits(pl.lit(values)), style=ssn_style(pl.lit(values))
    )


def _digit_matrix(values: pl.Series) -> np.ndarray:
    """(n, 9) matrix of the digits of SSNs that have nine digits."""
    digits = pl.select(ssn_digits(pl.lit(values))).to_series()
    return (
        digits.str.split("")
        .explode(empty_as_null=True)
        .cast(pl.UInt8)
        .to_numpy(writable=True)
        .reshape(-1, 9)
    )


def _rewritten(values: pl.Series, matrix: np.ndarray) -> pl.Series:
    """New digits written in each value's current format."""
    text = (matrix + ord("0")).astype(np.uint8).view("S9").ravel()
    digits = pl.from_arrow(pa.array(text, type=pa.binary(9)).cast(pa.string()))
    frame = pl.DataFrame({"d": digits, "style": pl.select(ssn_style(pl.lit(values))).to_series()})
    return frame.select(formatted_ssn(pl.col("d"), pl.col("style")).alias(values.name)).to_series()


def ssn_transposition(values: pl.Series, rng: np.random.Generator) -> pl.Series:
    """Two adjacent, different digits swapped."""
    matrix = _digit_matrix(values)
    differs = matrix[:, :-1] != matrix[:, 1:]
    position = np.where(differs, rng.random(differs.shape), -1.0).argmax(axis=1)
    rows = np.arange(len(matrix))
    left = matrix[rows, position].copy()
    matrix[rows, position] = matrix[rows, position + 1]
    matrix[rows, position + 1] = left
    return _rewritten(values, matrix)


def ssn_wrong_digit(values: pl.Series, rng: np.random.Generator) -> pl.Series:
    """One digit replaced by a different digit."""
    matrix = _digit_matrix(values)
    rows = np.arange(len(matrix))
    position = rng.integers(0, 9, size=len(matrix))
    matrix[rows, position] = (matrix[rows, position] + rng.integers(1, 10, size=len(matrix))) % 10
    return _rewritten(values, matrix)


def ssn_reformat(values: pl.Series, rng: np.random.Generator) -> pl.Series:
    """The same digits in one of the other formats."""
    frame = _with_digits(values, rng)
    styles = list(SSN_STYLES)
    current = pl.col("style").replace_strict(
        {s: k for k, s in enumerate(styles)}, return_dtype=pl.Int64
    )
    shift = random_index(pl.col("u0"), pl.lit(len(styles) - 1)) + 1
    new = ((current + shift) % len(styles)).replace_strict(
        dict(enumerate(styles)), return_dtype=pl.String
    )
    return frame.select(formatted_ssn(pl.col("d"), new).alias(values.name)).to_series()


def _nine_digits(values: Values) -> pl.Series:
    return pl.select(ssn_digits(pl.lit(values[FIELD])).str.len_chars() == 9).to_series()


def _transposable(values: Values) -> pl.Series:
    digits = pl.select(ssn_digits(pl.lit(values[FIELD]))).to_series()
    return _nine_digits(values) & (
        digits.str.slice(1).str.strip_chars(digits.str.slice(0, 1)) != ""
    )


SSN_VARIANTS: tuple[Variant, ...] = (
    Variant("ssn_transposition", "ssn", (FIELD,), 0.30, on_field(FIELD, ssn_transposition),
            _transposable),
    Variant("ssn_wrong_digit", "ssn", (FIELD,), 0.30, on_field(FIELD, ssn_wrong_digit),
            _nine_digits),
    Variant("ssn_format", "ssn", (FIELD,), 0.30, on_field(FIELD, ssn_reformat), _nine_digits,
            group="ssn_format"),
    Variant("ssn_missing", "ssn", (FIELD,), 0.10, on_field(FIELD, blank), last_of_type=True),
)  # fmt: skip
