"""The ``custom`` track's input: the user's own facility extracts."""

import dagster as dg
from pydantic import Field

from synthmass_assets.metadata import frame_metadata
from synthmass_assets.resolution.custom_records import (
    RECORD_FIELDS,
    CustomExtract,
    read_custom_records,
)

CUSTOM = "custom"


class CustomRecordsConfig(dg.Config):
    """Where the user's facility extracts are and how their columns map onto our fields."""

    paths: list[str] = Field(
        default_factory=list,
        description="CSV or Parquet files with one demographic record per row.",
    )
    column_mapping: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Your column → our field. Fields: " + ", ".join(RECORD_FIELDS) + ". Unmapped fields "
            "are absent and left out of the model."
        ),
    )
    entity_column: str | None = Field(
        default=None,
        description="Optional column with the true entity (patient) id, for precision/recall.",
    )
    source_column: str | None = Field(
        default=None, description="Optional column naming each record's source facility."
    )
    date_format: str | None = Field(
        default=None,
        description="strftime format of the birthdate column; default tries ISO, US and others.",
    )


@dg.multi_asset(
    name="custom_facility_records",
    outs={
        "facility_records": dg.AssetOut(
            key=dg.AssetKey([CUSTOM, "facility_records"]),
            description="The user's facility records under our field names (unmapped fields "
            "absent), from the configured CSV/Parquet files.",
            kinds={"polars", "duckdb"},
            is_required=False,
            code_version="1",
        ),
        "ground_truth": dg.AssetOut(
            key=dg.AssetKey([CUSTOM, "ground_truth"]),
            description="record_id → true entity id, when an entity column is configured.",
            kinds={"polars", "duckdb"},
            is_required=False,
            code_version="1",
        ),
    },
    group_name="augmentation",
    can_subset=False,
)
def custom_facility_records(context: dg.AssetExecutionContext, config: CustomRecordsConfig):  # noqa: ANN201
    """Read and validate the user's extracts; nothing is written when any file is invalid.
    Without configured paths the custom track is skipped (its downstream assets too)."""
    if not config.paths:
        context.log.info("No custom extract configured (paths is empty): custom track skipped")
        return
    extract = CustomExtract(
        paths=tuple(config.paths),
        column_mapping=dict(config.column_mapping),
        entity_column=config.entity_column,
        source_column=config.source_column,
        date_format=config.date_format,
    )
    records, truth = read_custom_records(extract)
    yield dg.Output(records, output_name="facility_records", metadata=frame_metadata(records))
    if truth is not None:
        yield dg.Output(truth, output_name="ground_truth", metadata=frame_metadata(truth))
