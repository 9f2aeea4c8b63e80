"""The steward's review queue: gray-zone pairs, ranked by how much a decision would change.

A pair is queued when its fused score (Splink and the classifier, as ``resolved_matches``
decides) lies in the review band. Its priority is its uncertainty (1 at a fused score of 0.5,
0 at the band's edges of certainty) times the records a decision moves: the sizes of the golden
records of both sides together. Each pair carries Splink's waterfall terms (the comparison
level and match weight of every comparison) and the clinical evidence in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from synthmass_assets.mpi.calibration import track_fusion
from synthmass_assets.mpi.config import FusionConfig
from synthmass_assets.mpi.decisions import decide_pairs
from synthmass_assets.steward.scorer import (
    PairScorer,
    term_frequencies,
    tf_columns,
    with_term_frequencies,
)


@dataclass(frozen=True)
class ReviewBand:
    """Fused scores from ``low`` to ``high`` are queued, at most ``limit`` pairs."""

    low: float = 0.2
    high: float = 0.8
    limit: int = 500


def all_decisions(
    scored_pairs: pl.DataFrame,
    records: pl.DataFrame,
    pair_predictions: pl.DataFrame,
    calibration: pl.DataFrame | None,
    config: FusionConfig,
) -> pl.DataFrame:
    """Every scored pair decided as ``resolved_matches`` decides it (before the clustering
    guard), accepted or not, with its ``fused_score``; Splink alone without predictions."""
    if pair_predictions.is_empty() or calibration is None:
        return decide_pairs(scored_pairs, records, config.to_rules())
    fusion = track_fusion(calibration, pair_predictions, config.overrides)
    rules = config.to_rules()
    return decide_pairs(scored_pairs, records, rules, pair_predictions, fusion.params, fusion.prior)


def queued_pairs(decisions: pl.DataFrame, links: pl.DataFrame, band: ReviewBand) -> pl.DataFrame:
    """Pairs in the band with ``golden_id_l`` / ``_r``, ``same_golden``, ``cluster_size``
    (records of both golden records), ``uncertainty`` and ``priority``, highest first."""
    sizes = links.group_by("golden_id").agg(size=pl.len())
    golden = links.select("record_id", "golden_id").join(sizes, on="golden_id")
    queued = decisions.filter(pl.col("fused_score").is_between(band.low, band.high))
    for side in ("l", "r"):
        queued = queued.join(
            golden.rename(
                {"record_id": f"record_id_{side}", "golden_id": f"golden_id_{side}",
                 "size": f"size_{side}"}
            ),
            on=f"record_id_{side}",
            how="left",
        )  # fmt: skip
    same = pl.col("golden_id_l") == pl.col("golden_id_r")
    size = pl.when(same).then(pl.col("size_l")).otherwise(pl.col("size_l") + pl.col("size_r"))
    uncertainty = 1 - (2 * pl.col("fused_score") - 1).abs()
    return (
        queued.with_columns(
            same_golden=same.fill_null(False),
            cluster_size=size.fill_null(2),
            uncertainty=uncertainty,
        )
        .with_columns(priority=pl.col("uncertainty") * pl.col("cluster_size"))
        .sort(["priority", "record_id_l", "record_id_r"], descending=[True, False, False])
        .head(band.limit)
        .drop("size_l", "size_r")
        .with_row_index("rank", offset=1)
    )


def level_labels(settings: dict[str, Any]) -> dict[str, dict[int, str]]:
    """Comparison → gamma value → the level's chart label (Splink numbers the null level -1,
    then the others from the most to the least similar down to 0)."""
    out = {}
    for comparison in settings["comparisons"]:
        levels = comparison["comparison_levels"]
        labels = {-1: "null"}
        others = [
            lv
            for lv in levels
            if not lv.get("is_null_level") and "IS NULL" not in lv["sql_condition"]
        ]
        for i, level in enumerate(others):
            labels[len(others) - 1 - i] = level.get("label_for_charts", level["sql_condition"])
        out[comparison["output_column_name"]] = labels
    return out


def waterfall_terms(
    pairs: pl.DataFrame, features: pl.DataFrame, settings: dict[str, Any]
) -> pl.DataFrame:
    """``record_id_l``, ``record_id_r`` and ``splink_terms``: a list of (comparison, level,
    match weight with its term-frequency adjustment) per pair, from Splink's own SQL."""
    tables = {c: term_frequencies(features, c) for c in tf_columns(settings)}
    records = with_term_frequencies(features, tables)
    scored = PairScorer(settings, weights=True, values=True).score(
        records, records, pairs.select(join_key_l="record_id_l", join_key_r="record_id_r")
    )
    labels = level_labels(settings)
    terms = []
    for name, by_gamma in labels.items():
        weight = pl.col(f"mw_{name}")
        if f"mw_tf_adj_{name}" in scored.columns:
            weight = weight + pl.col(f"mw_tf_adj_{name}")
        level = pl.col(f"gamma_{name}").replace_strict(
            by_gamma, default="?", return_dtype=pl.String
        )
        terms.append(pl.struct(comparison=pl.lit(name), level=level, weight=weight.round(2)))
    return scored.select("record_id_l", "record_id_r", splink_terms=pl.concat_list(terms))
