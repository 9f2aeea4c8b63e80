"""Where SynthMass keeps its data: one home folder with the DuckDB file and model weights."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from pydantic import Field

DEFAULT_HOME = ".synthmass"
DATABASE_FILE = "synthmass.duckdb"


class SynthmassStorage(dg.ConfigurableResource):
    """The SynthMass home: ``synthmass.duckdb`` for tables and ``models/`` for weights."""

    home: str = Field(
        default=DEFAULT_HOME,
        description="Folder holding synthmass.duckdb and models/ (SYNTHMASS_HOME).",
    )

    @property
    def database_path(self) -> Path:
        return Path(self.home) / DATABASE_FILE

    def model_dir(self, asset_name: str) -> Path:
        """Folder for one model asset's weights, created on demand."""
        path = Path(self.home) / "models" / asset_name
        path.mkdir(parents=True, exist_ok=True)
        return path
