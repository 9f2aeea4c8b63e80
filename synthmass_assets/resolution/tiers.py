"""Split scored pairs into auto-match, gray-zone and auto-reject tiers."""

from __future__ import annotations

import polars as pl

TIERS = ("auto_match", "gray_zone", "auto_reject")


def assign_tiers(
    scored: pl.DataFrame, match_threshold: float, reject_threshold: float
) -> pl.DataFrame:
    """Add ``tier`` from ``match_probability``.

    Raises:
        ValueError: when the reject threshold is not below the match threshold.
    """
    if not reject_threshold < match_threshold:
        raise ValueError(
            f"auto_reject_threshold ({reject_threshold}) must be below "
            f"auto_match_threshold ({match_threshold})"
        )
    p = pl.col("match_probability")
    tier = (
        pl.when(p >= match_threshold)
        .then(pl.lit("auto_match"))
        .when(p < reject_threshold)
        .then(pl.lit("auto_reject"))
        .otherwise(pl.lit("gray_zone"))
    )
    return scored.with_columns(tier=tier)


def tier_counts(scored: pl.DataFrame) -> dict[str, int]:
    counts = dict(scored.group_by("tier").len().iter_rows())
    return {tier: int(counts.get(tier, 0)) for tier in TIERS}
