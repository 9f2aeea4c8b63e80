"""The $match service's Kubernetes manifest: valid (strict, every supported version), its
token from a Secret, the home mounted read-only."""

from __future__ import annotations

import yaml

from synthmass_assets_tests.k8s.rendering import K8S_DIR, validation_errors


def test_match_service_manifest_is_valid_and_locked() -> None:
    documents = list(yaml.safe_load_all((K8S_DIR / "match-service.yaml").read_text()))
    assert [d["kind"] for d in documents] == ["Service", "Deployment"]
    for document in documents:
        assert validation_errors(document) == []
    assert documents[0]["spec"]["type"] == "ClusterIP"
    (container,) = documents[1]["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["synthmass", "serve"]
    (token,) = container["env"]
    assert token["name"] == "SYNTHMASS_MATCH_TOKENS"
    assert token["valueFrom"]["secretKeyRef"]["name"] == "synthmass-match-tokens"
    assert all(m["readOnly"] for m in container["volumeMounts"] if m["name"] == "home")
