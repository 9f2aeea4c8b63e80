"""Consistency rules of the augmentation outputs (the asset checks' logic, without Dagster)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from synthmass_assets.augmentation.protocol import ErrorProtocol
from synthmass_assets.augmentation.reporting import error_type_table, errors_per_record

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
    """A patient has one record per facility where they had an encounter, and no other."""
    visited = owners.group_by("PATIENT").agg(visited=pl.col("facility_id").n_unique())
    held = ground_truth.group_by("patient_id").agg(records=pl.len())
    both = held.join(visited, left_on="patient_id", right_on="PATIENT", how="full", coalesce=True)
    wrong = both.filter(pl.col("records").fill_null(0) != pl.col("visited").fill_null(0)).height
    return Verdict(
        wrong == 0,
        f"{wrong} patients whose record count differs from the facilities they visited",
        {"patients": both.height, "mismatched_patients": wrong},
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
    """Errors per record within bounds with the expected mean; type shares near the weights."""
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
