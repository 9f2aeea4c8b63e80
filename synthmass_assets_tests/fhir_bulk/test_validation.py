"""Every resource type written validates with fhir.resources (R4B models), on samples."""

from __future__ import annotations

import importlib
import itertools
import json

import pytest
from fhir.resources.R4B.resource import Resource

from synthmass_assets.fhir_bulk import ExportSummary
from synthmass_assets.fhir_bulk.vocabulary import RESOURCE_OF_TABLE
from synthmass_assets_tests.fhir_bulk.conftest import folders

RESOURCE_TYPES = ("Patient", *RESOURCE_OF_TABLE.values())
SAMPLE = 40  # resources per type and facility


def _model(resource_type: str) -> type[Resource]:
    module = importlib.import_module(f"fhir.resources.R4B.{resource_type.lower()}")
    return getattr(module, resource_type)


@pytest.mark.parametrize("resource_type", RESOURCE_TYPES)
def test_written_resources_validate(
    tiny_exports: ExportSummary, inline_exports: ExportSummary, resource_type: str
) -> None:
    model = _model(resource_type)
    checked = 0
    for folder in folders(tiny_exports) + folders(inline_exports):
        path = folder / f"{resource_type}.ndjson"
        if not path.exists():
            continue
        with path.open() as lines:
            for line in itertools.islice(lines, SAMPLE):
                resource = model.model_validate_json(line)
                assert resource.id == json.loads(line)["id"]
                checked += 1
    assert checked >= 10


def test_manifest_follows_the_bulk_data_spec(tiny_exports: ExportSummary) -> None:
    for facility_id, path in tiny_exports.manifests.items():
        manifest = json.loads(path.read_text())
        assert manifest["requiresAccessToken"] is False
        assert manifest["transactionTime"].endswith("+00:00")
        assert manifest["request"].endswith(f"/Group/{facility_id}/$export")
        assert manifest["error"] == []
        types = [entry["type"] for entry in manifest["output"]]
        assert types[0] == "Patient" and len(types) == len(set(types))
        for entry in manifest["output"]:
            assert entry["url"] == f"{entry['type']}.ndjson"
            lines = (path.parent / entry["url"]).read_text().splitlines()
            assert len(lines) == entry["count"]
            assert {json.loads(line)["resourceType"] for line in lines} == {entry["type"]}
