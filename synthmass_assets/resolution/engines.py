"""Where Splink runs: DuckDB on this machine (the default) or Spark (``resolution.spark``).

A backend registers the numbered records, builds the linker and hands the scored pairs back
as Parquet, so that training and scoring (``linkage``) read the same on every engine. Model
JSON is kept in DuckDB's SQL dialect whichever engine trained it (see ``spark.dialect``), so
a model trained on one engine scores on the other.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import duckdb
import polars as pl
from splink import DuckDBAPI, Linker, SettingsCreator
from splink.internals.splink_dataframe import SplinkDataFrame

from synthmass_assets.resolution.comparisons import ARRAY_KEYS
from synthmass_assets.resolution.spark.dialect import translated

if TYPE_CHECKING:
    from synthmass_assets.resolution.spark.resource import SparkResource

DUCKDB_MEMORY_LIMIT = "3GB"
RAW_FIELDS = (
    "facility_id", "first_name", "middle_name", "last_name", "maiden_name", "suffix", "ssn",
    "national_id", "address", "city", "state", "zip", "phone", "gender", "birthdate_raw",
    "birthdate_digits",
)  # fmt: skip
PAIR_COLUMNS = ("record_id_l", "record_id_r", "match_probability", "match_weight")


class Engine(Enum):
    """The SQL engine Splink runs on."""

    duckdb = "duckdb"
    spark = "spark"


def numbered(records: pl.DataFrame, blocking_keys: frozenset[str]) -> pl.DataFrame:
    """The columns Splink reads, with ``record_id`` replaced by the row number: Splink joins,
    sorts and returns small integer ids instead of the string record ids. List-valued
    blocking keys other than ``blocking_keys`` (and the raw fields) would only take memory."""
    unused = [*RAW_FIELDS, *(ARRAY_KEYS - blocking_keys)]
    return records.drop(unused, strict=False).with_columns(
        record_id=pl.int_range(pl.len(), dtype=pl.Int32)
    )


class Backend(Protocol):
    """One engine's linker, table registration and scored-pair output."""

    dialect: str

    def linker(
        self,
        records: pl.DataFrame,
        settings: SettingsCreator | dict[str, Any],
        name: str,
        blocking_keys: frozenset[str] = frozenset(),
    ) -> Linker:
        """A linker over ``records`` (see :func:`numbered`); dict settings in the model
        dialect are translated to the engine's."""
        ...

    def register(self, frame: pl.DataFrame, table_name: str) -> SplinkDataFrame:
        """A small frame (closure pairs) as a table the linker can read."""
        ...

    def predict(self, linker: Linker, name: str, chunked: bool = True) -> pl.LazyFrame:
        """Every blocked pair scored (:data:`PAIR_COLUMNS`), written as Parquet under the
        backend's folder and scanned lazily from there; ``chunked`` lets the backend score
        in chunks (not for pairs registered by hand)."""
        ...


class DuckDBBackend:
    """Splink on a DuckDB file in ``workdir``; working tables spill to disk past
    `DUCKDB_MEMORY_LIMIT`, so a million records fit a small node."""

    dialect = "duckdb"

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.api: DuckDBAPI | None = None

    def linker(
        self,
        records: pl.DataFrame,
        settings: SettingsCreator | dict[str, Any],
        name: str,
        blocking_keys: frozenset[str] = frozenset(),
    ) -> Linker:
        config: dict[str, Any] = {
            "memory_limit": DUCKDB_MEMORY_LIMIT,
            "temp_directory": str(self.workdir / "spill"),
        }
        connection = duckdb.connect(str(self.workdir / f"{name}.duckdb"), config=config)
        self.api = DuckDBAPI(connection=connection)
        if isinstance(settings, dict):
            settings = translated(settings, self.dialect)
        table = self.api.register(
            numbered(records, blocking_keys).to_arrow(), table_name="facility_records"
        )
        return Linker(table, settings)

    def register(self, frame: pl.DataFrame, table_name: str) -> SplinkDataFrame:
        assert self.api is not None, "linker() first"
        return self.api.register(frame.to_arrow(), table_name=table_name)

    def predict(self, linker: Linker, name: str, chunked: bool = True) -> pl.LazyFrame:
        path = self.workdir / f"{name}.parquet"
        relation = linker.inference.predict().as_duckdbpyrelation()
        relation.select(", ".join(PAIR_COLUMNS)).write_parquet(str(path))
        return pl.scan_parquet(path)


def backend_for(engine: Engine | str, workdir: Path, spark: SparkResource) -> Backend:
    """The backend of ``engine``; the Spark session starts only when ``engine`` is spark."""
    if Engine(engine) is Engine.spark:
        return spark.backend(workdir)
    return DuckDBBackend(workdir)
