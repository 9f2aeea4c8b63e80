"""Compare a track's tables with what came back through FHIR, table by table.

Records compare on the fields the track has; clinical tables on every Synthea column an
export carries (`vocabulary.NOT_CARRIED` lists the rest), each row owned by the record of its
encounter; ``encounter_facilities`` on everything but ``visit_order`` (a patient-level rank
in the synthetic tracks, a record-level one after import).
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from synthmass_assets.fhir_bulk.reader import FhirImport
from synthmass_assets.fhir_bulk.vocabulary import NOT_CARRIED, RESOURCE_OF_TABLE
from synthmass_assets.population.schema import conform


def _difference(name: str, expected: pl.DataFrame, got: pl.DataFrame) -> str | None:
    columns = expected.columns
    left = expected.sort(columns, nulls_last=True)
    right = got.select(columns).sort(columns, nulls_last=True)
    if left.equals(right):
        return None
    if left.height != right.height:
        return f"{name}: {left.height} rows written, {right.height} read"
    differing = [c for c in columns if not left.get_column(c).equals(right.get_column(c))]
    return f"{name}: columns {differing} differ"


def owned_rows(table: str, frame: pl.DataFrame, encounter_facilities: pl.DataFrame) -> pl.DataFrame:
    """A Synthea table's carried columns as an export writes them: rows of encounters some
    record owns, ``PATIENT`` = that record."""
    key = "Id" if table == "encounters" else "ENCOUNTER"
    owners = encounter_facilities.select(pl.col("encounter_id").alias(key), "record_id")
    rows = conform(table, frame).join(owners, on=key, how="inner")
    rows = rows.with_columns(PATIENT="record_id").drop("record_id")
    return rows.drop(NOT_CARRIED.get(table, ()))


def roundtrip_differences(
    records: pl.DataFrame,
    encounter_facilities: pl.DataFrame,
    tables: Mapping[str, pl.DataFrame],
    imported: FhirImport,
) -> list[str]:
    """What differs between the exported tables and the import (empty: identical)."""
    owned = encounter_facilities.join(records.select("record_id"), on="record_id", how="semi")
    fields = [c for c in records.columns if c in imported.records.columns]
    found = [_difference("facility_records", records.select(fields), imported.records)]
    visits = owned.select("encounter_id", "record_id", "facility_id", "encounter_start")
    found.append(_difference("encounter_facilities", visits, imported.encounter_facilities))
    for table in RESOURCE_OF_TABLE:
        if table in tables:
            expected = owned_rows(table, tables[table], owned)
            found.append(_difference(table, expected, imported.tables[table]))
    return [f for f in found if f]
