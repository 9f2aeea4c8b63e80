"""Materialize an asset and everything upstream of it on a tiny configuration, into a Dagster
instance that ``dagster dev`` then shows."""

from __future__ import annotations

from typing import Any

import dagster as dg

# Config fields shrunk wherever an op of the run has them (the rest keep their defaults).
# 200 patients is about the smallest population on which Splink's EM still estimates a prior
# (60 fails with a math domain error); the classifier fields cut training to a few steps, and
# a few steps cannot reach the production F1 floor, so the blocking check is set to let the
# tiny model through (the page under test is the metrics table, not the model's quality).
TINY_FIELDS: dict[str, Any] = {"population": 200, "max_steps": 4, "epochs": 2, "f1_floor": 0.0}


def tiny_run_config(job: dg.JobDefinition) -> dict[str, Any]:
    """Run config setting ``TINY_FIELDS`` on every op of ``job`` whose config has them."""
    ops_field = job.run_config_schema.config_type.fields.get("ops")  # type: ignore[attr-defined]
    if ops_field is None:
        return {}
    ops: dict[str, Any] = {}
    for op_name, op_field in ops_field.config_type.fields.items():
        config_field = op_field.config_type.fields.get("config")
        fields = getattr(config_field.config_type, "fields", {}) if config_field else {}
        tiny = {name: value for name, value in TINY_FIELDS.items() if name in fields}
        if tiny:
            ops[op_name] = {"config": tiny}
    return {"ops": ops}


def materialize_upstream(
    defs: dg.Definitions, target: dg.AssetKey, instance: dg.DagsterInstance
) -> dg.ExecuteInProcessResult:
    """Materialize ``target`` and its upstream assets (with their checks) on ``TINY_FIELDS``.

    Args:
        defs: The code location's definitions (resources bound).
        target: The asset to end with.
        instance: Where the run and its materializations are recorded.

    Returns:
        The run's result; it does not raise when a step or blocking check fails.
    """
    repo = defs.get_repository_def()
    selection = dg.AssetSelection.assets(target).upstream().required_multi_asset_neighbors()
    keys = selection.resolve(repo.asset_graph)
    job = repo.get_implicit_global_asset_job_def().get_subset(asset_selection=keys)
    return job.execute_in_process(
        run_config=tiny_run_config(job), instance=instance, raise_on_error=False
    )
