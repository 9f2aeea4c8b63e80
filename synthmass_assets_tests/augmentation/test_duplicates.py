"""Within-facility duplicate registrations on inline encounter frames."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from synthmass_assets.augmentation import validation
from synthmass_assets.augmentation.assignment import Assignment, assign_encounters
from synthmass_assets.augmentation.config import AssignmentConfig, assignment_config_for
from synthmass_assets.augmentation.duplicates import duplicate_log, register_duplicates
from synthmass_assets.augmentation.protocol import DUPLICATE_REGISTRATION, FacilityProtocol
from synthmass_assets.augmentation.records import build_ground_truth
from synthmass_assets.augmentation.reporting import error_type_table, errors_per_record
from synthmass_assets.tracks import EVALUATION, TRAINING
from synthmass_assets_tests.augmentation.frames import encounter_frame

FACILITIES = ["F01", "F02", "F03"]
NO_LINKS = pl.DataFrame(
    schema={
        "patient_id": pl.String,
        "anchor_id": pl.String,
        "confusable_group": pl.String,
        "relation": pl.String,
        "role": pl.String,
    }
)


def _assignment(visits_per_patient: list[int], seed: int = 0) -> tuple[pl.DataFrame, Assignment]:
    encounters = encounter_frame(visits_per_patient)
    rng = np.random.default_rng(seed)
    return encounters, assign_encounters(encounters, FACILITIES, FacilityProtocol(count=3), rng)


def _owners(encounters: pl.DataFrame, assignment: Assignment) -> pl.DataFrame:
    return validation.encounter_owners(assignment.encounter_facilities, encounters)


def test_share_zero_keeps_one_record_per_patient_and_facility() -> None:
    _, base = _assignment([6] * 30)
    result = register_duplicates(base, 0.0, np.random.default_rng(5))
    assert result.encounter_facilities.equals(base.encounter_facilities)
    assert result.records.drop("duplicate_of").equals(base.records)
    assert result.records.get_column("duplicate_of").null_count() == result.records.height
    assert not result.records.select("patient_id", "facility_id").is_duplicated().any()


def test_half_of_the_patients_get_a_later_second_record_at_one_facility() -> None:
    # 200 patients with a history, 50 with one encounter who cannot be registered twice.
    encounters, base = _assignment([12] * 200 + [1] * 50)
    result = register_duplicates(base, 0.5, np.random.default_rng(5))
    records, mapping = result.records, result.encounter_facilities
    duplicates = records.filter(pl.col("duplicate_of").is_not_null())
    assert duplicates.height == round(0.5 * 250)
    assert duplicates.get_column("patient_id").is_unique().all()
    pairs = duplicates.join(records, left_on="duplicate_of", right_on="record_id", suffix="_first")
    assert pairs.height == duplicates.height
    assert (pairs.get_column("patient_id") == pairs.get_column("patient_id_first")).all()
    assert (pairs.get_column("facility_id") == pairs.get_column("facility_id_first")).all()
    assert pairs.get_column("duplicate_of_first").null_count() == pairs.height

    visits = mapping.group_by("record_id").agg(
        n=pl.len(), first=pl.col("visit_order").min(), last=pl.col("visit_order").max()
    )
    counted = records.join(visits, on="record_id")
    assert (counted.get_column("encounter_count") == counted.get_column("n")).all()
    # The duplicate holds the facility's encounters from the split visit on.
    timing = pairs.join(visits, on="record_id").join(
        visits, left_on="duplicate_of", right_on="record_id", suffix="_first"
    )
    assert (timing.get_column("first") > timing.get_column("last_first")).all()

    assert mapping.select("encounter_id").equals(base.encounter_facilities.select("encounter_id"))
    owners = _owners(encounters, result)
    truth = build_ground_truth(records, NO_LINKS)
    assert truth.get_column("duplicate_of").null_count() == truth.height - duplicates.height
    assert validation.no_foreign_clinical_rows(truth, owners).passed
    assert validation.records_match_visits(truth, owners).passed
    assert validation.duplicates_are_consistent(truth, mapping, 0.5).passed


def test_only_eligible_patients_are_chosen_when_too_few_are() -> None:
    _, base = _assignment([8] * 10 + [1] * 30)
    result = register_duplicates(base, 0.5, np.random.default_rng(1))
    duplicates = result.records.filter(pl.col("duplicate_of").is_not_null())
    assert duplicates.height == 10
    truth = build_ground_truth(result.records, NO_LINKS)
    assert validation.duplicates_are_consistent(truth, result.encounter_facilities, 0.5).passed


def test_duplicates_are_reproducible_from_the_seed() -> None:
    _, base = _assignment([6] * 40)
    first = register_duplicates(base, 0.3, np.random.default_rng(7))
    again = register_duplicates(base, 0.3, np.random.default_rng(7))
    other = register_duplicates(base, 0.3, np.random.default_rng(8))
    assert first.records.equals(again.records)
    assert first.encounter_facilities.equals(again.encounter_facilities)
    assert not first.records.equals(other.records)
    ids = first.records.get_column("record_id")
    assert ids.is_unique().all()
    assert ids.str.contains(
        r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
    ).all()


@pytest.mark.parametrize("share", [-0.1, 1.5])
def test_a_share_outside_zero_and_one_is_refused(share: float) -> None:
    _, base = _assignment([3] * 4)
    with pytest.raises(ValueError, match="within_facility_duplicates"):
        register_duplicates(base, share, np.random.default_rng(0))


def _truth_with_duplicates() -> tuple[pl.DataFrame, pl.DataFrame]:
    _, base = _assignment([10] * 40)
    result = register_duplicates(base, 0.25, np.random.default_rng(3))
    return build_ground_truth(result.records, NO_LINKS), result.encounter_facilities


def _another_patients_record(truth: pl.DataFrame) -> pl.DataFrame:
    target = truth.filter(pl.col("duplicate_of").is_not_null())["record_id"][0]
    patient = truth.filter(pl.col("record_id") == target)["patient_id"][0]
    stranger = truth.filter(pl.col("patient_id") != patient)["record_id"][0]
    return truth.with_columns(
        duplicate_of=pl.when(pl.col("record_id") == target)
        .then(pl.lit(stranger))
        .otherwise("duplicate_of")
    )


def _undeclared(truth: pl.DataFrame) -> pl.DataFrame:
    return truth.with_columns(duplicate_of=pl.lit(None, dtype=pl.String))


@pytest.mark.parametrize(
    ("tamper", "share"),
    [(_another_patients_record, 0.25), (_undeclared, 0.25), (lambda truth: truth, 0.5)],
    ids=["points_at_another_patient", "undeclared", "share_far_from_config"],
)
def test_duplicate_check_fails_on_inconsistent_truth(tamper, share: float) -> None:  # noqa: ANN001
    truth, mapping = _truth_with_duplicates()
    assert validation.duplicates_are_consistent(truth, mapping, 0.25).passed
    assert not validation.duplicates_are_consistent(tamper(truth), mapping, share).passed


def test_error_log_has_one_row_per_duplicate_that_error_checks_ignore() -> None:
    truth, _ = _truth_with_duplicates()
    injected = pl.DataFrame(
        {
            "record_id": truth.get_column("record_id"),
            "error_index": pl.Series([0] * truth.height, dtype=pl.Int64),
            "error_type": ["name"] * truth.height,
            "variant": ["typo"] * truth.height,
            "field": ["first_name"] * truth.height,
            "before": ["Ann"] * truth.height,
            "after": ["Anm"] * truth.height,
        }
    )
    rows = duplicate_log(truth, injected.schema)
    declared = truth.filter(pl.col("duplicate_of").is_not_null())
    assert rows.height == declared.height == 10
    assert set(rows.get_column("error_type")) == {DUPLICATE_REGISTRATION}
    assert rows.get_column("before").to_list() == declared.get_column("duplicate_of").to_list()
    assert rows.get_column("after").to_list() == declared.get_column("record_id").to_list()

    log = pl.concat([injected, rows])
    assert validation.duplicates_logged(log, truth).passed
    assert not validation.duplicates_logged(injected, truth).passed
    assert error_type_table(log).equals(error_type_table(injected))
    record_ids = truth.get_column("record_id")
    assert errors_per_record(log, record_ids).equals(errors_per_record(injected, record_ids))


def test_config_defaults_to_eight_percent_on_both_tracks() -> None:
    assert AssignmentConfig().to_protocol(5).within_facility_duplicates == 0.08
    for track in (EVALUATION, TRAINING):
        config = assignment_config_for(track)(within_facility_duplicates=0.2)
        assert config.to_protocol(5).within_facility_duplicates == 0.2
        assert assignment_config_for(track)().within_facility_duplicates == 0.08
