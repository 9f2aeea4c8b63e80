"""Tables on object storage: the Kubernetes counterpart of the local DuckDB IO manager.

On Kubernetes every step runs in its own pod, so a DuckDB file cannot be shared between steps.
Tables are written as Parquet under ``<url>/tables/<track>/<asset>.parquet`` (the asset key
path, like schema = track locally) and read back as polars frames.
"""

from __future__ import annotations

from typing import Any

import dagster as dg
import polars as pl
from pydantic import Field
from upath import UPath

from synthmass_assets.errors import SynthmassError

TABLES_FOLDER = "tables"


class ParquetUPathIOManager(dg.UPathIOManager):
    """Stores polars DataFrames as Parquet files through fsspec (S3, GCS, Azure, memory)."""

    extension = ".parquet"

    def dump_to_path(self, context: dg.OutputContext, obj: Any, path: UPath) -> None:
        if isinstance(obj, pl.LazyFrame):
            obj = obj.collect()
        if not isinstance(obj, pl.DataFrame):
            raise SynthmassError(
                f"{context.asset_key.to_user_string()} returned {type(obj).__name__}; the "
                "table IO manager stores polars DataFrames. Return a DataFrame, or a "
                "MaterializeResult (annotated -> dg.MaterializeResult) for assets that write files "
                "themselves."
            )
        with path.open("wb") as stream:
            obj.write_parquet(stream)

    def load_from_path(self, context: dg.InputContext, path: UPath) -> pl.DataFrame:
        with path.open("rb") as stream:
            return pl.read_parquet(stream)


class ParquetObjectStoreIOManager(dg.ConfigurableIOManagerFactory):
    """IO manager for the Kubernetes deployment: polars tables as Parquet on object storage.

    Credentials come from the environment (see ``ObjectStoreStorage``), never from config.
    """

    url: str = Field(
        description=(
            "Object-store prefix, e.g. s3://bucket/synthmass; tables go under <url>/tables/ "
            "(SYNTHMASS_OBJECT_STORE_URL)."
        ),
    )

    def create_io_manager(self, context: dg.InitResourceContext) -> ParquetUPathIOManager:
        return ParquetUPathIOManager(base_path=UPath(self.url) / TABLES_FOLDER)
