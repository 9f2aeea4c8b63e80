"""FHIR R4 Bulk Data exports (one per facility) read back as facility records and histories.

`read_exports` gives what the synthetic tracks carry: facility records in our field names, the
Synthea clinical tables with ``PATIENT`` = record id, and an ``encounter_facilities`` frame
(``visit_order`` is the rank of the visit within its record). Resource types we do not use
are counted and skipped. Structural errors — a line that is not JSON, an element of the wrong
JSON type, a resource of another type than its file, a reference to a Patient or Encounter
that is not in the export, a manifest file that is missing, an id used twice — raise
`InputDataError` naming file, line, resource id and field, and nothing is returned.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from synthmass_assets.errors import InputDataError
from synthmass_assets.fhir_bulk.clinical_in import SYNTHEA_COLUMNS, reference_fields, references
from synthmass_assets.fhir_bulk.ndjson import FILE, ROW
from synthmass_assets.fhir_bulk.patients_in import RECORD_FIELDS
from synthmass_assets.fhir_bulk.resources_in import ExportReader
from synthmass_assets.fhir_bulk.temporal import synthea_types
from synthmass_assets.fhir_bulk.vocabulary import TABLE_OF_RESOURCE
from synthmass_assets.population.schema import CLINICAL_TABLES, SYNTHEA_SCHEMAS, TIMESTAMP

EF_SCHEMA = pl.Schema({
    "encounter_id": pl.String(), "record_id": pl.String(), "facility_id": pl.String(),
    "encounter_start": TIMESTAMP, "visit_order": pl.Int64(),
})  # fmt: skip

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FhirImport:
    """What the exports held, in the synthetic tracks' shapes."""

    records: pl.DataFrame
    tables: dict[str, pl.DataFrame]
    encounter_facilities: pl.DataFrame
    resources: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)


def _clinical(export: ExportReader, patients: pl.DataFrame) -> dict[str, list[pl.DataFrame]]:
    """Every clinical resource's Synthea columns, PATIENT and ENCOUNTER resolved, by table."""
    owners = patients.select("_patient", PATIENT="record_id")
    columns = (ROW, FILE, "id")
    frame = export.frame("Encounter")
    encounters = frame.select(*columns, **references("Encounter"), **SYNTHEA_COLUMNS["Encounter"]())
    encounters = export.resolve(encounters, owners, "Patient", "subject")
    export.unique(encounters, "id", "id")
    visits = encounters.select(_encounter="id", ENCOUNTER="Id", _owner="PATIENT")
    tables: dict[str, list[pl.DataFrame]] = {"encounters": [encounters]}
    for resource_type, synthea in SYNTHEA_COLUMNS.items():
        if resource_type == "Encounter" or resource_type not in export.frames:
            continue
        frame = export.frame(resource_type)
        rows = frame.select(*columns, **references(resource_type), **synthea())
        patient_field, encounter_field = reference_fields(resource_type)
        rows = export.resolve(rows, owners, "Patient", patient_field)
        rows = export.resolve(rows, visits, "Encounter", encounter_field)
        other = rows.filter(
            pl.col("_owner").is_not_null() & (pl.col("_owner") != pl.col("PATIENT"))
        )
        if other.height:
            problem = "{_encounter_ref} belongs to another Patient than {_patient_ref}"
            raise export.fail(other, encounter_field, problem)
        tables.setdefault(TABLE_OF_RESOURCE[resource_type], []).append(rows)
    return tables


def read_export(
    path: str | Path, facility_id: str | None = None, mrn_system: str | None = None
) -> FhirImport:
    """One export (folder or manifest); the facility defaults to the folder's name."""
    export = ExportReader(path, facility_id, mrn_system)
    patients = export.patients()
    tables = _clinical(export, patients)
    facility = export.export.facility_id
    out = {
        table: synthea_types(table, pl.concat(tables[table], how="diagonal_relaxed"))
        if table in tables
        else pl.DataFrame(schema=SYNTHEA_SCHEMAS[table])
        for table in CLINICAL_TABLES
    }
    visits = out["encounters"].select(
        encounter_id="Id",
        record_id="PATIENT",
        facility_id=pl.lit(facility),
        encounter_start="START",
    )
    visits = visits.with_columns(
        visit_order=(pl.col("encounter_start").rank("ordinal").over("record_id") - 1).cast(pl.Int64)
    )
    counts = {t: sum(f.height for f in frames) for t, frames in export.frames.items()}
    logger.info("Read %s from %s (skipped %s)", counts, export.export.folder, dict(export.skipped))
    return FhirImport(
        records=patients.select(RECORD_FIELDS),
        tables=out,
        encounter_facilities=visits.select(EF_SCHEMA.names()).cast(EF_SCHEMA),
        resources=counts,
        skipped=dict(export.skipped),
    )


def empty_import() -> FhirImport:
    """An import of no export: no records, and every history table empty in its schema."""
    return FhirImport(
        records=pl.DataFrame(schema={f: pl.String() for f in RECORD_FIELDS}),
        tables={t: pl.DataFrame(schema=SYNTHEA_SCHEMAS[t]) for t in CLINICAL_TABLES},
        encounter_facilities=pl.DataFrame(schema=EF_SCHEMA),
    )


def _unique_across(parts: list[FhirImport], names: list[str]) -> None:
    """Record and encounter ids may not repeat across exports."""
    for attribute, column in (("records", "record_id"), ("encounter_facilities", "encounter_id")):
        ids = pl.concat(
            [
                getattr(p, attribute).select(column, export=pl.lit(n))
                for p, n in zip(parts, names, strict=True)
            ]
        )
        twice = ids.filter(pl.col(column).is_duplicated())
        if twice.height:
            value = twice.get_column(column)[0]
            where = twice.filter(pl.col(column) == value).get_column("export").to_list()
            raise InputDataError(
                f"{column} {value!r} occurs in more than one facility's input "
                f"({', '.join(where)}); ids must be unique across facilities (give each FHIR "
                "export its own MRN system, each Synthea folder its own patients)"
            )


def read_exports(
    paths: Sequence[str | Path],
    facilities: Mapping[str, str] | None = None,
    mrn_system: str | None = None,
) -> FhirImport:
    """Several exports (one per facility) as one import.

    Args:
        paths: Export folders or their ``manifest.json`` files.
        facilities: Facility id per path (as given in ``paths``); default: the folder's name.
        mrn_system: An identifier system whose values are record ids, besides
            ``urn:synthmass:facility:*`` (e.g. a hospital's own MRN system).

    Raises:
        InputDataError: on structural errors (see the module docstring), and when a record
            id or encounter id occurs in more than one export.
    """
    if not paths:
        raise InputDataError("no FHIR exports configured; list export folders in fhir_exports")
    facilities = facilities or {}
    parts = [read_export(p, facilities.get(str(p)), mrn_system) for p in paths]
    return combined_imports(parts, [str(p) for p in paths])


def combined_imports(parts: Sequence[FhirImport], names: Sequence[str]) -> FhirImport:
    """Imports of several facilities (``names``: where each came from) as one.

    Raises:
        InputDataError: a record id or encounter id occurs in more than one of them.
    """
    _unique_across(list(parts), list(names))
    return FhirImport(
        records=pl.concat([p.records for p in parts], how="diagonal_relaxed"),
        tables={t: pl.concat([p.tables[t] for p in parts]) for t in CLINICAL_TABLES},
        encounter_facilities=pl.concat([p.encounter_facilities for p in parts]),
        resources=dict(sum((Counter(p.resources) for p in parts), Counter())),
        skipped=dict(sum((Counter(p.skipped) for p in parts), Counter())),
    )
