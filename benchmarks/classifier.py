"""Pair-classifier benchmark: training on the default training track, held-out F1, and inference
throughput (encoding included) on gray-zone-like pairs, as one JSON line.

The training track is built by our own stages (population, augmentation, Splink candidates,
clinical summaries, pair dataset) with the training track's defaults; only the classifier fit is
timed as ``train_seconds``. ``structured_only_f1`` and ``text_only_f1`` are the ablations'
held-out test F1; ``cross_coding_f1`` is the full model's F1 on the test pairs whose two
facilities use different coding profiles. Inference scores ``--pairs`` record pairs over the
~6,000 records of a separate evaluation-protocol population with the merged model, starting
from an empty encoding cache. Usage: python benchmarks/classifier.py [--patients 10000]
[--pairs 100000] [--split-seed 0] [--train-negatives 1] [--settings '{"seed": 1}']
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl
import torch

from synthmass_assets.augmentation.clinical import unpack_tables, with_lookalikes
from synthmass_assets.augmentation.coding import facility_tables
from synthmass_assets.augmentation.pipeline import Augmentation, augment
from synthmass_assets.augmentation.protocol import (
    FacilityProtocol,
    LookalikeProtocol,
    error_protocol_for,
)
from synthmass_assets.classifier.bi_encoder.training import train_bi_encoder
from synthmass_assets.classifier.dataset.hf_dataset import PairDataset, record_labels
from synthmass_assets.classifier.dataset.pair_dataset import PairSampling, build_pairs
from synthmass_assets.classifier.evaluation import CROSS_CODING, evaluate_variants, test_f1
from synthmass_assets.classifier.serving.artifacts import TrainingReport
from synthmass_assets.classifier.serving.merging import merge_adapter, merged_test_metrics
from synthmass_assets.classifier.serving.scoring import PairScorer
from synthmass_assets.classifier.settings import PairClassifierSettings
from synthmass_assets.classifier.summaries.summaries import clinical_summaries
from synthmass_assets.population.generator import generate_population
from synthmass_assets.population.params import PopulationParams
from synthmass_assets.resolution.linkage import (
    ClosureParams,
    TrainingParams,
    predict_pairs,
    train_model,
)
from synthmass_assets.resolution.normalize import matching_features
from synthmass_assets.tracks import EVALUATION, TRAINING


def _track(patients: int, seed: int, track: str) -> tuple[dict[str, pl.DataFrame], Augmentation]:
    population = generate_population(PopulationParams(population=patients, seed=seed))
    stage = augment(
        population, FacilityProtocol(), error_protocol_for(track), LookalikeProtocol(),
        generate_population,
    )  # fmt: skip
    return population, stage


def _summaries(population: dict[str, pl.DataFrame], stage: Augmentation) -> pl.DataFrame:
    """The track's summaries, each history as its facility codes it."""
    tables = with_lookalikes(population, stage.lookalike_clinical)
    written = facility_tables(tables, stage.encounter_facilities, stage.facilities)
    return clinical_summaries(written, stage.encounter_facilities)


def _candidates(records: pl.DataFrame, workdir: Path) -> pl.DataFrame:
    """Splink blocking candidates with match probabilities (the hard negatives' pool)."""
    features = matching_features(records)
    model = train_model(features, TrainingParams(), workdir)
    return predict_pairs(features, model.settings, workdir, ClosureParams())


def _gray_zone_like(summaries: pl.DataFrame, n: int, seed: int) -> pl.DataFrame:
    """``n`` distinct record pairs drawn at random over the records."""
    ids = summaries.get_column("record_id").to_numpy()
    draw = np.random.default_rng(seed).integers(0, len(ids), size=(int(n * 1.2) + 64, 2))
    pairs = pl.DataFrame({"a": ids[draw[:, 0]], "b": ids[draw[:, 1]]}).filter(
        pl.col("a") != pl.col("b")
    )
    pairs = pairs.select(
        record_id_l=pl.min_horizontal("a", "b"), record_id_r=pl.max_horizontal("a", "b")
    ).unique(maintain_order=True)
    return pairs.head(n)


def test_metrics_of(report: TrainingReport, variant: str) -> float:
    """Held-out test F1 of one variant of a training report."""
    return float(report.metrics[variant]["test"]["f1"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=TRAINING.population)
    parser.add_argument("--eval-patients", type=int, default=2_700)
    parser.add_argument("--pairs", type=int, default=100_000)
    parser.add_argument("--settings", default="{}", help="JSON overrides of the training settings")
    parser.add_argument(
        "--split-seed", type=int, default=0, help="Seed of the patient split and pair samples"
    )
    parser.add_argument(
        "--train-negatives",
        type=float,
        default=PairSampling.train_negatives_per_positive,
        help="Negatives per positive in the train split (validation and test stay balanced)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    settings = PairClassifierSettings(**json.loads(args.settings))
    steps: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as work:
        tick = time.perf_counter()
        population, stage = _track(args.patients, TRAINING.seed, "training")
        summaries = _summaries(population, stage)
        candidates = _candidates(stage.facility_records, Path(work))
        people = pl.concat(
            [population["patients"], unpack_tables(stage.lookalike_clinical).tables["patients"]],
            how="vertical_relaxed",
        )
        pairs = build_pairs(
            stage.ground_truth,
            candidates,
            PairSampling(train_negatives_per_positive=args.train_negatives, seed=args.split_seed),
        )
        data = PairDataset.build(pairs, summaries, record_labels(stage.ground_truth, people))
        steps["training_track"] = time.perf_counter() - tick

        tick = time.perf_counter()
        report = train_bi_encoder(data, summaries, settings, Path(work) / "trained")
        train_seconds = time.perf_counter() - tick
        evaluation = evaluate_variants(Path(work) / "trained", data, summaries, stage.facilities)
        merged = Path(work) / "merged"
        merge_adapter(Path(work) / "trained", merged)
        test = pl.from_arrow(data.pairs["test"].data.table)
        assert isinstance(test, pl.DataFrame)
        merged_f1 = merged_test_metrics(merged, test, summaries)["f1"]

        population, stage = _track(args.eval_patients, EVALUATION.seed, "evaluation")
        eval_summaries = _summaries(population, stage)
        scored_pairs = _gray_zone_like(eval_summaries, args.pairs, seed=1)
        scorer = PairScorer(merged)
        tick = time.perf_counter()
        scored = scorer.score(scored_pairs, eval_summaries)
        inference_seconds = time.perf_counter() - tick

    test_metrics = report.metrics["full"]["test"]
    result = {
        "train_seconds": round(train_seconds, 1),
        "test_f1": round(test_metrics["f1"], 4),
        "merged_test_f1": round(merged_f1, 4),
        "test_roc_auc": round(test_metrics["roc_auc"], 4),
        "structured_only_f1": round(test_metrics_of(report, "structured_only"), 4),
        "text_only_f1": round(test_metrics_of(report, "text_only"), 4),
        "cross_coding_f1": round(test_f1(evaluation, split=CROSS_CODING), 4),
        "cross_coding_pairs": int(
            evaluation.filter(pl.col("split") == CROSS_CODING).get_column("n").max() or 0
        ),
        "cross_coding_ablation_f1": {
            v: round(test_f1(evaluation, v, CROSS_CODING), 4) for v in report.metrics
        },
        "ablation_test_f1": {v: round(m["test"]["f1"], 4) for v, m in report.metrics.items()},
        "pairs": scored.height,
        "records": eval_summaries.height,
        "inference_seconds": round(inference_seconds, 1),
        "pairs_per_s": round(scored.height / inference_seconds, 1),
        "threads": torch.get_num_threads(),
        "batch_size": settings.encode_batch_size,
        "train_batch_size": settings.batch_size,
        "max_length": settings.max_length,
        "split_seed": args.split_seed,
        "train_negatives_per_positive": args.train_negatives,
        "seed": settings.seed,
        "training_pairs": {s: len(data.pairs[s]) for s in data.pairs},
        "records_encoded_in_training": report.records_encoded,
        "train_steps_seconds": {k: round(v, 1) for k, v in report.seconds.items()},
        "setup_seconds": {k: round(v, 1) for k, v in steps.items()},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
