"""The resolution stage materialized for real: synthetic track and a foreign-named custom CSV."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import polars as pl
import pytest

from synthmass_assets.definitions import definitions
from synthmass_assets.resolution.assets import TRAINING_FILE, model_name


def _run(selection: dg.AssetSelection, run_config: dict[str, object]) -> dg.ExecuteInProcessResult:
    job = dg.define_asset_job("resolution_test_job", selection=selection)
    merged = dg.Definitions.merge(definitions(), dg.Definitions(jobs=[job]))
    return merged.resolve_job_def("resolution_test_job").execute_in_process(
        run_config=run_config, raise_on_error=False
    )


def _model_training(home: Path, track: str) -> dict[str, Any]:
    """How a track's Splink model was trained (EM passes, blocking, fallback)."""
    return json.loads((home / "models" / model_name(track) / TRAINING_FILE).read_text())


def _table(home: Path, name: str) -> pl.DataFrame:
    with duckdb.connect(str(home / "synthmass.duckdb"), read_only=True) as con:
        return con.sql(f"SELECT * FROM {name}").pl()


@pytest.mark.slow
def test_evaluation_track_is_scored_into_tiers(synthmass_home: Path) -> None:
    selection = dg.AssetSelection.key_prefixes("evaluation") & dg.AssetSelection.groups(
        "population", "augmentation", "resolution"
    )
    config = {"ops": {"evaluation_population": {"config": {"population": 300, "seed": 3}}}}
    result = _run(selection, config)
    assert result.success
    pairs = _table(synthmass_home, "evaluation.scored_pairs")
    assert pairs.columns[:5] == [
        "record_id_l",
        "record_id_r",
        "match_probability",
        "match_weight",
        "tier",
    ]
    assert set(pairs["tier"]) <= {"auto_match", "gray_zone", "auto_reject"}
    assert (pairs["record_id_l"] != pairs["record_id_r"]).all()
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert checks["em_converged"].passed
    recall = checks["blocking_recall"].metadata["blocking_recall"].value
    assert isinstance(recall, float) and recall > 0.9
    model = json.loads(
        (synthmass_home / "models" / "evaluation_splink_model" / "splink_model.json").read_text()
    )
    assert model["link_type"] == "dedupe_only" and model["comparisons"]


FOREIGN = """PatientNumber,GivenName,Surname,DateOfBirth,Sex,PostCode,Person,Clinic
A1,William,Smith,1980-02-03,M,02155,p1,north
B7,Bill,Smith,1980-02-03,M,02155,p1,south
A2,Mary,Jones,1975-11-30,F,01002,p2,north
B9,Mary,Jones-Lee,1975-11-30,F,01002,p2,south
A3,Ann,Brown,1990-06-01,F,02139,p3,north
B4,Tom,Green,1950-01-15,M,01601,p4,south
"""


@pytest.mark.slow
def test_custom_extract_resolves_by_configuration_alone(
    synthmass_home: Path, tmp_path: Path
) -> None:
    path = tmp_path / "extract.csv"
    path.write_text(FOREIGN)
    mapping = {
        "PatientNumber": "record_id",
        "GivenName": "first_name",
        "Surname": "last_name",
        "DateOfBirth": "birthdate",
        "Sex": "gender",
        "PostCode": "zip",
    }
    config = {
        "ops": {
            "custom_facility_records": {
                "config": {
                    "paths": [str(path)],
                    "column_mapping": mapping,
                    "entity_column": "Person",
                    "source_column": "Clinic",
                }
            }
        }
    }
    # Six records are too few for EM: m comes from the training track's model (the default
    # fallback), trained here on a small population first.
    training = dg.AssetSelection.key_prefixes("training") & dg.AssetSelection.groups(
        "population", "augmentation"
    ) | dg.AssetSelection.assets(["training", "splink_model"])
    population = {"config": {"population": 300, "seed": 3}}
    training_config: dict[str, object] = {"ops": {"training_population": population}}
    assert _run(training, training_config).success
    result = _run(dg.AssetSelection.key_prefixes("custom"), config)
    assert result.success
    fallback = _model_training(synthmass_home, "custom")["fallback"]
    assert fallback["source"] == "training/splink_model" and fallback["comparisons"]
    records = _table(synthmass_home, "custom.facility_records")
    dates = {"birthdate_raw", "birthdate_digits"}
    assert set(records.columns) == {"record_id", "facility_id", *list(mapping.values()), *dates}
    assert "ssn" not in records.columns
    pairs = _table(synthmass_home, "custom.scored_pairs")
    best = pairs.sort("match_probability", descending=True).head(2)
    assert {frozenset(r) for r in best.select("record_id_l", "record_id_r").rows()} == {
        frozenset({"A1", "B7"}),
        frozenset({"A2", "B9"}),
    }


def test_bad_custom_mapping_fails_and_writes_nothing(synthmass_home: Path, tmp_path: Path) -> None:
    path = tmp_path / "extract.csv"
    path.write_text(FOREIGN)
    config = {
        "ops": {
            "custom_facility_records": {
                "config": {"paths": [str(path)], "column_mapping": {"Missing": "first_name"}}
            }
        }
    }
    selection = dg.AssetSelection.keys(dg.AssetKey(["custom", "facility_records"]))
    result = _run(selection.required_multi_asset_neighbors(), config)
    assert not result.success
    error = result.get_step_failure_events()[0].step_failure_data.error
    assert error is not None and "['Missing'] not found" in str(error.cause or error.message)
    assert not (synthmass_home / "synthmass.duckdb").exists() or _no_tables(synthmass_home)


def _no_tables(home: Path) -> bool:
    with duckdb.connect(str(home / "synthmass.duckdb"), read_only=True) as con:
        return con.sql("SELECT count(*) FROM information_schema.tables").fetchone()[0] == 0  # type: ignore[index]
