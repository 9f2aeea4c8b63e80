"""The living index's tables in the track's DuckDB schema.

``mpi_links`` and ``mpi_events`` are the contract; beside them the index keeps what the next
batch needs: ``mpi_index`` (matching features of every indexed record), ``mpi_pairs`` (every
scored candidate pair, Splink weight under the model's prior, the classifier's output and the
decision made when the pair was new, which later batches keep: see ``region``) and
``mpi_state`` (the prior fixed by the first batch).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import duckdb
import polars as pl

from synthmass_assets.living.candidates import candidate_sql, frequency_sql
from synthmass_assets.living.identity import EVENTS_SCHEMA, LINKS_SCHEMA

STORED_PAIR_SCHEMA: dict[str, pl.DataType] = {
    "record_id_l": pl.String(),
    "record_id_r": pl.String(),
    "match_weight": pl.Float64(),
    "probability": pl.Float64(),
    "logit": pl.Float64(),
    "fused_score": pl.Float64(),
    "fused_log_odds": pl.Float64(),
    "accepted": pl.Boolean(),
    "decision_source": pl.String(),
}
INDEX_TABLES = ("mpi_links", "mpi_events", "mpi_pairs", "mpi_state", "mpi_index")
STATE_SCHEMA: dict[str, pl.DataType] = {"prior": pl.Float64(), "records": pl.Int64()}


def _ddl(schema: dict[str, pl.DataType]) -> str:
    types = {"String": "VARCHAR", "Float64": "DOUBLE", "Int64": "BIGINT", "Boolean": "BOOLEAN"}
    return ", ".join(
        f'"{name}" {types.get(str(dtype), "TIMESTAMPTZ")}' for name, dtype in schema.items()
    )


@dataclass
class IndexStore:
    """The index tables of one track (``schema``) on an open DuckDB connection."""

    con: duckdb.DuckDBPyConnection
    schema: str

    def ensure(self) -> None:
        """Create the contract and state tables when the index is new."""
        self.con.execute(f"CREATE SCHEMA IF NOT EXISTS {self.schema}")
        tables: tuple[tuple[str, dict[str, pl.DataType]], ...] = (
            ("mpi_links", LINKS_SCHEMA),
            ("mpi_events", EVENTS_SCHEMA),
            ("mpi_pairs", STORED_PAIR_SCHEMA),
            ("mpi_state", STATE_SCHEMA),
        )
        for name, schema in tables:
            self.con.execute(f"CREATE TABLE IF NOT EXISTS {self.table(name)} ({_ddl(schema)})")

    def drop(self) -> None:
        """Empty the index: drop all its tables (a replay starting over)."""
        for name in INDEX_TABLES:
            self.con.execute(f"DROP TABLE IF EXISTS {self.table(name)}")

    def table(self, name: str) -> str:
        return f"{self.schema}.{name}"

    def _frame(self, sql: str, params: dict[str, object] | None = None) -> pl.DataFrame:
        return self.con.execute(sql, params or {}).pl()

    def _with_ids(self, ids: pl.Series, sql: str) -> pl.DataFrame:
        self.con.register("wanted_ids", pl.DataFrame({"id": ids.cast(pl.String).unique()}))
        try:
            return self._frame(sql.replace("{ids}", "(SELECT id FROM wanted_ids)"))
        finally:
            self.con.unregister("wanted_ids")

    def has_index(self) -> bool:
        found = self.con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
            [self.schema, "mpi_index"],
        ).fetchone()
        return bool(found and found[0])

    def index(self) -> pl.DataFrame:
        """Matching features of every indexed record (empty frame before the first batch)."""
        if not self.has_index():
            return pl.DataFrame()
        return self._frame(f"SELECT * FROM {self.table('mpi_index')}")

    def size(self) -> int:
        """Records in the index."""
        if not self.has_index():
            return 0
        row = self.con.execute(f"SELECT count(*) FROM {self.table('mpi_index')}").fetchone()
        return int(row[0]) if row else 0

    def candidates(
        self, batch: pl.DataFrame, rules: list[dict[str, Any]], unused: Collection[str] = ()
    ) -> pl.DataFrame:
        """Indexed records sharing a prediction blocking key with a ``batch`` record
        (``candidates``; all of them when a rule is not a conjunction of equalities), without
        the ``unused`` columns."""
        if not self.has_index():
            return pl.DataFrame()
        index = self.table("mpi_index")
        names = self._frame(f"SELECT * FROM {index} LIMIT 0").columns
        kept = ", ".join(f'"{c}"' for c in names if c not in set(unused))
        sql = candidate_sql(rules, index, "batch_in")
        where = "" if sql is None else f" WHERE record_id IN ({sql})"
        self.con.register("batch_in", batch)
        try:
            return self._frame(f"SELECT {kept} FROM {index}{where}")
        finally:
            self.con.unregister("batch_in")

    def frequencies(self, batch: pl.DataFrame, columns: list[str]) -> dict[str, pl.DataFrame]:
        """``tf_<column>`` of each column over the index plus ``batch``."""
        if not self.has_index():
            return {}
        self.con.register("batch_in", batch)
        try:
            index = self.table("mpi_index")
            return {c: self._frame(frequency_sql(c, index, "batch_in")) for c in columns}
        finally:
            self.con.unregister("batch_in")

    def index_of(self, ids: pl.Series) -> pl.DataFrame:
        if not self.has_index():
            return pl.DataFrame()
        return self._with_ids(
            ids, f"SELECT * FROM {self.table('mpi_index')} WHERE record_id IN {{ids}}"
        )

    def links(self) -> pl.DataFrame:
        return self._frame(f"SELECT * FROM {self.table('mpi_links')}")

    def links_of(self, ids: pl.Series) -> pl.DataFrame:
        return self._with_ids(
            ids, f"SELECT * FROM {self.table('mpi_links')} WHERE record_id IN {{ids}}"
        )

    def members_of(self, goldens: pl.Series) -> pl.DataFrame:
        """``mpi_links`` rows of every record of these golden ids."""
        return self._with_ids(
            goldens, f"SELECT * FROM {self.table('mpi_links')} WHERE golden_id IN {{ids}}"
        )

    def pairs_among(self, ids: pl.Series) -> pl.DataFrame:
        """Stored pairs whose two records are both among ``ids``."""
        pairs = self.table("mpi_pairs")
        return self._with_ids(
            ids,
            f"SELECT * FROM {pairs} WHERE record_id_l IN {{ids}} AND record_id_r IN {{ids}}",
        )

    def arrivals(self, ids: pl.Series) -> pl.DataFrame:
        """``record_id`` → ``arrived``: when each record was indexed (its create or link)."""
        return self._with_ids(
            ids,
            f"""SELECT record_id, min("at") AS arrived FROM {self.table("mpi_events")}
                WHERE event IN ('create', 'link') AND record_id IN {{ids}} GROUP BY record_id""",
        )

    def ages(self, goldens: pl.Series) -> pl.DataFrame:
        """``golden_id`` → ``age`` rank (0 oldest) by the time each id was created."""
        created = self._with_ids(
            goldens,
            f"""SELECT golden_id, min("at") AS created FROM {self.table("mpi_events")}
                WHERE event = 'create' AND golden_id IN {{ids}} GROUP BY golden_id""",
        )
        return created.sort("created", "golden_id").select(
            "golden_id", age=pl.int_range(pl.len(), dtype=pl.Int64)
        )

    def prior(self) -> tuple[float, int] | None:
        row = self.con.execute(f"SELECT prior, records FROM {self.table('mpi_state')}").fetchone()
        return (float(row[0]), int(row[1])) if row else None

    def save(
        self,
        links: pl.DataFrame,
        events: pl.DataFrame,
        pairs: pl.DataFrame,
        new_index: pl.DataFrame,
        prior: tuple[float, int] | None = None,
    ) -> None:
        """One batch's changes in one transaction: links and pairs replaced per record and
        pair, events and indexed records appended."""
        con = self.con
        con.register("links_in", links.select(list(LINKS_SCHEMA)))
        con.register("events_in", events.select(list(EVENTS_SCHEMA)))
        con.register("pairs_in", pairs.select(list(STORED_PAIR_SCHEMA)))
        con.register("index_in", new_index)
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(
                f"DELETE FROM {self.table('mpi_links')} "
                "WHERE record_id IN (SELECT record_id FROM links_in)"
            )
            con.execute(f"INSERT INTO {self.table('mpi_links')} SELECT * FROM links_in")
            con.execute(f"INSERT INTO {self.table('mpi_events')} SELECT * FROM events_in")
            con.execute(
                f"DELETE FROM {self.table('mpi_pairs')} p USING pairs_in n "
                "WHERE p.record_id_l = n.record_id_l AND p.record_id_r = n.record_id_r"
            )
            con.execute(f"INSERT INTO {self.table('mpi_pairs')} BY NAME SELECT * FROM pairs_in")
            if self.has_index():
                con.execute(f"INSERT INTO {self.table('mpi_index')} BY NAME SELECT * FROM index_in")
            else:
                con.execute(f"CREATE TABLE {self.table('mpi_index')} AS SELECT * FROM index_in")
            if prior is not None:
                con.execute(
                    f"INSERT INTO {self.table('mpi_state')} VALUES (?, ?)", [prior[0], prior[1]]
                )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        finally:
            for name in ("links_in", "events_in", "pairs_in", "index_in"):
                con.unregister(name)
