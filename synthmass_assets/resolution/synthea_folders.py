"""Synthea CSV folders as facility extracts: one folder per facility, in the population stage's
format (``patients.csv``, ``encounters.csv``, ``conditions.csv``, ...).

Each patient row becomes a facility record (its ``Id`` the record id, the folder's name the
facility), each clinical row the history of the record it names in ``PATIENT``, exactly as a
FHIR Bulk export is read (`fhir_bulk.reader.FhirImport`). Folders are validated strictly by
`population.ingest.read_synthea_csv`: a structural error names file, column, row and value.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from synthmass_assets.fhir_bulk.patients_in import RECORD_FIELDS
from synthmass_assets.fhir_bulk.reader import EF_SCHEMA, FhirImport, combined_imports
from synthmass_assets.population.ingest import read_synthea_csv
from synthmass_assets.population.schema import CLINICAL_TABLES

logger = logging.getLogger(__name__)


def _records(patients: pl.DataFrame, facility: str) -> pl.DataFrame:
    """Synthea ``patients`` under our record fields (no middle name, phone or other id)."""
    birthdate = pl.col("BIRTHDATE").dt.strftime("%Y-%m-%d")
    frame = patients.select(
        record_id="Id",
        facility_id=pl.lit(facility),
        first_name="FIRST",
        last_name="LAST",
        maiden_name="MAIDEN",
        suffix="SUFFIX",
        birthdate=birthdate,
        gender="GENDER",
        ssn="SSN",
        address="ADDRESS",
        city="CITY",
        state="STATE",
        zip="ZIP",
        birthdate_raw=birthdate,
    )
    missing = [f for f in RECORD_FIELDS if f not in frame.columns]
    return frame.with_columns(pl.lit(None, pl.String).alias(f) for f in missing).select(
        RECORD_FIELDS
    )


def read_synthea_folder(folder: str | Path, facility_id: str | None = None) -> FhirImport:
    """One facility's Synthea CSV folder; the facility defaults to the folder's name."""
    path = Path(folder)
    facility = facility_id or path.resolve().name
    tables = read_synthea_csv(path)
    visits = tables["encounters"].select(
        encounter_id="Id",
        record_id="PATIENT",
        facility_id=pl.lit(facility),
        encounter_start="START",
        visit_order=(pl.col("START").rank("ordinal").over("PATIENT") - 1).cast(pl.Int64),
    )
    counts = {table: frame.height for table, frame in tables.items()}
    logger.info("Read Synthea folder %s as facility %s: %s", path, facility, counts)
    return FhirImport(
        records=_records(tables["patients"], facility),
        tables={table: tables[table] for table in CLINICAL_TABLES},
        encounter_facilities=visits.select(EF_SCHEMA.names()).cast(EF_SCHEMA),
        resources=counts,
    )


def read_synthea_folders(folders: Sequence[str | Path]) -> FhirImport:
    """Several facilities' Synthea CSV folders as one import (ids unique across them)."""
    parts = [read_synthea_folder(folder) for folder in folders]
    return combined_imports(parts, [str(f) for f in folders])
