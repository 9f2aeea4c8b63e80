"""Splink on a real local[2] Spark session: the same pairs and probabilities as on DuckDB, a
model trained on either engine scoring on the other, chunked prediction, and the scored_pairs
asset materialized with ``engine: spark``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl

from synthmass_assets.resolution.assets import MODEL_FILE, build_resolution_assets, model_folder
from synthmass_assets.resolution.engines import DuckDBBackend
from synthmass_assets.resolution.linkage import (
    ClosureParams,
    TrainingParams,
    predict_pairs,
    train_model,
)
from synthmass_assets.resolution.sources import declared_sources
from synthmass_assets.resolution.spark.resource import SparkResource
from synthmass_assets.resources.storage import SynthmassStorage
from synthmass_assets_tests.resolution.spark.conftest import spark_resource

KEYS = ["record_id_l", "record_id_r"]


def _agreement(a: pl.DataFrame, b: pl.DataFrame) -> float:
    """Share of the pairs of ``a`` that ``b`` scores within 1e-6 of ``a``."""
    both = a.join(b, on=KEYS, how="left", suffix="_b")
    close = (both["match_probability"] - both["match_probability_b"]).abs() <= 1e-6
    return float(close.fill_null(False).mean())  # type: ignore[arg-type]


def test_spark_scores_a_duckdb_model_as_duckdb_does(
    spark: SparkResource, features: pl.DataFrame, duckdb_model: dict[str, Any], tmp_path: Path
) -> None:
    closure = ClosureParams()
    on_duckdb = predict_pairs(features, duckdb_model, tmp_path / "d", closure)
    on_spark = predict_pairs(
        features, duckdb_model, tmp_path / "s", closure, backend=spark.backend(tmp_path / "s")
    )
    assert on_duckdb.height > features.height // 2
    assert on_spark.height == on_duckdb.height
    assert _agreement(on_duckdb, on_spark) >= 0.999
    # The scored pairs were written by Spark as a Parquet dataset.
    assert list((tmp_path / "s" / "spark" / "blocked_pairs").glob("part-*.parquet"))


def test_chunked_prediction_scores_the_same_pairs(
    features: pl.DataFrame, duckdb_model: dict[str, Any], tmp_path: Path, spark: SparkResource
) -> None:
    chunked = spark_resource(num_chunks=2).backend(tmp_path)
    pairs = predict_pairs(features, duckdb_model, tmp_path, backend=chunked)
    whole = predict_pairs(features, duckdb_model, tmp_path / "d")
    assert pairs.height == whole.height
    assert _agreement(whole, pairs) >= 0.999


def test_model_trained_on_spark_is_duckdb_json_and_scores_on_duckdb(
    spark: SparkResource, features: pl.DataFrame, duckdb_model: dict[str, Any], tmp_path: Path
) -> None:
    params = TrainingParams(min_records_for_em=200, em_max_iterations=4, u_max_pairs=2e4)
    model = train_model(features, params, tmp_path, backend=spark.backend(tmp_path))
    settings = json.loads(json.dumps(model.settings))
    assert settings["sql_dialect"] == "duckdb"
    levels = [
        [level["sql_condition"] for level in c["comparison_levels"]]
        for c in settings["comparisons"]
    ]
    assert levels == [
        [level["sql_condition"] for level in c["comparison_levels"]]
        for c in duckdb_model["comparisons"]
    ]
    assert any(not p.skipped for p in model.em_passes)
    pairs = predict_pairs(features, settings, tmp_path, backend=DuckDBBackend(tmp_path))
    assert pairs.height > features.height
    assert pairs["match_probability"].is_between(0, 1).all()


def test_scored_pairs_asset_runs_on_spark_with_the_published_model(
    spark: SparkResource, records: pl.DataFrame, duckdb_model: dict[str, Any], tmp_path: Path
) -> None:
    track = "evaluation"
    storage = SynthmassStorage(home=str(tmp_path))
    (model_folder(storage, track) / MODEL_FILE).write_text(json.dumps(duckdb_model))

    @dg.asset(key=[track, "facility_records"])
    def facility_records() -> pl.DataFrame:
        return records

    @dg.asset(key=[track, "sources"])
    def sources() -> pl.DataFrame:
        return declared_sources(records, [], "link_and_dedupe")

    scored_pairs = build_resolution_assets(track)[1]
    result = dg.materialize(
        [facility_records, sources, scored_pairs],
        resources={"storage": storage, "spark": spark},
        run_config={"ops": {"evaluation__scored_pairs": {"config": {"engine": "spark"}}}},
        selection=[facility_records.key, sources.key, scored_pairs.key],
    )
    assert result.success
    (materialization,) = result.asset_materializations_for_node("evaluation__scored_pairs")
    assert materialization.metadata["engine"].value == "spark"
    pairs = result.output_for_node("evaluation__scored_pairs")
    assert set(pairs["tier"]) <= {"auto_match", "gray_zone", "auto_reject"}
    assert pairs.height > 0
