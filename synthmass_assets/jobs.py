"""Asset jobs that mirror the tracks, shown in the Dagster UI with their descriptions.

Each job selects its track by asset-key prefix, so it picks up every stage of the track as it
is defined (a stage that is not there yet simply is not selected) together with the asset
checks of the selected assets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import dagster as dg

from synthmass_assets.resolution.custom_assets import CUSTOM
from synthmass_assets.tracks import EVALUATION, TRAINING

if TYPE_CHECKING:
    # What dg.define_asset_job returns; Dagster does not export the name at the top level.
    from dagster._core.definitions.unresolved_asset_job_definition import (
        UnresolvedAssetJobDefinition,
    )

JOB_DESCRIPTIONS = {
    "training_pipeline": (
        "Training track: its own synthetic population, facility records with errors and ground "
        "truth, Splink candidate pairs, clinical summaries, the labelled pair dataset, then the "
        "fine-tuned pair classifier, its held-out evaluation and the merged model for serving."
    ),
    "evaluation_pipeline": (
        "Evaluation track (adversarial benchmark): population, facility records, Splink scoring, "
        "gray-zone classification with the promoted classifier, golden records, resolution "
        "metrics and the FHIR export of the master patient index. Uses the promoted model of "
        "the training pipeline."
    ),
    "custom_resolution": (
        "Your own facility extracts (files and column mapping in run config) resolved into a "
        "master patient index: Splink scoring, the classifier where clinical history exists, "
        "golden records and FHIR."
    ),
}
JOB_TRACKS = {
    "training_pipeline": TRAINING.name,
    "evaluation_pipeline": EVALUATION.name,
    "custom_resolution": CUSTOM,
}


def build_jobs() -> list[UnresolvedAssetJobDefinition]:
    """One asset job per track: every asset (and its checks) under the track's key prefix.

    Returns:
        ``training_pipeline``, ``evaluation_pipeline`` and ``custom_resolution``.
    """
    return [
        dg.define_asset_job(
            name,
            selection=dg.AssetSelection.key_prefixes(track),
            description=JOB_DESCRIPTIONS[name],
            tags={"synthmass/track": track},
        )
        for name, track in JOB_TRACKS.items()
    ]
