"""Held-out metrics of every variant, recomputed from the saved model files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import torch

from synthmass_assets.classifier.dataset.hf_dataset import PairDataset, split_frame
from synthmass_assets.classifier.evidence.features import pair_features, pair_index
from synthmass_assets.classifier.evidence.record_features import RecordVocabulary, record_matrix
from synthmass_assets.classifier.evidence.semantic import semantic_features
from synthmass_assets.classifier.metrics import COUNT_NAMES, METRIC_NAMES, binary_metrics
from synthmass_assets.classifier.serving.artifacts import (
    ModelFiles,
    load_encodings,
    load_heads,
    load_items,
    read_manifest,
)
from synthmass_assets.classifier.serving.scoring import variant_scores

EVALUATED_SPLITS = ("validation", "test")
CROSS_CODING = "test_cross_coding"
EVALUATION_COLUMNS = ("variant", "split", *METRIC_NAMES, *COUNT_NAMES, "n")
CODING_COLUMNS = ("conditions_coding", "medications_coding", "observations_coding")


def facility_coding(facilities: pl.DataFrame | None) -> pl.DataFrame | None:
    """``facility_id`` → ``coding`` (its conditions, medications and observations profiles),
    or None when the facilities carry no coding profiles."""
    if facilities is None or not set(CODING_COLUMNS) <= set(facilities.columns):
        return None
    return facilities.select(
        "facility_id", coding=pl.concat_str([pl.col(c) for c in CODING_COLUMNS], separator="/")
    )


def cross_coding_mask(
    pairs: pl.DataFrame, summaries: pl.DataFrame, coding: pl.DataFrame
) -> np.ndarray:
    """Whether the two records of each pair come from facilities that code differently."""
    record_coding = summaries.select("record_id", "facility_id").join(
        coding, on="facility_id", how="left"
    )
    joined = pairs.select("record_id_l", "record_id_r").join(
        record_coding.select(record_id_l="record_id", coding_l="coding"),
        on="record_id_l",
        how="left",
        maintain_order="left",
    )
    joined = joined.join(
        record_coding.select(record_id_r="record_id", coding_r="coding"),
        on="record_id_r",
        how="left",
        maintain_order="left",
    )
    return (
        (joined.get_column("coding_l") != joined.get_column("coding_r")).fill_null(False).to_numpy()
    )


def evaluate_variants(
    model_dir: Path,
    data: PairDataset,
    summaries: pl.DataFrame,
    facilities: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """One row per variant and split: precision, recall, F1, accuracy, ROC AUC, counts.

    A bi-encoder is rescored from its cached record encodings and heads (full,
    structured_only, text_only on the same pairs); a cross-encoder's metrics come from its
    manifest (it was scored right after training, on these splits). With ``facilities``
    that carry coding profiles, split `CROSS_CODING` holds the test pairs whose two
    facilities code differently.
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
    items = load_items(files.items)
    vocabulary = RecordVocabulary.from_json(files.vocabulary.read_text())
    facts = torch.from_numpy(record_matrix(records, vocabulary))
    variants = sorted({name.split(":", 1)[1] for name in heads})
    coding = facility_coding(facilities)
    for split in EVALUATED_SPLITS:
        pairs = split_frame(data.pairs[split])
        left, right = pair_index(records, pairs)
        evidence = np.concatenate(
            [
                pair_features(summaries, pairs, vocabulary.chronic),
                semantic_features(records, left, right, items),
            ],
            axis=1,
        )
        labels = pairs.get_column("label").to_numpy()
        for variant in variants:
            probability, _ = variant_scores(heads, variant, encodings, facts, evidence, left, right)
            rows.append({"variant": variant, "split": split, **binary_metrics(labels, probability)})
            if split == "test" and coding is not None:
                cross = cross_coding_mask(pairs, summaries, coding)
                metrics = binary_metrics(labels[cross], probability[cross])
                rows.append({"variant": variant, "split": CROSS_CODING, **metrics})
    order = {"full": 0, "structured_only": 1, "text_only": 2}
    return (
        pl.DataFrame(rows)
        .with_columns(pl.col(c).cast(pl.Float64) for c in (*METRIC_NAMES, *COUNT_NAMES, "n"))
        .select(EVALUATION_COLUMNS)
        .sort(pl.col("split"), pl.col("variant").replace_strict(order, default=9))
    )


def test_f1(evaluation: pl.DataFrame, variant: str = "full", split: str = "test") -> float:
    """Test F1 of one variant from a `evaluate_variants` table."""
    row = evaluation.filter((pl.col("variant") == variant) & (pl.col("split") == split))
    return float(row.get_column("f1")[0]) if row.height else float(np.nan)
