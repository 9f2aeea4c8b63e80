"""The SynthMass code location: merges every stage's definitions with the deployment's resources.

The deployment environment is read in one place, :func:`deployment_settings`, while Definitions
are built, never at import time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from synthmass_assets.k8s import k8s_step_executor
from synthmass_assets.population.assets import build_population_assets
from synthmass_assets.population.checks import build_population_checks
from synthmass_assets.resources import DEPLOYMENTS, deployment_resources
from synthmass_assets.resources.storage import DEFAULT_HOME
from synthmass_assets.tracks import SYNTHETIC_TRACKS


@dataclass(frozen=True)
class DeploymentSettings:
    """Where and how SynthMass runs: ``local`` (embedded DuckDB, the default) or ``k8s``
    (a Kubernetes Job per step, tables and models on object storage)."""

    name: str
    home: Path


def deployment_settings(environ: dict[str, str] | None = None) -> DeploymentSettings:
    """Read SYNTHMASS_DEPLOYMENT and SYNTHMASS_HOME from the environment."""
    env = dict(os.environ if environ is None else environ)
    name = env.get("SYNTHMASS_DEPLOYMENT", "local")
    if name not in DEPLOYMENTS:
        raise ValueError(
            f"SYNTHMASS_DEPLOYMENT={name!r} is not one of {', '.join(DEPLOYMENTS)}; "
            "unset it for the local default"
        )
    return DeploymentSettings(name=name, home=Path(env.get("SYNTHMASS_HOME", DEFAULT_HOME)))


def build_definitions(settings: DeploymentSettings) -> dg.Definitions:
    """All assets and checks of both synthetic tracks, bound to the deployment's resources."""
    assets = [build_population_assets(track) for track in SYNTHETIC_TRACKS]
    checks = [check for track in SYNTHETIC_TRACKS for check in build_population_checks(track)]
    return dg.Definitions(
        assets=assets,
        asset_checks=checks,
        resources=deployment_resources(settings.name, settings.home),
        executor=k8s_step_executor() if settings.name == "k8s" else None,
    )


@dg.definitions
def definitions() -> dg.Definitions:
    """Entry point Dagster loads (``dagster dev``, ``dagster asset materialize``)."""
    return build_definitions(deployment_settings())
