"""Summary tables of the augmentation outputs, shown as asset metadata and used by the checks."""

from __future__ import annotations

import polars as pl

from synthmass_assets.augmentation.protocol import ERROR_TYPES, ErrorProtocol


def facilities_per_patient(ground_truth: pl.DataFrame) -> pl.DataFrame:
    """Histogram: how many patients have records at 1, 2, ... facilities."""
    return (
        ground_truth.group_by("patient_id")
        .agg(facilities=pl.col("facility_id").n_unique())
        .group_by("facilities")
        .agg(patients=pl.len())
        .sort("facilities")
        .with_columns(share=(pl.col("patients") / pl.col("patients").sum()).round(4))
    )


def records_per_facility(ground_truth: pl.DataFrame, facilities: pl.DataFrame) -> pl.DataFrame:
    """Records and encounters held by each facility."""
    counts = ground_truth.group_by("facility_id").agg(
        records=pl.len(), encounters=pl.col("encounter_count").sum()
    )
    return (
        facilities.select("facility_id", "name", "facility_type")
        .join(counts, on="facility_id", how="left")
        .fill_null(0)
        .sort("facility_id")
    )


def primary_share(ground_truth: pl.DataFrame) -> float:
    """Share of multi-facility patients' encounters at the facility they visit most.

    A patient's two records at one facility (a duplicate registration) count as one visit.
    """
    per_patient = (
        ground_truth.group_by("patient_id", "facility_id")
        .agg(pl.col("encounter_count").sum())
        .group_by("patient_id")
        .agg(top=pl.col("encounter_count").max(), total=pl.col("encounter_count").sum(), n=pl.len())
        .filter(pl.col("n") > 1)
    )
    total = float(per_patient.get_column("total").sum())
    return float(per_patient.get_column("top").sum()) / total if total else 0.0


def duplicate_registrations(ground_truth: pl.DataFrame) -> pl.DataFrame:
    """Second registrations per facility, and the share of the facility's patients they are."""
    return (
        ground_truth.group_by("facility_id")
        .agg(
            patients=pl.col("patient_id").n_unique(),
            duplicates=pl.col("duplicate_of").is_not_null().sum().cast(pl.Int64),
        )
        .with_columns(share=(pl.col("duplicates") / pl.col("patients")).round(4))
        .sort("facility_id")
    )


def duplicate_share(ground_truth: pl.DataFrame) -> float:
    """Share of all patients registered twice at one facility."""
    patients = ground_truth.get_column("patient_id").n_unique()
    duplicates = int(ground_truth.get_column("duplicate_of").is_not_null().sum())
    return duplicates / patients if patients else 0.0


def injected_errors(error_log: pl.DataFrame) -> pl.DataFrame:
    """The demographic errors of the log (`ERROR_TYPES`), without duplicate registrations."""
    return error_log.filter(pl.col("error_type").is_in(ERROR_TYPES))


def error_type_table(
    error_log: pl.DataFrame, protocol: ErrorProtocol | None = None
) -> pl.DataFrame:
    """Injected errors per type with the achieved share and, when given, the configured one.

    Duplicate registrations are logged too but are not an error type the protocol weighs, so
    they count neither as a type nor in the total.
    """
    counts = error_log.group_by("error_type").agg(errors=pl.len())
    table = (
        pl.DataFrame({"error_type": list(ERROR_TYPES)})
        .join(counts, on="error_type", how="left")
        .with_columns(pl.col("errors").fill_null(0).cast(pl.Int64))
    )
    total = max(int(table.get_column("errors").sum()), 1)
    table = table.with_columns(share=(pl.col("errors") / total).round(4))
    if protocol is not None:
        table = table.with_columns(configured=pl.Series(protocol.type_probabilities().round(4)))
    return table


def errors_per_record(error_log: pl.DataFrame, record_ids: pl.Series) -> pl.DataFrame:
    """Histogram of injected error counts per record (records without errors included)."""
    counts = injected_errors(error_log).group_by("record_id").agg(errors=pl.len())
    return (
        record_ids.to_frame("record_id")
        .join(counts, on="record_id", how="left")
        .with_columns(pl.col("errors").fill_null(0))
        .group_by("errors")
        .agg(records=pl.len())
        .sort("errors")
    )


def variant_table(error_log: pl.DataFrame) -> pl.DataFrame:
    """Errors per type, variant and field."""
    return (
        error_log.group_by("error_type", "variant", "field")
        .agg(errors=pl.len())
        .sort("error_type", "errors", descending=[False, True])
    )


def before_after_examples(error_log: pl.DataFrame) -> pl.DataFrame:
    """One example change per variant and field."""
    return (
        error_log.group_by("error_type", "variant", "field", maintain_order=True)
        .first()
        .select("error_type", "variant", "field", "before", "after")
        .sort("error_type", "variant")
    )
