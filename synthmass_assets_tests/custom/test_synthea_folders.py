"""Synthea CSV folders, one per facility, as the custom track's clinical input.

The real Synthea v3 sample is one facility; a second facility re-registers some of its patients
under its own ids (and its own encounter ids), with their full histories.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from synthmass_assets.definitions import stage_assets
from synthmass_assets.errors import InputDataError
from synthmass_assets.population.ingest import read_synthea_csv
from synthmass_assets.resolution.custom_records import CustomExtract, read_custom_records
from synthmass_assets.resolution.synthea_folders import read_synthea_folder
from synthmass_assets.resources import deployment_resources

TABLE_FILES = (
    "patients", "encounters", "conditions", "medications", "allergies", "observations",
    "procedures", "immunizations",
)  # fmt: skip


def second_facility(sample: Path, folder: Path, patients: int = 8) -> list[str]:
    """Copy ``patients`` of the sample's patients into ``folder`` under new patient and
    encounter ids (prefix ``B-``); returns the original ids."""
    folder.mkdir(parents=True)
    raw = {t: pl.read_csv(sample / f"{t}.csv", infer_schema=False) for t in TABLE_FILES}
    kept = raw["patients"]["Id"].head(patients).to_list()
    renamed = pl.lit("B-") + pl.col("Id")
    for table, frame in raw.items():
        if table == "patients":
            frame = frame.filter(pl.col("Id").is_in(kept)).with_columns(Id=renamed)
        else:
            frame = frame.filter(pl.col("PATIENT").is_in(kept))
            frame = frame.with_columns(PATIENT=pl.lit("B-") + pl.col("PATIENT"))
            key = "Id" if table == "encounters" else "ENCOUNTER"
            frame = frame.with_columns((pl.lit("B-") + pl.col(key)).alias(key))
        frame.write_csv(folder / f"{table}.csv")
    return kept


def test_a_folder_becomes_records_and_histories(sample: Path) -> None:
    read = read_synthea_folder(sample, "clinic_a")
    tables = read_synthea_csv(sample)
    assert read.records.height == tables["patients"].height
    assert set(read.records["facility_id"]) == {"clinic_a"}
    assert read.records["record_id"].to_list() == tables["patients"]["Id"].to_list()
    assert read.encounter_facilities.height == tables["encounters"].height
    for table, frame in read.tables.items():
        assert frame.equals(tables[table]), table


def test_two_facility_folders_are_one_extract_with_histories(sample: Path, tmp_path: Path) -> None:
    kept = second_facility(sample, tmp_path / "clinic_b")
    extract = CustomExtract(
        paths=(), column_mapping={}, synthea_folders=(str(sample), str(tmp_path / "clinic_b"))
    )
    read = read_custom_records(extract)
    patients = read_synthea_csv(sample)["patients"].height
    assert read.records.height == patients + len(kept)
    assert read.records.filter(pl.col("facility_id") == "clinic_b").height == len(kept)
    assert read.histories is not None
    owners = read.histories.encounter_facilities.group_by("facility_id").agg(
        pl.col("record_id").n_unique()
    )
    assert dict(owners.iter_rows())["clinic_b"] == len(kept)
    # the same folder twice repeats every id: refused, naming the id and both folders
    with pytest.raises(InputDataError, match="more than one facility"):
        read_custom_records(CustomExtract((), {}, synthea_folders=(str(sample), str(sample))))


@pytest.mark.slow
def test_custom_track_without_a_classifier_links_the_folders(
    sample: Path, tmp_path: Path, synthmass_home: Path
) -> None:
    kept = second_facility(sample, tmp_path / "clinic_b")
    custom = [a for a in stage_assets() if any(k.path[0] == "custom" for k in a.keys)]
    config = {"synthea_folders": [str(sample), str(tmp_path / "clinic_b")]}
    result = dg.materialize(
        custom,
        resources=deployment_resources("local", synthmass_home),
        run_config={"ops": {"custom_facility_records": {"config": config}}},
    )
    assert result.success
    summaries = result.output_for_node("custom__clinical_summaries")
    assert summaries.height == read_synthea_csv(sample)["patients"].height + len(kept)
    # No training track in this home: nothing is scored and Splink decides every pair.
    assert result.output_for_node("custom__pair_predictions").is_empty()
    resolved = result.output_for_node("custom__resolved_matches")
    assert set(resolved["decision_source"]) <= {"splink_auto", "splink_only"}
    links = dict(result.output_for_node("custom__record_links").iter_rows())
    assert all(links[f"B-{patient}"] == links[patient] for patient in kept)
