"""The ``synthmass`` row of ``resolution_metrics`` beside the Splink-alone baselines.

Metrics are defined in ``resolution/metrics.py`` (DESIGN.md): pair metrics over the resolved
matches, cluster metrics over the final (guarded) clusters of ``record_links``.
"""

from __future__ import annotations

import polars as pl

from synthmass_assets.resolution.baselines import splink_baselines
from synthmass_assets.resolution.metrics import cluster_metrics, pair_metrics, true_pairs

SYNTHMASS = "synthmass"
HEADLINE = ("pair_precision", "pair_recall", "pair_f1", "cluster_pair_f1", "fragmentation_rate")


def synthmass_row(
    resolved: pl.DataFrame,
    record_links: pl.DataFrame,
    ground_truth: pl.DataFrame,
    threshold: float | None,
) -> dict[str, object]:
    """Every metric of the resolved matches and the final clusters."""
    links = record_links.select("record_id", cluster="golden_id")
    return {
        "method": SYNTHMASS,
        "threshold": threshold,
        **pair_metrics(resolved, true_pairs(ground_truth)),
        **cluster_metrics(links, ground_truth),
    }


def metrics_table(
    scored: pl.DataFrame,
    resolved: pl.DataFrame,
    record_links: pl.DataFrame,
    ground_truth: pl.DataFrame,
    threshold: float | None,
) -> pl.DataFrame:
    """Rows ``splink_at_0.99``, ``splink_best_threshold`` and ``synthmass``."""
    baselines = splink_baselines(scored, ground_truth, record_links.get_column("record_id"))
    row = pl.DataFrame([synthmass_row(resolved, record_links, ground_truth, threshold)])
    return pl.concat([baselines, row.cast(baselines.schema)], how="vertical")


def precision_by_source(resolved: pl.DataFrame, ground_truth: pl.DataFrame) -> pl.DataFrame:
    """Accepted pairs and their precision per decision source (which decisions go wrong)."""
    truth = true_pairs(ground_truth).with_columns(true=pl.lit(True))
    pairs = resolved.with_columns(ordered_columns())
    labelled = pairs.join(truth, on=["record_id_l", "record_id_r"], how="left")
    return (
        labelled.group_by("decision_source")
        .agg(accepted=pl.len(), true_matches=pl.col("true").fill_null(False).sum())
        .with_columns(precision=(pl.col("true_matches") / pl.col("accepted")).round(4))
        .sort("decision_source")
    )


def ordered_columns() -> list[pl.Expr]:
    """``record_id_l`` ≤ ``record_id_r`` (truth pairs are ordered that way)."""
    return [
        pl.min_horizontal("record_id_l", "record_id_r").alias("record_id_l"),
        pl.max_horizontal("record_id_l", "record_id_r").alias("record_id_r"),
    ]
