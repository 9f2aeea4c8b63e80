"""Within-facility duplicates: a patient registered twice at one facility.

Real registries hold them: a patient comes back years later, nobody finds the old chart, and
the facility opens a second record (a new MRN). From that visit on, the facility's encounters
go to the new record.

Who: a share of all patients (look-alikes included, they are patients like any other). Only a
patient with at least two encounters at one facility can be registered twice there, so the
duplicates are drawn among those eligible patients: exactly ``round(share × patients)`` of
them, or every eligible patient when fewer are eligible. The realized share of all patients
is therefore the configured one up to rounding. Each selected patient is registered twice at
the facility where they have the most encounters (ties: lowest facility id), which is their
primary facility almost always.

Where the split falls: a visit drawn uniformly among that facility's second to last
encounters (in time order); that encounter and every later one at the facility move to the
new record, which gets its own random UUID. A patient has at most one duplicate registration.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from synthmass_assets.augmentation.assignment import Assignment
from synthmass_assets.augmentation.protocol import DUPLICATE_REGISTRATION
from synthmass_assets.population.identifiers import uuids


def register_duplicates(
    assignment: Assignment, share: float, rng: np.random.Generator
) -> Assignment:
    """Register ``share`` of the patients a second time at one facility.

    Args:
        assignment: One record per (patient, facility), from `assign_encounters`.
        share: Share of all patients registered twice (0 leaves the assignment as it is).
        rng: Generator of the selection, the split visits and the new record ids; its own
            stream, so the rest of the assignment does not depend on ``share``.

    Returns:
        The assignment with the duplicates' encounters moved to their new records. ``records``
        gains ``duplicate_of``: null for first registrations, else the ``record_id`` of the
        patient's first record at that facility; new records follow the existing ones.
    """
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"within_facility_duplicates {share} must lie between 0 and 1")
    records = assignment.records.with_row_index("row")
    n_patients = records.get_column("patient_id").n_unique()
    eligible = (
        records.filter(pl.col("encounter_count") >= 2)
        .sort(["encounter_count", "facility_id"], descending=[True, False], maintain_order=True)
        .unique("patient_id", keep="first", maintain_order=True)
        .sort("row")
    )
    target = min(int(round(share * n_patients)), eligible.height)
    chosen = eligible[np.sort(rng.choice(eligible.height, size=target, replace=False))]
    sizes = chosen.get_column("encounter_count").to_numpy()
    split = 1 + (rng.random(target) * (sizes - 1)).astype(np.int64)
    chosen = chosen.with_columns(split=pl.Series(split), new_id=uuids(rng, target))

    encounter_facilities = _move_encounters(assignment.encounter_facilities, chosen)
    first = records.get_column("encounter_count").scatter(
        chosen.get_column("row").to_numpy(), split
    )
    duplicates = chosen.select(
        record_id="new_id",
        patient_id="patient_id",
        facility_id="facility_id",
        encounter_count=pl.col("encounter_count") - pl.col("split"),
        duplicate_of="record_id",
    )
    updated = pl.concat(
        [
            records.drop("row").with_columns(
                encounter_count=first, duplicate_of=pl.lit(None, dtype=pl.String)
            ),
            duplicates,
        ]
    )
    return Assignment(encounter_facilities, updated)


def _move_encounters(encounter_facilities: pl.DataFrame, chosen: pl.DataFrame) -> pl.DataFrame:
    """Give the chosen records' encounters from the split visit on to the new records."""
    ids = chosen.get_column("record_id").implode()
    moving = (
        encounter_facilities.select("record_id", "visit_order")
        .with_row_index("row")
        .filter(pl.col("record_id").is_in(ids))
        .join(chosen.select("record_id", "split", "new_id"), on="record_id")
        .filter(pl.col("visit_order").rank("ordinal").over("record_id") > pl.col("split"))
    )
    record_id = encounter_facilities.get_column("record_id").scatter(
        moving.get_column("row").to_numpy(), moving.get_column("new_id")
    )
    return encounter_facilities.with_columns(record_id)


def duplicate_log(ground_truth: pl.DataFrame, schema: pl.Schema) -> pl.DataFrame:
    """Error-log rows of the second registrations: ``record_id`` changed from first to new.

    Args:
        ground_truth: ``record_id`` and ``duplicate_of`` per record.
        schema: Schema of the error log the rows join.

    Returns:
        One row per duplicate registration, with a null ``error_index`` (it is not one of the
        record's injected errors).
    """
    duplicates = ground_truth.filter(pl.col("duplicate_of").is_not_null())
    return duplicates.select(
        "record_id",
        error_index=pl.lit(None),
        error_type=pl.lit(DUPLICATE_REGISTRATION),
        variant=pl.lit("new_record_at_later_visit"),
        field=pl.lit("record_id"),
        before="duplicate_of",
        after="record_id",
    ).cast(schema)
