"""FHIR $match benchmark: held-out registrations of indexed patients sent to `synthmass serve`
over loopback HTTP, against a 100,000-record index; one JSON line.

Records come from our own population and augmentation stages (by default at the evaluation
protocol's error rates, 8–12 errors per record; ``--protocol training``: 3–5) in a child
process. One record of each of ``--queries`` patients with
several records is held out; the rest is the index, its golden records the true patients.
A Splink model is trained without labels on a sample of the index (as ``splink_model`` would
be), the index is written as a SynthMass home and served by ``python -m
synthmass_assets.steward.match_server`` in its own process; each held-out record is sent as a
FHIR Patient, one request at a time.

``top1_share``: the true golden record is the first entry, graded certain or probable.
Usage: python benchmarks/match_service.py --records 100000 --queries 200
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import httpx
import numpy as np
import polars as pl

from synthmass_assets.mpi.fhir import MPI_SYSTEM, patients
from synthmass_assets.resolution.linkage import TrainingParams, train_model
from synthmass_assets.resolution.normalize import matching_features
from synthmass_assets.steward.match_service import golden_from_records

RECORDS_PER_PATIENT = 2.17  # measured: facility records per patient at the default protocol
TOKEN = "benchmark-token"
WARM_UP = 5


def _make_records(records: int, protocol: str, seed: int, folder: str) -> None:
    """Records and truth from our own stages, in a child process (its memory is not the
    service's), left as Parquet in ``folder``."""
    from synthmass_assets.augmentation.pipeline import augment
    from synthmass_assets.augmentation.protocol import (
        FacilityProtocol,
        LookalikeProtocol,
        error_protocol_for,
    )
    from synthmass_assets.population.generator import generate_population
    from synthmass_assets.population.params import PopulationParams

    people = int(np.ceil(records / RECORDS_PER_PATIENT))
    population = generate_population(PopulationParams(population=people, seed=seed))
    stage = augment(
        population, FacilityProtocol(), error_protocol_for(protocol), LookalikeProtocol(),
        generate_population,
    )  # fmt: skip
    stage.facility_records.write_parquet(Path(folder) / "records.parquet")
    stage.ground_truth.write_parquet(Path(folder) / "truth.parquet")


def split(records: pl.DataFrame, truth: pl.DataFrame, queries: int, seed: int) -> tuple:
    """(index records, their links to true patients, held-out records with golden_id)."""
    linked = records.join(truth.select("record_id", golden_id="patient_id"), on="record_id")
    several = linked.filter(pl.len().over("golden_id") >= 2)
    chosen = several.select("golden_id").unique(maintain_order=True).sample(queries, seed=seed)
    held_out = (
        several.join(chosen, on="golden_id")
        .sample(fraction=1.0, shuffle=True, seed=seed)
        .group_by("golden_id", maintain_order=True)
        .first()
    )
    index = linked.join(held_out.select("record_id"), on="record_id", how="anti")
    return index.drop("golden_id"), index.select("record_id", "golden_id"), held_out


def write_home(home: Path, records: pl.DataFrame, links: pl.DataFrame, settings: dict) -> None:
    """The index as a resolved evaluation track of a SynthMass home."""
    model = home / "models" / "evaluation_splink_model"
    model.mkdir(parents=True)
    (model / "splink_model.json").write_text(json.dumps(settings))
    tables = {
        "facility_records": records,
        "record_links": links,
        "golden_records": golden_from_records(records, links),
    }
    with duckdb.connect(str(home / "synthmass.duckdb")) as connection:
        connection.execute("CREATE SCHEMA evaluation")
        for name, frame in tables.items():
            connection.register("frame", frame.to_arrow())
            connection.execute(f"CREATE TABLE evaluation.{name} AS SELECT * FROM frame")
            connection.unregister("frame")


def request_body(record: pl.DataFrame) -> dict[str, Any]:
    no_golden = pl.DataFrame(schema={"golden_id": pl.String, "record_ids": pl.List(pl.String)})
    links = record.select("record_id", golden_id=pl.lit("unknown"))
    patient = next(iter(patients(no_golden, record.drop("golden_id"), links)))
    return {"resourceType": "Parameters", "parameter": [{"name": "resource", "resource": patient}]}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(home: Path, port: int, log: Path) -> tuple[subprocess.Popen, float]:
    """``synthmass serve`` in its own process; returns it once /healthz answers."""
    command = [sys.executable, "-m", "synthmass_assets.steward.match_server", "--home", str(home)]
    command += ["--track", "evaluation", "--port", str(port)]
    env = {**os.environ, "SYNTHMASS_MATCH_TOKENS": TOKEN}
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    while time.perf_counter() - started < 900:
        if process.poll() is not None:
            raise SystemExit(f"the service exited ({process.returncode}): see {log}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return process, time.perf_counter() - started
        except httpx.TransportError:
            time.sleep(0.5)
    process.kill()
    raise SystemExit("the service did not start within 15 minutes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000, help="index size")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--training-sample", type=int, default=20_000)
    parser.add_argument(
        "--protocol",
        default="evaluation",
        choices=["evaluation", "training"],
        help="error rates of the records: evaluation 8–12 errors per record, training 3–5",
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="match_service_") as folder:
        work = Path(folder)
        wanted = args.records + args.queries
        child = multiprocessing.get_context("spawn").Process(
            target=_make_records, args=(wanted, args.protocol, args.seed, folder)
        )
        child.start()
        child.join()
        if child.exitcode != 0:
            raise SystemExit(f"generating {wanted} records failed (exit {child.exitcode})")
        records, truth = (pl.read_parquet(work / f) for f in ("records.parquet", "truth.parquet"))
        index, links, held_out = split(records, truth, args.queries, args.seed)
        sample = index.sample(min(args.training_sample, index.height), seed=args.seed)
        tick = time.perf_counter()
        model = train_model(matching_features(sample), TrainingParams(), work / "training")
        training_s = time.perf_counter() - tick
        home = work / "home"
        write_home(home, index, links, model.settings)
        port = free_port()
        process, startup_s = serve(home, port, work / "service.log")
        latencies, top, any_grade = [], [], []
        try:
            headers = {"Authorization": f"Bearer {TOKEN}"}
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers) as client:
                bodies = [request_body(held_out.slice(i, 1)) for i in range(held_out.height)]
                for body in bodies[:WARM_UP]:
                    client.post("/Patient/$match", json=body)
                for body, expected in zip(bodies, held_out["golden_id"], strict=True):
                    tick = time.perf_counter()
                    response = client.post("/Patient/$match", json=body)
                    latencies.append((time.perf_counter() - tick) * 1000)
                    response.raise_for_status()
                    entries = response.json()["entry"]
                    first = entries[0] if entries else None
                    found = first is not None and expected in {
                        i["value"] for i in first["resource"]["identifier"]
                        if i.get("system") == MPI_SYSTEM
                    }  # fmt: skip
                    grade = first["search"]["extension"][0]["valueCode"] if first else None
                    any_grade.append(found)
                    top.append(found and grade in ("certain", "probable"))
        finally:
            process.terminate()
            process.wait(timeout=30)
    result = {
        "index_records": index.height,
        "protocol": args.protocol,
        "queries": len(latencies),
        "top1_share": round(float(np.mean(top)), 4),
        "top1_any_grade_share": round(float(np.mean(any_grade)), 4),
        "p50_ms": round(float(np.percentile(latencies, 50)), 1),
        "p99_ms": round(float(np.percentile(latencies, 99)), 1),
        "mean_ms": round(float(np.mean(latencies)), 1),
        "service_startup_s": round(startup_s, 1),
        "training_s": round(training_s, 1),
        "training_records": sample.height,
        "cpu_count": os.cpu_count(),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
