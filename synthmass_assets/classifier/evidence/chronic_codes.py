"""What the training records say about each condition code, learned once and saved with the model.

A chronic condition is diagnosed once per person, most never resolve, and many are followed up
at a fixed rhythm. Which codes behave so is read from the training records themselves (no
label needed): a code no record diagnoses on two different days is diagnosed once; one whose
diagnoses are all still ongoing is lifelong; the typical days between two visits for it are
its follow-up interval.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

MIN_RECORDS = 30
LIFELONG_SHARE = 0.99
MIN_FOLLOW_UP_DAYS = 60


def events(summaries: pl.DataFrame, column: str) -> pl.DataFrame:
    """One row per element of a list-of-struct column, with its record's row number."""
    return (
        summaries.select(pl.int_range(pl.len()).alias("row"), column)
        .explode(column)
        .drop_nulls(column)
        .unnest(column)
    )


@dataclass(frozen=True)
class ChronicCodes:
    """Condition codes by course.

    Attributes:
        once: Codes diagnosed at most once per person.
        lifelong: Codes of ``once`` that never resolve.
        follow_up_days: Lifelong codes followed up regularly → median days between visits.
    """

    once: tuple[str, ...] = ()
    lifelong: tuple[str, ...] = ()
    follow_up_days: dict[str, float] = field(default_factory=dict)

    @classmethod
    def fit(cls, summaries: pl.DataFrame) -> ChronicCodes:
        """Read the codes' courses from ``summaries`` (``diagnoses`` and ``care`` lists)."""
        diagnosed = (
            events(summaries, "diagnoses")
            .group_by("row", "code")
            .agg(days=pl.col("day").n_unique(), ongoing=pl.col("ongoing").all())
            .group_by("code")
            .agg(
                records=pl.len(),
                repeated=(pl.col("days") > 1).any(),
                ongoing=pl.col("ongoing").mean(),
            )
            .filter((pl.col("records") >= MIN_RECORDS) & ~pl.col("repeated"))
            .sort("code")
        )
        lifelong = diagnosed.filter(pl.col("ongoing") >= LIFELONG_SHARE).get_column("code")
        gaps = (
            events(summaries, "care")
            .filter(pl.col("code").is_in(lifelong.implode()))
            .unique()
            .sort("row", "code", "day")
            .with_columns(gap=pl.col("day").diff().over("row", "code").dt.total_days())
            .filter(pl.col("gap") > MIN_FOLLOW_UP_DAYS)
            .group_by("code")
            .agg(days=pl.col("gap").median(), n=pl.len())
            .filter(pl.col("n") >= MIN_RECORDS)
            .sort("code")
        )
        return cls(
            once=tuple(diagnosed.get_column("code").to_list()),
            lifelong=tuple(lifelong.to_list()),
            follow_up_days=dict(zip(gaps["code"].to_list(), gaps["days"].to_list(), strict=True)),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "once": list(self.once),
            "lifelong": list(self.lifelong),
            "follow_up_days": self.follow_up_days,
        }

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> ChronicCodes:
        return cls(
            once=tuple(values.get("once", ())),
            lifelong=tuple(values.get("lifelong", ())),
            follow_up_days={k: float(v) for k, v in values.get("follow_up_days", {}).items()},
        )
