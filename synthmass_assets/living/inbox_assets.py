"""The custom track's living index, fed from the inbox: ``live/custom/mpi_links`` and
``live/custom/mpi_events`` (DuckDB schema ``live_custom``) with a dynamic partition per inbox
batch (``live_custom_batches``), matched with the custom track's stored Splink model, and the
sensor that registers each new batch and launches its run (by hand, in the living code
location: ``dagster asset materialize -m synthmass_assets.living.definitions --select
'key:"live/custom/*"' --partition <name>``)."""

import json
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import dagster as dg
from pydantic import Field

from synthmass_assets.errors import InputDataError
from synthmass_assets.living.assets import (
    LIVE,
    apply_batch,
    batch_partitions,
    batch_results,
    batch_specs,
    index_key,
    match_settings,
    schema_of,
)
from synthmass_assets.living.config import BatchMatchConfig
from synthmass_assets.living.inbox import inbox_batches, requested, with_requested
from synthmass_assets.resolution.assets import MODEL_FILE, load_model_file
from synthmass_assets.resolution.config import SourcesConfig
from synthmass_assets.resolution.custom_assets import CUSTOM
from synthmass_assets.resolution.custom_records import CustomExtract, read_custom_records
from synthmass_assets.resolution.sources import rule_scope
from synthmass_assets.resources.storage import SynthmassStorage


class InboxBatchConfig(BatchMatchConfig, SourcesConfig):
    """How an inbox batch is read (as custom/facility_records reads extracts) and matched."""

    column_mapping: dict[str, str] = Field(
        default_factory=dict,
        description="Your column → our field, for flat extracts (as custom/facility_records).",
    )
    entity_column: str | None = Field(default=None, description="Optional true entity column.")
    source_column: str | None = Field(default=None, description="Optional facility column.")
    date_format: str | None = Field(default=None, description="strftime format of birthdates.")


INBOX_TRACK = f"{LIVE}/{CUSTOM}"


def build_inbox_assets(
    inbox: Path, source: str = CUSTOM, track: str = INBOX_TRACK
) -> list[dg.AssetsDefinition]:
    """``<track>/mpi_links`` / ``mpi_events`` partitioned by the inbox's batches, matched with
    ``source``'s stored Splink model (Splink decides: an inbox batch brings no histories the
    classifier was given)."""
    partitions = batch_partitions(track)
    specs = batch_specs(track, partitions, [dg.AssetKey([source, "splink_model"])])
    name = schema_of(track)

    @dg.multi_asset(
        specs=specs, op_tags={"dagster/concurrency_key": f"{name}_index"}, name=f"{name}_batch"
    )
    def inbox_batch(
        context: dg.AssetExecutionContext, config: InboxBatchConfig, storage: SynthmassStorage
    ) -> Iterator[dg.MaterializeResult]:
        """Apply one inbox batch (an extract file or FHIR export folder) to the index."""
        found = {b.name: b for b in inbox_batches(inbox)}
        batch = found.get(context.partition_key)
        if batch is None:
            raise InputDataError(f"{inbox / context.partition_key}: batch not in the inbox")
        path = (str(batch.path),)
        read = read_custom_records(
            CustomExtract(
                paths=() if batch.fhir_export else path,
                column_mapping=dict(config.column_mapping),
                entity_column=config.entity_column,
                source_column=config.source_column,
                date_format=config.date_format,
                link_type=config.link_type_name(),
                duplicate_free_sources=tuple(config.duplicate_free_sources),
                fhir_exports=path if batch.fhir_export else (),
            )
        )
        splink = load_model_file(storage, source, MODEL_FILE)
        settings = match_settings(config, splink, read.sources)
        records = rule_scope(read.records, read.sources)
        report = apply_batch(storage, track, records, batch.name, settings)
        context.log.info("Batch %s: %s", batch.name, json.dumps(asdict(report)))
        yield from batch_results(track, report)

    return [inbox_batch]


def build_inbox_sensor(inbox: Path, track: str = INBOX_TRACK) -> dg.SensorDefinition:
    """A sensor that adds a ``<track>_batches`` partition per new inbox entry and requests
    its run, once per batch (the cursor lists the batches requested)."""
    partitions = batch_partitions(track)
    name = schema_of(track)
    job = dg.define_asset_job(
        f"{name}_inbox_batch",
        selection=dg.AssetSelection.assets(
            index_key(track, "mpi_links"), index_key(track, "mpi_events")
        ),
        partitions_def=partitions,
    )

    @dg.sensor(
        name=f"{name}_inbox",
        job=job,
        minimum_interval_seconds=30,
        description=f"Watches {inbox} for extract files and FHIR export folders; each new one "
        f"becomes a {partitions.name} partition and a run of {track}/mpi_links.",
    )
    def inbox_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
        done = requested(context.cursor)
        names = [b.name for b in inbox_batches(inbox) if b.name not in done]
        if not names:
            return dg.SkipReason(f"No new batch in {inbox}")
        return dg.SensorResult(
            run_requests=[dg.RunRequest(run_key=name, partition_key=name) for name in names],
            dynamic_partitions_requests=[partitions.build_add_request(names)],
            cursor=with_requested(context.cursor, names),
        )

    return inbox_sensor
