"""Classifier predictions for a track's pairs, and the fusion calibration on the training track."""

import math
import time
from typing import Any

import dagster as dg
import polars as pl

from synthmass_assets.classifier.serving.contract import ClassifierBinding
from synthmass_assets.errors import SynthmassError
from synthmass_assets.k8s import GPU_STEP
from synthmass_assets.metadata import frame_metadata, markdown_table
from synthmass_assets.mpi.calibration import fit_calibration
from synthmass_assets.mpi.config import CalibrationConfig, PairPredictionConfig
from synthmass_assets.mpi.scoring import pairs_to_score, predict
from synthmass_assets.resolution.sources import rule_scope
from synthmass_assets.resources.storage import SynthmassStorage

GROUP = "mpi"
# DESIGN.md lists pair_predictions with the classifier stage's assets.
PREDICTIONS_GROUP = "classifier"
KINDS = {"duckdb", "polars"}
CALIBRATION_FILE = "fusion_calibration.parquet"


def build_pair_predictions(
    track: str,
    classifier: ClassifierBinding,
    held_out_only: bool = False,
    model_optional: bool = False,
) -> dg.AssetsDefinition:
    """``[track, "pair_predictions"]``: the promoted classifier's score of the track's pairs.

    Args:
        track: Asset key prefix.
        classifier: The classifier stage's binding (model asset, scorer, held-out records).
        held_out_only: Score only pairs of records the model was not fitted on (training track).
        model_optional: Without a promoted model (the training track never materialized in
            this home), score nothing and say why instead of failing (custom track).
    """
    summaries_key = dg.AssetKey([track, classifier.summaries_asset])
    scope = "held-out pairs of the" if held_out_only else "pairs of the"

    @dg.asset(
        key=dg.AssetKey([track, "pair_predictions"]),
        ins={
            "scored_pairs": dg.AssetIn(key=dg.AssetKey([track, "scored_pairs"])),
            "summaries": dg.AssetIn(key=summaries_key),
        },
        deps=[dg.AssetKey(list(classifier.model_key))],
        group_name=PREDICTIONS_GROUP,
        kinds=KINDS | {"pytorch"},
        op_tags=GPU_STEP,
        code_version="1",
        description=f"Classifier probability and logit of the {scope} configured tiers (all "
        "by default, above a Splink probability floor) whose two records both have clinical "
        "history, from the promoted model."
        + (" Without a promoted model nothing is scored (metadata says why)." * model_optional),
    )
    def pair_predictions(
        context: dg.AssetExecutionContext,
        config: PairPredictionConfig,
        storage: SynthmassStorage,
        scored_pairs: pl.DataFrame,
        summaries: pl.DataFrame,
    ) -> dg.Output[pl.DataFrame]:
        held_out = classifier.held_out_records(storage) if held_out_only else None
        tiers = config.tier_names()
        pairs = pairs_to_score(
            scored_pairs, tiers, summaries["record_id"], held_out, config.min_match_probability
        )
        in_tiers = scored_pairs.filter(pl.col("tier").is_in(tiers)).height
        context.log.info(
            "Scoring %d of %d pairs in tiers %s (Splink probability >= %g)",
            pairs.height, in_tiers, tiers, config.min_match_probability,
        )  # fmt: skip
        started = time.perf_counter()
        skipped = ""
        if pairs.is_empty():
            # Nothing to score (no pair of records with history): the model is not loaded.
            skipped = "no pair in the scored tiers has clinical history on both records"
            predictions = predict(_no_scorer, pairs, summaries, config.batch_size)
        else:
            try:
                scorer = classifier.load_scorer(storage)
            except SynthmassError as error:
                if not model_optional:
                    raise
                skipped = f"no promoted classifier: {error}"
                pairs = pairs.clear()
                scorer = _no_scorer
            predictions = predict(scorer, pairs, summaries, config.batch_size)
        if skipped:
            context.log.warning("Pair classifier skipped: %s", skipped)
        seconds = time.perf_counter() - started
        deciles = predictions.select(
            pl.col("probability").quantile(q / 10).alias(f"p{q * 10}") for q in range(11)
        )
        return dg.Output(
            predictions,
            metadata=frame_metadata(
                predictions,
                tiers=", ".join(tiers),
                min_match_probability=config.min_match_probability,
                pairs_in_tiers=in_tiers,
                held_out_only=held_out_only,
                pairs_scored=predictions.height,
                skipped=skipped or "no",
                seconds=round(seconds, 2),
                pairs_per_s=round(pairs.height / max(seconds, 1e-9), 1),
                mean_probability=float(predictions["probability"].mean() or 0.0),  # type: ignore[arg-type]
                probability_deciles=markdown_table(deciles),
            ),
        )

    return pair_predictions


def _no_scorer(pairs: pl.DataFrame, summaries: pl.DataFrame) -> pl.DataFrame:
    raise SynthmassError("no pair classifier is loaded")  # predict() never calls it on no pairs


def build_fusion_calibration(track: str) -> dg.AssetsDefinition:
    """``[track, "fusion_calibration"]`` from the track's held-out ``pair_predictions``."""

    @dg.asset(
        key=dg.AssetKey([track, "fusion_calibration"]),
        ins={
            "pair_predictions": dg.AssetIn(key=dg.AssetKey([track, "pair_predictions"])),
            "ground_truth": dg.AssetIn(key=dg.AssetKey([track, "ground_truth"])),
            "sources": dg.AssetIn(key=dg.AssetKey([track, "sources"])),
        },
        group_name=GROUP,
        kinds=KINDS | {"scipy"},
        code_version="3",
    )
    def fusion_calibration(
        config: CalibrationConfig,
        storage: SynthmassStorage,
        pair_predictions: pl.DataFrame,
        ground_truth: pl.DataFrame,
        sources: pl.DataFrame,
    ) -> dg.Output[pl.DataFrame]:
        """Fusion method, weights, bias and threshold from held-out training-track pairs
        (never the evaluation truth). Default naive_bayes: Splink's posterior, clipped at the
        held-out log-loss-best bound, plus the classifier's log likelihood ratio, threshold at
        the F1-best cut with the best-per-facility rule (at the sources declared duplicate-free,
        as resolved_matches applies it); logistic: weights and bias fitted around the
        label-free base-rate estimate."""
        table = fit_calibration(
            pair_predictions,
            rule_scope(ground_truth, sources),
            config.estimator(),
            config.training_match_rate,
            config.l2,
            config.best_per_facility,
            config.fusion_method(),
        )
        row = table.row(0, named=True)
        path = publish_calibration(storage, track, table)
        return dg.Output(
            table,
            metadata={
                **{k: _metadata_value(v) for k, v in row.items()},
                "published_to": path,
                "calibration": markdown_table(table),
            },
        )

    return fusion_calibration


def calibration_folder(track: str) -> str:
    """Model folder holding a copy of the track's fusion calibration, for tracks that cannot
    take it as an input (custom: its training track may never have run in this home)."""
    return f"{track}_fusion_calibration"


def publish_calibration(storage: SynthmassStorage, track: str, table: pl.DataFrame) -> str:
    """Write the calibration table beside the models (``models/<track>_fusion_calibration``)."""
    table.write_parquet(storage.model_dir(calibration_folder(track)) / CALIBRATION_FILE)
    return storage.publish_model(calibration_folder(track))


def published_calibration(storage: SynthmassStorage, track: str) -> pl.DataFrame | None:
    """The calibration :func:`publish_calibration` wrote, None when there is none."""
    try:
        file = storage.fetch_model(calibration_folder(track)) / CALIBRATION_FILE
    except SynthmassError:
        return None
    return pl.read_parquet(file) if file.is_file() else None


def _metadata_value(value: Any) -> Any:
    """Rounded floats; an infinite one (no clip) as text."""
    if isinstance(value, float):
        return round(value, 4) if math.isfinite(value) else str(value)
    return value


def build_calibration_assets(
    classifier: ClassifierBinding, track: str = "training"
) -> list[dg.AssetsDefinition]:
    """Held-out ``pair_predictions`` and ``fusion_calibration`` of the calibration track."""
    return [
        build_pair_predictions(track, classifier, held_out_only=True),
        build_fusion_calibration(track),
    ]
