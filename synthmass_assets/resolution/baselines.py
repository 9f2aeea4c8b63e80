"""Splink-alone baselines for the metrics table: at the 0.99 tier and at its best threshold."""

from __future__ import annotations

import polars as pl

from synthmass_assets.resolution.metrics import (
    cluster_metrics,
    clusters,
    ordered,
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
    """Share of true pairs that reached scoring: (recall, found, true pairs)."""
    truth = true_pairs(ground_truth)
    found = truth.join(ordered(scored), on=["record_id_l", "record_id_r"]).height
    return (found / truth.height if truth.height else 1.0), found, truth.height
