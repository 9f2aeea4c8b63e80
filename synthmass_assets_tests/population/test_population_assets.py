"""The population stage materialized for real into a tmp SYNTHMASS_HOME."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from synthmass_assets.definitions import definitions
from synthmass_assets.population.schema import POPULATION_TABLES


def _materialize(track: str, config: dict[str, object]) -> dg.ExecuteInProcessResult:
    defs = definitions()
    selection = dg.AssetSelection.groups("population") & dg.AssetSelection.key_prefixes(track)
    job = dg.define_asset_job("population_job", selection=selection)
    merged = dg.Definitions.merge(defs, dg.Definitions(jobs=[job]))
    return merged.resolve_job_def("population_job").execute_in_process(
        run_config={"ops": {f"{track}_population": {"config": config}}}, raise_on_error=False
    )


def _counts(home: Path, schema: str) -> dict[str, int]:
    with duckdb.connect(str(home / "synthmass.duckdb"), read_only=True) as con:
        return {
            t: con.sql(f"SELECT count(*) FROM {schema}.{t}").fetchone()[0]
            for t in POPULATION_TABLES
        }  # type: ignore[index]


def test_generated_population_lands_in_duckdb_and_passes_its_checks(synthmass_home: Path) -> None:
    result = _materialize("evaluation", {"population": 120, "seed": 5})
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) == 11 and all(e.passed for e in evaluations)
    counts = _counts(synthmass_home, "evaluation")
    assert counts["patients"] == 120 and counts["observations"] > 1_000
    # Re-materializing replaces the tables rather than appending to them.
    assert _materialize("evaluation", {"population": 120, "seed": 5}).success
    assert _counts(synthmass_home, "evaluation") == counts


def test_real_synthea_output_is_ingested_by_config(synthmass_home: Path, sample: Path) -> None:
    result = _materialize("training", {"synthea_csv_dir": str(sample)})
    assert result.success
    assert _counts(synthmass_home, "training")["patients"] == 27
    materializations = result.get_asset_materialization_events()
    assert {e.asset_key.to_user_string() for e in materializations} == {
        f"training/{t}" for t in POPULATION_TABLES
    }


def test_bad_input_fails_and_writes_nothing(
    synthmass_home: Path, sample: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(sample, broken)
    (broken / "encounters.csv").unlink()
    result = _materialize("training", {"synthea_csv_dir": str(broken)})
    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data.error
    assert failure is not None and "encounters.csv" in str(failure.cause or failure.message)
    assert not (synthmass_home / "synthmass.duckdb").exists() or not _has_table(synthmass_home)


def _has_table(home: Path) -> bool:
    with duckdb.connect(str(home / "synthmass.duckdb"), read_only=True) as con:
        return bool(con.sql("SELECT count(*) FROM information_schema.tables").fetchone()[0])  # type: ignore[index]


@pytest.mark.parametrize("reference_date", ["2025-13-01", "yesterday"])
def test_bad_reference_date_is_explained(synthmass_home: Path, reference_date: str) -> None:
    result = _materialize("evaluation", {"population": 10, "reference_date": reference_date})
    assert not result.success
    error = result.get_step_failure_events()[0].step_failure_data.error
    assert error is not None and "is not an ISO date" in str(error.cause or error.message)
