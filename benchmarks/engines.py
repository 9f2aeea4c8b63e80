"""Engines benchmark: the same N facility records scored on DuckDB and on Spark, one JSON line.

One model is trained (on DuckDB) and its settings JSON scores the records on both engines, so
the two runs differ by engine only: same blocking rules, comparisons, parameters and closure
pass. Spark runs in local mode (``--master``, default ``local[2]``) with Splink's
recommended settings (Parquet lineage breaks). Records come from our own population and
augmentation stages in a child process (see ``resolution.py``).

``peak_rss_mb_driver`` is the peak, sampled every half second, of this process plus its child
processes (the Spark JVM, which in local mode is driver and executors in one).
Usage: python benchmarks/engines.py --records 200000
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import tempfile
import threading
import time
from pathlib import Path

import duckdb
import polars as pl
from resolution import _make_records  # the sibling benchmark: same records and protocol

from synthmass_assets.resolution.linkage import (
    ClosureParams,
    TrainingParams,
    predict_pairs,
    train_model,
)
from synthmass_assets.resolution.normalize import matching_features
from synthmass_assets.resolution.spark.resource import SparkResource

TOLERANCE = 1e-6


class RssSampler(threading.Thread):
    """Peak resident memory of this process and its descendants, sampled from /proc."""

    def __init__(self, interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.interval, self.peak_kb, self.peak_children_kb = interval, 0, 0
        self._done = threading.Event()

    @staticmethod
    def _rss_kb(pid: int) -> int:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    @staticmethod
    def _descendants(pid: int) -> list[int]:
        out, todo = [], [pid]
        while todo:
            parent = todo.pop()
            try:
                kids = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
            except OSError:
                continue
            out += [int(k) for k in kids]
            todo += [int(k) for k in kids]
        return out

    def run(self) -> None:
        me = os.getpid()
        while not self._done.is_set():
            children = sum(self._rss_kb(p) for p in self._descendants(me))
            self.peak_kb = max(self.peak_kb, self._rss_kb(me) + children)
            self.peak_children_kb = max(self.peak_children_kb, children)
            self._done.wait(self.interval)

    def stop(self) -> None:
        self._done.set()
        self.join()


def agreement(duckdb_pairs: Path, spark_pairs: Path) -> dict[str, float]:
    """Pairs on each engine, pairs on both, and the share of those whose probabilities agree
    within `TOLERANCE`; DuckDB joins the two Parquet files out of core."""
    sql = f"""
        WITH d AS (SELECT * FROM read_parquet('{duckdb_pairs}')),
             s AS (SELECT * FROM read_parquet('{spark_pairs}'))
        SELECT (SELECT count(*) FROM d), (SELECT count(*) FROM s), count(*),
               avg((abs(d.match_probability - s.match_probability) <= {TOLERANCE})::INT),
               max(abs(d.match_probability - s.match_probability))
        FROM d JOIN s USING (record_id_l, record_id_r)
    """
    with duckdb.connect(config={"memory_limit": "2GB"}) as con:
        row = con.sql(sql).fetchone()
    assert row is not None
    pairs_d, pairs_s, common, agree, worst = row
    return {
        "pairs_duckdb": pairs_d,
        "pairs_spark": pairs_s,
        "pairs_in_both": common,
        "probability_agreement": round(float(agree or 0), 6),
        "max_probability_difference": float(worst or 0),
    }


def spark_resource(args: argparse.Namespace, records: int) -> SparkResource:
    partitions = max(4, records // 25_000)
    conf = {
        "spark.master": args.master,
        "spark.driver.memory": args.driver_memory,
        "spark.sql.shuffle.partitions": str(partitions),
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.local.dir": str(Path(args.workdir or tempfile.gettempdir()) / "spark-local"),
    }
    return SparkResource(
        spark_conf=conf, break_lineage_method=args.break_lineage, num_chunks=args.num_chunks
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--track", default="training", choices=["training", "evaluation"])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--driver-memory", default="5g")
    parser.add_argument("--break-lineage", default="parquet")
    parser.add_argument("--num-chunks", type=int, default=1)
    parser.add_argument("--workdir", default="", help="scratch folder (default: system temp)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.workdir or None) as data:
        child = multiprocessing.get_context("spawn").Process(
            target=_make_records, args=(args.records, args.track, args.seed, data)
        )
        child.start()
        child.join()
        if child.exitcode != 0:
            raise SystemExit(f"generating {args.records} records failed (exit {child.exitcode})")
        records = pl.read_parquet(Path(data) / "records.parquet")
    sampler = RssSampler()
    sampler.start()
    seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory(dir=args.workdir or None) as scratch:
        work = Path(scratch)
        tick = time.perf_counter()
        features = matching_features(records)
        seconds["features"] = time.perf_counter() - tick
        del records
        tick = time.perf_counter()
        settings = train_model(features, TrainingParams(), work / "train").settings
        seconds["training_duckdb"] = time.perf_counter() - tick
        tick = time.perf_counter()
        pairs = predict_pairs(features, settings, work / "duckdb", ClosureParams())
        seconds["duckdb"] = time.perf_counter() - tick
        pairs.write_parquet(work / "pairs_duckdb.parquet")
        del pairs
        tick = time.perf_counter()
        spark = spark_resource(args, features.height)
        backend = spark.backend(work / "spark")
        seconds["spark_session"] = time.perf_counter() - tick
        tick = time.perf_counter()
        pairs = predict_pairs(features, settings, work / "spark", ClosureParams(), backend=backend)
        seconds["spark"] = time.perf_counter() - tick
        pairs.write_parquet(work / "pairs_spark.parquet")
        del pairs
        compared = agreement(work / "pairs_duckdb.parquet", work / "pairs_spark.parquet")
        backend.spark.stop()
    sampler.stop()
    result = {
        "records": features.height,
        "seconds_duckdb": round(seconds["duckdb"], 1),
        "seconds_spark": round(seconds["spark"], 1),
        **compared,
        "peak_rss_mb_driver": round(sampler.peak_kb / 1024, 1),
        "peak_rss_mb_spark_jvm": round(sampler.peak_children_kb / 1024, 1),
        "peak_rss_mb_python": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "seconds": {k: round(v, 1) for k, v in seconds.items()},
        "spark": {
            "master": args.master,
            "driver_memory": args.driver_memory,
            "shuffle_partitions": int(spark.spark_conf["spark.sql.shuffle.partitions"]),
            "break_lineage_method": args.break_lineage,
            "num_chunks": args.num_chunks,
        },
        "scored_on_both_with": "one model trained on DuckDB",
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
