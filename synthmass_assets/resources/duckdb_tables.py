"""The DuckDB IO manager for polars frames, writing every table whole.

dagster-duckdb-polars skips empty frames (so a downstream load fails on a missing table) and
inserts into an existing table (so a changed column set fails). SynthMass writes each asset as
one table with ``CREATE OR REPLACE``: empty results keep their columns, re-materializing is
idempotent, and schema changes just replace the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dagster as dg
import polars as pl
from dagster._core.storage.db_io_manager import DbTypeHandler, TableSlice
from dagster_duckdb_polars import DuckDBPolarsIOManager
from dagster_duckdb_polars.duckdb_polars_type_handler import DuckDBPolarsTypeHandler


class WholeTablePolarsTypeHandler(DuckDBPolarsTypeHandler):
    """Stores a polars frame as its own DuckDB table, replacing any previous one."""

    def handle_output(
        self, context: dg.OutputContext, table_slice: TableSlice, obj: pl.DataFrame, connection: Any
    ) -> None:
        frame = obj.to_arrow()  # noqa: F841 — DuckDB reads the local variable by name
        name = f"{table_slice.schema}.{table_slice.table}"
        connection.execute(f"CREATE SCHEMA IF NOT EXISTS {table_slice.schema}")
        connection.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM frame")
        context.add_output_metadata(
            {
                "row_count": obj.height,
                "table": name,
            }
        )


class SynthmassDuckDBIOManager(DuckDBPolarsIOManager):
    """DuckDB IO manager (schema = asset key prefix) that writes every table whole."""

    @staticmethod
    def type_handlers() -> Sequence[DbTypeHandler]:
        return [WholeTablePolarsTypeHandler()]
