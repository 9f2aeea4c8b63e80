"""Steward decisions: validated all or none, from CSV and Parquet files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import polars as pl
import pytest
from dagster_duckdb_polars import DuckDBPolarsIOManager

from synthmass_assets.errors import InputDataError
from synthmass_assets.resources.storage import SynthmassStorage
from synthmass_assets.steward.assets import build_steward_assets
from synthmass_assets.steward.decisions import read_decisions

KNOWN = pl.Series(["a", "b", "c", "d"])
WHEN = "2026-11-30T10:00:00Z"


def write(folder: Path, name: str, rows: list[tuple[str, str, str]]) -> Path:
    frame = pl.DataFrame(
        [(left, right, d, "ana", WHEN) for left, right, d in rows],
        schema=["record_id_l", "record_id_r", "decision", "reviewer", "decided_at"],
        orient="row",
    )
    path = folder / name
    if name.endswith(".parquet"):
        frame.write_parquet(path)
    else:
        frame.write_csv(path)
    return path


def test_steward_decisions_are_read_and_ordered(tmp_path: Path) -> None:
    files = [
        write(tmp_path, "1.csv", [("b", "a", "MATCH")]),
        write(tmp_path, "2.parquet", [("c", "d", "NO_MATCH")]),
    ]
    decisions = read_decisions(files, KNOWN)
    assert decisions.select("record_id_l", "record_id_r", "decision").rows() == [
        ("a", "b", "MATCH"),
        ("c", "d", "NO_MATCH"),
    ]
    assert decisions["decided_at"].dt.year().to_list() == [2026, 2026]


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        ([("a", "x", "MATCH")], "unknown record id"),
        ([("a", "b", "MAYBE")], "not MATCH or NO_MATCH"),
        ([("a", "b", "MATCH"), ("b", "a", "NO_MATCH")], "both MATCH and NO_MATCH"),
        (
            [("a", "b", "MATCH"), ("b", "c", "MATCH"), ("a", "c", "NO_MATCH")],
            "NO_MATCH between records that MATCH decisions join",
        ),
    ],
)
def test_steward_decisions_refuse_bad_files(
    tmp_path: Path, rows: list[tuple[str, str, str]], problem: str
) -> None:
    with pytest.raises(InputDataError, match=problem):
        read_decisions([write(tmp_path, "d.csv", rows)], KNOWN)


def test_steward_decisions_asset_applies_nothing_on_error(
    steward_home: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    storage = SynthmassStorage(home=str(steward_home[0]))
    with duckdb.connect(str(storage.database_path), read_only=True) as connection:
        first, second = (
            r[0] for r in connection.sql(
                "SELECT record_id FROM evaluation.facility_records ORDER BY 1 LIMIT 2"
            ).fetchall()
        )  # fmt: skip
    assets = [
        build_steward_assets("evaluation", "training")[2],
        dg.SourceAsset(key=dg.AssetKey(["evaluation", "facility_records"])),
    ]
    resources = {
        "storage": storage,
        "io_manager": DuckDBPolarsIOManager(database=str(storage.database_path)),
    }

    def run(path: Path) -> bool:
        config = {"ops": {"evaluation__steward_decisions": {"config": {"path": str(path)}}}}
        outcome = dg.materialize(
            assets, resources=resources, run_config=config, raise_on_error=False
        )
        return outcome.success

    assert run(write(tmp_path, "good.csv", [(second, first, "MATCH")]))
    assert not run(write(tmp_path, "bad.csv", [(first, "nobody", "NO_MATCH")]))
    with duckdb.connect(str(storage.database_path), read_only=True) as connection:
        kept = connection.sql("SELECT * FROM evaluation.steward_decisions").pl()
    assert kept.select("record_id_l", "record_id_r", "decision").rows() == [
        (first, second, "MATCH")
    ]
    assert kept["reviewer"].to_list() == ["ana"]
