"""The MPI as a FHIR R4 Bundle: a Patient per golden record and per source record.

Each golden Patient lists every source record's identifier (one system per facility) and links
to the source Patients with ``seealso``; each source Patient links to its golden Patient with
``replaced-by`` (use the golden record instead). Plain dicts in the FHIR JSON form are built
here; tests validate them with ``fhir.resources``.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import polars as pl

from synthmass_assets.fhir_bulk.manifest import write_manifest

MPI_SYSTEM = "urn:synthmass:mpi"
FACILITY_SYSTEM = "urn:synthmass:facility:"
SSN_SYSTEM = "http://hl7.org/fhir/sid/us-ssn"
NATIONAL_ID_TYPE = {
    "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "NI"}]
}
SOURCE_NAMESPACE = uuid.UUID("0c3e7d52-41a8-4d7b-8e0f-3f6a2b9d1c47")
GENDERS = {"M": "male", "F": "female", "MALE": "male", "FEMALE": "female"}


def resource_id(value: str) -> str:
    """The value when it is a UUID, else a UUID named after it (usable in ``urn:uuid:``)."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return str(uuid.uuid5(SOURCE_NAMESPACE, value))


def _reference(value: str) -> dict[str, str]:
    return {"reference": f"urn:uuid:{resource_id(value)}"}


def _demographics(row: Mapping[str, Any]) -> dict[str, Any]:
    """FHIR name, gender, birthDate, address and telecom of one row's fields (absent: left out)."""
    resource: dict[str, Any] = {}
    given = [row[f] for f in ("first_name", "middle_name") if row.get(f)]
    name = {"use": "official", "family": row.get("last_name"), "given": given or None}
    name["suffix"] = [row["suffix"]] if row.get("suffix") else None
    names = [{k: v for k, v in name.items() if v}]
    if row.get("maiden_name"):
        names.append({"use": "maiden", "family": row["maiden_name"]})
    resource["name"] = [n for n in names if len(n) > 1]
    gender = GENDERS.get(str(row.get("gender") or "").upper())
    if gender:
        resource["gender"] = gender
    birthdate = row.get("birthdate")
    if isinstance(birthdate, dt.date):
        resource["birthDate"] = birthdate.isoformat()
    address = {
        "line": [row["address"]] if row.get("address") else None,
        "city": row.get("city"),
        "state": row.get("state"),
        "postalCode": row.get("zip"),
    }
    address = {k: v for k, v in address.items() if v}
    if address:
        resource["address"] = [address]
    if row.get("phone"):
        resource["telecom"] = [{"system": "phone", "value": row["phone"]}]
    return {k: v for k, v in resource.items() if v}


def _facility_identifier(record_id: str, facility_id: str | None) -> dict[str, Any]:
    system = FACILITY_SYSTEM + (facility_id or "unknown")
    return {"use": "secondary", "system": system, "value": record_id}


def _ssn(row: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The US SSN under its system; another national identifier typed ``NI`` (HL7 v2 table
    0203: national unique individual identifier), its issuing system unknown."""
    out: list[dict[str, Any]] = []
    if row.get("ssn"):
        out.append({"system": SSN_SYSTEM, "value": row["ssn"]})
    if row.get("national_id"):
        out.append({"type": NATIONAL_ID_TYPE, "value": row["national_id"]})
    return out


def _golden_patient(row: Mapping[str, Any], facility_of: Mapping[str, str | None]) -> dict:
    identifiers = [{"use": "official", "system": MPI_SYSTEM, "value": row["golden_id"]}]
    identifiers += [_facility_identifier(r, facility_of.get(r)) for r in row["record_ids"]]
    return {
        "resourceType": "Patient",
        "id": resource_id(row["golden_id"]),
        "active": True,
        "identifier": identifiers + _ssn(row),
        **_demographics(row),
        "link": [{"other": _reference(r), "type": "seealso"} for r in row["record_ids"]],
    }


def _source_patient(row: Mapping[str, Any], golden_id: str) -> dict:
    identifiers = [_facility_identifier(row["record_id"], row.get("facility_id"))]
    return {
        "resourceType": "Patient",
        "id": resource_id(row["record_id"]),
        "identifier": identifiers + _ssn(row),
        **_demographics(row),
        "link": [{"other": _reference(golden_id), "type": "replaced-by"}],
    }


def patients(
    golden: pl.DataFrame, records: pl.DataFrame, links: pl.DataFrame
) -> Iterator[dict[str, Any]]:
    """Golden Patients first, then source Patients, as FHIR JSON dicts."""
    facility = pl.col("facility_id") if "facility_id" in records.columns else pl.lit(None)
    facility_of = dict(
        records.select("record_id", facility.cast(pl.String).alias("facility_id")).iter_rows()
    )
    for row in golden.iter_rows(named=True):
        yield _golden_patient(row, facility_of)
    sources = records.join(links, on="record_id", how="inner")
    for row in sources.iter_rows(named=True):
        yield _source_patient(row, row["golden_id"])


def mpi_bundle(golden: pl.DataFrame, records: pl.DataFrame, links: pl.DataFrame) -> dict:
    """A ``collection`` Bundle of every golden and source Patient."""
    entries = [
        {"fullUrl": f"urn:uuid:{patient['id']}", "resource": patient}
        for patient in patients(golden, records, links)
    ]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "entry": entries,
    }


def write_bundle(bundle: dict, path: Path) -> int:
    """Write the Bundle as JSON; returns the file size in bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(bundle, separators=(",", ":")))
    return path.stat().st_size


def write_bulk_patients(bundle: dict, folder: Path, request: str) -> Path:
    """The Bundle's Patients as a Bulk Data export: ``Patient.ndjson`` (golden Patients first,
    then source Patients, ``Patient.link`` as in the Bundle) and ``manifest.json`` in
    ``folder``; returns the manifest's path."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(e["resource"], separators=(",", ":")) for e in bundle["entry"]]
    (folder / "Patient.ndjson").write_text("".join(line + "\n" for line in lines))
    written = dt.datetime.fromisoformat(bundle["timestamp"])
    return write_manifest(folder, [("Patient", "Patient.ndjson", len(lines))], written, request)
