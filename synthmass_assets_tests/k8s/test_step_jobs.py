"""Every GPU and heavy step renders to a valid Kubernetes Job that asks for what it needs."""

from __future__ import annotations

from typing import Any

import dagster as dg
import pytest
from kubernetes.utils import parse_quantity

from synthmass_assets.definitions import DeploymentSettings, build_definitions
from synthmass_assets.k8s import (
    GPU_NODE_POOL,
    GPU_RESOURCE,
    GPU_STEP,
    HEAVY_CPU_STEP,
    K8S_CONFIG_TAG,
    NODE_POOL_LABEL,
    gpu_step,
)
from synthmass_assets_tests.k8s.rendering import (
    KUBERNETES_VERSIONS,
    as_op_tags,
    container_of,
    render_step_job,
    tagged_steps,
    validation_errors,
)

GPU_ASSETS = ("pair_classifier", "pair_predictions", "merged_pair_classifier")
HEAVY_CPU_ASSETS = ("splink_model", "scored_pairs")
PRESETS = {"gpu": GPU_STEP, "heavy_cpu": HEAVY_CPU_STEP, "two_gpus": gpu_step(gpus=2)}


@pytest.fixture(scope="module")
def k8s_defs(tmp_path_factory: pytest.TempPathFactory) -> dg.Definitions:
    return build_definitions(DeploymentSettings("k8s", tmp_path_factory.mktemp("home")))


def requests_within_limits(container: dict[str, Any]) -> list[str]:
    """Kubernetes rejects a pod whose request exceeds its limit; the schema cannot see that."""
    resources = container.get("resources") or {}
    requests, limits = resources.get("requests", {}), resources.get("limits", {})
    return [
        f"{name} request {requests[name]} > limit {limits[name]}"
        for name in requests.keys() & limits.keys()
        if parse_quantity(requests[name]) > parse_quantity(limits[name])
    ]


def assert_runs_on_gpu_pool(manifest: dict[str, Any], gpus: int = 1) -> None:
    pod = manifest["spec"]["template"]["spec"]
    assert container_of(manifest)["resources"]["limits"][GPU_RESOURCE] == str(gpus)
    assert pod["nodeSelector"] == {NODE_POOL_LABEL: GPU_NODE_POOL}
    assert {"key": GPU_RESOURCE, "operator": "Exists", "effect": "NoSchedule"} in pod["tolerations"]


@pytest.mark.parametrize("preset", PRESETS, ids=list(PRESETS))
def test_preset_renders_to_a_valid_job(preset: str) -> None:
    manifest = render_step_job(f"evaluation__{preset}", as_op_tags(PRESETS[preset]))
    assert validation_errors(manifest) == []
    container = container_of(manifest)
    assert requests_within_limits(container) == []
    # The layers below the preset survive the merge: image, secrets, non-root, instance config.
    assert container["image"].endswith("/synthmass:0.1.0")
    secrets = {
        source["secretRef"]["name"] for source in container["envFrom"] if "secretRef" in source
    }
    assert {"synthmass-object-store", "synthmass-huggingface"} <= secrets
    assert container["securityContext"]["runAsNonRoot"] is True
    env = {var["name"]: var for var in container["env"]}
    password = env["DAGSTER_PG_PASSWORD"]["valueFrom"]["secretKeyRef"]
    assert password == {"name": "synthmass-postgresql", "key": "postgresql-password"}


@pytest.mark.parametrize("gpus", [1, 2])
def test_gpu_preset_asks_for_gpus_on_the_gpu_pool(gpus: int) -> None:
    manifest = render_step_job("training__pair_classifier", as_op_tags(gpu_step(gpus=gpus)))
    assert_runs_on_gpu_pool(manifest, gpus)
    pod = manifest["spec"]["template"]["spec"]
    shm = next(volume for volume in pod["volumes"] if volume["name"] == "dshm")
    assert shm["emptyDir"]["medium"] == "Memory"
    assert {"name": "dshm", "mountPath": "/dev/shm"} in container_of(manifest)["volumeMounts"]


def test_heavy_cpu_preset_raises_the_step_defaults_and_stays_off_gpu_nodes() -> None:
    manifest = render_step_job("evaluation__scored_pairs", as_op_tags(HEAVY_CPU_STEP))
    resources = container_of(manifest)["resources"]
    assert resources["requests"] == {"cpu": "8", "memory": "32Gi"}
    assert resources["limits"] == {"memory": "32Gi"}
    pod = manifest["spec"]["template"]["spec"]
    assert "nodeSelector" not in pod and "tolerations" not in pod


def test_untagged_step_gets_the_step_defaults() -> None:
    container = container_of(render_step_job("evaluation_population", {}))
    assert container["resources"]["limits"] == {"memory": "8Gi"}
    assert requests_within_limits(container) == []


def test_every_tagged_step_in_the_definitions_renders_to_a_valid_job(
    k8s_defs: dg.Definitions,
) -> None:
    problems = []
    for step_key, tags in tagged_steps(k8s_defs).items():
        manifest = render_step_job(step_key, tags)
        problems += [f"{step_key}: {error}" for error in validation_errors(manifest)]
        problems += [f"{step_key}: {e}" for e in requests_within_limits(container_of(manifest))]
    assert problems == []


@pytest.mark.parametrize(
    ("asset_name", "preset"),
    [(name, GPU_STEP) for name in GPU_ASSETS]
    + [(name, HEAVY_CPU_STEP) for name in HEAVY_CPU_ASSETS],
)
def test_heavy_assets_carry_their_preset(
    k8s_defs: dg.Definitions, asset_name: str, preset: dict[str, Any]
) -> None:
    graph = k8s_defs.get_repository_def().asset_graph
    steps = {
        graph.get(key).assets_def.node_def.name: graph.get(key).assets_def.node_def.tags
        for key in graph.get_all_asset_keys()
        if key.path[-1] == asset_name
    }
    if not steps:
        pytest.skip(f"{asset_name} is not in the Definitions yet")
    for step_key, tags in steps.items():
        assert K8S_CONFIG_TAG in tags, f"{step_key} has no {K8S_CONFIG_TAG} op tag"
        manifest = render_step_job(step_key, tags)
        if preset is GPU_STEP:
            assert_runs_on_gpu_pool(manifest)
        else:
            assert GPU_RESOURCE not in container_of(manifest)["resources"].get("limits", {})


def test_tags_on_a_decorated_asset_reach_its_job() -> None:
    @dg.asset(op_tags=GPU_STEP, group_name="test", description="A GPU step for the test.")
    def tiny_classifier() -> None: ...

    defs = dg.Definitions(assets=[tiny_classifier])
    (tags,) = tagged_steps(defs).values()
    assert_runs_on_gpu_pool(render_step_job("tiny_classifier", tags))


def test_presets_are_independent_copies() -> None:
    first, second = gpu_step(), gpu_step()
    first[K8S_CONFIG_TAG]["container_config"]["resources"]["limits"][GPU_RESOURCE] = "8"
    assert second == GPU_STEP  # a caller mutating its tags never changes the preset


def test_strict_validation_rejects_fields_kubernetes_does_not_know() -> None:
    manifest = render_step_job("evaluation__gpu", as_op_tags(GPU_STEP))
    manifest["spec"]["template"]["spec"]["nodeSelectors"] = {NODE_POOL_LABEL: GPU_NODE_POOL}
    errors = validation_errors(manifest)
    assert len(errors) == len(KUBERNETES_VERSIONS)
    assert all("nodeSelectors" in error for error in errors)
