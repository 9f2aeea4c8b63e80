"""A tiny training track (population, augmentation, summaries, candidates) shared by the tests."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
import pytest

from synthmass_assets.augmentation.clinical import unpack_tables, with_lookalikes
from synthmass_assets.augmentation.coding import facility_tables
from synthmass_assets.augmentation.pipeline import augment
from synthmass_assets.augmentation.protocol import (
    FacilityProtocol,
    LookalikeProtocol,
    error_protocol_for,
)
from synthmass_assets.classifier.dataset.hf_dataset import PairDataset, record_labels
from synthmass_assets.classifier.dataset.pair_dataset import PairSampling, build_pairs
from synthmass_assets.classifier.settings import PairClassifierSettings
from synthmass_assets.classifier.summaries.summaries import clinical_summaries
from synthmass_assets.population.generator import generate_population
from synthmass_assets.population.params import PopulationParams

# Small enough for seconds on two cores; every tiny model below trains in well under a minute.
TINY_SETTINGS = {
    "max_steps": 3, "max_length": 32, "batch_size": 4, "epochs": 2, "profile_epochs": 2,
    "encode_batch_size": 32, "seed": 7, "trees": 20,
}  # fmt: skip


@dataclass(frozen=True)
class TinyTrack:
    tables: dict[str, pl.DataFrame]
    encounter_facilities: pl.DataFrame
    ground_truth: pl.DataFrame
    facility_records: pl.DataFrame
    people: pl.DataFrame
    summaries: pl.DataFrame
    candidates: pl.DataFrame


def blocking_candidates(records: pl.DataFrame) -> pl.DataFrame:
    """A stand-in for Splink's blocking: record pairs sharing a birthdate or a surname."""
    keyed = records.select("record_id", "birthdate", "last_name")
    pairs = pl.concat(
        [
            keyed.join(keyed, on=key, suffix="_r").select("record_id", "record_id_r")
            for key in ("birthdate", "last_name")
        ]
    ).filter(pl.col("record_id") < pl.col("record_id_r"))
    return pairs.unique().select(
        record_id_l="record_id", record_id_r="record_id_r", match_probability=pl.lit(0.5)
    )


@pytest.fixture(scope="session")
def tiny_track() -> TinyTrack:
    population = generate_population(PopulationParams(population=160, seed=11))
    protocols = (FacilityProtocol(), error_protocol_for("training"), LookalikeProtocol(share=0.1))
    stage = augment(population, *protocols, generate_population)
    everyone = with_lookalikes(population, stage.lookalike_clinical)
    tables = facility_tables(everyone, stage.encounter_facilities, stage.facilities)
    people = pl.concat(
        [population["patients"], unpack_tables(stage.lookalike_clinical).tables["patients"]],
        how="vertical_relaxed",
    )
    return TinyTrack(
        tables=tables,
        encounter_facilities=stage.encounter_facilities,
        ground_truth=stage.ground_truth,
        facility_records=stage.facility_records,
        people=people,
        summaries=clinical_summaries(tables, stage.encounter_facilities),
        candidates=blocking_candidates(stage.facility_records),
    )


@pytest.fixture(scope="session")
def tiny_dataset(tiny_track: TinyTrack) -> PairDataset:
    pairs = build_pairs(tiny_track.ground_truth, tiny_track.candidates, PairSampling(seed=3))
    labels = record_labels(tiny_track.ground_truth, tiny_track.people)
    return PairDataset.build(pairs, tiny_track.summaries, labels)


@pytest.fixture
def tiny_settings() -> PairClassifierSettings:
    return PairClassifierSettings(**TINY_SETTINGS)
