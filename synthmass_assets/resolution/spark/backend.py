"""Splink's ``SparkAPI`` as a resolution backend: records in and scored pairs out as Parquet.

The driver writes the numbered records once; Spark reads them, blocks, compares and writes
the scored pairs as a Parquet dataset, chunk by chunk when ``num_chunks`` > 1. Nothing on the
way is collected to the driver; what follows scoring scans the dataset (``pl.scan_parquet``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from itertools import product
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import uuid4

import polars as pl
from splink import Linker, SettingsCreator, SparkAPI
from splink.internals.splink_dataframe import SplinkDataFrame

from synthmass_assets.resolution.engines import PAIR_COLUMNS, numbered
from synthmass_assets.resolution.spark.dialect import translated

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from synthmass_assets.resolution.spark.resource import SparkResource

logger = logging.getLogger(__name__)


def spark_uri(path: str) -> str:
    """A location as Spark's Hadoop filesystems name it (``s3://`` is ``s3a://`` there)."""
    return "s3a://" + path.removeprefix("s3://") if path.startswith("s3://") else path


class SparkBackend:
    """Splink on a Spark session, with its datasets under ``data_dir``."""

    dialect = "spark"

    def __init__(self, spark: SparkSession, knobs: SparkResource, data_dir: str) -> None:
        self.spark, self.knobs, self.data_dir = spark, knobs, data_dir.rstrip("/")
        self.api: SparkAPI | None = None
        if not knobs.spark_conf.get("spark.remote"):
            # Splink's 'parquet' lineage breaks write to the checkpoint folder.
            spark.sparkContext.setCheckpointDir(spark_uri(f"{self.data_dir}/checkpoints"))

    def _api(self) -> SparkAPI:
        return SparkAPI(
            spark_session=self.spark,
            break_lineage_method=self.knobs.break_lineage_method,
            num_partitions_on_repartition=self.knobs.num_partitions_on_repartition,
            repartition_after_blocking=self.knobs.repartition_after_blocking,
        )

    def _dataset(self, frame: pl.DataFrame, name: str) -> DataFrame:
        """``frame`` written once as a Parquet dataset and read back by Spark."""
        folder = f"{self.data_dir}/{name}"
        if "://" not in folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
        frame.write_parquet(f"{folder}/part-0.parquet", row_group_size=100_000)
        return self.spark.read.parquet(spark_uri(folder))

    def linker(
        self,
        records: pl.DataFrame,
        settings: SettingsCreator | dict[str, Any],
        name: str,
        blocking_keys: frozenset[str] = frozenset(),
    ) -> Linker:
        self.api = self._api()
        frame = self._dataset(numbered(records, blocking_keys), f"{name}_records")
        # Temporary views live as long as the session: a fresh name per linker.
        table = self.api.register(frame, table_name=f"{name}_records_{uuid4().hex[:8]}")
        if isinstance(settings, dict):
            settings = translated(settings, self.dialect)
        return Linker(table, settings)

    def register(self, frame: pl.DataFrame, table_name: str) -> SplinkDataFrame:
        assert self.api is not None, "linker() first"
        view = f"{table_name}_{uuid4().hex[:8]}"
        return self.api.register(self._dataset(frame, table_name), table_name=view)

    def predict(self, linker: Linker, name: str, chunked: bool = True) -> pl.LazyFrame:
        folder = f"{self.data_dir}/{name}_pairs"
        n = self.knobs.num_chunks if chunked else 1
        chunks = product(range(1, n + 1), repeat=2)
        parts: Iterator[SplinkDataFrame] = (
            linker.inference.predict_chunk((left, n), (right, n), warning_mode="never")
            if n > 1
            else linker.inference.predict()
            for left, right in chunks
        )
        for index, part in enumerate(parts):
            pairs = part.as_spark_dataframe().select(*PAIR_COLUMNS)
            pairs.write.mode("overwrite" if index == 0 else "append").parquet(spark_uri(folder))
            part.drop_table_from_database_and_remove_from_cache()
            logger.info("Scored pairs written to %s (part %d of %d)", folder, index + 1, n * n)
        return pl.scan_parquet(f"{folder}/*.parquet")
