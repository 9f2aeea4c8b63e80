"""Plain parameters of the population stage (no Dagster), shared by assets and benchmarks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class PopulationParams:
    """What the embedded generator needs to build a population.

    Attributes:
        population: Number of patients (before any look-alikes added downstream).
        seed: Seed of every random draw; same parameters give identical tables.
        reference_date: The simulation's "today"; no event lies after it.
        history_years: Length of the exported clinical history window, in years.
        state: US state name; cities, ZIP codes and counties are drawn from it.
    """

    population: int
    seed: int
    reference_date: dt.date = dt.date(2025, 1, 1)
    history_years: int = 10
    state: str = "Massachusetts"

    @property
    def window_start(self) -> dt.date:
        ref = self.reference_date
        try:
            return ref.replace(year=ref.year - self.history_years)
        except ValueError:  # 29 February
            return ref.replace(year=ref.year - self.history_years, day=28)
