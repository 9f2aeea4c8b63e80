"""The MPI FHIR Bundle validates with fhir.resources and links golden and source Patients."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.patient import Patient

from synthmass_assets.mpi.fhir import (
    FACILITY_SYSTEM,
    mpi_bundle,
    resource_id,
    write_bulk_patients,
    write_bundle,
)
from synthmass_assets.mpi.golden import golden_records

RECORDS = pl.DataFrame(
    {
        "record_id": ["0a8f6b8e-3c2d-4e51-9f7a-1b2c3d4e5f60", "site-7/42", "rec 3"],
        "facility_id": ["F01", "F02", "F01"],
        "first_name": ["Ann", "Anne", "Bob"],
        "middle_name": ["Marie", None, None],
        "last_name": ["Lee", "Lee", "Stone"],
        "maiden_name": ["Park", None, None],
        "suffix": [None, None, "Jr."],
        "birthdate": [dt.date(1980, 1, 2), dt.date(1980, 1, 2), None],
        "gender": ["F", "F", None],
        "ssn": ["999-12-3456", None, None],
        "address": ["12 Main St", "12 Main Street", None],
        "city": ["Boston", "Boston", "Salem"],
        "state": ["Massachusetts", "Massachusetts", None],
        "zip": ["02101", None, None],
        "phone": ["555-0100", None, None],
    }
)
LINKS = pl.DataFrame(
    {
        "record_id": RECORDS["record_id"],
        "golden_id": ["6f1c2a9e-0b4d-5e8f-a1b2-c3d4e5f6a7b8"] * 2
        + ["7a2b3c4d-5e6f-5a1b-8c9d-0e1f2a3b4c5d"],
    }
)


def bundle() -> dict:
    return mpi_bundle(golden_records(RECORDS, LINKS), RECORDS, LINKS)


def test_bundle_validates_as_fhir() -> None:
    document = bundle()
    parsed = Bundle.model_validate(document)
    assert parsed.type == "collection" and len(parsed.entry or []) == 2 + 3
    for entry in document["entry"]:
        Patient.model_validate(entry["resource"])


def test_golden_and_source_patients_link_both_ways() -> None:
    entries = {e["fullUrl"]: e["resource"] for e in bundle()["entry"]}
    golden = entries[f"urn:uuid:{LINKS['golden_id'][0]}"]
    sources = {link["other"]["reference"] for link in golden["link"]}
    assert {link["type"] for link in golden["link"]} == {"seealso"}
    assert sources == {f"urn:uuid:{resource_id(r)}" for r in RECORDS["record_id"][:2]}
    for reference in sources:
        (back,) = entries[reference]["link"]
        assert back["type"] == "replaced-by"
        assert back["other"]["reference"] == f"urn:uuid:{LINKS['golden_id'][0]}"


def test_identifiers_per_facility_and_demographics() -> None:
    entries = {e["fullUrl"]: e["resource"] for e in bundle()["entry"]}
    golden = entries[f"urn:uuid:{LINKS['golden_id'][0]}"]
    systems = {(i["system"], i["value"]) for i in golden["identifier"]}
    assert (FACILITY_SYSTEM + "F01", RECORDS["record_id"][0]) in systems
    assert (FACILITY_SYSTEM + "F02", "site-7/42") in systems
    assert golden["gender"] == "female" and golden["birthDate"] == "1980-01-02"
    assert golden["address"][0]["line"] == ["12 Main Street"]
    assert {n["use"] for n in golden["name"]} == {"official", "maiden"}


def test_non_uuid_record_ids_get_stable_uuid_resource_ids() -> None:
    assert resource_id("site-7/42") == resource_id("site-7/42") != "site-7/42"
    assert resource_id(RECORDS["record_id"][0]) == RECORDS["record_id"][0]


def test_written_bundle_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "fhir" / "mpi.json"
    size = write_bundle(bundle(), path)
    assert size == path.stat().st_size
    Bundle.model_validate(json.loads(path.read_text()))


def test_bulk_form_lists_every_patient_in_ndjson(tmp_path: Path) -> None:
    document = bundle()
    manifest = write_bulk_patients(document, tmp_path / "bulk", "urn:test")
    output = json.loads(manifest.read_text())["output"]
    assert output == [{"type": "Patient", "url": "Patient.ndjson", "count": 5}]
    lines = (tmp_path / "bulk" / "Patient.ndjson").read_text().splitlines()
    patients = [Patient.model_validate(json.loads(line)) for line in lines]
    assert [p.id for p in patients] == [e["resource"]["id"] for e in document["entry"]]
    assert {link.type for p in patients for link in p.link or []} == {"seealso", "replaced-by"}
