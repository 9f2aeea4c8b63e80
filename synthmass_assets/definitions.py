"""The SynthMass code location: merges every stage's definitions with the deployment's resources.

The deployment environment is read in one place, :func:`deployment_settings`, while Definitions
are built, never at import time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from synthmass_assets.augmentation.assets import build_augmentation_assets
from synthmass_assets.augmentation.checks import build_augmentation_checks
from synthmass_assets.classifier.assets import build_classifier_assets, build_imported_summary_asset
from synthmass_assets.classifier.checks import build_classifier_checks
from synthmass_assets.classifier.serving.binding import promoted_binding
from synthmass_assets.fhir_bulk.assets import build_fhir_export_asset
from synthmass_assets.jobs import build_jobs
from synthmass_assets.k8s import k8s_step_executor
from synthmass_assets.living.inbox import inbox_folder
from synthmass_assets.mpi.assets import build_mpi_assets
from synthmass_assets.mpi.checks import build_mpi_checks
from synthmass_assets.mpi.prediction_assets import build_calibration_assets
from synthmass_assets.population.assets import build_population_assets
from synthmass_assets.population.checks import build_population_checks
from synthmass_assets.resolution.assets import build_resolution_assets
from synthmass_assets.resolution.checks import build_resolution_checks
from synthmass_assets.resolution.custom_assets import (
    CUSTOM,
    custom_facility_records,
    values_parse,
)
from synthmass_assets.resolution.sources_assets import build_sources_asset
from synthmass_assets.resources import DEPLOYMENTS, SHOW_VALUES_ENV, deployment_resources
from synthmass_assets.resources.storage import DEFAULT_HOME
from synthmass_assets.steward.assets import build_steward_assets
from synthmass_assets.tracks import EVALUATION, SYNTHETIC_TRACKS, TRAINING


@dataclass(frozen=True)
class DeploymentSettings:
    """Where and how SynthMass runs: ``local`` (embedded DuckDB, the default) or ``k8s``
    (a Kubernetes Job per step, tables and models on object storage)."""

    name: str
    home: Path
    show_identifying_values: bool = False
    inbox: Path | None = None


def deployment_settings(environ: dict[str, str] | None = None) -> DeploymentSettings:
    """Read SYNTHMASS_DEPLOYMENT, SYNTHMASS_HOME, SYNTHMASS_SHOW_IDENTIFYING_VALUES and
    SYNTHMASS_INBOX (default ``$SYNTHMASS_HOME/inbox``)."""
    env = dict(os.environ if environ is None else environ)
    name = env.get("SYNTHMASS_DEPLOYMENT", "local")
    if name not in DEPLOYMENTS:
        raise ValueError(
            f"SYNTHMASS_DEPLOYMENT={name!r} is not one of {', '.join(DEPLOYMENTS)}; "
            "unset it for the local default"
        )
    show = env.get(SHOW_VALUES_ENV, "").lower() in ("1", "true", "yes")
    home = Path(env.get("SYNTHMASS_HOME", DEFAULT_HOME))
    return DeploymentSettings(name, home, show, inbox_folder(home, env))


def stage_assets() -> list[dg.AssetsDefinition]:
    """Every stage's assets: synthetic tracks through all stages (the training track trains
    the classifier and calibrates the fusion, the evaluation track is resolved with them), the
    custom track from its facility records on (the classifier where FHIR exports bring
    histories, Splink alone for the rest)."""
    classifier = promoted_binding(TRAINING)
    assets: list[dg.AssetsDefinition] = [custom_facility_records]
    for track in SYNTHETIC_TRACKS:
        assets += [build_population_assets(track), *build_augmentation_assets(track)]
        assets += [build_sources_asset(track.name), build_fhir_export_asset(track.name)]
    assets += build_resolution_assets(TRAINING.name)
    # Small populations borrow the training track's m probabilities (see resolution.fallback).
    assets += build_resolution_assets(EVALUATION.name, fallback_track=TRAINING.name)
    assets += build_resolution_assets(CUSTOM)
    assets += build_classifier_assets(SYNTHETIC_TRACKS, TRAINING)
    assets += build_calibration_assets(classifier, TRAINING.name)
    assets += build_mpi_assets(EVALUATION.name, classifier, calibration_track=TRAINING.name)
    assets.append(build_imported_summary_asset(CUSTOM))
    assets += build_mpi_assets(
        CUSTOM, classifier, has_ground_truth=False, private=True, imported_histories=True
    )
    for resolved in (EVALUATION.name, CUSTOM):
        assets += build_steward_assets(resolved, calibration_track=TRAINING.name)
    return assets


def stage_checks() -> list[dg.AssetChecksDefinition]:
    """Every stage's asset checks."""
    checks: list[dg.AssetChecksDefinition] = []
    for track in SYNTHETIC_TRACKS:
        checks += build_population_checks(track) + build_augmentation_checks(track)
        checks += build_resolution_checks(track.name, has_ground_truth=True)
    checks += build_classifier_checks(SYNTHETIC_TRACKS, TRAINING)
    checks += build_mpi_checks(EVALUATION.name) + build_mpi_checks(CUSTOM, has_ground_truth=False)
    return [*checks, *build_resolution_checks(CUSTOM, has_ground_truth=False), values_parse]


def build_definitions(settings: DeploymentSettings) -> dg.Definitions:
    """All assets and checks, bound to the deployment's resources and executor."""
    # The living index's batch-partitioned assets are a second code location
    # (synthmass_assets.living.definitions): a partitioned asset in this one would make every
    # `dagster asset materialize --select` over it demand a --partition.
    assets = stage_assets()
    checks = stage_checks()
    return dg.Definitions(
        assets=assets,
        asset_checks=checks,
        jobs=build_jobs(),
        resources=deployment_resources(
            settings.name, settings.home, settings.show_identifying_values
        ),
        # Locally one process runs every step: spawning a Python per step costs more than it
        # saves on two cores. On Kubernetes each step is its own pod.
        executor=k8s_step_executor() if settings.name == "k8s" else dg.in_process_executor,
    )


@dg.definitions
def definitions() -> dg.Definitions:
    """Entry point Dagster loads (``dagster dev``, ``dagster asset materialize``)."""
    return build_definitions(deployment_settings())
