"""Consistency rules of the augmentation outputs (the asset checks' logic, without Dagster)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from synthmass_assets.augmentation.protocol import DUPLICATE_REGISTRATION, ErrorProtocol
from synthmass_assets.augmentation.reporting import (
    error_type_table,
    errors_per_record,
    injected_errors,
)

# Tolerances: a few standard errors of the sampling noise, plus a small absolute slack.
STANDARD_ERRORS = 4.0
SHARE_SLACK = 0.005
MEAN_SLACK = 0.05


@dataclass(frozen=True)
class Verdict:
    """Outcome of one rule: whether it holds, a sentence for the UI and figures behind it."""

    passed: bool
    description: str
    figures: dict[str, Any] = field(default_factory=dict)


def every_encounter_assigned(encounter_facilities: pl.DataFrame, encounters: pl.Series) -> Verdict:
    """Every encounter (population and look-alikes) is mapped to exactly one record."""
    mapped = encounter_facilities.get_column("encounter_id")
    missing = int((~encounters.is_in(mapped.implode())).sum())
    repeated = mapped.len() - mapped.n_unique()
    unknown = int((~mapped.is_in(encounters.implode())).sum())
    return Verdict(
        missing == 0 and repeated == 0 and unknown == 0,
        f"{missing} encounters unassigned, {repeated} assigned twice, {unknown} unknown",
        {"encounters": encounters.len(), "unassigned": missing, "repeated": repeated},
    )


def encounter_owners(encounter_facilities: pl.DataFrame, encounters: pl.DataFrame) -> pl.DataFrame:
    """``record_id``, ``facility_id`` and the encounter's true ``PATIENT`` per mapped encounter."""
    return encounter_facilities.join(
        encounters.select(encounter_id="Id", PATIENT="PATIENT"), on="encounter_id", how="left"
    )


def records_match_visits(ground_truth: pl.DataFrame, owners: pl.DataFrame) -> Verdict:
    """A patient has one first record per facility visited, none elsewhere, plus duplicates.

    Second registrations (``duplicate_of`` set) are the only records beyond one per facility
    visited; `duplicates_are_consistent` checks where they point.
    """
    visited = owners.group_by("PATIENT").agg(visited=pl.col("facility_id").n_unique())
    held = ground_truth.group_by("patient_id").agg(
        records=pl.col("duplicate_of").is_null().sum(),
        duplicates=pl.col("duplicate_of").is_not_null().sum(),
    )
    both = held.join(visited, left_on="patient_id", right_on="PATIENT", how="full", coalesce=True)
    wrong = both.filter(pl.col("records").fill_null(0) != pl.col("visited").fill_null(0)).height
    duplicates = int(both.get_column("duplicates").fill_null(0).sum())
    return Verdict(
        wrong == 0,
        f"{wrong} patients whose first registrations differ from the facilities they visited; "
        f"{duplicates} declared duplicate registrations besides",
        {"patients": both.height, "mismatched_patients": wrong, "duplicates": duplicates},
    )


def duplicates_are_consistent(
    ground_truth: pl.DataFrame, encounter_facilities: pl.DataFrame, share: float
) -> Verdict:
    """Second registrations: same patient and facility as a first record, later, near ``share``.

    Each ``duplicate_of`` names a first registration (itself no duplicate) of the same patient
    at the same facility; the duplicate's first encounter comes after the first record's
    first encounter; a patient has at most one; and the duplicates' share of all patients is
    the configured one up to rounding, or every eligible patient (two or more encounters at a
    facility) when fewer are eligible.
    """
    first_visit = encounter_facilities.group_by("record_id").agg(first=pl.col("visit_order").min())
    records = ground_truth.select("record_id", "patient_id", "facility_id", "duplicate_of").join(
        first_visit, on="record_id", how="left"
    )
    pairs = records.filter(pl.col("duplicate_of").is_not_null()).join(
        records, left_on="duplicate_of", right_on="record_id", how="left", suffix="_of"
    )
    mismatched = pairs.filter(
        (pl.col("patient_id") != pl.col("patient_id_of")).fill_null(True)
        | (pl.col("facility_id") != pl.col("facility_id_of")).fill_null(True)
        | pl.col("duplicate_of_of").is_not_null()
    ).height
    early = pairs.filter((pl.col("first") <= pl.col("first_of")).fill_null(True)).height
    repeated = pairs.group_by("patient_id").len().filter(pl.col("len") > 1).height
    n_patients = max(ground_truth.get_column("patient_id").n_unique(), 1)
    eligible = (
        ground_truth.group_by("patient_id", "facility_id")
        .agg(pl.col("encounter_count").sum())
        .filter(pl.col("encounter_count") >= 2)
        .get_column("patient_id")
        .n_unique()
    )
    expected = min(round(share * n_patients), eligible) / n_patients
    realized = pairs.height / n_patients
    near = abs(realized - expected) <= 1 / n_patients + SHARE_SLACK
    return Verdict(
        mismatched == 0 and early == 0 and repeated == 0 and near,
        f"{pairs.height} duplicate registrations ({realized:.2%} of patients, expected "
        f"{expected:.2%}); {mismatched} not pointing at a first record of the same patient and "
        f"facility, {early} not starting at a later visit, {repeated} patients with several",
        {
            "duplicates": pairs.height,
            "duplicate_share": realized,
            "expected_share": expected,
            "mismatched": mismatched,
            "not_later": early,
        },
    )


def duplicates_logged(error_log: pl.DataFrame, ground_truth: pl.DataFrame) -> Verdict:
    """One `DUPLICATE_REGISTRATION` log row per duplicate: ``record_id`` first → new."""
    logged = error_log.filter(pl.col("error_type") == DUPLICATE_REGISTRATION).select(
        "record_id", "before", "after"
    )
    declared = ground_truth.filter(pl.col("duplicate_of").is_not_null()).select(
        "record_id", before="duplicate_of", after="record_id"
    )
    unlogged = declared.join(logged, on=["record_id", "before", "after"], how="anti").height
    undeclared = logged.join(declared, on=["record_id", "before", "after"], how="anti").height
    repeated = logged.height - logged.unique().height
    return Verdict(
        unlogged == 0 and undeclared == 0 and repeated == 0,
        f"{unlogged} duplicate registrations missing from the log, {undeclared} logged but not "
        f"in the ground truth, {repeated} logged twice",
        {"duplicates": declared.height, "unlogged": unlogged, "undeclared": undeclared},
    )


def no_foreign_clinical_rows(ground_truth: pl.DataFrame, owners: pl.DataFrame) -> Verdict:
    """Every encounter of a record belongs to the record's true patient."""
    joined = owners.join(ground_truth.select("record_id", "patient_id"), on="record_id", how="left")
    foreign = joined.filter(pl.col("PATIENT") != pl.col("patient_id")).height
    orphan = joined.filter(pl.col("patient_id").is_null() | pl.col("PATIENT").is_null()).height
    return Verdict(
        foreign == 0 and orphan == 0,
        f"{foreign} encounters filed under another patient's record, {orphan} without owner",
        {"encounters": joined.height, "foreign": foreign, "orphan": orphan},
    )


def ground_truth_covers_records(ground_truth: pl.DataFrame, record_ids: pl.Series) -> Verdict:
    """Ground truth has exactly one row per facility record."""
    truth = ground_truth.get_column("record_id")
    uncovered = int((~record_ids.is_in(truth.implode())).sum())
    extra = int((~truth.is_in(record_ids.implode())).sum())
    repeated = truth.len() - truth.n_unique()
    return Verdict(
        uncovered == 0 and extra == 0 and repeated == 0,
        f"{uncovered} records without ground truth, {extra} truths without record, "
        f"{repeated} repeated",
        {"records": record_ids.len(), "uncovered": uncovered, "extra": extra},
    )


def errors_match_protocol(
    error_log: pl.DataFrame, record_ids: pl.Series, protocol: ErrorProtocol
) -> Verdict:
    """Errors per record within bounds with the expected mean; type shares near the weights.

    Only injected errors count: duplicate registrations are logged but are not error types.
    """
    error_log = injected_errors(error_log)
    histogram = errors_per_record(error_log, record_ids)
    counts = histogram.get_column("errors").to_numpy()
    records = histogram.get_column("records").to_numpy()
    outside = int(records[(counts < protocol.min_errors) | (counts > protocol.max_errors)].sum())
    mean = float((counts * records).sum() / max(records.sum(), 1))
    expected = (protocol.min_errors + protocol.max_errors) / 2
    shares = error_type_table(error_log, protocol)
    configured = shares.get_column("configured").to_numpy()
    n_errors = max(error_log.height, 1)
    share_tolerance = STANDARD_ERRORS * np.sqrt(configured * (1 - configured) / n_errors)
    excess = np.abs(shares.get_column("share").to_numpy() - configured) - share_tolerance
    gap = float(excess.max()) if error_log.height else -1.0
    spread = protocol.max_errors - protocol.min_errors + 1
    mean_tolerance = STANDARD_ERRORS * np.sqrt((spread**2 - 1) / 12 / max(record_ids.len(), 1))
    # Rarely a planned error finds no applicable variant; allow one record in a thousand.
    passed = (
        outside <= record_ids.len() / 1000
        and abs(mean - expected) <= mean_tolerance + MEAN_SLACK
        and gap <= SHARE_SLACK
    )
    shares_ok = "within" if gap <= SHARE_SLACK else "outside"
    return Verdict(
        passed,
        f"mean {mean:.2f} errors/record (expected {expected:.2f}), {outside} records outside "
        f"{protocol.min_errors}–{protocol.max_errors}, type shares {shares_ok} tolerance "
        f"(worst excess over tolerance {gap:+.3f})",
        {"mean_errors": mean, "records_outside_bounds": outside, "share_excess": gap},
    )
