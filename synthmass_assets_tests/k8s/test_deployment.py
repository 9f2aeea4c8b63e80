"""Deployment selection, and the executor and instance configuration checked by Dagster itself."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from dagster._config import process_config, validate_config
from dagster._core.executor.init import InitExecutorContext
from dagster._core.executor.step_delegating import StepDelegatingExecutor
from dagster._core.instance.config import dagster_instance_config
from dagster_duckdb_polars import DuckDBPolarsIOManager
from dagster_k8s import K8sRunLauncher, k8s_job_executor

from synthmass_assets.definitions import definitions
from synthmass_assets.k8s import K8S_EXECUTOR_CONFIG
from synthmass_assets.resources import ObjectStoreStorage, ParquetObjectStoreIOManager
from synthmass_assets_tests.k8s.rendering import K8S_DIR, load_yaml

KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters: [{name: test, cluster: {server: "https://127.0.0.1:6443"}}]
users: [{name: test, user: {token: not-a-real-token}}]
contexts: [{name: test, context: {cluster: test, user: test, namespace: synthmass}}]
current-context: test
"""


def asset_keys(defs: dg.Definitions) -> set[str]:
    graph = defs.get_repository_def().asset_graph
    return {key.to_user_string() for key in graph.get_all_asset_keys()}


def test_local_stays_the_embedded_default(synthmass_home: Path) -> None:
    defs = definitions()
    job = defs.get_repository_def().get_implicit_global_asset_job_def()
    assert job.executor_def.name != "k8s"
    assert isinstance((defs.resources or {})["io_manager"], DuckDBPolarsIOManager)


def test_k8s_loads_without_cluster_network_or_object_store(
    synthmass_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    local_keys = asset_keys(definitions())
    monkeypatch.setenv("SYNTHMASS_DEPLOYMENT", "k8s")
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "no-kubeconfig"))
    monkeypatch.delenv("SYNTHMASS_OBJECT_STORE_URL", raising=False)

    def no_network(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("loading the k8s Definitions opened a connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    defs = definitions()
    job = defs.get_repository_def().get_implicit_global_asset_job_def()
    assert job.executor_def.name == "k8s"
    resources = defs.resources or {}
    assert isinstance(resources["io_manager"], ParquetObjectStoreIOManager)
    assert isinstance(resources["storage"], ObjectStoreStorage)
    assert asset_keys(defs) == local_keys  # same asset code, only configuration differs


def test_executor_config_is_valid_and_builds_the_step_executor(tmp_path: Path) -> None:
    assert validate_config(k8s_job_executor.config_schema.config_type, K8S_EXECUTOR_CONFIG).success
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(KUBECONFIG)
    config = {**K8S_EXECUTOR_CONFIG, "load_incluster_config": False}
    config["kubeconfig_file"] = str(kubeconfig)  # parsed offline; nothing is contacted
    processed = process_config(k8s_job_executor.config_schema.config_type, config)
    assert processed.success and processed.value is not None, processed.errors

    with dg.instance_for_test() as instance:
        context = InitExecutorContext(
            job=dg.reconstructable(_probe_job),
            executor_def=k8s_job_executor,
            executor_config=processed.value,
            instance=instance,
        )
        create_executor = k8s_job_executor.executor_creation_fn
        assert create_executor is not None
        executor = create_executor(context)
    assert isinstance(executor, StepDelegatingExecutor)
    assert executor._max_concurrent == K8S_EXECUTOR_CONFIG["max_concurrent"]


@dg.job(executor_def=k8s_job_executor)
def _probe_job() -> None: ...


def test_instance_config_passes_dagsters_instance_schema() -> None:
    config, custom_class = dagster_instance_config(str(K8S_DIR), "dagster.yaml")
    assert custom_class is None
    assert "postgres" in config["storage"]
    assert config["run_launcher"]["class"] == "K8sRunLauncher"


def test_run_launcher_config_is_valid() -> None:
    launcher = load_yaml("dagster.yaml")["run_launcher"]["config"]
    result = validate_config(K8sRunLauncher.config_type(), launcher)
    assert result.success, result.errors


def chart_run_launcher_config(values: dict[str, Any]) -> dict[str, Any]:
    """The K8sRunLauncher config the chart renders from k8s/values.yaml (release "dagster")."""
    launcher = values["runLauncher"]["config"]["k8sRunLauncher"]
    return {
        "load_incluster_config": launcher["loadInclusterConfig"],
        "job_namespace": launcher["jobNamespace"] or "synthmass",
        "image_pull_policy": launcher["imagePullPolicy"],
        "service_account_name": "dagster",
        "dagster_home": {"env": "DAGSTER_HOME"},
        "instance_config_map": {"env": "DAGSTER_K8S_INSTANCE_CONFIG_MAP"},
        "postgres_password_secret": {"env": "DAGSTER_K8S_PG_PASSWORD_SECRET"},
        "env_config_maps": [{"env": "DAGSTER_K8S_PIPELINE_RUN_ENV_CONFIGMAP"}]
        + [ref["name"] for ref in launcher["envConfigMaps"]],
        "env_secrets": [ref["name"] for ref in launcher["envSecrets"]],
        "env_vars": launcher["envVars"],
        "volume_mounts": launcher["volumeMounts"],
        "volumes": launcher["volumes"],
        "fail_pod_on_run_failure": launcher["failPodOnRunFailure"],
    }


def test_helm_values_render_a_valid_run_launcher_config() -> None:
    config = chart_run_launcher_config(load_yaml("values.yaml"))
    result = validate_config(K8sRunLauncher.config_type(), config)
    assert result.success, result.errors


def test_instance_file_and_helm_values_describe_the_same_instance() -> None:
    values, instance = load_yaml("values.yaml"), load_yaml("dagster.yaml")
    postgres, database = values["postgresql"], instance["storage"]["postgres"]["postgres_db"]
    assert database["hostname"] == postgres["postgresqlHost"]
    assert database["username"] == postgres["postgresqlUsername"]
    assert database["db_name"] == postgres["postgresqlDatabase"]
    assert database["port"] == postgres["service"]["port"]
    launcher = instance["run_launcher"]["config"]
    assert launcher["postgres_password_secret"] == values["global"]["postgresqlSecretName"]
    assert (
        launcher["fail_pod_on_run_failure"]
        == chart_run_launcher_config(values)["fail_pod_on_run_failure"]
    )
    queue = values["dagsterDaemon"]["runCoordinator"]["config"]["queuedRunCoordinator"]
    coordinator = instance["run_coordinator"]["config"]
    assert coordinator["max_concurrent_runs"] == queue["maxConcurrentRuns"]
