"""Pair features from the two records' visit timelines.

One person's facility records hold runs of consecutive visits: they rarely interleave, the
visits held elsewhere leave a gap in a record's rhythm, and one person has one check-up a year.
"""

from __future__ import annotations

import numpy as np
import polars as pl

DAYS_PER_YEAR = 365.25
# Consecutive visits of one run at one facility are rarely more than a year apart.
RUN_GAP_DAYS = 400


def visits_inside(summaries: pl.DataFrame, inner: np.ndarray, outer: np.ndarray) -> np.ndarray:
    """How many visits of record ``inner`` fall strictly inside the span of record ``outer``.

    One person's facility records hold runs of consecutive visits; they rarely interleave.
    """
    first, last = day_numbers(summaries, "first_visit"), day_numbers(summaries, "last_visit")
    visits = _visit_days(summaries)
    query = pl.DataFrame(
        {"pair": np.arange(len(inner)), "row": inner, "low": first[outer], "high": last[outer]}
    )
    inside = (
        query.join(visits, on="row")
        .filter((pl.col("day") > pl.col("low")) & (pl.col("day") < pl.col("high")))
        .group_by("pair")
        .agg(n=pl.len())
    )
    counts = np.zeros(len(inner))
    counts[inside.get_column("pair").to_numpy()] = inside.get_column("n").to_numpy()
    return counts


def gap_around(summaries: pl.DataFrame, sparse: np.ndarray, rich: np.ndarray) -> list[np.ndarray]:
    """The gap in the richer record's visits that holds the sparser record's visits.

    When one person moves between facilities, the visits held elsewhere leave a gap in a
    record's rhythm; a stranger's visits fall anywhere. Returns the gap in years, the gap over
    the richer record's median interval, and flags for a sparse record before or after it all.
    """
    first, last = day_numbers(summaries, "first_visit"), day_numbers(summaries, "last_visit")
    median_interval = median_gap_days(summaries)
    visits = _visit_days(summaries)
    query = pl.DataFrame(
        {"pair": np.arange(len(sparse)), "row": rich, "low": first[sparse], "high": last[sparse]}
    )
    bounds = (
        query.join(visits, on="row")
        .group_by("pair")
        .agg(
            before=pl.col("day").filter(pl.col("day") < pl.col("low")).max(),
            after=pl.col("day").filter(pl.col("day") > pl.col("high")).min(),
        )
        .sort("pair")
    )
    before = np.full(len(sparse), np.nan)
    after = np.full(len(sparse), np.nan)
    index = bounds.get_column("pair").to_numpy()
    before[index] = bounds.get_column("before").cast(pl.Float64).fill_null(np.nan).to_numpy()
    after[index] = bounds.get_column("after").cast(pl.Float64).fill_null(np.nan).to_numpy()
    gap = after - before
    ratio = gap / np.maximum(median_interval[rich], 1.0)
    return [
        np.nan_to_num(gap / DAYS_PER_YEAR).clip(0, 20) / 5,
        np.log1p(np.nan_to_num(ratio).clip(0, 1e3)),
        np.isnan(before).astype(float),
        np.isnan(after).astype(float),
    ]


def wellness_clashes(
    summaries: pl.DataFrame, left: np.ndarray, right: np.ndarray
) -> list[np.ndarray]:
    """How close the two records' check-ups come: one person has one check-up a year.

    Returns the log of the smallest distance (days) between a check-up of one record and one
    of the other (0 when either has none) and how many such pairs lie under 300 days apart.
    """
    return _pair_gap_stats(
        summaries,
        left,
        right,
        "wellness_dates",
        nearest=pl.col("gap").min(),
        clashes=(pl.col("gap") < 300).sum(),
    )


def median_gap_days(summaries: pl.DataFrame) -> np.ndarray:
    """Median days between consecutive visits of each record (NaN with one visit)."""
    days = summaries.get_column("visit_dates").list.eval(pl.element().cast(pl.Int64))
    return days.list.diff().list.median().cast(pl.Float64).fill_null(np.nan).to_numpy()


def day_numbers(summaries: pl.DataFrame, column: str) -> np.ndarray:
    """A date column as days since 1970 (NaN where missing)."""
    return summaries.get_column(column).cast(pl.Int64).cast(pl.Float64).fill_null(np.nan).to_numpy()


def _visit_days(summaries: pl.DataFrame, column: str = "visit_dates") -> pl.DataFrame:
    """``row`` and ``day`` (days since 1970) of every date listed in ``column``."""
    return (
        pl.DataFrame({"row": np.arange(summaries.height), "day": summaries.get_column(column)})
        .explode("day")
        .drop_nulls()
        .with_columns(pl.col("day").cast(pl.Int64))
    )


def visit_runs(summaries: pl.DataFrame) -> pl.DataFrame:
    """``row``, ``run_start``, ``run_end`` of each run of visits no more than
    `RUN_GAP_DAYS` apart: stretches where the record likely saw all of the patient's visits."""
    days = _visit_days(summaries).sort("row", "day")
    breaks = pl.col("day").diff().over("row").fill_null(RUN_GAP_DAYS + 1) > RUN_GAP_DAYS
    return (
        days.with_columns(run=breaks.cast(pl.Int64).cum_sum().over("row"))
        .group_by("row", "run")
        .agg(run_start=pl.col("day").min(), run_end=pl.col("day").max())
        .drop("run")
    )


def shared_days(summaries: pl.DataFrame, left: np.ndarray, right: np.ndarray) -> list[np.ndarray]:
    """Visits of the two records on the same day, the fewest days between any two of their
    visits (both logged), and check-ups on the same day (one person has one at a time)."""
    same = (pl.col("gap") == 0).sum()
    visits = _pair_gap_stats(
        summaries, left, right, "visit_dates", same=same, nearest=pl.col("gap").min()
    )
    return [*visits, *_pair_gap_stats(summaries, left, right, "wellness_dates", same=same)]


def _pair_gap_stats(
    summaries: pl.DataFrame, left: np.ndarray, right: np.ndarray, column: str, **stats: pl.Expr
) -> list[np.ndarray]:
    """Per pair, the log1p of each of ``stats`` aggregated over ``gap``, the days between
    every date in ``column`` of the left record and every one of the right (0 where either
    has none)."""
    days = _visit_days(summaries, column)
    pairs = pl.DataFrame({"pair": np.arange(len(left)), "row_l": left, "row_r": right})
    gaps = (
        pairs.join(days.rename({"row": "row_l", "day": "day_l"}), on="row_l")
        .join(days.rename({"row": "row_r", "day": "day_r"}), on="row_r")
        .with_columns(gap=(pl.col("day_l") - pl.col("day_r")).abs())
        .group_by("pair")
        .agg(**stats)
    )
    index = gaps.get_column("pair").to_numpy()
    out = []
    for name in stats:
        values = np.zeros(len(left))
        values[index] = np.log1p(gaps.get_column(name).to_numpy())
        out.append(values)
    return out
