"""Resolution steps as Spark drivers on Kubernetes: executors are pods the step pod starts.

With ``engine: spark`` and :func:`k8s_spark_conf` as the spark resource's ``spark_conf``, the
``splink_model`` and ``scored_pairs`` step pods run Spark in client mode against the API
server (``spark.master`` ``k8s://https://kubernetes.default.svc``): the step pod is the driver,
it asks for ``spark.executor.instances`` executor pods from the `executor_pod_template`, and
executors connect back to the pod's IP (``POD_IP`` from the downward API). Executors are owned
by the step pod, so Kubernetes removes them when the step ends. :func:`spark_manifests` are the
namespace objects this needs (k8s/spark.yaml): the driver's service account and role, and the
executor pod template as a ConfigMap mounted into the step pod. The resource's ``data_dir``
must then be object storage (``s3://…``) that driver and executors reach. GPU steps are
unaffected.
"""

from __future__ import annotations

import copy
from typing import Any

import yaml

from synthmass_assets.k8s import COMPUTE_LABEL, K8S_CONFIG_TAG, heavy_cpu_step

SERVICE_ACCOUNT = "synthmass-spark"
TEMPLATE_CONFIG_MAP = "synthmass-spark-executor-template"
TEMPLATE_VOLUME = "spark-executor-template"
TEMPLATE_DIR = "/opt/synthmass/spark"
TEMPLATE_FILE = "executor.yaml"
# Executors run the Spark distribution of the driver's PySpark (Splink needs no Python there).
EXECUTOR_IMAGE = "apache/spark:4.0.1-scala2.13-java17-ubuntu"


def k8s_spark_conf(
    namespace: str = "synthmass",
    executors: int = 4,
    executor_cores: int = 4,
    executor_memory: str = "24g",
    image: str = EXECUTOR_IMAGE,
) -> dict[str, str]:
    """``spark_conf`` for a step pod that drives executors on the cluster (client mode).

    Args:
        namespace: where executor pods are created (the Dagster release namespace).
        executors: executor pods.
        executor_cores: cores per executor (and its CPU request).
        executor_memory: JVM heap per executor; Spark adds 10% overhead to the pod's request.
        image: executor image; its Spark version must be the driver's PySpark version.

    Returns:
        Spark properties; ``$POD_IP`` and ``$HOSTNAME`` are expanded when the session starts.
    """
    return {
        "spark.master": "k8s://https://kubernetes.default.svc:443",
        "spark.submit.deployMode": "client",
        "spark.kubernetes.namespace": namespace,
        "spark.kubernetes.container.image": image,
        "spark.kubernetes.driver.pod.name": "$HOSTNAME",
        "spark.kubernetes.authenticate.serviceAccountName": SERVICE_ACCOUNT,
        "spark.kubernetes.executor.podTemplateFile": f"{TEMPLATE_DIR}/{TEMPLATE_FILE}",
        "spark.driver.host": "$POD_IP",
        "spark.driver.bindAddress": "0.0.0.0",
        "spark.driver.memory": "8g",
        "spark.executor.instances": str(executors),
        "spark.executor.cores": str(executor_cores),
        "spark.executor.memory": executor_memory,
        "spark.sql.shuffle.partitions": str(executors * executor_cores * 4),
        "spark.ui.showConsoleProgress": "false",
    }


def spark_driver_step(cpu: str = "4", memory: str = "16Gi") -> dict[str, Any]:
    """Op tags for a resolution step that may drive Spark executors: the heavy-CPU preset
    (DuckDB still runs there by default) plus the driver's service account, its pod IP and the
    executor pod template."""
    tags = heavy_cpu_step(cpu, memory)
    config = tags[K8S_CONFIG_TAG]
    config["container_config"]["env"] = [
        {"name": "POD_IP", "value_from": {"field_ref": {"field_path": "status.podIP"}}}
    ]
    config["container_config"]["volume_mounts"] = [
        {"name": TEMPLATE_VOLUME, "mount_path": TEMPLATE_DIR, "read_only": True}
    ]
    config["pod_spec_config"] = {
        "service_account_name": SERVICE_ACCOUNT,
        "volumes": [{"name": TEMPLATE_VOLUME, "config_map": {"name": TEMPLATE_CONFIG_MAP}}],
    }
    return tags


def executor_pod_template() -> dict[str, Any]:
    """The pod Spark starts each executor from (Spark fills in image, command and resources)."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"labels": {COMPUTE_LABEL: "spark-executor"}},
        "spec": {
            "securityContext": {"runAsNonRoot": True, "runAsUser": 185},
            "containers": [
                {
                    "name": "spark-kubernetes-executor",
                    "securityContext": {"allowPrivilegeEscalation": False},
                }
            ],
        },
    }


def spark_manifests(namespace: str = "synthmass") -> list[dict[str, Any]]:
    """Service account and role of the drivers, and the executor template as a ConfigMap."""
    meta = {"namespace": namespace, "labels": {"app.kubernetes.io/part-of": "synthmass"}}
    rules = [
        {
            "apiGroups": [""],
            "resources": ["pods", "services", "configmaps", "persistentvolumeclaims"],
            "verbs": ["create", "get", "list", "watch", "delete", "deletecollection", "patch"],
        }
    ]
    template = yaml.safe_dump(executor_pod_template(), sort_keys=False)
    return [
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": SERVICE_ACCOUNT, **meta},
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": {"name": SERVICE_ACCOUNT, **copy.deepcopy(meta)},
            "rules": rules,
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": SERVICE_ACCOUNT, **copy.deepcopy(meta)},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "Role",
                "name": SERVICE_ACCOUNT,
            },
            "subjects": [
                {"kind": "ServiceAccount", "name": SERVICE_ACCOUNT, "namespace": namespace}
            ],
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": TEMPLATE_CONFIG_MAP, **copy.deepcopy(meta)},
            "data": {TEMPLATE_FILE: template},
        },
    ]


SPARK_DRIVER_STEP = spark_driver_step()
