"""One export's NDJSON files read, checked and joined by reference, for the reader.

Every failure becomes an `InputDataError` at the file and line of the first resource at fault.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import polars as pl

from synthmass_assets.errors import InputDataError
from synthmass_assets.fhir_bulk.manifest import ResourceFile, locate_export
from synthmass_assets.fhir_bulk.ndjson import (
    FILE,
    ROW,
    count_lines,
    line_number,
    read_ndjson,
    structure_error,
)
from synthmass_assets.fhir_bulk.patients_in import patient_records
from synthmass_assets.fhir_bulk.schemas import schema_of
from synthmass_assets.fhir_bulk.vocabulary import READ_TYPES

_ID = r"([A-Za-z0-9\-.]{1,64})"


def _referenced_id(reference: pl.Expr, resource_type: str) -> pl.Expr:
    relative = reference.str.extract(rf"(?:^|/){resource_type}/{_ID}(?:/_history/[^/]*)?$")
    return pl.coalesce(relative, reference.str.extract(r"^urn:uuid:(.+)$"))


class ExportReader:
    """One export being read: its files, the frames read from them, what was skipped."""

    def __init__(self, path: str | Path, facility_id: str | None, mrn_system: str | None):
        self.export = locate_export(path, facility_id)
        self.mrn_system = mrn_system
        self.files: list[ResourceFile] = []
        self.skipped: Counter[str] = Counter()
        self.frames: dict[str, list[pl.DataFrame]] = {}
        for file in self.export.files:
            if file.resource_type in READ_TYPES:
                self._read(file)
            else:
                self.skipped[file.resource_type] += count_lines(file.path)

    def _read(self, file: ResourceFile) -> None:
        frame = read_ndjson(file, schema_of(file.resource_type))
        frame = frame.with_columns(pl.lit(len(self.files), dtype=pl.Int32).alias(FILE))
        self.files.append(file)
        wrong = frame.filter(pl.col("resourceType").ne_missing(file.resource_type))
        if wrong.height:
            holds = file.resource_type.replace("{", "{{").replace("}", "}}")
            raise self.fail(wrong, "resourceType", "is {resourceType!r} in a file of " + holds)
        self.frames.setdefault(file.resource_type, []).append(frame)

    def fail(self, bad: pl.DataFrame, field_name: str, problem: str) -> InputDataError:
        """The error at ``bad``'s first row; ``problem`` may name that row's columns."""
        first = bad.sort(FILE, ROW).row(0, named=True)
        file = self.files[first[FILE]]
        line = line_number(file.path, first[ROW])
        return structure_error(file, line, first.get("id"), field_name, problem.format(**first))

    def frame(self, resource_type: str) -> pl.DataFrame:
        frames = self.frames.get(resource_type)
        if frames:
            return pl.concat(frames)
        empty = pl.DataFrame(schema=schema_of(resource_type)).with_row_index(ROW)
        return empty.with_columns(pl.lit(0, dtype=pl.Int32).alias(FILE))

    def unique(self, frame: pl.DataFrame, column: str, field_name: str) -> None:
        repeated = frame.filter(pl.col(column).is_duplicated() & pl.col(column).is_not_null())
        if repeated.height:
            later = repeated.sort(FILE, ROW).filter(pl.col(column).is_first_distinct().not_())
            raise self.fail(later, field_name, f"{{{column}}} is used by an earlier resource too")

    def patients(self) -> pl.DataFrame:
        frame = self.frame("Patient")
        missing = frame.filter(pl.col("id").is_null())
        if missing.height:
            raise self.fail(missing, "id", "a Patient needs an id (references point to it)")
        records = patient_records(frame, self.export.facility_id, self.mrn_system)
        records = records.with_columns(id="_patient")
        self.unique(records, "id", "id")
        self.unique(records, "record_id", "identifier")
        return records

    def resolve(
        self, frame: pl.DataFrame, targets: pl.DataFrame, kind: str, field_name: str
    ) -> pl.DataFrame:
        """Join the columns of the resources (``targets``, keyed by ``_patient`` or
        ``_encounter``) that the element ``field_name`` refers to; a reference to none of
        them is an error."""
        key = f"_{kind.lower()}"
        ref = f"{key}_ref"
        frame = frame.with_columns(_referenced_id(pl.col(ref), kind).alias(key))
        targets = targets.with_columns(_found=pl.lit(True))
        joined = frame.join(targets, on=key, how="left", maintain_order="left")
        dangling = joined.filter(pl.col(ref).is_not_null() & pl.col("_found").is_null())
        if dangling.height:
            raise self.fail(dangling, field_name, f"{{{ref}}} refers to no {kind} in this export")
        if kind == "Patient" and frame.get_column(ref).null_count():
            raise self.fail(frame.filter(pl.col(ref).is_null()), field_name, "no Patient reference")
        return joined.drop("_found")
