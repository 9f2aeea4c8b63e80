"""Benchmark of the augmentation stage: records per second and peak memory.

Generates a population (not timed), then runs the whole augmentation stage on it (facilities,
look-alikes with their own generated charts, assignment, identities, errors, ground truth) and
prints one JSON object as the last stdout line.

Usage: python benchmarks/augmentation.py --patients 100000 [--track evaluation|training]
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import sys
import time

import polars as pl

from synthmass_assets.augmentation.config import (
    ASSIGNMENT_SEED_OFFSET,
    CODING_SEED_OFFSET,
    LOOKALIKE_SEED_OFFSET,
)
from synthmass_assets.augmentation.pipeline import Augmentation, augment
from synthmass_assets.augmentation.protocol import (
    CODING_PROFILE,
    CodingProtocol,
    FacilityProtocol,
    LookalikeProtocol,
    error_protocol_for,
)
from synthmass_assets.augmentation.reporting import error_type_table, primary_share
from synthmass_assets.population.generator import generate_population
from synthmass_assets.population.params import PopulationParams
from synthmass_assets.tracks import EVALUATION, TRAINING, TrackSpec


def augment_track(population: dict[str, pl.DataFrame], track: TrackSpec) -> Augmentation:
    """The whole augmentation stage on ``population`` with the track's protocols and seeds."""
    return augment(
        population,
        FacilityProtocol(
            seed=track.seed + ASSIGNMENT_SEED_OFFSET,
            coding=CodingProtocol(seed=track.seed + CODING_SEED_OFFSET),
        ),
        error_protocol_for(track.name, seed=track.seed + 1, identity_seed=track.seed + 2),
        LookalikeProtocol(seed=track.seed + LOOKALIKE_SEED_OFFSET),
        generate_population,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--track", choices=["evaluation", "training"], default="evaluation")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    track = EVALUATION if args.track == "evaluation" else TRAINING

    started = time.perf_counter()
    population = generate_population(PopulationParams(population=args.patients, seed=track.seed))
    population_seconds = time.perf_counter() - started

    started = time.perf_counter()
    result = augment_track(population, track)
    seconds = time.perf_counter() - started

    records = result.facility_records.height
    shares = error_type_table(result.error_log)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "patients": args.patients,
                "track": track.name,
                "lookalikes": result.ground_truth.filter("is_lookalike")
                .get_column("patient_id")
                .n_unique(),
                "records": records,
                "errors": result.error_log.filter(pl.col("error_type") != CODING_PROFILE).height,
                "seconds": round(seconds, 3),
                "records_per_s": round(records / seconds, 1),
                "peak_rss_mb": round(peak_mb, 1),
                "population_seconds": round(population_seconds, 3),
                "primary_share": round(primary_share(result.ground_truth), 4),
                "error_type_shares": dict(shares.select("error_type", "share").iter_rows()),
            }
        )
    )


if __name__ == "__main__":
    main()
