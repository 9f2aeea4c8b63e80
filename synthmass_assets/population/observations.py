"""Numeric observations (vitals, labs, scores) as Synthea observation rows."""

from __future__ import annotations

import numpy as np
import polars as pl

from synthmass_assets.population.chart import ChartBuilder
from synthmass_assets.population.codes import Measure


def add_measure(
    chart: ChartBuilder, measure: Measure, patient: np.ndarray, key: np.ndarray, values: np.ndarray
) -> None:
    """Observation rows of one measure, values clipped to its physiological range and rounded."""
    clipped = np.round(np.clip(values, measure.low, measure.high), measure.decimals)
    chart.rows(
        "observations",
        patient,
        key,
        CATEGORY=measure.category,
        CODE=measure.code,
        DESCRIPTION=measure.description,
        VALUE=pl.Series(clipped).cast(pl.String),
        UNITS=measure.units,
        TYPE="numeric",
    )
