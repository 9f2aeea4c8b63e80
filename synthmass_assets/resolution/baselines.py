"""Splink-alone baselines for the metrics table: at the 0.99 tier and at its best threshold."""

from __future__ import annotations

import polars as pl

from synthmass_assets.resolution.metrics import (
    cluster_metrics,
    clusters,
    pair_metrics,
    threshold_sweep,
    true_pairs,
)

AT_TIER = "splink_at_0.99"
BEST = "splink_best_threshold"


def method_row(
    method: str,
    threshold: float,
    accepted: pl.DataFrame,
    ground_truth: pl.DataFrame,
    record_ids: pl.Series,
) -> dict[str, object]:
    """Every metric of one method's accepted pairs."""
    truth = true_pairs(ground_truth)
    links = clusters(record_ids, accepted)
    return {
        "method": method,
        "threshold": threshold,
        **pair_metrics(accepted, truth),
        **cluster_metrics(links, ground_truth),
    }


def splink_baselines(
    scored: pl.DataFrame,
    ground_truth: pl.DataFrame,
    record_ids: pl.Series,
    tier_threshold: float = 0.99,
) -> pl.DataFrame:
    """Rows ``splink_at_0.99`` and ``splink_best_threshold`` (threshold swept on ground truth)."""
    sweep = threshold_sweep(scored, true_pairs(ground_truth))
    best = float(sweep.sort("pair_f1", "threshold", descending=True)["threshold"][0])
    rows = [
        method_row(
            method,
            threshold,
            scored.filter(pl.col("match_probability") >= threshold),
            ground_truth,
            record_ids,
        )
        for method, threshold in ((AT_TIER, tier_threshold), (BEST, best))
    ]
    return pl.DataFrame(rows)


def blocking_recall(scored: pl.DataFrame, ground_truth: pl.DataFrame) -> tuple[float, int, int]:
    """Share of true pairs that reached scoring: (recall, found, true pairs).

    Record ids become their positions in the ground truth, so that millions of scored pairs
    are compared as integers rather than joined as strings.
    """
    ids = pl.Enum(ground_truth.get_column("record_id").unique(maintain_order=True))

    def pair_codes(frame: pl.DataFrame) -> pl.Series:
        left, right = (
            pl.col(c).cast(ids, strict=False).to_physical().cast(pl.UInt64)
            for c in ("record_id_l", "record_id_r")
        )
        code = pl.min_horizontal(left, right) * 2**32 + pl.max_horizontal(left, right)
        return frame.select(code.alias("code")).get_column("code").drop_nulls()

    truth = pair_codes(true_pairs(ground_truth))
    codes = pair_codes(scored)
    found = codes.filter(codes.is_in(truth.implode())).n_unique()
    return (found / truth.len() if truth.len() else 1.0), found, truth.len()
