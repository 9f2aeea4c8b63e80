"""Resources per deployment: storage, IO managers and compute settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dagster_duckdb_polars import DuckDBPolarsIOManager

from synthmass_assets.resources.storage import SynthmassStorage

DEPLOYMENTS = ("local",)


def local_resources(home: Path) -> dict[str, Any]:
    """The embedded default: DuckDB file and model folder under ``home``.

    The DuckDB IO manager gets no ``schema`` so that each asset's key prefix (its track)
    becomes its DuckDB schema: ``evaluation/patients`` → ``evaluation.patients``.
    """
    storage = SynthmassStorage(home=str(home))
    home.mkdir(parents=True, exist_ok=True)
    return {
        "io_manager": DuckDBPolarsIOManager(database=str(storage.database_path)),
        "storage": storage,
    }


__all__ = ["DEPLOYMENTS", "SynthmassStorage", "local_resources"]
