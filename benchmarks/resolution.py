"""Resolution benchmark: Splink training and scoring of N facility records, as one JSON line.

Records come from our own population and augmentation stages at the training protocol's error
rates (3–5 errors per record). Usage: python benchmarks/resolution.py --records 1000000
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from synthmass_assets.augmentation.pipeline import augment
from synthmass_assets.augmentation.protocol import (
    FacilityProtocol,
    LookalikeProtocol,
    error_protocol_for,
)
from synthmass_assets.population.generator import generate_population
from synthmass_assets.population.params import PopulationParams
from synthmass_assets.resolution.baselines import blocking_recall
from synthmass_assets.resolution.linkage import (
    ClosureParams,
    TrainingParams,
    predict_pairs,
    train_model,
)
from synthmass_assets.resolution.normalize import matching_features
from synthmass_assets.resolution.prior import recalibrated
from synthmass_assets.resolution.tiers import assign_tiers, tier_counts

RECORDS_PER_PATIENT = 2.17  # measured: facility records per patient at the default protocol


def _make_records(records: int, track: str, seed: int, folder: str) -> None:
    """Generate records and truth with our own stages, in a child process (its memory is not
    the resolution's), and leave them as Parquet in ``folder``."""
    patients = int(np.ceil(records / RECORDS_PER_PATIENT))
    population = generate_population(PopulationParams(population=patients, seed=seed))
    stage = augment(
        population, FacilityProtocol(), error_protocol_for(track), LookalikeProtocol(),
        generate_population,
    )  # fmt: skip
    stage.facility_records.write_parquet(Path(folder) / "records.parquet")
    stage.ground_truth.write_parquet(Path(folder) / "truth.parquet")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--track", default="training", choices=["training", "evaluation"])
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        child = multiprocessing.get_context("spawn").Process(
            target=_make_records, args=(args.records, args.track, args.seed, data)
        )
        child.start()
        child.join()
        if child.exitcode != 0:
            raise SystemExit(f"generating {args.records} records failed (exit {child.exitcode})")
        records = pl.read_parquet(Path(data) / "records.parquet")
        truth = pl.read_parquet(Path(data) / "truth.parquet")
    steps: dict[str, float] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as workdir:
        tick = time.perf_counter()
        features = matching_features(records)
        steps["register"] = time.perf_counter() - tick
        tick = time.perf_counter()
        model = train_model(features, TrainingParams(), Path(workdir))
        steps["training"] = time.perf_counter() - tick
        tick = time.perf_counter()
        pairs = predict_pairs(features, model.settings, Path(workdir), ClosureParams())
        steps["predict"] = time.perf_counter() - tick
    tick = time.perf_counter()
    n = records.height
    prior = model.settings["probability_two_random_records_match"]
    pairs = assign_tiers(recalibrated(pairs, prior, n)[0], 0.99, 0.01)
    steps["tiers"] = time.perf_counter() - tick
    recall, found, true_pairs = blocking_recall(pairs, truth)
    result = {
        "records": n,
        "comparisons": pairs.height,
        "comparisons_per_record": round(pairs.height / n, 2),
        "seconds_total": round(time.perf_counter() - started, 1),
        "steps": {k: round(v, 1) for k, v in steps.items()},
        # This process only: generation ran in a child process.
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "blocking_recall": round(recall, 5),
        "true_pairs": true_pairs,
        "tiers": tier_counts(pairs),
        "em_converged": model.converged,
        "blocking_rules": len(model.blocking),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
