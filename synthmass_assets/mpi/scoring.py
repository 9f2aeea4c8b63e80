"""The contract between the mpi stage and the pair classifier, and batched scoring.

The classifier stage provides a :class:`ClassifierBinding`: which asset holds the promoted model,
how to load a :data:`PairScorer` from storage, and which training-track records the model never
saw (for calibrating the fusion on held-out pairs).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from synthmass_assets.errors import SynthmassError
from synthmass_assets.mpi.decisions import PREDICTION_COLUMNS, empty_predictions

if TYPE_CHECKING:
    from synthmass_assets.resources.storage import SynthmassStorage

logger = logging.getLogger(__name__)

PairScorer = Callable[[pl.DataFrame, pl.DataFrame], pl.DataFrame]
"""``scorer(pairs, summaries)``: ``pairs`` has ``record_id_l`` and ``record_id_r``, ``summaries``
is the track's ``clinical_summaries``; returns the same pairs with ``probability`` and ``logit``
(the classifier's, at its 50% training match rate). A scorer is called once per batch and should
keep per-record encodings between calls."""


@dataclass(frozen=True)
class ClassifierBinding:
    """What ``pair_predictions`` and the fusion calibration need from the classifier stage.

    Attributes:
        model_key: Asset key path of the promoted model (a dependency of ``pair_predictions``).
        load_scorer: Builds a scorer from the promoted model in storage.
        held_out_records: Training-track record ids the model was not fitted on.
        summaries_asset: Per-track asset with one row per record that has clinical history.
    """

    model_key: Sequence[str]
    load_scorer: Callable[[SynthmassStorage], PairScorer]
    held_out_records: Callable[[SynthmassStorage], Collection[str]]
    summaries_asset: str = "clinical_summaries"


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
    scorer: PairScorer, pairs: pl.DataFrame, summaries: pl.DataFrame, batch_size: int
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
