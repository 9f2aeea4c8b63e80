"""The embedded population generator: Synthea-schema tables without Java or network."""

from __future__ import annotations

import logging

import numpy as np
import polars as pl

from synthmass_assets.population.acute import add_acute_conditions, add_allergies, add_pregnancies
from synthmass_assets.population.chart import ChartBuilder
from synthmass_assets.population.chronic import add_chronic_conditions
from synthmass_assets.population.demographics import generate_cohort
from synthmass_assets.population.health import draw_health
from synthmass_assets.population.params import PopulationParams
from synthmass_assets.population.wellness import add_wellness

logger = logging.getLogger(__name__)


def generate_population(
    params: PopulationParams, demographics: pl.DataFrame | None = None
) -> dict[str, pl.DataFrame]:
    """Generate a population with clinically coherent histories.

    Args:
        params: Size, seed, reference date, history window and state.
        demographics: Optional frame with BIRTHDATE (date) and GENDER ("M"/"F"), one row per
            patient, fixing those facts (used for look-alikes); its height must equal
            ``params.population``.

    Returns:
        The eight Synthea tables keyed by name (``patients``, ``encounters``, ...).
    """
    rng = np.random.default_rng(params.seed)
    cohort = generate_cohort(params, rng, demographics)
    health = draw_health(cohort, rng)
    chart = ChartBuilder(cohort, rng)
    add_wellness(chart, health)
    add_chronic_conditions(chart, health)
    add_acute_conditions(chart)
    add_pregnancies(chart)
    add_allergies(chart, health)
    tables = chart.assemble()
    logger.info(
        "Generated %d patients: %s",
        params.population,
        ", ".join(f"{name} {frame.height}" for name, frame in tables.items()),
    )
    return tables
