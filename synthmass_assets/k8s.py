"""Named op-tag presets that size and place heavy steps on Kubernetes, and the step executor.

Assets opt in with ``op_tags=GPU_STEP`` (classifier training, pair predictions, merge/export) or
``op_tags=HEAVY_CPU_STEP`` (Splink training and scoring at scale). The ``dagster-k8s/config`` tag
is read only by the k8s job executor (``SYNTHMASS_DEPLOYMENT=k8s``); local executors ignore it.
The tag must sit on the asset itself: job-level tags do not reach step pods.

Every rendered step merges, in this order: the run launcher and code-location settings (Helm
values), ``STEP_DEFAULTS`` (the executor's ``step_k8s_config``), then the step's preset. Presets
therefore set memory requests *and* limits, so no default limit ends up below a request.
"""

from __future__ import annotations

from typing import Any

import dagster as dg
from dagster_k8s import k8s_job_executor

K8S_CONFIG_TAG = "dagster-k8s/config"
GPU_RESOURCE = "nvidia.com/gpu"
# Label and taint of the GPU node pool; k8s/README.md shows how to create a pool that has them.
NODE_POOL_LABEL = "synthmass.io/node-pool"
GPU_NODE_POOL = "gpu"
COMPUTE_LABEL = "synthmass.io/compute"
SHARED_MEMORY_VOLUME = "dshm"


def step_resources(cpu: str, memory: str, **limits: str) -> dict[str, Any]:
    """CPU and memory requests; memory is also the limit (the OOM line), CPU is never capped."""
    return {"requests": {"cpu": cpu, "memory": memory}, "limits": {"memory": memory, **limits}}


def gpu_step(
    gpus: int = 1, cpu: str = "8", memory: str = "48Gi", shared_memory: str = "16Gi"
) -> dict[str, Any]:
    """Op tags for a step on the GPU node pool.

    Args:
        gpus: ``nvidia.com/gpu`` limit (extended resources are requested at their limit).
        cpu: CPU request; no CPU limit, so tokenization and data loading are never throttled.
        memory: memory request and limit.
        shared_memory: size of the in-memory ``/dev/shm`` that PyTorch data loaders need
            (a container's default is 64 MiB).

    Returns:
        ``op_tags`` with a ``dagster-k8s/config`` entry.
    """
    return {
        K8S_CONFIG_TAG: {
            "container_config": {
                "resources": step_resources(cpu, memory, **{GPU_RESOURCE: str(gpus)}),
                "volume_mounts": [{"name": SHARED_MEMORY_VOLUME, "mount_path": "/dev/shm"}],
            },
            "pod_spec_config": {
                "node_selector": {NODE_POOL_LABEL: GPU_NODE_POOL},
                "tolerations": [
                    {"key": GPU_RESOURCE, "operator": "Exists", "effect": "NoSchedule"}
                ],
                "volumes": [
                    {
                        "name": SHARED_MEMORY_VOLUME,
                        "empty_dir": {"medium": "Memory", "size_limit": shared_memory},
                    }
                ],
            },
            "pod_template_spec_metadata": {"labels": {COMPUTE_LABEL: "gpu"}},
        }
    }


def heavy_cpu_step(cpu: str = "8", memory: str = "32Gi") -> dict[str, Any]:
    """Op tags for a CPU- and memory-heavy step (resolution at scale) on any regular node.

    Args:
        cpu: CPU request (DuckDB and Splink use every core they get); no CPU limit.
        memory: memory request and limit.

    Returns:
        ``op_tags`` with a ``dagster-k8s/config`` entry.
    """
    return {
        K8S_CONFIG_TAG: {
            "container_config": {"resources": step_resources(cpu, memory)},
            "pod_template_spec_metadata": {"labels": {COMPUTE_LABEL: "heavy-cpu"}},
        }
    }


GPU_STEP = gpu_step()
HEAVY_CPU_STEP = heavy_cpu_step()

# Applied to every step pod before its own preset: modest resources and no privilege escalation.
STEP_DEFAULTS: dict[str, Any] = {
    "container_config": {
        "resources": {"requests": {"cpu": "1", "memory": "4Gi"}, "limits": {"memory": "8Gi"}},
        "security_context": {"allow_privilege_escalation": False, "run_as_non_root": True},
    },
}
K8S_EXECUTOR_CONFIG: dict[str, Any] = {"max_concurrent": 8, "step_k8s_config": STEP_DEFAULTS}


def k8s_step_executor() -> dg.ExecutorDefinition:
    """``k8s_job_executor`` with SynthMass's step defaults: one Kubernetes Job per step."""
    return k8s_job_executor.configured(K8S_EXECUTOR_CONFIG)
