"""Batched scoring of candidate pairs with the classifier stage's scorer.

The classifier stage says how to load its scorer through a
:class:`~synthmass_assets.classifier.serving.contract.ClassifierBinding`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection

import polars as pl

from synthmass_assets.classifier.serving.contract import BatchScorer
from synthmass_assets.errors import SynthmassError
from synthmass_assets.mpi.decisions import PREDICTION_COLUMNS, empty_predictions

logger = logging.getLogger(__name__)


def pairs_to_score(
    scored: pl.DataFrame,
    tiers: Collection[str],
    with_history: pl.Series,
    only_records: Collection[str] | None = None,
    min_probability: float = 0.0,
) -> pl.DataFrame:
    """Scored pairs of the given tiers whose two records both have clinical history.

    Args:
        scored: ``scored_pairs``.
        tiers: Tiers the classifier decides (``gray_zone`` by default).
        with_history: Record ids that have a clinical summary.
        only_records: When given, keep only pairs of two of these records (held-out pairs).
        min_probability: Skip pairs below this Splink match probability.
    """
    allowed = with_history.unique()
    if only_records is not None:
        allowed = allowed.filter(allowed.is_in(pl.Series(list(only_records)).implode()))
    allowed_list = allowed.implode()
    return scored.filter(
        pl.col("tier").is_in(list(tiers))
        & (pl.col("match_probability") >= min_probability)
        & pl.col("record_id_l").is_in(allowed_list)
        & pl.col("record_id_r").is_in(allowed_list)
    ).select("record_id_l", "record_id_r", "tier", "match_probability", "match_weight")


def predict(
    scorer: BatchScorer, pairs: pl.DataFrame, summaries: pl.DataFrame, batch_size: int
) -> pl.DataFrame:
    """Classifier ``probability`` and ``logit`` of every pair, scored in batches with progress.

    Raises:
        SynthmassError: the scorer dropped pairs or returned no ``probability``/``logit``.
    """
    if pairs.is_empty():
        return pairs.join(empty_predictions(), on=["record_id_l", "record_id_r"], how="left")
    started, parts = time.perf_counter(), []
    for start in range(0, pairs.height, batch_size):
        batch = pairs.slice(start, batch_size)
        scored = scorer(batch.select("record_id_l", "record_id_r"), summaries)
        missing = set(PREDICTION_COLUMNS) - set(scored.columns)
        if missing or scored.height != batch.height:
            raise SynthmassError(
                f"The pair scorer returned {scored.height} rows for {batch.height} pairs "
                f"(missing columns: {sorted(missing) or 'none'}); it must score every pair it "
                "is given and return record_id_l, record_id_r, probability and logit"
            )
        parts.append(scored.select(PREDICTION_COLUMNS))
        done = start + batch.height
        elapsed = time.perf_counter() - started
        logger.info(
            "Scored %d/%d pairs (%.0f pairs/s)", done, pairs.height, done / max(elapsed, 1e-9)
        )
    predictions = pl.concat(parts).with_columns(pl.col("probability", "logit").cast(pl.Float64))
    return pairs.join(predictions, on=["record_id_l", "record_id_r"], how="left")
