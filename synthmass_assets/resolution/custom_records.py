"""Bring-your-own facility extracts: CSV or Parquet files mapped onto our record fields."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from synthmass_assets.errors import InputDataError
from synthmass_assets.fhir_bulk.reader import FhirImport, combined_imports, read_exports
from synthmass_assets.resolution.dates import parse_dates
from synthmass_assets.resolution.sources import ALL_SOURCES, LINK_TYPES, declared_sources
from synthmass_assets.resolution.synthea_folders import read_synthea_folders
from synthmass_assets.resolution.value_forms import malformed_values

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
    "national_id",
    "address",
    "city",
    "state",
    "zip",
    "phone",
)


@dataclass(frozen=True)
class CustomExtract:
    """What the user configured: files, their column → our field, and optional columns."""

    paths: tuple[str, ...]
    column_mapping: dict[str, str]
    entity_column: str | None = None
    source_column: str | None = None
    date_format: str | None = None
    link_type: str = "link_and_dedupe"
    duplicate_free_sources: tuple[str, ...] = ()
    fhir_exports: tuple[str, ...] = ()
    synthea_folders: tuple[str, ...] = ()


@dataclass(frozen=True)
class CustomRecords:
    """What was read: records (our field names), truth (with an entity column), the declared
    sources and the values that did not parse (kept in the records, counted here)."""

    records: pl.DataFrame
    truth: pl.DataFrame | None
    sources: pl.DataFrame
    invalid: pl.DataFrame
    histories: FhirImport | None = None


def _read(path: Path) -> pl.DataFrame:
    if not path.is_file():
        raise InputDataError(f"{path}: file not found; check the paths in the run config")
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".csv", ".txt"):
        raise InputDataError(f"{path}: unsupported file type {path.suffix!r}; use .csv or .parquet")
    try:
        if suffix == ".parquet":
            return pl.read_parquet(path).cast(pl.String)
        return pl.read_csv(path, infer_schema=False)
    except (pl.exceptions.PolarsError, OSError) as error:
        raise InputDataError(
            f"{path}: cannot be read as {suffix[1:]} ({type(error).__name__}); check that the "
            "file is complete and in that format"
        ) from error


def _dates(frame: pl.DataFrame, date_format: str | None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``birthdate`` parsed where it is a real date, ``birthdate_raw`` as written and
    ``birthdate_digits`` (year-month-day digits, also of impossible dates); and the values
    that are not a date (``record_id``, ``field``, ``value``)."""
    parsed = parse_dates(frame.get_column("birthdate"), date_format)
    out = frame.with_columns(
        birthdate_raw=pl.col("birthdate"), birthdate=parsed.dates, birthdate_digits=parsed.digits
    )
    invalid = out.filter(parsed.invalid).select(
        "record_id", field=pl.lit("birthdate"), value="birthdate_raw"
    )
    return out, invalid


def _mapped_frame(path: Path, extract: CustomExtract) -> pl.DataFrame:
    """One file's rows under our field names (plus ``_entity`` / ``_source``), blanks as null."""
    raw = _read(path)
    wanted = dict(extract.column_mapping)
    for extra, alias in ((extract.entity_column, "_entity"), (extract.source_column, "_source")):
        if extra:
            wanted[extra] = alias
    missing = [c for c in wanted if c not in raw.columns]
    if missing:
        raise InputDataError(
            f"{path}: mapped column(s) {missing} not found; the file has {raw.columns}; fix "
            "column_mapping (or entity_column / source_column) in the run config"
        )
    frame = raw.select([pl.col(c).alias(f) for c, f in wanted.items()])
    frame = frame.with_columns(pl.col(pl.String).str.strip_chars().replace("", None))
    if "record_id" not in frame.columns:
        frame = frame.with_columns(
            record_id=pl.format("{}:{}", pl.lit(path.stem), pl.int_range(1, pl.len() + 1))
        )
    if "facility_id" not in frame.columns:
        facility = pl.col("_source") if "_source" in frame.columns else pl.lit(path.stem)
        frame = frame.with_columns(facility_id=facility)
    return frame.with_columns(_file=pl.lit(str(path)), _row=pl.int_range(1, pl.len() + 1))


def _check_unique(records: pl.DataFrame) -> None:
    duplicated = records.filter(pl.col("record_id").is_duplicated()).sort("_file", "_row")
    if duplicated.height:
        first = duplicated.row(0, named=True)
        rows = duplicated.filter(pl.col("record_id") == first["record_id"])
        where = ", ".join(f"{f} data row {r}" for f, r in rows.select("_file", "_row").iter_rows())
        raise InputDataError(
            f"record_id {first['record_id']!r} appears more than once ({where}); record ids "
            f"must be unique across all files ({duplicated['record_id'].n_unique()} duplicated "
            "ids in all)"
        )


def _sources(records: pl.DataFrame, extract: CustomExtract) -> pl.DataFrame:
    """The declared sources; a link type or source name that does not exist is an error."""
    if extract.link_type not in LINK_TYPES:
        raise InputDataError(
            f"link_type {extract.link_type!r} is not one of {', '.join(LINK_TYPES)}"
        )
    sources = declared_sources(records, extract.duplicate_free_sources, extract.link_type)
    unknown = set(extract.duplicate_free_sources) - set(sources["facility_id"]) - {ALL_SOURCES}
    if unknown:
        raise InputDataError(
            f"duplicate_free_sources names {sorted(unknown)}, which no record comes from; the "
            f"sources are {sources['facility_id'].to_list()}"
        )
    return sources


def _histories(extract: CustomExtract) -> FhirImport | None:
    """Records and histories of the FHIR exports and Synthea folders (None without either)."""
    parts, names = [], []
    if extract.fhir_exports:
        parts.append(read_exports(list(extract.fhir_exports)))
        names.append("fhir_exports")
    if extract.synthea_folders:
        parts.append(read_synthea_folders(extract.synthea_folders))
        names.append("synthea_folders")
    if len(parts) < 2:
        return parts[0] if parts else None
    return combined_imports(parts, names)


def read_custom_records(extract: CustomExtract) -> CustomRecords:
    """Facility records under our field names (unmapped fields absent), the ground truth
    (``record_id`` → ``patient_id``, ``facility_id``) with an entity column, the declared
    sources and the values that did not parse.

    Raises:
        InputDataError: on structure only (a missing or unreadable file, a missing mapped
            column, duplicate record ids, an unknown field, link type or source); values that
            do not parse are kept and counted.
    """
    unknown = set(extract.column_mapping.values()) - set(RECORD_FIELDS)
    if unknown:
        raise InputDataError(
            f"column_mapping targets unknown fields {sorted(unknown)}; "
            f"map to: {', '.join(RECORD_FIELDS)}"
        )
    if not extract.paths and not extract.fhir_exports and not extract.synthea_folders:
        raise InputDataError(
            "no input configured; set paths (flat files), fhir_exports or synthea_folders in "
            "the run config"
        )
    frames = [_mapped_frame(Path(name), extract) for name in extract.paths]
    histories = _histories(extract)
    if histories is not None:
        exported = histories.records.with_columns(pl.col("birthdate_raw").alias("birthdate"))
        frames.append(
            exported.drop("birthdate_raw").with_columns(
                _file=pl.lit("fhir_exports / synthea_folders"), _row=pl.int_range(1, pl.len() + 1)
            )
        )
    records = pl.concat(frames, how="diagonal_relaxed")
    _check_unique(records)
    invalid = [malformed_values(records)]
    if "birthdate" in records.columns:
        records, bad_dates = _dates(records, extract.date_format)
        invalid.insert(0, bad_dates)
    truth = None
    if extract.entity_column:
        truth = records.select("record_id", patient_id="_entity", facility_id="facility_id")
    sources = _sources(records, extract)
    # A field without a single value is as good as unmapped (a FHIR export without identifiers).
    filled = {c for c, n in records.null_count().row(0, named=True).items() if n < records.height}
    fields = [f for f in RECORD_FIELDS if f in filled or f in ("record_id", "facility_id")]
    fields += [c for c in ("birthdate_raw", "birthdate_digits") if c in filled]
    logger.info("Read %d custom records with fields %s", records.height, fields)
    return CustomRecords(records.select(fields), truth, sources, pl.concat(invalid), histories)
