"""Render a step's Kubernetes Job the way the k8s job executor does, without a cluster.

The layers are merged in the executor's order (``K8sStepHandler._get_container_context``):
run launcher (k8s/dagster.yaml) → code location (the user-code deployment in k8s/values.yaml,
passed to runs by ``includeConfigInLaunchedRuns``) → executor ``step_k8s_config`` → the step's
``dagster-k8s/config`` op tag. The Job itself comes from ``construct_dagster_k8s_job``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
import kubernetes
import kubernetes_validate
import yaml
from dagster_k8s import DagsterK8sJobConfig, construct_dagster_k8s_job
from dagster_k8s.container_context import K8sContainerContext
from dagster_k8s.job import (
    UserDefinedDagsterK8sConfig,
    get_k8s_job_name,
    get_user_defined_k8s_config,
)

from synthmass_assets.k8s import K8S_CONFIG_TAG, K8S_EXECUTOR_CONFIG

K8S_DIR = Path(__file__).resolve().parents[2] / "k8s"
# Kubernetes releases the Jobs must be valid for: oldest supported by current managed offerings,
# a middle one and the newest schema kubernetes-validate ships.
KUBERNETES_VERSIONS = ("1.30.0", "1.33.0", "1.35.0")
RUN_ID = "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
RELEASE = "dagster"


def load_yaml(name: str) -> Any:
    return yaml.safe_load((K8S_DIR / name).read_text())


def user_deployment(values: Mapping[str, Any]) -> dict[str, Any]:
    """The SynthMass user-code deployment of the Helm values."""
    (deployment,) = values["dagster-user-deployments"]["deployments"]
    return deployment


def image_of(values: Mapping[str, Any]) -> str:
    image = user_deployment(values)["image"]
    return f"{image['repository']}:{image['tag']}"


def launcher_context(instance: Mapping[str, Any]) -> K8sContainerContext:
    config = instance["run_launcher"]["config"]
    return K8sContainerContext(
        image_pull_policy=config.get("image_pull_policy"),
        service_account_name=config.get("service_account_name"),
        env_config_maps=config.get("env_config_maps"),
        env_secrets=config.get("env_secrets"),
        namespace=config.get("job_namespace"),
        run_k8s_config=UserDefinedDagsterK8sConfig.from_dict(config.get("run_k8s_config", {})),
    )


def code_location_context(values: Mapping[str, Any]) -> K8sContainerContext:
    """What the chart's user-code deployment hands to every run it launches."""
    deployment = user_deployment(values)
    config_maps = [f"{RELEASE}-{deployment['name']}-user-env"]  # holds the deployment's env map
    config_maps += [ref["name"] for ref in deployment.get("envConfigMaps", [])]
    return K8sContainerContext(
        image_pull_policy=deployment["image"]["pullPolicy"],
        env_config_maps=config_maps,
        env_secrets=[ref["name"] for ref in deployment.get("envSecrets", [])],
        resources=deployment.get("resources"),
        volumes=deployment.get("volumes"),
        volume_mounts=deployment.get("volumeMounts"),
    )


def executor_context(executor_config: Mapping[str, Any]) -> K8sContainerContext:
    step_config = executor_config.get("step_k8s_config", {})
    return K8sContainerContext(run_k8s_config=UserDefinedDagsterK8sConfig.from_dict(step_config))


def render_step_job(step_key: str, op_tags: Mapping[str, Any]) -> dict[str, Any]:
    """The Job manifest (camelCase, as sent to the API server) of one step."""
    values, instance = load_yaml("values.yaml"), load_yaml("dagster.yaml")
    context = (
        launcher_context(instance)
        .merge(code_location_context(values))
        .merge(executor_context(K8S_EXECUTOR_CONFIG))
        .merge(K8sContainerContext(run_k8s_config=get_user_defined_k8s_config(op_tags)))
    )
    launcher = instance["run_launcher"]["config"]
    job_config = DagsterK8sJobConfig(
        job_image=image_of(values),
        dagster_home=launcher["dagster_home"],
        instance_config_map=launcher["instance_config_map"],
        postgres_password_secret=launcher["postgres_password_secret"],
    )
    job_name = f"dagster-step-{get_k8s_job_name(RUN_ID, step_key)}"
    job = construct_dagster_k8s_job(
        job_config=job_config,
        args=["dagster", "api", "execute_step"],
        job_name=job_name,
        pod_name=job_name,
        component="step_worker",
        user_defined_k8s_config=context.run_k8s_config,
        labels={"dagster/op": step_key, "dagster/run-id": RUN_ID},
        env_vars=[{"name": "DAGSTER_RUN_STEP_KEY", "value": step_key}],
    )
    return kubernetes.client.ApiClient().sanitize_for_serialization(job)


def validation_errors(manifest: Mapping[str, Any]) -> list[str]:
    """kubernetes-validate (strict: unknown fields are errors) against every version."""
    errors = []
    for version in KUBERNETES_VERSIONS:
        try:
            kubernetes_validate.validate(dict(manifest), version, strict=True)
        except kubernetes_validate.ValidationError as error:
            where = ".".join(str(part) for part in error.absolute_path)
            errors.append(f"Kubernetes {version}: {where}: {error.message}")
    return errors


def tagged_steps(defs: dg.Definitions) -> dict[str, Mapping[str, Any]]:
    """Op tags of every step (asset or check) that carries a dagster-k8s/config tag."""
    repo = defs.get_repository_def()
    steps: dict[str, Mapping[str, Any]] = {}
    for assets_def in repo.asset_graph.assets_defs:
        if not assets_def.is_executable:
            continue
        for op_def in assets_def.node_def.iterate_op_defs():
            if K8S_CONFIG_TAG in op_def.tags:
                steps[op_def.name] = op_def.tags
    return steps


def as_op_tags(preset: Mapping[str, Any]) -> Mapping[str, str]:
    """A preset as Dagster stores it on an op (dict values JSON-encoded)."""

    @dg.op(tags=preset)
    def probe() -> None: ...

    return probe.tags


def container_of(manifest: Mapping[str, Any]) -> dict[str, Any]:
    return manifest["spec"]["template"]["spec"]["containers"][0]
