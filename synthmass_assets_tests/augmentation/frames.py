"""Small inline frames shared by the augmentation tests."""

from __future__ import annotations

import datetime as dt

import polars as pl

from synthmass_assets.population.schema import TIMESTAMP


def encounter_frame(visits_per_patient: list[int]) -> pl.DataFrame:
    """Encounters of patients ``p0``, ``p1``, ... a month apart, shuffled.

    Shuffled, so that code under test cannot rely on input order.
    """
    rows = [
        {
            "Id": f"e{p}-{v}",
            "PATIENT": f"p{p}",
            "START": dt.datetime(2015, 1, 1) + dt.timedelta(days=30 * v + p),
        }
        for p, visits in enumerate(visits_per_patient)
        for v in range(visits)
    ]
    frame = pl.DataFrame(rows).with_columns(pl.col("START").cast(TIMESTAMP))
    return frame.sample(fraction=1.0, shuffle=True, seed=1)
