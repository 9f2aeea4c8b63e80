"""Resolution steps as Spark drivers on Kubernetes: manifests valid (strict) and consistent."""

from __future__ import annotations

import pytest
import yaml

from synthmass_assets.resolution.spark.kubernetes import (
    SERVICE_ACCOUNT,
    SPARK_DRIVER_STEP,
    TEMPLATE_CONFIG_MAP,
    TEMPLATE_DIR,
    TEMPLATE_FILE,
    executor_pod_template,
    k8s_spark_conf,
    spark_manifests,
)
from synthmass_assets_tests.k8s.rendering import (
    K8S_DIR,
    as_op_tags,
    container_of,
    render_step_job,
    validation_errors,
)


def test_committed_manifests_are_the_rendered_ones() -> None:
    committed = list(yaml.safe_load_all((K8S_DIR / "spark.yaml").read_text()))
    assert committed == spark_manifests()


@pytest.mark.parametrize("manifest", [*spark_manifests(), executor_pod_template()], ids=str)
def test_spark_manifests_are_valid(manifest: dict[str, object]) -> None:
    assert validation_errors(manifest) == []


def test_executor_template_in_the_config_map_is_a_valid_pod() -> None:
    config_map = next(m for m in spark_manifests() if m["kind"] == "ConfigMap")
    template = yaml.safe_load(config_map["data"][TEMPLATE_FILE])
    assert template == executor_pod_template()
    assert validation_errors(template) == []


def test_resolution_step_is_a_valid_job_that_can_drive_executors() -> None:
    manifest = render_step_job("evaluation__scored_pairs", as_op_tags(SPARK_DRIVER_STEP))
    assert validation_errors(manifest) == []
    pod = manifest["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == SERVICE_ACCOUNT
    volume = next(v for v in pod["volumes"] if "configMap" in v)
    assert volume["configMap"]["name"] == TEMPLATE_CONFIG_MAP
    container = container_of(manifest)
    mount = next(m for m in container["volumeMounts"] if m["name"] == volume["name"])
    assert mount["mountPath"] == TEMPLATE_DIR
    env = {var["name"]: var for var in container["env"]}
    assert env["POD_IP"]["valueFrom"]["fieldRef"]["fieldPath"] == "status.podIP"
    # The preset's layers below survive: non-root, the step defaults' security context.
    assert container["securityContext"]["runAsNonRoot"] is True


def test_spark_conf_points_at_the_manifests() -> None:
    conf = k8s_spark_conf(executors=10, executor_cores=4)
    assert conf["spark.master"].startswith("k8s://")
    assert conf["spark.kubernetes.authenticate.serviceAccountName"] == SERVICE_ACCOUNT
    assert conf["spark.kubernetes.executor.podTemplateFile"] == f"{TEMPLATE_DIR}/{TEMPLATE_FILE}"
    assert conf["spark.driver.host"] == "$POD_IP"
    assert conf["spark.sql.shuffle.partitions"] == "160"


def test_spark_image_adds_java_and_the_spark_extra_and_stays_non_root() -> None:
    lines = (K8S_DIR / "Dockerfile.spark").read_text().splitlines()
    instructions = [line.split(" ", 1) for line in lines if line and line[0] not in "# "]
    users = [arg for op, arg in instructions if op == "USER"]
    assert users[-1].split(":")[0] not in ("0", "root")
    text = "\n".join(lines)
    assert "openjdk-17-jre-headless" in text and "[k8s,spark]" in text
