"""The Spark session and Splink's Spark settings, as one Dagster resource.

The session is built by dagster-pyspark (``spark_session_from_config``, as its
``PySparkResource`` does) from ``spark_conf``, but only when a step runs on Spark: a pipeline on
DuckDB never starts a JVM and needs neither PySpark nor Java.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import dagster as dg
from pydantic import Field

from synthmass_assets.errors import SynthmassError

if TYPE_CHECKING:
    from synthmass_assets.resolution.spark.backend import SparkBackend

LOCAL_SPARK_CONF: dict[str, Any] = {
    "spark.master": "local[*]",
    "spark.driver.memory": "4g",
    "spark.sql.shuffle.partitions": "16",
    "spark.ui.enabled": "false",
}
INSTALL_HINT = (
    "engine 'spark' needs PySpark and Java 17: pip install -e '.[spark]' and, on Debian, "
    "apt-get install openjdk-17-jre-headless"
)
BreakLineage = Literal["parquet", "persist", "checkpoint", "delta_lake_files", "delta_lake_table"]


class SparkResource(dg.ConfigurableResource):
    """A Spark session for Splink's ``SparkAPI``: ``local[*]`` on a laptop or in tests, a
    cluster through ``spark_conf`` (``spark.master`` ``spark://…`` or ``k8s://…``, or
    ``spark.remote`` ``sc://…`` for Spark Connect and Databricks)."""

    spark_conf: dict[str, Any] = Field(
        default_factory=lambda: dict(LOCAL_SPARK_CONF),
        description="Spark properties of the session (spark.master, spark.driver.memory, "
        "spark.executor.instances, …); nested keys are joined with dots, $VARS expanded. "
        "Splink's similarity jar is added to spark.jars unless spark.remote is set.",
    )
    break_lineage_method: BreakLineage = Field(
        default="parquet",
        description="How Splink cuts the lineage of its intermediate tables (Splink's default "
        "outside Databricks: parquet, written under data_dir; delta_lake_table on Databricks).",
    )
    num_partitions_on_repartition: int | None = Field(
        default=None,
        ge=1,
        description="Partitions Splink repartitions its large tables to; unset: half of "
        "spark.sql.shuffle.partitions (Splink's default). Aim for 100-200 MB per partition.",
    )
    repartition_after_blocking: bool = Field(
        default=False,
        description="Repartition the blocked pairs before comparing them (Splink's default "
        "off); helps when a few blocks dominate.",
    )
    num_chunks: int = Field(
        default=1,
        ge=1,
        description="Chunked prediction: records are split into this many chunks on each "
        "side and the num_chunks² chunk pairs are scored and written one at a time, so no "
        "stage holds every blocked pair at once (Splink's predict_chunk). 1: one pass.",
    )
    data_dir: str = Field(
        default="",
        description="Folder or object-store prefix (s3://…) for the Parquet datasets Spark "
        "reads and writes (records, scored pairs, Splink's lineage checkpoints); the driver and "
        "every executor must reach it. Empty: a work folder under SYNTHMASS_HOME.",
    )

    def session(self) -> Any:
        """The SparkSession (created on first use, then shared by the process)."""
        try:
            from dagster_pyspark.resources import spark_session_from_config
            from splink.backends.spark import similarity_jar_location
        except ImportError as error:
            raise SynthmassError(f"{INSTALL_HINT} ({error})") from error
        # $POD_IP and the like: a step pod's own address is known only when it runs.
        conf = {
            k: os.path.expandvars(v) if isinstance(v, str) else v
            for k, v in self.spark_conf.items()
        }
        if "spark.remote" not in conf:
            jars = [j for j in str(conf.get("spark.jars", "")).split(",") if j]
            conf["spark.jars"] = ",".join([*jars, similarity_jar_location()])
        return spark_session_from_config(conf)

    def backend(self, workdir: Path) -> SparkBackend:
        """A Splink backend on this session; datasets go to ``data_dir`` or ``workdir``."""
        from synthmass_assets.resolution.spark.backend import SparkBackend

        return SparkBackend(self.session(), self, self.data_dir or str(workdir / "spark"))
