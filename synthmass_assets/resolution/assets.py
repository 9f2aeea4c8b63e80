"""Resolution assets: a Splink model trained without labels and every blocked pair scored."""

import json
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl

from synthmass_assets.errors import InputDataError, SynthmassError
from synthmass_assets.metadata import frame_metadata, markdown_table
from synthmass_assets.plots import figure_markdown, match_probability_histogram
from synthmass_assets.resolution.config import ScoringConfig, SplinkTrainingConfig
from synthmass_assets.resolution.engines import Engine, backend_for
from synthmass_assets.resolution.linkage import Fallback, TrainedModel, predict_pairs, train_model
from synthmass_assets.resolution.normalize import matching_features
from synthmass_assets.resolution.prior import recalibrated
from synthmass_assets.resolution.sources import link_type_of
from synthmass_assets.resolution.spark.kubernetes import SPARK_DRIVER_STEP
from synthmass_assets.resolution.spark.resource import SparkResource
from synthmass_assets.resolution.summary import parameter_table
from synthmass_assets.resolution.tiers import assign_tiers, tier_counts
from synthmass_assets.resources.storage import SynthmassStorage

MODEL_FILE = "splink_model.json"
TRAINING_FILE = "training.json"


def model_name(track: str) -> str:
    return f"{track}_splink_model"


def model_folder(storage: SynthmassStorage, track: str) -> Path:
    """Local folder of the track's Splink model (written here, then published)."""
    return storage.model_dir(model_name(track))


def load_model_file(storage: SynthmassStorage, track: str, name: str) -> Any:
    """A JSON file of the track's published Splink model."""
    return json.loads((storage.fetch_model(model_name(track)) / name).read_text())


def fallback_model(storage: SynthmassStorage, track: str, source: str) -> Fallback | None:
    """The fallback model's settings: a model JSON file, or another track's published model
    (None when that track has none yet, or when ``source`` is empty or this track)."""
    if not source or source == track:
        return None
    if source.endswith(".json"):
        path = Path(source)
        if not path.is_file():
            raise InputDataError(f"fallback_model {source}: file not found")
        return Fallback(json.loads(path.read_text()), str(path))
    try:
        file = storage.fetch_model(model_name(source)) / MODEL_FILE
    except SynthmassError:
        return None
    return (
        Fallback(json.loads(file.read_text()), f"{source}/splink_model") if file.is_file() else None
    )


def model_fields(model: TrainedModel) -> list[str]:
    """The comparisons the trained model makes."""
    return [c["output_column_name"] for c in model.settings["comparisons"]]


def build_resolution_assets(
    track: str, fallback_track: str | None = None
) -> list[dg.AssetsDefinition]:
    """``splink_model`` and ``scored_pairs`` of one track; with ``fallback_track``, its
    ``splink_model`` is materialized first, as the default fallback for small data."""
    records_in = {"facility_records": dg.AssetIn(key=dg.AssetKey([track, "facility_records"]))}
    fallback_deps = [dg.AssetKey([fallback_track, "splink_model"])] if fallback_track else []

    @dg.asset(
        key=dg.AssetKey([track, "splink_model"]),
        ins=records_in,
        deps=fallback_deps,
        group_name="resolution",
        kinds={"splink", "duckdb"},
        op_tags=SPARK_DRIVER_STEP,
        code_version="1",
    )
    def splink_model(
        context: dg.AssetExecutionContext,
        config: SplinkTrainingConfig,
        storage: SynthmassStorage,
        spark: SparkResource,
        facility_records: pl.DataFrame,
    ) -> dg.MaterializeResult:
        """Splink 5 model trained without labels: λ from deterministic rules, u by random
        sampling, m by EM over several blocking passes, built from the fields present. With too
        few records for EM (or comparisons no pass could estimate) m comes from a fallback
        model trained on more records. Saved as Splink settings JSON."""
        features = matching_features(facility_records)
        fallback = fallback_model(storage, track, config.fallback_model)
        with tempfile.TemporaryDirectory(dir=storage.home) as workdir:
            backend = backend_for(config.engine, Path(workdir), spark)
            model = train_model(features, config.to_params(), Path(workdir), fallback, backend)
        folder = model_folder(storage, track)
        (folder / MODEL_FILE).write_text(json.dumps(model.settings, indent=2))
        passes = [vars(p) for p in model.em_passes]
        blocking = [{"rule": list(r.columns), "comparisons": r.comparisons} for r in model.blocking]
        borrowed = asdict(model.fallback) if model.fallback else None
        training = {"em_passes": passes, "blocking": blocking, "fallback": borrowed}
        (folder / TRAINING_FILE).write_text(json.dumps(training, indent=2))
        storage.publish_model(model_name(track))
        context.log.info("EM passes: %s", passes)
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(folder / MODEL_FILE)),
                "probability_two_random_records_match": model.settings[
                    "probability_two_random_records_match"
                ],
                "em_converged": model.converged,
                "fallback": dg.MetadataValue.json(borrowed or {"used": False}),
                "compared_fields": ", ".join(model_fields(model)),
                "em_passes": dg.MetadataValue.json(passes),
                "blocking_rules": dg.MetadataValue.json(blocking),
                "comparisons_per_record": round(
                    sum(r.comparisons for r in model.blocking) / max(facility_records.height, 1), 2
                ),
                "m_and_u": markdown_table(parameter_table(model.settings), limit=200),
                "engine": Engine(config.engine).value,
                "seconds": dg.MetadataValue.json(model.seconds),
            }
        )

    @dg.asset(
        key=dg.AssetKey([track, "scored_pairs"]),
        ins={**records_in, "sources": dg.AssetIn(key=dg.AssetKey([track, "sources"]))},
        deps=[splink_model],
        group_name="resolution",
        kinds={"splink", "duckdb", "polars"},
        op_tags=SPARK_DRIVER_STEP,
        code_version="1",
    )
    def scored_pairs(
        context: dg.AssetExecutionContext,
        config: ScoringConfig,
        storage: SynthmassStorage,
        spark: SparkResource,
        facility_records: pl.DataFrame,
        sources: pl.DataFrame,
    ) -> dg.Output[pl.DataFrame]:
        """Every blocked record pair that the sources' link type compares (within sources,
        across them or both), with Splink's match probability and weight, and its tier:
        auto_match, gray_zone or auto_reject. A second pass scores unblocked pairs of records that
        share a likely match; the prior is re-estimated to be consistent with the scores."""
        settings = load_model_file(storage, track, MODEL_FILE)
        features = matching_features(facility_records)
        link_type = link_type_of(sources)
        with tempfile.TemporaryDirectory(dir=storage.home) as workdir:
            backend = backend_for(config.engine, Path(workdir), spark)
            pairs = predict_pairs(
                features, settings, Path(workdir), config.closure(), link_type, backend
            )
        n = facility_records.height
        prior = settings["probability_two_random_records_match"]
        pairs, refined = recalibrated(pairs, prior, n)
        pairs = assign_tiers(pairs, config.auto_match_threshold, config.auto_reject_threshold)
        counts = tier_counts(pairs)
        context.log.info("Scored %d pairs: %s", pairs.height, counts)
        extra: dict[str, Any] = {
            "engine": Engine(config.engine).value,
            "link_type": link_type,
            "comparisons_per_record": round(pairs.height / max(n, 1), 2),
            "prior_from_deterministic_rules": prior,
            "prior_consistent_with_scores": refined,
            **{f"tier/{tier}": n for tier, n in counts.items()},
        }
        extra["match_probability_by_tier"] = figure_markdown(
            match_probability_histogram(pairs["match_probability"], pairs["tier"]),
            alt="Match probability by tier",
        )
        return dg.Output(pairs, metadata=frame_metadata(pairs, **extra))

    return [splink_model, scored_pairs]
