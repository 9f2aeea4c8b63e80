"""Dagster metadata of the classifier assets (split sizes, losses, metrics, promotion)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl

from synthmass_assets.classifier.metrics import METRIC_NAMES
from synthmass_assets.classifier.serving.artifacts import TrainingReport
from synthmass_assets.classifier.serving.merging import Promotion
from synthmass_assets.classifier.settings import PairClassifierSettings
from synthmass_assets.metadata import markdown_table


def _rounded(values: dict[str, float]) -> dict[str, float]:
    return {k: round(float(v), 4) for k, v in values.items()}


def dataset_metadata(pairs: pl.DataFrame, location: str) -> dict[str, Any]:
    """Split sizes, label balance and where the negatives came from."""
    sizes = pairs.group_by("split").agg(
        pairs=pl.len(),
        positives=(pl.col("label") == 1).sum(),
        positive_share=pl.col("label").mean().round(4),
        patients=pl.concat_list("patient_id_l", "patient_id_r").explode().n_unique(),
    )
    sources = pairs.group_by("split", "source").agg(pairs=pl.len()).sort("split", "source")
    per_split = {row["split"]: row["pairs"] for row in sizes.iter_rows(named=True)}
    return {
        "path": dg.MetadataValue.path(location),
        "splits": markdown_table(sizes.sort("split"), limit=3),
        "sources": markdown_table(sources, limit=12),
        **{f"{split}_pairs": int(n) for split, n in per_split.items()},
        "positive_share": round(float(pairs.get_column("label").to_numpy().mean()), 4),
    }


def training_metadata(
    report: TrainingReport, settings: PairClassifierSettings, location: str
) -> dict[str, Any]:
    """Trainable parameters, loss curves, validation metrics per epoch, test metrics."""
    test = report.metrics.get("full", {}).get("test", {})
    per_epoch = (
        pl.DataFrame(report.validation_per_epoch) if report.validation_per_epoch else pl.DataFrame()
    )
    return {
        "path": dg.MetadataValue.path(location),
        "mode": settings.mode,
        "trainable_parameters": report.trainable_parameters,
        "total_parameters": report.total_parameters,
        "lora_loss_curve": dg.MetadataValue.json(report.lora_loss_curve),
        "head_loss_curve": dg.MetadataValue.json(report.head_loss_curve),
        "validation_per_epoch": markdown_table(per_epoch, limit=100),
        **{f"test_{name}": round(float(test[name]), 4) for name in METRIC_NAMES if name in test},
        "profile_test_error": dg.MetadataValue.json(report.profile_test_error),
        "seconds": dg.MetadataValue.json(_rounded(report.seconds)),
        "records_encoded": report.records_encoded,
        "settings": dg.MetadataValue.json(settings.to_dict()),
    }


def merge_metadata(
    merged: dict[str, float],
    trained: dict[str, float],
    drift: float,
    outcome: Promotion,
    folder: Path,
) -> dict[str, Any]:
    """Merged vs trained test metrics and the promotion decision."""
    return {
        "path": dg.MetadataValue.path(str(folder)),
        "merged_test_f1": round(merged["f1"], 4),
        "trained_test_f1": round(float(trained["f1"]), 4),
        "metric_drift": round(drift, 5),
        "merged_test_metrics": dg.MetadataValue.json(_rounded(merged)),
        "promoted": outcome.promoted,
        "previous_promoted_f1": outcome.previous_f1 if outcome.previous_f1 is not None else "none",
        "promotion_reason": outcome.reason,
    }
