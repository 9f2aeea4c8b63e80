"""Integrity rules of a population, as pure functions over its tables (used by asset checks)."""

from __future__ import annotations

import polars as pl

from synthmass_assets.population.codes import MEASURES
from synthmass_assets.population.schema import EVENT_TIME_COLUMN


def bad_ids(frame: pl.DataFrame, column: str = "Id") -> int:
    """Number of null or duplicated ids in ``column``."""
    ids = frame.get_column(column)
    return int(ids.null_count() + (ids.drop_nulls().len() - ids.drop_nulls().n_unique()))


def orphan_rows(
    table: pl.DataFrame, patients: pl.DataFrame, encounters: pl.DataFrame
) -> dict[str, int]:
    """Rows whose PATIENT is unknown, and rows whose (non-null) ENCOUNTER is unknown."""
    unknown_patient = table.join(
        patients.select(pl.col("Id").alias("PATIENT")), on="PATIENT", how="anti"
    ).height
    unknown_encounter = 0
    if "ENCOUNTER" in table.columns:
        unknown_encounter = (
            table.filter(pl.col("ENCOUNTER").is_not_null())
            .join(encounters.select(pl.col("Id").alias("ENCOUNTER")), on="ENCOUNTER", how="anti")
            .height
        )
    return {"unknown_patient": unknown_patient, "unknown_encounter": unknown_encounter}


# Synthea certifies a death in an encounter a few days after it; that paperwork is not care.
DEATH_CERTIFICATION = "308646001"


def events_outside_life(
    table_name: str, table: pl.DataFrame, patients: pl.DataFrame, encounters: pl.DataFrame
) -> dict[str, int]:
    """Rows dated before the patient's birth or after their death (by calendar date).

    Synthea's death-certification encounter, and rows recorded in it, are not counted.
    """
    certifications = encounters.filter(pl.col("CODE") == DEATH_CERTIFICATION).get_column("Id")
    key = "Id" if table_name == "encounters" else "ENCOUNTER"
    if key in table.columns:
        table = table.filter(~pl.col(key).is_in(certifications.implode()))
    event_date = pl.col(EVENT_TIME_COLUMN[table_name]).cast(pl.Date)
    joined = table.select("PATIENT", event_date.alias("event")).join(
        patients.select(pl.col("Id").alias("PATIENT"), "BIRTHDATE", "DEATHDATE"), on="PATIENT"
    )
    return {
        "before_birth": joined.filter(pl.col("event") < pl.col("BIRTHDATE")).height,
        "after_death": joined.filter(pl.col("event") > pl.col("DEATHDATE")).height,
    }


def out_of_range_measures(observations: pl.DataFrame) -> pl.DataFrame:
    """Numeric vitals/labs outside their physiologically possible range, counted per code."""
    ranges = pl.DataFrame(
        {
            "CODE": [m.code for m in MEASURES],
            "low": [float(m.low) for m in MEASURES],
            "high": [float(m.high) for m in MEASURES],
        }
    )
    return (
        observations.filter(pl.col("TYPE") == "numeric")
        .join(ranges, on="CODE")
        .with_columns(value=pl.col("VALUE").cast(pl.Float64, strict=False))
        .filter(
            pl.col("value").is_null()
            | (pl.col("value") < pl.col("low"))
            | (pl.col("value") > pl.col("high"))
        )
        .group_by("CODE", "DESCRIPTION")
        .len()
    )
