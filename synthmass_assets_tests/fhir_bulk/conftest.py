"""A tiny generated track (40 patients, 5 facilities) and inline exports, written once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

from synthmass_assets.augmentation.clinical import with_lookalikes
from synthmass_assets.augmentation.coding import facility_tables
from synthmass_assets.augmentation.pipeline import augment
from synthmass_assets.augmentation.protocol import (
    FacilityProtocol,
    LookalikeProtocol,
    error_protocol_for,
)
from synthmass_assets.fhir_bulk import ExportSummary, write_bulk_exports
from synthmass_assets.population.generator import generate_population
from synthmass_assets.population.params import PopulationParams
from synthmass_assets.population.schema import CLINICAL_TABLES
from synthmass_assets_tests.fhir_bulk.frames import ENCOUNTER_FACILITIES, RECORDS, TABLES


@dataclass(frozen=True)
class Track:
    """A track's tables as the export asset writes them (look-alikes' rows included, each row
    in its facility's coding)."""

    records: pl.DataFrame
    encounter_facilities: pl.DataFrame
    ground_truth: pl.DataFrame
    tables: dict[str, pl.DataFrame]
    lookalike_clinical: pl.DataFrame
    population: dict[str, pl.DataFrame]
    facilities: pl.DataFrame


@pytest.fixture(scope="session")
def tiny_track() -> Track:
    population = generate_population(PopulationParams(population=40, seed=11))
    protocols = (FacilityProtocol(), error_protocol_for("evaluation"), LookalikeProtocol(share=0.1))
    stage = augment(population, *protocols, generate_population)
    everyone = facility_tables(
        with_lookalikes(population, stage.lookalike_clinical),
        stage.encounter_facilities,
        stage.facilities,
    )
    return Track(
        records=stage.facility_records,
        encounter_facilities=stage.encounter_facilities,
        ground_truth=stage.ground_truth,
        tables={name: everyone[name] for name in CLINICAL_TABLES},
        lookalike_clinical=stage.lookalike_clinical,
        population=population,
        facilities=stage.facilities,
    )


@pytest.fixture(scope="session")
def tiny_exports(tiny_track: Track, tmp_path_factory: pytest.TempPathFactory) -> ExportSummary:
    out = tmp_path_factory.mktemp("tiny_exports")
    return write_bulk_exports(
        tiny_track.records, tiny_track.encounter_facilities, tiny_track.tables, out
    )


@pytest.fixture(scope="session")
def inline_exports(tmp_path_factory: pytest.TempPathFactory) -> ExportSummary:
    out = tmp_path_factory.mktemp("inline_exports")
    return write_bulk_exports(RECORDS, ENCOUNTER_FACILITIES, TABLES, out)


def folders(summary: ExportSummary) -> list[Path]:
    """The export folders of a summary, by facility."""
    return [path.parent for _, path in sorted(summary.manifests.items())]
