"""The live track's batches: registration order, initial share, batch count."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from synthmass_assets.living.replay import replay_batches


@pytest.mark.parametrize(("share", "batches"), [(0.4, 4), (0.5, 2), (1.0, 3)])
def test_records_are_cut_by_registration_time(share: float, batches: int) -> None:
    records = pl.DataFrame({"record_id": [f"r{i:02d}" for i in range(20)]})
    start = dt.datetime(2020, 1, 1)
    encounters = pl.DataFrame(
        {
            "record_id": [f"r{i:02d}" for i in range(19)] * 2,
            "encounter_start": [start + dt.timedelta(days=19 - i) for i in range(19)]
            + [start + dt.timedelta(days=100 + i) for i in range(19)],
        }
    )
    cut = replay_batches(records, encounters, share, batches)
    assert cut.height == 20
    assert cut.filter(pl.col("batch_id") == "batch_00").height == round(20 * share)
    # Earliest registration first; a record without encounters arrives last.
    assert cut.sort("registered_at", nulls_last=True)["record_id"][0] == "r18"
    assert cut.filter(pl.col("record_id") == "r19")["batch_id"][0] == max(cut["batch_id"])
    assert cut["batch_id"].n_unique() == (1 if share == 1.0 else 1 + batches)
