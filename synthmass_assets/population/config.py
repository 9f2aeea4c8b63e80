"""Run configuration of the population stage, shown in the Launchpad with per-track defaults."""

from __future__ import annotations

import datetime as dt

import dagster as dg
from pydantic import Field, create_model

from synthmass_assets.population.params import PopulationParams
from synthmass_assets.tracks import TrackSpec


class PopulationConfig(dg.Config):
    """Generate a synthetic population, or ingest a real Synthea CSV output folder."""

    population: int = Field(default=2_500, gt=0, description="Number of patients to generate.")
    seed: int = Field(default=0, description="Seed of every random draw (same seed, same tables).")
    reference_date: str = Field(
        default="2025-01-01",
        description="The simulation's fixed 'today' (ISO date); histories end here.",
    )
    history_years: int = Field(
        default=10, ge=1, le=100, description="Clinical history window in years (Synthea: 10)."
    )
    state: str = Field(
        default="Massachusetts",
        description="US state whose real cities, ZIP codes and counties addresses come from.",
    )
    synthea_csv_dir: str | None = Field(
        default=None,
        description=(
            "Folder of Java Synthea CSV output (patients.csv, encounters.csv, ...). When set, "
            "these files are ingested instead of generating; the other fields are ignored."
        ),
    )

    def to_params(self) -> PopulationParams:
        try:
            reference = dt.date.fromisoformat(self.reference_date)
        except ValueError as error:
            raise ValueError(
                f"reference_date {self.reference_date!r} is not an ISO date such as 2025-01-01"
            ) from error
        return PopulationParams(
            population=self.population,
            seed=self.seed,
            reference_date=reference,
            history_years=self.history_years,
            state=self.state,
        )


def population_config_for(track: TrackSpec) -> type[PopulationConfig]:
    """A config class whose Launchpad defaults are the track's population size and seed."""
    return create_model(
        f"{track.name.title()}PopulationConfig",
        __base__=PopulationConfig,
        population=(int, Field(default=track.population, gt=0, description="Number of patients.")),
        seed=(int, Field(default=track.seed, description="Seed of every random draw.")),
    )
