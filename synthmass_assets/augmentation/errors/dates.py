"""Birthdate errors: off by a day, month or year, day and month swapped, two digits transposed.

Every result is a valid calendar date that differs from the input.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from synthmass_assets.augmentation.errors.variant import Values, Variant, on_field, uniforms

FIELD = "birthdate"


def _signed_offset(values: pl.Series, rng: np.random.Generator, unit: str) -> pl.Series:
    frame = uniforms(rng, len(values)).with_columns(d=values)
    step = pl.when(pl.col("u0") < 0.5).then(pl.lit(f"-1{unit}")).otherwise(pl.lit(f"1{unit}"))
    return frame.select(pl.col("d").dt.offset_by(step).alias(values.name)).to_series()


def off_by_day(values: pl.Series, rng: np.random.Generator) -> pl.Series:
    """One day earlier or later."""
    return _signed_offset(values, rng, "d")


def off_by_month(values: pl.Series, rng: np.random.Generator) -> pl.Series:
    """One month earlier or later (the 31st becomes the month's last day)."""
    return _signed_offset(values, rng, "mo")


def off_by_year(values: pl.Series, rng: np.random.Generator) -> pl.Series:
    """One year earlier or later (29 February becomes the 28th)."""
    return _signed_offset(values, rng, "y")


def day_month_swap(values: pl.Series, rng: np.random.Generator) -> pl.Series:
    """Day and month exchanged (US vs European order); needs a day of 12 or less."""
    date = pl.lit(values)
    return pl.select(
        pl.date(date.dt.year(), date.dt.day(), date.dt.month()).alias(values.name)
    ).to_series()


def _swapped_pair(number: np.ndarray) -> np.ndarray:
    """The two last decimal digits exchanged (87 → 78, 1987 → 1978, 03 → 30)."""
    return number - number % 100 + (number % 10) * 10 + (number // 10) % 10


def _valid_date(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> pl.Series:
    """Dates from parts, null where the parts are no calendar date."""
    month_start = (year - 1970) * 12 + np.clip(month, 1, 12) - 1
    first = month_start.astype("datetime64[M]").astype("datetime64[D]")
    length = (month_start + 1).astype("datetime64[M]").astype("datetime64[D]") - first
    ok = (month >= 1) & (month <= 12) & (day >= 1) & (day <= length.astype(np.int64))
    dates = pl.Series(first + (day - 1).astype("timedelta64[D]")).cast(pl.Date)
    return pl.select(pl.when(pl.Series(ok)).then(dates)).to_series()


def transposition_candidates(values: pl.Series) -> pl.DataFrame:
    """Valid, different dates from swapping the year's last two digits, the day's or the month's.

    A year swap only counts when it makes the person older (1987 → 1978, never 2015 → 2051).
    """
    # Null dates get placeholder parts; comparing with the null original drops them again.
    year = values.dt.year().fill_null(2000).to_numpy().astype(np.int64)
    month = values.dt.month().fill_null(1).to_numpy().astype(np.int64)
    day = values.dt.day().fill_null(1).to_numpy().astype(np.int64)
    swaps = {
        "year": (_swapped_pair(year), month, day),
        "day": (year, month, _swapped_pair(day)),
        "month": (year, _swapped_pair(month), day),
    }
    frame = pl.DataFrame({"original": values})
    for name, parts in swaps.items():
        swapped = _valid_date(*parts)
        plausible = (swapped < values) if name == "year" else (swapped != values)
        frame = frame.with_columns(pl.when(plausible).then(swapped).alias(name))
    return frame.drop("original")


def digit_transposition(values: pl.Series, rng: np.random.Generator) -> pl.Series:
    """Two adjacent digits swapped (1987 → 1978, 12 → 21), choosing among the valid swaps."""
    candidates = transposition_candidates(values)
    valid = candidates.select(pl.all().is_not_null()).to_numpy()
    choice = np.where(valid, rng.random(valid.shape), -1.0).argmax(axis=1)
    frame = candidates.with_columns(choice=pl.Series(choice))
    picked = pl.coalesce(
        pl.when(pl.col("choice") == k).then(pl.col(name))
        for k, name in enumerate(candidates.columns)
    )
    return frame.select(picked.alias(values.name)).to_series()


def _day_month_swappable(values: Values) -> pl.Series:
    date = values[FIELD]
    return (date.dt.day() <= 12) & (date.dt.day() != date.dt.month())


def _transposable(values: Values) -> pl.Series:
    return (
        transposition_candidates(values[FIELD])
        .select(pl.any_horizontal(pl.all().is_not_null()))
        .to_series()
    )


DATE_VARIANTS: tuple[Variant, ...] = (
    Variant("off_by_day", "date", (FIELD,), 0.30, on_field(FIELD, off_by_day)),
    Variant("off_by_month", "date", (FIELD,), 0.15, on_field(FIELD, off_by_month)),
    Variant("off_by_year", "date", (FIELD,), 0.15, on_field(FIELD, off_by_year)),
    Variant("day_month_swap", "date", (FIELD,), 0.20, on_field(FIELD, day_month_swap),
            _day_month_swappable),
    Variant("digit_transposition", "date", (FIELD,), 0.20, on_field(FIELD, digit_transposition),
            _transposable),
)  # fmt: skip
