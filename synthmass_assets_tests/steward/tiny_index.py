"""A tiny resolved index made by our own stages: a population, its facility records and a
Splink model trained on them (real Splink, no stand-ins)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from synthmass_assets.augmentation.pipeline import augment
from synthmass_assets.augmentation.protocol import (
    FacilityProtocol,
    LookalikeProtocol,
    error_protocol_for,
)
from synthmass_assets.population.generator import generate_population
from synthmass_assets.population.params import PopulationParams
from synthmass_assets.resolution.linkage import TrainingParams, train_model
from synthmass_assets.resolution.normalize import matching_features


@dataclass
class TinyIndex:
    """Indexed records and their golden ids (the true patients), held-out registrations of
    indexed patients, and the model."""

    records: pl.DataFrame
    links: pl.DataFrame
    held_out: pl.DataFrame
    settings: dict[str, Any]


def tiny_index(patients: int = 400, seed: int = 11) -> TinyIndex:
    population = generate_population(PopulationParams(population=patients, seed=seed))
    stage = augment(
        population, FacilityProtocol(), error_protocol_for("training"), LookalikeProtocol(),
        generate_population,
    )  # fmt: skip
    truth = stage.ground_truth.select("record_id", golden_id="patient_id")
    records = stage.facility_records.join(truth, on="record_id")
    multi = records.filter(pl.len().over("golden_id") >= 2)
    held_out = multi.group_by("golden_id", maintain_order=True).first()
    indexed = records.join(held_out.select("record_id"), on="record_id", how="anti")
    with tempfile.TemporaryDirectory() as workdir:
        model = train_model(
            matching_features(indexed.drop("golden_id")),
            TrainingParams(min_records_for_em=0, u_max_pairs=2e5),
            Path(workdir),
        )
    return TinyIndex(
        indexed.drop("golden_id"),
        indexed.select("record_id", "golden_id"),
        held_out,
        model.settings,
    )
