"""The Helm values, image and Postgres manifest name our image and code location and hold no
secret: credentials are referenced by Secret or environment variable name only."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from synthmass_assets_tests.k8s.rendering import (
    K8S_DIR,
    load_yaml,
    user_deployment,
    validation_errors,
)

PYPROJECT = tomllib.loads((K8S_DIR.parent / "pyproject.toml").read_text())
SECRETS = {"synthmass-postgresql", "synthmass-object-store", "synthmass-huggingface"}
# Keys whose value may be a non-empty string because it is the *name* of a Secret.
SECRET_NAME_KEYS = {"postgresqlSecretName", "postgres_password_secret"}
SECRET_WORDS = re.compile(r"password|passwd|token|secret|credential|access_?key", re.IGNORECASE)
CREDENTIAL_PATTERNS = re.compile(r"AKIA[0-9A-Z]{16}|hf_[A-Za-z0-9]{30,}|-----BEGIN [A-Z ]*KEY")
# Keys the chart's values.schema.json allows under runLauncher.config.k8sRunLauncher
# (additionalProperties: false there, so anything else fails `helm install`).
CHART_RUN_LAUNCHER_KEYS = {
    "envConfigMaps", "envSecrets", "envVars", "failPodOnRunFailure", "image", "imagePullPolicy",
    "jobNamespace", "kubeconfigFile", "labels", "loadInclusterConfig", "resources",
    "runK8sConfig", "schedulerName", "securityContext", "volumeMounts", "volumes",
}  # fmt: skip


def scalars(node: Any, path: str = "") -> Iterator[tuple[str, str, Any]]:
    """(path, key, value) of every scalar in a YAML document."""
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        here = f"{path}.{key}"
        if isinstance(value, dict | list):
            yield from scalars(value, here)
        else:
            yield here, str(key), value


def literal_secrets(document: Any) -> list[str]:
    """Non-empty strings under secret-sounding keys that are not Secret names."""
    return [
        f"{path}={value!r}"
        for path, key, value in scalars(document)
        if SECRET_WORDS.search(key) and isinstance(value, str) and value
        if key not in SECRET_NAME_KEYS
    ]


def dependency_pin(name: str) -> str:
    (pin,) = [dep for dep in PYPROJECT["project"]["dependencies"] if dep.startswith(f"{name}==")]
    return pin


@pytest.mark.parametrize("name", ["values.yaml", "dagster.yaml", "postgres.yaml"])
def test_no_literal_secret_values(name: str) -> None:
    text = (K8S_DIR / name).read_text()
    assert not CREDENTIAL_PATTERNS.search(text)
    assert [secret for doc in yaml.safe_load_all(text) for secret in literal_secrets(doc)] == []


@pytest.mark.parametrize(
    "document",
    [
        {"postgresql": {"postgresqlPassword": "hunter2"}},
        {"deployments": [{"env": {"HF_TOKEN": "abc"}}]},
        {"env": [{"name": "X", "AWS_SECRET_ACCESS_KEY": "abc"}]},
    ],
)
def test_literal_secrets_are_detected(document: dict[str, Any]) -> None:
    assert len(literal_secrets(document)) == 1


def test_values_reference_secrets_by_name_only() -> None:
    values = load_yaml("values.yaml")
    assert values["generatePostgresqlPasswordSecret"] is False
    assert values["global"]["postgresqlSecretName"] in SECRETS
    deployment = user_deployment(values)
    assert all(set(ref) == {"name"} for ref in deployment["envSecrets"])
    assert {ref["name"] for ref in deployment["envSecrets"]} | {
        values["global"]["postgresqlSecretName"]
    } == SECRETS
    assert not any(SECRET_WORDS.search(name) for name in deployment["env"])


def test_values_serve_our_image_and_code_location() -> None:
    values = load_yaml("values.yaml")
    deployment = user_deployment(values)
    assert deployment["image"]["repository"].rsplit("/", 1)[-1] == "synthmass"
    assert str(deployment["image"]["tag"]) == PYPROJECT["project"]["version"]
    assert deployment["name"] == PYPROJECT["tool"]["dagster"]["code_location_name"]
    args = deployment["dagsterApiGrpcArgs"]
    module = args[args.index("--module-name") + 1]
    assert module == PYPROJECT["tool"]["dagster"]["module_name"] == "synthmass_assets.definitions"
    assert deployment["includeConfigInLaunchedRuns"]["enabled"] is True  # steps get the env
    assert deployment["env"]["SYNTHMASS_DEPLOYMENT"] == "k8s"
    assert deployment["env"]["SYNTHMASS_OBJECT_STORE_URL"].startswith("s3://")
    assert deployment["podSecurityContext"]["runAsNonRoot"] is True


def test_values_use_postgres_and_the_k8s_run_launcher() -> None:
    values = load_yaml("values.yaml")
    assert values["postgresql"]["postgresqlPassword"] == ""
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    assert set(values["runLauncher"]["config"]["k8sRunLauncher"]) <= CHART_RUN_LAUNCHER_KEYS


def test_postgres_manifest_is_valid_and_reads_its_password_from_the_secret() -> None:
    documents = list(yaml.safe_load_all((K8S_DIR / "postgres.yaml").read_text()))
    assert [doc["kind"] for doc in documents] == ["Service", "StatefulSet"]
    for document in documents:
        assert validation_errors(document) == []
    (container,) = documents[1]["spec"]["template"]["spec"]["containers"]
    env = {var["name"]: var for var in container["env"]}
    reference = env["POSTGRES_PASSWORD"]["valueFrom"]["secretKeyRef"]
    assert reference == {"name": "synthmass-postgresql", "key": "postgresql-password"}
    assert (
        documents[0]["metadata"]["name"] == load_yaml("values.yaml")["postgresql"]["postgresqlHost"]
    )


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (K8S_DIR / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(maxsplit=1)[0].upper(), line.split(maxsplit=1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def test_image_runs_as_non_root_with_pinned_dependencies() -> None:
    instructions = dockerfile_instructions()
    users = [arg for op, arg in instructions if op == "USER"]
    assert users and users[-1].split(":")[0] not in ("0", "root")
    runs = " ".join(arg for op, arg in instructions if op == "RUN")
    assert f'"{dependency_pin("torch")}"' in runs
    assert 'pip install ".[k8s]"' in runs
    k8s_version = dependency_pin("dagster-k8s").split("==")[1]
    k8s_extra = PYPROJECT["project"]["optional-dependencies"]["k8s"]
    assert f"dagster-postgres=={k8s_version}" in k8s_extra


def test_image_selects_cpu_or_cuda_torch_by_build_argument() -> None:
    args = dict(arg.split("=", 1) for op, arg in dockerfile_instructions() if op == "ARG")
    assert args["TORCH_VARIANT"] == "cpu"
    assert "${TORCH_VARIANT}" in args["TORCH_INDEX_URL"]


def test_image_bakes_in_no_secret() -> None:
    text = (K8S_DIR / "Dockerfile").read_text()
    assert not CREDENTIAL_PATTERNS.search(text)
    env_names = [
        word.split("=")[0] for op, arg in dockerfile_instructions() if op in ("ENV", "ARG")
        for word in arg.split()
    ]  # fmt: skip
    assert not [name for name in env_names if SECRET_WORDS.search(name)]
    ignore = (K8S_DIR / "Dockerfile.dockerignore").read_text().splitlines()
    rules = [line for line in ignore if line and not line.startswith("#")]
    assert rules[0] == "*"  # nothing from the working tree (.env files, .venv) is sent
    assert {rule for rule in rules if rule.startswith("!")} == {
        "!pyproject.toml",
        "!README.md",
        "!synthmass_assets/",
    }
