"""End-to-end benchmark: the whole default graph (every track but custom) on a fresh home.

Builds the code location's Definitions with ``SYNTHMASS_HOME`` pointing at a new folder,
materializes every asset and check outside the ``custom`` track in one in-process run, and prints
as its last stdout line one JSON object: ``seconds_total``, ``asset_seconds`` (asset → seconds of
the step that produced it), ``check_seconds``, ``metrics`` (the rows of
``evaluation/resolution_metrics``), failed checks and peak memory.

Usage: python benchmarks/end_to_end.py [--home DIR] [--keep]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

METRICS_TABLE = "evaluation.resolution_metrics"


def step_seconds(result: dg.ExecuteInProcessResult) -> dict[str, float]:
    """Seconds of every successful step, by step key."""
    return {
        event.step_key: round(event.event_specific_data.duration_ms / 1000, 3)  # type: ignore[union-attr]
        for event in result.get_step_success_events()
        if event.step_key is not None
    }


def asset_seconds(result: dg.ExecuteInProcessResult, steps: dict[str, float]) -> dict[str, float]:
    """Asset key → seconds of the step that materialized it (multi-asset steps: every key)."""
    return {
        event.asset_key.to_user_string(): steps[event.step_key]  # type: ignore[union-attr]
        for event in result.get_asset_materialization_events()
        if event.step_key in steps
    }


def read_metrics(database: Path) -> list[dict[str, Any]]:
    """Rows of ``evaluation/resolution_metrics`` (empty when it was not materialized)."""
    if not database.exists():
        return []
    with duckdb.connect(str(database), read_only=True) as con:
        try:
            frame = con.sql(f"SELECT * FROM {METRICS_TABLE}").pl()
        except duckdb.CatalogException:
            return []
    return frame.to_dicts()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="SYNTHMASS_HOME to use (default: a new tmp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the tmp home after the run")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    home = args.home or Path(tempfile.mkdtemp(prefix="synthmass_e2e_"))
    os.environ["SYNTHMASS_HOME"] = str(home)
    os.environ.pop("SYNTHMASS_DEPLOYMENT", None)
    from synthmass_assets.definitions import definitions

    selection = dg.AssetSelection.all() - dg.AssetSelection.key_prefixes("custom")
    defs = dg.Definitions.merge(
        definitions(), dg.Definitions(jobs=[dg.define_asset_job("end_to_end", selection)])
    )
    started = time.perf_counter()
    with dg.DagsterInstance.ephemeral() as instance:
        result = defs.get_job_def("end_to_end").execute_in_process(
            instance=instance, raise_on_error=False
        )
    seconds = time.perf_counter() - started

    steps = step_seconds(result)
    assets = asset_seconds(result, steps)
    asset_steps = {e.step_key for e in result.get_asset_materialization_events()}
    checks = result.get_asset_check_evaluations()
    report = {
        "success": result.success,
        "seconds_total": round(seconds, 1),
        "asset_seconds": dict(sorted(assets.items())),
        "check_seconds": {k: v for k, v in sorted(steps.items()) if k not in asset_steps},
        "failed_checks": sorted(
            f"{c.asset_key.to_user_string()}:{c.check_name}" for c in checks if not c.passed
        ),
        "failed_steps": sorted(e.step_key or "" for e in result.all_events if e.is_step_failure),
        "metrics": read_metrics(home / "synthmass.duckdb"),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "home": str(home),
    }
    if args.home is None and not args.keep:
        shutil.rmtree(home, ignore_errors=True)
    print(json.dumps(report, default=str))


if __name__ == "__main__":
    main()
