"""The live track's batches: the evaluation records cut by registration time.

A record registers at its first encounter at its facility. The first ``initial_share`` of the
records (by that time) is the initial load, the rest arrives in ``batches`` equal batches, so
the index after the last batch holds the same records as the one-shot evaluation result.
"""

from __future__ import annotations

import polars as pl


def batch_name(number: int) -> str:
    return f"batch_{number:02d}"


def replay_batches(
    records: pl.DataFrame, encounter_facilities: pl.DataFrame, initial_share: float, batches: int
) -> pl.DataFrame:
    """``record_id`` → ``batch_id`` (``batch_00`` the initial load) and ``registered_at``.

    Records without an encounter register last; ties are broken by record id.
    """
    first = encounter_facilities.group_by("record_id").agg(registered_at=pl.min("encounter_start"))
    ordered = (
        records.select("record_id")
        .join(first, on="record_id", how="left")
        .sort(["registered_at", "record_id"], nulls_last=True)
        .with_row_index("position")
    )
    n = ordered.height
    initial = round(n * initial_share)
    rest = max(n - initial, 0)
    later = (pl.col("position").cast(pl.Int64) - initial) * batches // max(rest, 1) + 1
    number = pl.when(pl.col("position") < initial).then(0).otherwise(later)
    return ordered.select(
        "record_id",
        batch_id=number.map_elements(batch_name, return_dtype=pl.String),
        registered_at="registered_at",
    )
