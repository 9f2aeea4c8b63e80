"""Formatting errors: the same value written differently (phone punctuation, SSN separators, case).

Off by default in both protocols (weight 0), available for custom protocols.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from synthmass_assets.augmentation.errors.ssn import ssn_reformat
from synthmass_assets.augmentation.errors.variant import (
    Applicability,
    Values,
    Variant,
    on_field,
    random_index,
    uniforms,
)

PHONE_STYLES: tuple[str, ...] = ("dashed", "parenthesized", "dotted", "plain")


def phone_style(values: pl.Expr) -> pl.Expr:
    """Which of `PHONE_STYLES` a phone number is written in."""
    return (
        pl.when(values.str.starts_with("("))
        .then(pl.lit("parenthesized"))
        .when(values.str.contains(r"\."))
        .then(pl.lit("dotted"))
        .when(values.str.contains("-"))
        .then(pl.lit("dashed"))
        .otherwise(pl.lit("plain"))
    )


def phone_reformat(values: pl.Series, rng: np.random.Generator) -> pl.Series:
    """The same ten digits in another style: 617-555-0123, (617) 555-0123, 617.555.0123, ..."""
    frame = uniforms(rng, len(values)).with_columns(
        d=pl.lit(values).str.replace_all(r"\D", ""), style=phone_style(pl.lit(values))
    )
    current = pl.col("style").replace_strict(
        {s: k for k, s in enumerate(PHONE_STYLES)}, return_dtype=pl.Int64
    )
    shift = random_index(pl.col("u0"), pl.lit(len(PHONE_STYLES) - 1)) + 1
    new = ((current + shift) % len(PHONE_STYLES)).replace_strict(
        dict(enumerate(PHONE_STYLES)), return_dtype=pl.String
    )
    d = pl.col("d")
    area, exchange, line = d.str.slice(0, 3), d.str.slice(3, 3), d.str.slice(6)
    written = (
        pl.when(new == "parenthesized")
        .then("(" + area + ") " + exchange + "-" + line)
        .when(new == "dotted")
        .then(area + "." + exchange + "." + line)
        .when(new == "dashed")
        .then(area + "-" + exchange + "-" + line)
        .otherwise(d)
    )
    return frame.select(written.alias(values.name)).to_series()


def upper_case(values: pl.Series, rng: np.random.Generator) -> pl.Series:
    """Typed in capitals (SMITH)."""
    return values.str.to_uppercase()


def _ten_digits(values: Values) -> pl.Series:
    return values["phone"].str.replace_all(r"\D", "").str.len_chars() == 10


def _has_lower_case(field: str) -> Applicability:
    return lambda values: values[field] != values[field].str.to_uppercase()


FORMATTING_VARIANTS: tuple[Variant, ...] = (
    Variant("phone_format", "formatting", ("phone",), 0.4, on_field("phone", phone_reformat),
            _ten_digits, group="phone_format"),
    Variant("ssn_format", "formatting", ("ssn",), 0.3, on_field("ssn", ssn_reformat),
            group="ssn_format"),
    Variant("upper_case", "formatting", ("last_name",), 0.15, on_field("last_name", upper_case),
            _has_lower_case("last_name")),
    Variant("upper_case", "formatting", ("first_name",), 0.15, on_field("first_name", upper_case),
            _has_lower_case("first_name")),
)  # fmt: skip
