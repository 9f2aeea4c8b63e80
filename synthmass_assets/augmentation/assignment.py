"""Chronological facility assignment: which facility saw each encounter, and the records it opened.

Per patient: draw how many facilities they visit (capped by their encounter count), pick them
at random (the first is the primary), give the primary about ``primary_share`` of the
encounters and every other facility at least one, then lay the quotas out as runs of
consecutive encounters in time. The primary's quota is split in two runs so a patient can
leave it and come back, as people do when they move or change insurance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from synthmass_assets.augmentation.protocol import FacilityProtocol
from synthmass_assets.population.identifiers import uuids


@dataclass(frozen=True)
class Assignment:
    """Result of the assignment.

    Attributes:
        encounter_facilities: ``encounter_id``, ``record_id``, ``facility_id``,
            ``encounter_start``, ``visit_order`` (rank of the encounter in the patient's history).
        records: ``record_id``, ``patient_id``, ``facility_id``, ``encounter_count``; plus
            ``duplicate_of`` once `duplicates.register_duplicates` has added second records.
    """

    encounter_facilities: pl.DataFrame
    records: pl.DataFrame


def assign_encounters(
    encounters: pl.DataFrame,
    facility_ids: list[str],
    protocol: FacilityProtocol,
    rng: np.random.Generator,
) -> Assignment:
    """Assign every encounter to a facility and open one record per (patient, facility).

    Args:
        encounters: Synthea encounters (at least ``Id``, ``PATIENT``, ``START``).
        facility_ids: Ids of the facilities to spread patients over.
        protocol: Visit-count weights and primary share.
        rng: Generator of the assignment draws (record ids included).

    Returns:
        The encounter → facility/record map and the records.
    """
    patient_ids = encounters.get_column("PATIENT").unique(maintain_order=True)
    enc = (
        encounters.select(
            encounter_id=pl.col("Id"), patient_id=pl.col("PATIENT"), encounter_start=pl.col("START")
        )
        .join(
            patient_ids.to_frame("patient_id").with_row_index("code"),
            on="patient_id",
            how="left",
            maintain_order="left",
        )
        .sort("code", "encounter_start", maintain_order=True)
    )
    code = enc.get_column("code").to_numpy().astype(np.int64)
    n_enc = np.bincount(code, minlength=patient_ids.len())
    rank = np.arange(len(code)) - np.repeat(np.cumsum(n_enc) - n_enc, n_enc)
    slots = _facility_slots(n_enc, len(facility_ids), protocol, rng)
    run = (np.cumsum(slots.sizes, axis=1)[code] <= rank[:, None]).sum(axis=1)
    facility = slots.facilities[code, run]

    # One record per (patient, facility) pair, numbered in patient then facility order.
    keys, record = np.unique(code * len(facility_ids) + facility, return_inverse=True)
    record_ids = uuids(rng, len(keys))
    names = pl.Series(facility_ids, dtype=pl.String)
    records = pl.DataFrame(
        {
            "record_id": record_ids,
            "patient_id": patient_ids.gather(keys // len(facility_ids)),
            "facility_id": names.gather(keys % len(facility_ids)),
            "encounter_count": np.bincount(record, minlength=len(keys)).astype(np.int64),
        }
    )
    encounter_facilities = enc.select(
        "encounter_id",
        record_id=record_ids.gather(record),
        facility_id=names.gather(facility),
        encounter_start="encounter_start",
        visit_order=pl.Series(rank),
    )
    return Assignment(encounter_facilities, records)


@dataclass(frozen=True)
class _Slots:
    sizes: np.ndarray  # patients × blocks, encounters per run in time order
    facilities: np.ndarray  # patients × blocks, facility index of each run


def _facility_slots(
    n_enc: np.ndarray, n_facilities: int, protocol: FacilityProtocol, rng: np.random.Generator
) -> _Slots:
    """Runs of each patient: primary split in two, every other visited facility one run."""
    n_patients = len(n_enc)
    probabilities = protocol.visit_probabilities()
    visits = rng.choice(np.arange(1, len(probabilities) + 1), size=n_patients, p=probabilities)
    visits = np.minimum(np.minimum(visits, n_enc), n_facilities)
    order = np.argsort(rng.random((n_patients, n_facilities)), axis=1)
    secondaries = n_facilities - 1

    primary = np.where(
        visits == 1,
        n_enc,
        np.clip(np.rint(protocol.primary_share * n_enc), 1, n_enc - (visits - 1)),
    ).astype(np.int64)
    extra = n_enc - primary - (visits - 1)
    owner = np.repeat(np.arange(n_patients), extra)
    slot = (rng.random(len(owner)) * (visits[owner] - 1)).astype(np.int64)
    spread = np.bincount(
        owner * max(secondaries, 1) + slot, minlength=n_patients * max(secondaries, 1)
    )
    secondary = spread.reshape(n_patients, max(secondaries, 1))[:, :secondaries]
    secondary = secondary + (np.arange(secondaries) < (visits - 1)[:, None])

    first_run = (rng.random(n_patients) * (primary + 1)).astype(np.int64)
    sizes = np.column_stack([first_run, primary - first_run, secondary])
    facilities = np.column_stack([order[:, 0], order[:, 0], order[:, 1:]])
    keys = np.where(sizes > 0, rng.random(sizes.shape), np.inf)
    runs = np.argsort(keys, axis=1)
    return _Slots(
        np.take_along_axis(sizes, runs, axis=1), np.take_along_axis(facilities, runs, axis=1)
    )
