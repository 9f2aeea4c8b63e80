"""Chronological facility assignment on inline encounter frames."""

from __future__ import annotations

import numpy as np
import polars as pl

from synthmass_assets.augmentation.assignment import assign_encounters
from synthmass_assets.augmentation.protocol import FacilityProtocol
from synthmass_assets_tests.augmentation.frames import encounter_frame

FACILITIES = ["F01", "F02", "F03", "F04", "F05"]


def test_runs_are_chronological_with_a_primary_share_near_sixty_percent() -> None:
    encounters = encounter_frame([40] * 400)
    result = assign_encounters(encounters, FACILITIES, FacilityProtocol(), np.random.default_rng(0))
    mapping = result.encounter_facilities.join(
        encounters.select(encounter_id="Id", patient="PATIENT"), on="encounter_id"
    ).sort("patient", "encounter_start")
    runs = mapping.group_by("patient", maintain_order=True).agg(
        switches=(pl.col("facility_id") != pl.col("facility_id").shift(1)).sum(),
        facilities=pl.col("facility_id").n_unique(),
    )
    # Each facility is one run, except the primary, which may be split in two.
    assert (runs.get_column("switches") <= runs.get_column("facilities")).all()
    counts = mapping.group_by("patient", "facility_id").len()
    shares = counts.group_by("patient").agg(
        top=pl.col("len").max() / pl.col("len").sum(), n=pl.len()
    )
    multi = shares.filter(pl.col("n") > 1).get_column("top")
    assert abs(float(multi.mean()) - 0.60) < 0.03  # type: ignore[arg-type]
    visits = shares.get_column("n").value_counts().sort("n").get_column("count").to_numpy() / 400
    assert np.allclose(visits, [0.40, 0.30, 0.15, 0.10, 0.05], atol=0.06)


def test_records_exist_only_where_patients_had_encounters() -> None:
    encounters = encounter_frame([1, 2, 3, 30])
    result = assign_encounters(encounters, FACILITIES, FacilityProtocol(), np.random.default_rng(3))
    records, mapping = result.records, result.encounter_facilities
    assert mapping.height == encounters.height
    assert set(mapping.get_column("encounter_id")) == set(encounters.get_column("Id"))
    per_patient = records.group_by("patient_id").agg(pl.len(), pl.col("encounter_count").sum())
    enc_counts = dict(encounters.group_by("PATIENT").len().iter_rows())
    for patient, n_records, n_enc in per_patient.iter_rows():
        assert n_records <= n_enc and n_enc == enc_counts[patient]
    assert records.get_column("record_id").n_unique() == records.height


def test_assignment_is_reproducible_and_ids_are_not_patient_ids() -> None:
    encounters = encounter_frame([5] * 20)
    first = assign_encounters(encounters, FACILITIES, FacilityProtocol(), np.random.default_rng(9))
    again = assign_encounters(encounters, FACILITIES, FacilityProtocol(), np.random.default_rng(9))
    other = assign_encounters(encounters, FACILITIES, FacilityProtocol(), np.random.default_rng(8))
    assert first.records.equals(again.records)
    assert not first.records.equals(other.records)
    ids = first.records.get_column("record_id")
    assert not ids.is_in(encounters.get_column("PATIENT").implode()).any()
    assert ids.str.contains(
        r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
    ).all()
