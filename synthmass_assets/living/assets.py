"""Assets of a living index: batches as dynamic partitions, ``mpi_links`` and ``mpi_events``.

The live track replays the evaluation records: ``live/replay_batches`` cuts them by
registration time and registers one partition per batch; each partition of ``live/mpi_links``
(with ``live/mpi_events``) applies its batch to the index in the ``live`` DuckDB schema.
"""

import json
import tempfile
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import polars as pl

from synthmass_assets.classifier.serving.contract import ClassifierBinding
from synthmass_assets.living.config import BatchMatchConfig, ReplayConfig
from synthmass_assets.living.engine import BatchReport, MatchSettings, PairScorer, process_batch
from synthmass_assets.living.output_assets import build_live_outputs
from synthmass_assets.living.replay import replay_batches
from synthmass_assets.living.store import IndexStore
from synthmass_assets.metadata import frame_metadata, markdown_table
from synthmass_assets.mpi.calibration import params_from_table
from synthmass_assets.mpi.scoring import pairs_to_score, predict
from synthmass_assets.resolution.assets import MODEL_FILE, load_model_file
from synthmass_assets.resolution.sources import link_type_of, rule_scope
from synthmass_assets.resources.storage import SynthmassStorage

LIVE = "live"
GROUP = "living"
KINDS = {"duckdb", "polars", "splink"}


def schema_of(track: str) -> str:
    """The DuckDB schema of a track's index (``live/custom`` → ``live_custom``)."""
    return track.replace("/", "_")


def index_key(track: str, name: str) -> dg.AssetKey:
    """``<track>/<name>``, where ``track`` may itself be a path (``live/custom``)."""
    return dg.AssetKey([*track.split("/"), name])


def batch_partitions(track: str) -> dg.DynamicPartitionsDefinition:
    """One dynamic partition per batch of ``track``."""
    return dg.DynamicPartitionsDefinition(name=f"{schema_of(track)}_batches")


def _classifier(
    classifier: ClassifierBinding,
    storage: SynthmassStorage,
    summaries: pl.DataFrame,
    min_match_probability: float,
) -> PairScorer:
    """The promoted classifier on the pairs ``pair_predictions`` would score."""
    scorer = classifier.load_scorer(storage)
    tiers = ["auto_match", "gray_zone", "auto_reject"]

    def score(pairs: pl.DataFrame) -> pl.DataFrame:
        chosen = pairs_to_score(pairs, tiers, summaries["record_id"], None, min_match_probability)
        return predict(scorer, chosen, summaries, 20_000)

    return score


def match_settings(
    config: BatchMatchConfig,
    splink: dict[str, Any],
    sources: pl.DataFrame,
    calibration: pl.DataFrame | None = None,
    classifier: PairScorer | None = None,
) -> MatchSettings:
    """The batch settings from run config, the stored model and (with a classifier) the fusion
    calibration, so batches are decided as the one-shot ``resolved_matches`` decides."""
    fusion = (
        config.overrides(params_from_table(calibration)[0]) if calibration is not None else None
    )
    return MatchSettings(
        splink=splink,
        rules=config.to_rules(),
        guards=tuple(config.guard_names()),
        fusion=fusion,
        classifier=classifier if fusion is not None else None,
        link_type=link_type_of(sources),
        auto_match_threshold=config.auto_match_threshold,
        auto_reject_threshold=config.auto_reject_threshold,
        review_floor=config.review_floor,
        merge_floor=config.merge_floor,
        pair_floor=config.min_match_probability,
    )


def apply_batch(
    storage: SynthmassStorage,
    track: str,
    records: pl.DataFrame,
    batch_id: str,
    settings: MatchSettings,
) -> BatchReport:
    """Apply one batch to the track's index in the SynthMass DuckDB file."""
    with duckdb.connect(str(storage.database_path)) as con:
        with tempfile.TemporaryDirectory(dir=storage.home) as workdir:
            store = IndexStore(con, schema_of(track))
            return process_batch(store, records, batch_id, settings, Path(workdir))


def batch_results(track: str, report: BatchReport) -> tuple[dg.MaterializeResult, ...]:
    """What the UI shows per batch: records in, created, linked, merged, split, possible
    matches, the seconds of each step and the old pairs whose verdict was kept although
    re-deciding them would have changed it (prevented_flips, by decision source)."""
    counts = {k: v for k, v in asdict(report).items() if k not in ("seconds", "prevented_flips")}
    metadata = {
        **counts,
        "seconds": dg.MetadataValue.json(report.seconds),
        "prevented_flips": dg.MetadataValue.json(report.prevented_flips),
    }
    summary = markdown_table(pl.DataFrame([counts]))
    return (
        dg.MaterializeResult(
            asset_key=index_key(track, "mpi_links"),
            metadata={**metadata, "batch": summary, "table": f"{schema_of(track)}.mpi_links"},
        ),
        dg.MaterializeResult(
            asset_key=index_key(track, "mpi_events"),
            metadata={**metadata, "table": f"{schema_of(track)}.mpi_events"},
        ),
    )


def batch_specs(
    track: str, partitions: dg.PartitionsDefinition, deps: list[dg.AssetKey]
) -> list[dg.AssetSpec]:
    return [
        dg.AssetSpec(
            key=index_key(track, "mpi_links"),
            deps=deps,
            group_name=GROUP,
            kinds=KINDS,
            partitions_def=partitions,
            description="record_id → golden_id with link_state (MATCH, POSSIBLE_MATCH, "
            "NO_MATCH), link_source (AUTO, MANUAL), the batch the record arrived in and its "
            "score. Each partition applies one batch: golden ids stay unless a batch merges "
            "(the older id survives) or splits them; MANUAL links are never changed.",
        ),
        dg.AssetSpec(
            key=index_key(track, "mpi_events"),
            deps=deps,
            group_name=GROUP,
            kinds=KINDS,
            partitions_def=partitions,
            description="What each batch did: create, link, merge, split and redirect events "
            "(golden_id, other_golden_id, record_id, batch_id, reason, at).",
        ),
    ]


def build_live_assets(
    classifier: ClassifierBinding, source: str, calibration_track: str, track: str = LIVE
) -> list[dg.AssetsDefinition]:
    """``<track>/replay_batches``, the batch-partitioned ``mpi_links`` / ``mpi_events`` of a
    replay of ``source``'s facility records with ``source``'s stored Splink model, and the
    ``golden_records`` / ``mpi_fhir`` that follow the links."""
    partitions = batch_partitions(track)

    @dg.asset(
        key=dg.AssetKey([track, "replay_batches"]),
        ins={
            "facility_records": dg.AssetIn(key=dg.AssetKey([source, "facility_records"])),
            "encounter_facilities": dg.AssetIn(key=dg.AssetKey([source, "encounter_facilities"])),
        },
        group_name=GROUP,
        kinds={"polars", "duckdb"},
        code_version="1",
    )
    def replay(
        context: dg.AssetExecutionContext,
        config: ReplayConfig,
        storage: SynthmassStorage,
        facility_records: pl.DataFrame,
        encounter_facilities: pl.DataFrame,
    ) -> dg.Output[pl.DataFrame]:
        """The evaluation records cut by registration time into an initial load (batch_00)
        and later batches; registers one partition of mpi_links per batch. A new replay
        starts from an empty live index."""
        batches = replay_batches(
            facility_records, encounter_facilities, config.initial_share, config.batches
        )
        names = sorted(batches["batch_id"].unique().to_list())
        with duckdb.connect(str(storage.database_path)) as con:
            IndexStore(con, track).drop()
        context.instance.add_dynamic_partitions(partitions.name, names)
        sizes = batches.group_by("batch_id").len().sort("batch_id")
        return dg.Output(batches, metadata=frame_metadata(batches, batches=markdown_table(sizes)))

    ins = {
        "replay_batches": dg.AssetIn(key=dg.AssetKey([track, "replay_batches"])),
        "facility_records": dg.AssetIn(key=dg.AssetKey([source, "facility_records"])),
        "sources": dg.AssetIn(key=dg.AssetKey([source, "sources"])),
        "summaries": dg.AssetIn(key=dg.AssetKey([source, classifier.summaries_asset])),
        "fusion_calibration": dg.AssetIn(
            key=dg.AssetKey([calibration_track, "fusion_calibration"])
        ),
    }
    deps = [dg.AssetKey([source, "splink_model"]), *(i.key for i in ins.values() if i.key)]

    @dg.multi_asset(
        specs=batch_specs(track, partitions, deps),
        ins=ins,
        op_tags={"dagster/concurrency_key": f"{track}_index"},
        name=f"{track}_batch",
    )
    def batch(
        context: dg.AssetExecutionContext,
        config: BatchMatchConfig,
        storage: SynthmassStorage,
        replay_batches: pl.DataFrame,
        facility_records: pl.DataFrame,
        sources: pl.DataFrame,
        summaries: pl.DataFrame,
        fusion_calibration: pl.DataFrame,
    ) -> Iterator[dg.MaterializeResult]:
        """Apply one batch of the replay to the live index."""
        batch_id = context.partition_key
        members = replay_batches.filter(pl.col("batch_id") == batch_id).select("record_id")
        records = rule_scope(facility_records.join(members, on="record_id"), sources)
        scorer = _classifier(classifier, storage, summaries, config.min_match_probability)
        splink = load_model_file(storage, source, MODEL_FILE)
        settings = match_settings(config, splink, sources, fusion_calibration, scorer)
        report = apply_batch(storage, track, records, batch_id, settings)
        context.log.info("Batch %s: %s", batch_id, json.dumps(asdict(report)))
        yield from batch_results(track, report)

    return [replay, batch, *build_live_outputs(source, track)]
