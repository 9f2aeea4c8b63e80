"""Held-out metrics of every variant, recomputed from the saved model files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import torch

from synthmass_assets.classifier.dataset.hf_dataset import PairDataset, split_frame
from synthmass_assets.classifier.evidence.features import pair_features, pair_index
from synthmass_assets.classifier.evidence.record_features import RecordVocabulary, record_matrix
from synthmass_assets.classifier.metrics import COUNT_NAMES, METRIC_NAMES, binary_metrics
from synthmass_assets.classifier.serving.artifacts import (
    ModelFiles,
    load_encodings,
    load_heads,
    read_manifest,
)
from synthmass_assets.classifier.serving.scoring import variant_scores

EVALUATED_SPLITS = ("validation", "test")
EVALUATION_COLUMNS = ("variant", "split", *METRIC_NAMES, *COUNT_NAMES, "n")


def evaluate_variants(model_dir: Path, data: PairDataset, summaries: pl.DataFrame) -> pl.DataFrame:
    """One row per variant and split: precision, recall, F1, accuracy, ROC AUC, counts.

    A bi-encoder is rescored from its cached record encodings and heads (full,
    structured_only, text_only on the same pairs); a cross-encoder's metrics come from its
    manifest (it was scored right after training, on these splits).
    """
    files = ModelFiles(model_dir)
    manifest = read_manifest(files)
    rows = []
    if manifest["settings"]["mode"] != "bi_encoder":
        for variant, per_split in manifest["metrics"].items():
            for split in EVALUATED_SPLITS:
                rows.append({"variant": variant, "split": split, **per_split[split]})
        return pl.DataFrame(rows).select(EVALUATION_COLUMNS)

    ids, encodings = load_encodings(files.encodings)
    heads = load_heads(files.heads)
    records = pl.DataFrame({"record_id": ids}).join(
        summaries, on="record_id", how="left", maintain_order="left"
    )
    vocabulary = RecordVocabulary.from_json(files.vocabulary.read_text())
    facts = torch.from_numpy(record_matrix(records, vocabulary))
    variants = sorted({name.split(":", 1)[1] for name in heads})
    for split in EVALUATED_SPLITS:
        pairs = split_frame(data.pairs[split])
        left, right = pair_index(records, pairs)
        structured = pair_features(summaries, pairs, vocabulary.chronic)
        labels = pairs.get_column("label").to_numpy()
        for variant in variants:
            probability, _ = variant_scores(
                heads, variant, encodings, facts, structured, left, right
            )
            rows.append({"variant": variant, "split": split, **binary_metrics(labels, probability)})
    order = {"full": 0, "structured_only": 1, "text_only": 2}
    return (
        pl.DataFrame(rows)
        .with_columns(pl.col(c).cast(pl.Float64) for c in (*METRIC_NAMES, *COUNT_NAMES, "n"))
        .select(EVALUATION_COLUMNS)
        .sort(pl.col("split"), pl.col("variant").replace_strict(order, default=9))
    )


def test_f1(evaluation: pl.DataFrame, variant: str = "full") -> float:
    """Test F1 of one variant from a `evaluate_variants` table."""
    row = evaluation.filter((pl.col("variant") == variant) & (pl.col("split") == "test"))
    return float(row.get_column("f1")[0]) if row.height else float(np.nan)
