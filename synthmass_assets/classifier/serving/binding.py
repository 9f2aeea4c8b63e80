"""The classifier stage's side of the mpi contract: the promoted model as a pair scorer.

``pair_predictions`` (mpi) depends on ``training/merged_pair_classifier``, which writes (and, by
its promotion rule, may keep) ``models/promoted_pair_classifier``. Fusion is calibrated on
training-track pairs whose two records lie in the pair dataset's held-out test split.
"""

from __future__ import annotations

from functools import partial

import polars as pl

from synthmass_assets.classifier.dataset.hf_dataset import PairDataset
from synthmass_assets.classifier.serving.contract import ClassifierBinding
from synthmass_assets.classifier.serving.scoring import PairScorer
from synthmass_assets.classifier.training_assets import DATASET, MERGED, PROMOTED
from synthmass_assets.resources.storage import SynthmassStorage
from synthmass_assets.tracks import TRAINING, TrackSpec

ENCODING_CACHE = "record_encodings"
"""Model folder holding cached per-record encodings (keyed by record, text and model)."""

HELD_OUT_SPLIT = "test"


def _score(
    scorer: PairScorer, storage: SynthmassStorage, pairs: pl.DataFrame, summaries: pl.DataFrame
) -> pl.DataFrame:
    return scorer.score(pairs, summaries, storage.model_dir(ENCODING_CACHE))


def load_promoted_scorer(
    storage: SynthmassStorage,
) -> partial[pl.DataFrame]:
    """A ``(pairs, summaries) -> scored pairs`` callable from the promoted model, encodings
    cached under ``models/record_encodings`` between batches and runs."""
    return partial(_score, PairScorer(storage.fetch_model(PROMOTED)), storage)


def held_out_records(storage: SynthmassStorage) -> set[str]:
    """Record ids of the pair dataset's test split (never seen in training or model selection)."""
    data = PairDataset.load(storage.fetch_model(DATASET))
    return set(data.records[HELD_OUT_SPLIT]["record_id"])


def promoted_binding(training: TrackSpec = TRAINING) -> ClassifierBinding:
    """The binding the mpi stage uses: promoted model, its scorer and held-out records."""
    return ClassifierBinding(
        model_key=(training.name, MERGED),
        load_scorer=load_promoted_scorer,
        held_out_records=held_out_records,
    )
