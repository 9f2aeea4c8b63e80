"""Export → import gives back the same records and per-record clinical rows, table by table."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from synthmass_assets.fhir_bulk import ExportSummary, read_export, read_exports
from synthmass_assets.fhir_bulk.roundtrip import owned_rows, roundtrip_differences
from synthmass_assets.fhir_bulk.vocabulary import NOT_CARRIED, RESOURCE_OF_TABLE
from synthmass_assets_tests.fhir_bulk.conftest import Track, folders
from synthmass_assets_tests.fhir_bulk.frames import ENCOUNTER_FACILITIES, RECORDS, TABLES


def test_generated_track_round_trips(tiny_track: Track, tiny_exports: ExportSummary) -> None:
    imported = read_exports(folders(tiny_exports))
    differences = roundtrip_differences(
        tiny_track.records, tiny_track.encounter_facilities, tiny_track.tables, imported
    )
    assert differences == []
    assert imported.resources == tiny_exports.resources
    assert imported.records.height == tiny_track.records.height
    assert all(imported.tables[t].height > 0 for t in RESOURCE_OF_TABLE)


@pytest.mark.parametrize("table", list(RESOURCE_OF_TABLE))
def test_inline_tables_round_trip(inline_exports: ExportSummary, table: str) -> None:
    imported = read_exports(folders(inline_exports))
    expected = owned_rows(table, TABLES[table], ENCOUNTER_FACILITIES)
    got = imported.tables[table].select(expected.columns)
    assert got.sort(got.columns, nulls_last=True).equals(
        expected.sort(expected.columns, nulls_last=True)
    )
    for column in NOT_CARRIED.get(table, ()):  # no FHIR home in these resources: read as null
        assert imported.tables[table].get_column(column).is_null().all()


def test_inline_records_round_trip(inline_exports: ExportSummary) -> None:
    imported = read_exports(folders(inline_exports))
    assert roundtrip_differences(RECORDS, ENCOUNTER_FACILITIES, TABLES, imported) == []
    first = imported.records.filter(pl.col("record_id") == "R-1").row(0, named=True)
    assert first["birthdate_raw"] == "1980-01-02"
    visits = imported.encounter_facilities.sort("encounter_id")
    assert visits.get_column("encounter_id").to_list() == ["E/2", "E1", "E3"]
    assert visits.get_column("visit_order").to_list() == [0, 0, 0]


def test_ids_that_are_no_fhir_ids_travel_as_identifiers(inline_exports: ExportSummary) -> None:
    lines = (folders(inline_exports)[0] / "Patient.ndjson").read_text().splitlines()
    patient = next(json.loads(line) for line in lines if "MRN 12/3" in line)
    assert patient["id"] != "MRN 12/3"
    assert {"system": "urn:synthmass:facility:F01", "value": "MRN 12/3"}.items() <= patient[
        "identifier"
    ][0].items()
    assert patient["name"][0]["given"] == [None, "Kay"]  # the absent first name keeps its place
    encounters = (folders(inline_exports)[0] / "Encounter.ndjson").read_text()
    assert '"value":"E/2"' in encounters and "null" not in encounters


def _gzip_folder(source: Path, target: Path, manifest: bool) -> Path:
    target.mkdir()
    for path in source.glob("*.ndjson"):
        (target / f"{path.name}.gz").write_bytes(gzip.compress(path.read_bytes()))
    if manifest:
        content = json.loads((source / "manifest.json").read_text())
        for entry in content["output"]:
            entry["url"] = f"https://fhir.example.org/export/{entry['url']}.gz"
        (target / "manifest.json").write_text(json.dumps(content))
    return target


@pytest.mark.parametrize("manifest", [True, False], ids=["manifest", "file names"])
def test_gzipped_exports_read_the_same(
    inline_exports: ExportSummary, tmp_path: Path, manifest: bool
) -> None:
    source = folders(inline_exports)[0]
    plain = read_export(source)
    zipped = read_export(_gzip_folder(source, tmp_path / "F01", manifest))
    assert zipped.records.equals(plain.records)
    assert all(zipped.tables[t].equals(plain.tables[t]) for t in plain.tables)


def test_facility_is_the_folder_unless_given(inline_exports: ExportSummary, tmp_path: Path) -> None:
    source = folders(inline_exports)[0]
    renamed = tmp_path / "north_clinic"
    shutil.copytree(source, renamed)
    assert set(read_export(renamed).records["facility_id"]) == {"north_clinic"}
    chosen = read_exports([renamed / "manifest.json"], {str(renamed / "manifest.json"): "F09"})
    assert set(chosen.records["facility_id"]) == {"F09"}
    assert set(chosen.encounter_facilities["facility_id"]) == {"F09"}
    # the record ids still come from the MRN identifiers written for F01
    assert set(chosen.records["record_id"]) == {"R-1", "MRN 12/3"}


def test_unused_resource_types_are_counted_and_skipped(
    inline_exports: ExportSummary, tmp_path: Path
) -> None:
    folder = tmp_path / "F01"
    shutil.copytree(folders(inline_exports)[0], folder)
    practitioners = [{"resourceType": "Practitioner", "id": f"p{i}"} for i in range(3)]
    (folder / "Practitioner.ndjson").write_text("\n".join(map(json.dumps, practitioners)) + "\n")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["output"].append({"type": "Practitioner", "url": "Practitioner.ndjson"})
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (folder / "Immunization.ndjson").write_text("\n")  # an empty file holds no resources
    imported = read_export(folder)
    assert imported.skipped == {"Practitioner": 3}
    assert imported.records.height == 2
    assert imported.tables["immunizations"].is_empty()


def test_medication_statements_join_the_medications(tmp_path: Path) -> None:
    folder = tmp_path / "F07"
    folder.mkdir()
    patient = {"resourceType": "Patient", "id": "p1", "gender": "female"}
    statement = {
        "resourceType": "MedicationStatement", "id": "m1", "status": "active",
        "subject": {"reference": "Patient/p1"},
        "medicationCodeableConcept": {"coding": [
            {"system": "urn:local", "code": "X"},
            {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "860975",
             "display": "metformin"},
        ]},
        "effectivePeriod": {"start": "2020-05-01T08:00:00+02:00", "end": "2021"},
    }  # fmt: skip
    (folder / "Patient.ndjson").write_text(json.dumps(patient) + "\n")
    (folder / "MedicationStatement.ndjson").write_text(json.dumps(statement) + "\n")
    imported = read_export(folder)
    row = imported.tables["medications"].row(0, named=True)
    assert (row["PATIENT"], row["CODE"], row["DESCRIPTION"]) == ("p1", "860975", "metformin")
    assert row["START"].isoformat() == "2020-05-01T06:00:00+00:00"
    assert row["STOP"].isoformat() == "2021-01-01T00:00:00+00:00"
    assert row["ENCOUNTER"] is None
    assert imported.records.row(0, named=True)["gender"] == "F"
