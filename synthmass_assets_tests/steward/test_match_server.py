"""FHIR Patient/$match over real HTTP on loopback: uvicorn in a thread, httpx as the client,
a tiny index of our own records and a Splink model trained on them."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import httpx
import polars as pl
import pytest
import uvicorn
from fhir.resources.R4B.bundle import Bundle

from synthmass_assets.mpi.fhir import MPI_SYSTEM, patients
from synthmass_assets.steward.fhir_match import MATCH_GRADE
from synthmass_assets.steward.match_server import authorized, create_app
from synthmass_assets.steward.match_service import MatchService, load_service
from synthmass_assets_tests.steward.tiny_index import TinyIndex

TOKEN = "test-token-7f3a"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def source_patient(record: pl.DataFrame) -> dict[str, Any]:
    """A facility record as the FHIR Patient a registration desk would send."""
    no_golden = pl.DataFrame(schema={"golden_id": pl.String, "record_ids": pl.List(pl.String)})
    links = record.select("record_id", golden_id=pl.lit("unknown"))
    return next(iter(patients(no_golden, record.drop("golden_id", strict=False), links)))


def parameters(patient: dict[str, Any], **options: Any) -> dict[str, Any]:
    extra = []
    if "only_certain" in options:
        extra.append({"name": "onlyCertainMatches", "valueBoolean": options["only_certain"]})
    if "count" in options:
        extra.append({"name": "count", "valueInteger": options["count"]})
    return {
        "resourceType": "Parameters",
        "parameter": [{"name": "resource", "resource": patient}, *extra],
    }


def golden_id_of(entry: dict[str, Any]) -> str:
    identifiers = entry["resource"]["identifier"]
    return next(i["value"] for i in identifiers if i.get("system") == MPI_SYSTEM)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def service(tiny: TinyIndex) -> MatchService:
    return MatchService(tiny.records, tiny.links, tiny.settings)


@pytest.fixture(scope="module")
def base_url(service: MatchService) -> Iterator[str]:
    port = free_port()
    config = uvicorn.Config(
        create_app(service, [TOKEN]), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_match_finds_the_golden_record_of_held_out_registrations(
    base_url: str, tiny: TinyIndex
) -> None:
    held_out = tiny.held_out.head(40)
    top = []
    with httpx.Client(base_url=base_url, headers=AUTH) as client:
        for row in held_out.iter_rows(named=True):
            record = held_out.filter(pl.col("record_id") == row["record_id"])
            response = client.post("/Patient/$match", json=parameters(source_patient(record)))
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("application/fhir+json")
            bundle = response.json()
            Bundle.model_validate(bundle)
            assert bundle["type"] == "searchset"
            entry = bundle["entry"][0]
            grade = entry["search"]["extension"][0]
            assert grade["url"] == MATCH_GRADE
            assert grade["valueCode"] in {"certain", "probable", "possible"}
            assert 0 <= entry["search"]["score"] <= 1
            scores = [e["search"]["score"] for e in bundle["entry"]]
            assert scores == sorted(scores, reverse=True)
            top.append(golden_id_of(entry) == row["golden_id"])
    assert sum(top) / len(top) >= 0.95


def test_match_only_certain_and_count(base_url: str, tiny: TinyIndex) -> None:
    record = tiny.held_out.head(1)
    body = parameters(source_patient(record), only_certain=True, count=1)
    bundle = httpx.post(f"{base_url}/Patient/$match", json=body, headers=AUTH).json()
    assert bundle["total"] <= 1
    assert all(e["search"]["extension"][0]["valueCode"] == "certain" for e in bundle["entry"])


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), ({"Authorization": "Bearer wrong"}, 401), ({"Authorization": TOKEN}, 401)],
)
def test_match_refuses_unauthenticated_requests(
    base_url: str, tiny: TinyIndex, headers: dict[str, str], status: int
) -> None:
    body = parameters(source_patient(tiny.held_out.head(1)))
    response = httpx.post(f"{base_url}/Patient/$match", json=body, headers=headers)
    assert response.status_code == status
    assert response.json()["resourceType"] == "OperationOutcome"
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("content", "status"),
    [
        (b"{not json", 400),
        (json.dumps({"resourceType": "Patient"}).encode(), 400),
        (json.dumps({"resourceType": "Parameters", "parameter": []}).encode(), 400),
        (json.dumps(parameters({"resourceType": "Patient", "birthDate": "soon"})).encode(), 422),
        (json.dumps(parameters({"resourceType": "Patient"}, count=0)).encode(), 400),
    ],
)
def test_match_answers_malformed_requests_with_an_operation_outcome(
    base_url: str, content: bytes, status: int
) -> None:
    response = httpx.post(f"{base_url}/Patient/$match", content=content, headers=AUTH)
    assert response.status_code == status
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["severity"] == "error"


def test_match_service_documents_itself(base_url: str) -> None:
    spec = httpx.get(f"{base_url}/openapi.json").json()
    assert "/Patient/$match" in spec["paths"]


def test_match_tokens_compared_whole() -> None:
    assert authorized("Bearer abc", ["abc"])
    assert authorized("bearer abc", ["x", "abc"])
    assert not authorized("Bearer ab", ["abc"])
    assert not authorized("Basic abc", ["abc"])
    assert not authorized(None, ["abc"])


def test_match_service_loads_a_resolved_home(tmp_path: Path, tiny: TinyIndex) -> None:
    model = tmp_path / "models" / "evaluation_splink_model"
    model.mkdir(parents=True)
    (model / "splink_model.json").write_text(json.dumps(tiny.settings))
    golden = tiny.links.group_by("golden_id").agg(record_ids="record_id")
    frames = {
        "facility_records": tiny.records,
        "record_links": tiny.links,
        "golden_records": golden,
    }
    with duckdb.connect(str(tmp_path / "synthmass.duckdb")) as connection:
        connection.execute("CREATE SCHEMA evaluation")
        for name, frame in frames.items():
            connection.register("frame", frame.to_arrow())
            connection.execute(f"CREATE TABLE evaluation.{name} AS SELECT * FROM frame")
    service = load_service(tmp_path, "evaluation")
    assert service.size == tiny.records.height
