"""Bring-your-own facility extracts: CSV or Parquet files mapped onto our record fields."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from synthmass_assets.errors import InputDataError

logger = logging.getLogger(__name__)

RECORD_FIELDS: tuple[str, ...] = (
    "record_id",
    "facility_id",
    "first_name",
    "middle_name",
    "last_name",
    "maiden_name",
    "suffix",
    "birthdate",
    "gender",
    "ssn",
    "address",
    "city",
    "state",
    "zip",
    "phone",
)
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%Y%m%d", "%d.%m.%Y")


@dataclass(frozen=True)
class CustomExtract:
    """What the user configured: files, their column → our field, and optional columns."""

    paths: tuple[str, ...]
    column_mapping: dict[str, str]
    entity_column: str | None = None
    source_column: str | None = None
    date_format: str | None = None


def _read(path: Path) -> pl.DataFrame:
    if not path.is_file():
        raise InputDataError(f"{path}: file not found; check the paths in the run config")
    if path.suffix.lower() == ".parquet":
        return pl.read_parquet(path).cast(pl.String)
    if path.suffix.lower() in (".csv", ".txt"):
        return pl.read_csv(path, infer_schema=False)
    raise InputDataError(f"{path}: unsupported file type {path.suffix!r}; use .csv or .parquet")


def _parse_dates(
    frame: pl.DataFrame, path: Path, column: str, date_format: str | None
) -> pl.Series:
    raw = frame.get_column("birthdate").str.strip_chars()
    formats = (date_format,) if date_format else DATE_FORMATS
    best = frame.select(
        pl.coalesce(
            pl.col("birthdate").str.strip_chars().str.strptime(pl.Date, f, strict=False)
            for f in formats
        )
    ).to_series()
    bad = raw.is_not_null() & (raw != "") & best.is_null()
    if bad.any():
        row = int(bad.arg_max() or 0)
        raise InputDataError(
            f"{path}: column {column!r} (birthdate), data row {row + 1}: cannot parse date "
            f"{raw[row]!r} with {', '.join(formats)}; set date_format in the run config"
        )
    return best


def read_custom_records(extract: CustomExtract) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """Facility records (our field names; unmapped fields absent) and, with an entity column,
    the ground truth (``record_id`` → ``patient_id``, ``facility_id``)."""
    unknown = set(extract.column_mapping.values()) - set(RECORD_FIELDS)
    if unknown:
        raise InputDataError(
            f"column_mapping targets unknown fields {sorted(unknown)}; "
            f"map to: {', '.join(RECORD_FIELDS)}"
        )
    if not extract.paths:
        raise InputDataError("no input files configured; set paths in the run config")
    frames = []
    for name in extract.paths:
        path = Path(name)
        raw = _read(path)
        wanted = dict(extract.column_mapping)
        for extra, alias in (
            (extract.entity_column, "_entity"),
            (extract.source_column, "_source"),
        ):
            if extra:
                wanted[extra] = alias
        missing = [c for c in wanted if c not in raw.columns]
        if missing:
            raise InputDataError(
                f"{path}: mapped column(s) {missing} not found; the file has {raw.columns}"
            )
        frame = raw.select([pl.col(c).alias(f) for c, f in wanted.items()])
        frame = frame.with_columns(pl.col(pl.String).str.strip_chars().replace("", None))
        if "birthdate" in frame.columns:
            column = next(c for c, f in wanted.items() if f == "birthdate")
            frame = frame.with_columns(
                birthdate=_parse_dates(frame, path, column, extract.date_format)
            )
        if "record_id" not in frame.columns:
            frame = frame.with_columns(
                record_id=pl.format("{}:{}", pl.lit(path.stem), pl.int_range(1, pl.len() + 1))
            )
        if "facility_id" not in frame.columns:
            facility = pl.col("_source") if "_source" in frame.columns else pl.lit(path.stem)
            frame = frame.with_columns(facility_id=facility)
        frames.append(frame)
    records = pl.concat(frames, how="diagonal")
    duplicated = records.filter(pl.col("record_id").is_duplicated())
    if duplicated.height:
        raise InputDataError(
            f"record_id {duplicated['record_id'][0]!r} appears more than once; record ids must "
            "be unique across all files"
        )
    truth = None
    if extract.entity_column:
        truth = records.select("record_id", patient_id="_entity", facility_id="facility_id")
    fields = [f for f in RECORD_FIELDS if f in records.columns]
    logger.info("Read %d custom records with fields %s", records.height, fields)
    return records.select(fields), truth
