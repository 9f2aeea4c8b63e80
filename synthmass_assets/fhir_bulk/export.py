"""A track's facility records and histories as one FHIR R4 Bulk Data export per facility.

``<out>/<facility_id>/`` holds ``Patient.ndjson`` (one Patient per facility record), one NDJSON
file per clinical resource type and ``manifest.json``. Each clinical row goes to the record
that owns its encounter (``encounter_facilities``); rows of encounters no record owns are not
exported. Which Synthea columns do not travel: see `vocabulary`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from synthmass_assets.fhir_bulk.clinical_out import RESOURCE_BUILDERS
from synthmass_assets.fhir_bulk.json_lines import fhir_ids, ndjson_lines
from synthmass_assets.fhir_bulk.manifest import write_manifest
from synthmass_assets.fhir_bulk.patients_out import patient_resources
from synthmass_assets.fhir_bulk.vocabulary import RESOURCE_OF_TABLE
from synthmass_assets.population.schema import conform

REQUEST_BASE = "urn:synthmass:fhir"
GROUND_TRUTH_COLUMNS = ("record_id", "patient_id", "facility_id")

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExportSummary:
    """What was written: each facility's manifest, resources per type, and the file count."""

    manifests: dict[str, Path]
    resources: dict[str, int]
    files: int


def _owners(records: pl.DataFrame, encounter_facilities: pl.DataFrame) -> pl.DataFrame:
    """Per encounter: its record, facility, Patient id and Encounter resource id."""
    patients = records.select("record_id", _patient=fhir_ids(records.get_column("record_id")))
    owners = encounter_facilities.select("encounter_id", "record_id", "facility_id").join(
        patients, on="record_id", how="inner"
    )
    dropped = encounter_facilities.height - owners.height
    if dropped:
        logger.warning("%d encounters belong to no facility record and are not exported", dropped)
    return owners.with_columns(_encounter=fhir_ids(owners.get_column("encounter_id")))


def _clinical_lines(table: str, frame: pl.DataFrame, owners: pl.DataFrame) -> pl.DataFrame:
    """``facility_id`` and ``line`` per exported row of one Synthea table."""
    key = "Id" if table == "encounters" else "ENCOUNTER"
    owned = conform(table, frame).join(
        owners, left_on=key, right_on="encounter_id", how="inner", maintain_order="left"
    )
    if table == "encounters":
        owned = owned.with_columns(_id=pl.col("_encounter"))
    else:
        serial = pl.int_range(pl.len()).over("_encounter").cast(pl.String)
        owned = owned.with_columns(_id=pl.format("{}-{}", pl.col("_encounter"), serial))
        owned = owned.with_columns(_id=fhir_ids(owned.get_column("_id")))
    return owned.select("facility_id", line=ndjson_lines(RESOURCE_BUILDERS[table]()))


def _write_lines(lines: pl.DataFrame, path: Path) -> None:
    lines.select("line").write_csv(path, include_header=False, quote_style="never")


def write_bulk_exports(
    records: pl.DataFrame,
    encounter_facilities: pl.DataFrame,
    tables: Mapping[str, pl.DataFrame],
    out_dir: Path,
    *,
    transaction_time: dt.datetime | None = None,
    request_base: str = REQUEST_BASE,
) -> ExportSummary:
    """Write one Bulk Data export per facility under ``out_dir/<facility_id>/``.

    Args:
        records: Facility records (``record_id``, ``facility_id`` and any of our fields).
        encounter_facilities: ``encounter_id`` → ``record_id``, ``facility_id``.
        tables: Synthea clinical tables by name (any of `RESOURCE_OF_TABLE`; others ignored).
        out_dir: Parent folder of the per-facility exports (created if needed).
        transaction_time: The manifests' ``transactionTime`` (default: now).
        request_base: Prefix of each manifest's ``request`` (``<base>/Group/<facility>/$export``).

    Returns:
        The manifests written, resources per type and the number of files.
    """
    owners = _owners(records, encounter_facilities)
    patients = patient_resources(records)
    by_type = {"Patient": patients.select("facility_id", line=ndjson_lines(pl.col("resource")))}
    for table, resource_type in RESOURCE_OF_TABLE.items():
        if table in tables:
            by_type[resource_type] = _clinical_lines(table, tables[table], owners)
    when = transaction_time or dt.datetime.now(dt.UTC)
    parts = {
        name: lines.partition_by("facility_id", as_dict=True, include_key=False)
        for name, lines in by_type.items()
    }
    manifests, files = {}, 0
    for facility_id in sorted(records.get_column("facility_id").unique().to_list()):
        folder = out_dir / facility_id
        folder.mkdir(parents=True, exist_ok=True)
        outputs = []
        for resource_type, part in parts.items():
            lines = part.get((facility_id,))
            if lines is None or lines.is_empty():
                continue
            name = f"{resource_type}.ndjson"
            _write_lines(lines, folder / name)
            outputs.append((resource_type, name, lines.height))
        request = f"{request_base}/Group/{facility_id}/$export"
        manifests[facility_id] = write_manifest(folder, outputs, when, request)
        files += len(outputs)
    resources = {name: frame.height for name, frame in by_type.items()}
    logger.info(
        "Wrote %d resources to %d facility exports", sum(resources.values()), len(manifests)
    )
    return ExportSummary(manifests, resources, files)


def write_ground_truth(ground_truth: pl.DataFrame, path: Path) -> int:
    """``record_id``, ``patient_id``, ``facility_id`` as CSV; returns the row count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ground_truth.select(GROUND_TRUTH_COLUMNS).sort("record_id").write_csv(path)
    return ground_truth.height
