"""The ``custom`` track's input: the user's own facility extracts."""

import dagster as dg
import polars as pl
from pydantic import Field

from synthmass_assets.fhir_bulk.reader import empty_import
from synthmass_assets.metadata import frame_metadata, markdown_table
from synthmass_assets.population.schema import CLINICAL_TABLES
from synthmass_assets.privacy import masked
from synthmass_assets.resolution.config import SourcesConfig
from synthmass_assets.resolution.custom_records import (
    RECORD_FIELDS,
    CustomExtract,
    read_custom_records,
)
from synthmass_assets.resources.privacy import PrivacySettings

CUSTOM = "custom"
HISTORY_TABLES = ("encounter_facilities", *CLINICAL_TABLES)
HISTORY_DESCRIPTIONS = {
    "encounter_facilities": "encounter → the facility record (Patient) it belongs to",
}


class CustomRecordsConfig(SourcesConfig):
    """Where the user's facility extracts are and how their columns map onto our fields."""

    paths: list[str] = Field(
        default_factory=list,
        description="CSV or Parquet files with one demographic record per row.",
    )
    fhir_exports: list[str] = Field(
        default_factory=list,
        description="FHIR R4 Bulk Data exports, one per facility: a folder or its manifest.json "
        "(NDJSON, optionally .ndjson.gz, of Patient, Encounter, Condition, MedicationRequest, "
        "MedicationStatement, Observation, Procedure, Immunization, AllergyIntolerance). Each "
        "Patient becomes a record (facility: the folder name), its resources the record's "
        "clinical history (custom/encounter_facilities and the Synthea-schema tables).",
    )
    synthea_folders: list[str] = Field(
        default_factory=list,
        description="Synthea CSV folders, one per facility, in the population stage's format "
        "(patients.csv, encounters.csv, conditions.csv, ...): each patient becomes a record "
        "(record id: its Id; facility: the folder name), its rows the record's clinical history.",
    )
    column_mapping: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Your column → our field. Fields: " + ", ".join(RECORD_FIELDS) + ". national_id is "
            "any person-level identifier issued outside the facility (SSN, NHS number, "
            "insurance number). Unmapped fields are absent and left out of the model."
        ),
    )
    entity_column: str | None = Field(
        default=None,
        description="Optional column with the true entity (patient) id, for precision/recall.",
    )
    source_column: str | None = Field(
        default=None,
        description="Optional column naming each record's source facility (default: each file "
        "is one source, named after the file).",
    )
    date_format: str | None = Field(
        default=None,
        description="strftime format of the birthdate column (with %Y, %m, %d; any separator "
        "is accepted). Unset: ISO, compact, dotted, US and day-first dates, in the order that "
        "reads most of the column's values as real dates. Impossible dates are kept as digits.",
    )


def _invalid_summary(invalid: pl.DataFrame, show_values: bool) -> dg.MarkdownMetadataValue:
    """Invalid values per field with a few examples (as shapes unless values may be shown)."""
    shown = invalid if show_values else masked(invalid, frozenset({"value"}))
    summary = shown.group_by("field", maintain_order=True).agg(
        invalid=pl.len(), examples=pl.col("value").unique(maintain_order=True).head(3)
    )
    return markdown_table(summary.with_columns(pl.col("examples").list.join("; ")), limit=20)


@dg.multi_asset(
    name="custom_facility_records",
    outs={
        "facility_records": dg.AssetOut(
            key=dg.AssetKey([CUSTOM, "facility_records"]),
            description="The user's facility records under our field names (unmapped fields "
            "absent), from the configured CSV/Parquet files; birthdate where it is a real date, "
            "birthdate_raw as written and birthdate_digits (year-month-day digits, also of "
            "impossible dates).",
            kinds={"polars", "duckdb"},
            is_required=False,
            code_version="2",
        ),
        "ground_truth": dg.AssetOut(
            key=dg.AssetKey([CUSTOM, "ground_truth"]),
            description="record_id → true entity id, when an entity column is configured.",
            kinds={"polars", "duckdb"},
            is_required=False,
            code_version="1",
        ),
        "sources": dg.AssetOut(
            key=dg.AssetKey([CUSTOM, "sources"]),
            description="One row per source facility: records, whether it is declared "
            "duplicate-free, and the link type.",
            kinds={"polars", "duckdb"},
            is_required=False,
            code_version="1",
        ),
        **{
            name: dg.AssetOut(
                key=dg.AssetKey([CUSTOM, name]),
                description="From the FHIR exports and Synthea folders (empty without them): "
                f"{HISTORY_DESCRIPTIONS.get(name, name)}.",
                kinds={"polars", "duckdb"},
                is_required=False,
                code_version="1",
            )
            for name in HISTORY_TABLES
        },
        "invalid_values": dg.AssetOut(
            key=dg.AssetKey([CUSTOM, "invalid_values"]),
            description="Values kept in the records that are not what their field holds: "
            "impossible dates, identifiers, postcodes and phones of a length the column does "
            "not use (record_id, field, value as written).",
            kinds={"polars", "duckdb"},
            is_required=False,
            code_version="1",
        ),
    },
    group_name="augmentation",
    can_subset=False,
)
def custom_facility_records(
    context: dg.AssetExecutionContext, config: CustomRecordsConfig, privacy: PrivacySettings
):  # noqa: ANN201
    """Read and validate the user's extracts (flat files and FHIR Bulk exports); nothing is
    written when any file is structurally invalid (missing file or column, unreadable file,
    duplicate record ids, a bad NDJSON line or reference). Values that do not
    parse are kept, counted and listed. Without configured paths the custom track is skipped
    (its downstream assets too). Previews show identifying fields as value shapes unless the
    privacy resource allows values."""
    if not config.paths and not config.fhir_exports and not config.synthea_folders:
        context.log.info(
            "No custom extract configured (paths, fhir_exports and synthea_folders are empty): "
            "custom track skipped"
        )
        return
    extract = CustomExtract(
        paths=tuple(config.paths),
        column_mapping=dict(config.column_mapping),
        entity_column=config.entity_column,
        source_column=config.source_column,
        date_format=config.date_format,
        link_type=config.link_type_name(),
        duplicate_free_sources=tuple(config.duplicate_free_sources),
        fhir_exports=tuple(config.fhir_exports),
        synthea_folders=tuple(config.synthea_folders),
    )
    read = read_custom_records(extract)
    private = not privacy.show_identifying_values
    invalid = read.invalid
    counts = {f"invalid/{f}": n for f, n in invalid.group_by("field").len().iter_rows()}
    yield dg.Output(
        read.records,
        output_name="facility_records",
        metadata=frame_metadata(
            read.records,
            private=private,
            invalid_values=_invalid_summary(invalid, not private),
            **counts,
        ),
    )
    if read.truth is not None:
        yield dg.Output(read.truth, output_name="ground_truth", metadata=frame_metadata(read.truth))
    yield dg.Output(read.sources, output_name="sources", metadata=frame_metadata(read.sources))
    # History tables are always written (empty without FHIR exports), so that the clinical
    # path runs and decides nothing rather than being skipped.
    histories = read.histories or empty_import()
    tables = {"encounter_facilities": histories.encounter_facilities, **histories.tables}
    resources = dg.MetadataValue.json(histories.resources)
    for name in HISTORY_TABLES:
        frame = tables[name]
        metadata = frame_metadata(frame, resources=resources)
        yield dg.Output(frame, output_name=name, metadata=metadata)
    yield dg.Output(
        invalid,
        output_name="invalid_values",
        metadata=frame_metadata(invalid, private=private, fields={"value"}, **counts),
    )


@dg.asset_check(
    asset=dg.AssetKey([CUSTOM, "facility_records"]),
    name="values_parse",
    additional_ins={"invalid_values": dg.AssetIn(key=dg.AssetKey([CUSTOM, "invalid_values"]))},
    blocking=False,
    description="Every birth date is a real date and every identifier, postcode and phone has a "
    "length its column commonly uses. Failing values are kept and compared by their digits; "
    "the check warns, with counts and example shapes per field.",
)
def values_parse(
    facility_records: pl.DataFrame, invalid_values: pl.DataFrame, privacy: PrivacySettings
) -> dg.AssetCheckResult:
    counts = dict(invalid_values.group_by("field").len().iter_rows())
    return dg.AssetCheckResult(
        passed=invalid_values.is_empty(),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "records": facility_records.height,
            "invalid_values": invalid_values.height,
            **{f"invalid/{f}": n for f, n in counts.items()},
            **{
                f"invalid_share/{f}": round(n / max(facility_records.height, 1), 4)
                for f, n in counts.items()
            },
            "examples": _invalid_summary(invalid_values, privacy.show_identifying_values),
        },
    )
