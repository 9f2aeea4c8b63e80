"""One local[2] Spark session for the Spark tests, and a few hundred synthetic records.

The tests skip (with the reason) only when PySpark is not installed; with PySpark, a missing
Java fails them, as CI installs both.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from synthmass_assets.augmentation.pipeline import augment
from synthmass_assets.augmentation.protocol import (
    FacilityProtocol,
    LookalikeProtocol,
    error_protocol_for,
)
from synthmass_assets.population.generator import generate_population
from synthmass_assets.population.params import PopulationParams
from synthmass_assets.resolution.linkage import TrainingParams, train_model
from synthmass_assets.resolution.normalize import matching_features
from synthmass_assets.resolution.spark.resource import SparkResource

# Small data: few partitions, no UI; persisted (in memory) lineage breaks instead of Parquet.
TEST_SPARK_CONF = {
    "spark.master": "local[2]",
    "spark.driver.memory": "2g",
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
}

TEST_RULES = 8


def spark_resource(**knobs: Any) -> SparkResource:
    return SparkResource(spark_conf=TEST_SPARK_CONF, break_lineage_method="persist", **knobs)


@pytest.fixture(scope="session")
def spark() -> SparkResource:
    """The test session's Spark resource (its JVM starts once)."""
    if importlib.util.find_spec("pyspark") is None:
        pytest.skip("PySpark is not installed: pip install -e '.[spark]' runs these tests")
    resource = spark_resource()
    resource.session()
    return resource


@pytest.fixture(scope="session")
def records() -> pl.DataFrame:
    """About 300 facility records from our own stages."""
    population = generate_population(PopulationParams(population=140, seed=11))
    stage = augment(
        population, FacilityProtocol(), error_protocol_for("evaluation"), LookalikeProtocol(),
        generate_population,
    )  # fmt: skip
    return stage.facility_records


@pytest.fixture(scope="session")
def features(records: pl.DataFrame) -> pl.DataFrame:
    return matching_features(records)


@pytest.fixture(scope="session")
def duckdb_model(features: pl.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Settings of a model trained on DuckDB (EM runs from 200 records), with its first
    `TEST_RULES` prediction blocking rules: every rule is one more Spark job."""
    workdir: Path = tmp_path_factory.mktemp("duckdb_training")
    settings = train_model(features, TrainingParams(min_records_for_em=200), workdir).settings
    rules = settings["blocking_rules_to_generate_predictions"]
    return {**settings, "blocking_rules_to_generate_predictions": rules[:TEST_RULES]}
