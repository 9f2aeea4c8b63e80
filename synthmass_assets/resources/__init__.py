"""Resources per deployment: storage, IO managers and compute settings.

``local`` keeps everything in one home folder (DuckDB file + model folders). ``k8s`` runs each
step in its own pod, so tables and model weights go to object storage instead; the asset code
is the same, only these resources differ.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg

from synthmass_assets.resolution.spark.resource import SparkResource
from synthmass_assets.resources.duckdb_tables import SynthmassDuckDBIOManager
from synthmass_assets.resources.privacy import SHOW_VALUES_ENV, PrivacySettings
from synthmass_assets.resources.storage import ObjectStoreStorage, SynthmassStorage
from synthmass_assets.resources.tables import ParquetObjectStoreIOManager

DEPLOYMENTS = ("local", "k8s")
OBJECT_STORE_URL_ENV = "SYNTHMASS_OBJECT_STORE_URL"


def local_resources(home: Path) -> dict[str, Any]:
    """The embedded default: DuckDB file and model folder under ``home``.

    The DuckDB IO manager gets no ``schema`` so that each asset's key prefix (its track)
    becomes its DuckDB schema: ``evaluation/patients`` → ``evaluation.patients``.
    """
    storage = SynthmassStorage(home=str(home))
    home.mkdir(parents=True, exist_ok=True)
    return {
        "io_manager": SynthmassDuckDBIOManager(database=str(storage.database_path)),
        "storage": storage,
        "spark": SparkResource(),
    }


def k8s_resources(home: Path) -> dict[str, Any]:
    """The Kubernetes deployment: tables and model weights on object storage.

    The object-store URL is read from ``SYNTHMASS_OBJECT_STORE_URL`` when a run starts (the Helm
    values set it on every pod), so Definitions load without it and without network access.
    ``home`` is pod-local scratch for model files on their way to or from the store.
    """
    url = dg.EnvVar(OBJECT_STORE_URL_ENV)
    return {
        "io_manager": ParquetObjectStoreIOManager(url=url),
        "storage": ObjectStoreStorage(home=str(home), url=url),
        "spark": SparkResource(),
    }


def deployment_resources(
    deployment: str, home: Path, show_identifying_values: bool = False
) -> dict[str, Any]:
    """Resources of one deployment (one of ``DEPLOYMENTS``), with the privacy settings."""
    resources = k8s_resources(home) if deployment == "k8s" else local_resources(home)
    return {
        **resources,
        "privacy": PrivacySettings(show_identifying_values=show_identifying_values),
    }


__all__ = [
    "DEPLOYMENTS",
    "SHOW_VALUES_ENV",
    "PrivacySettings",
    "ObjectStoreStorage",
    "ParquetObjectStoreIOManager",
    "SynthmassStorage",
    "deployment_resources",
    "k8s_resources",
    "local_resources",
]
