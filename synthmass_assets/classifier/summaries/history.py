"""Dated clinical events of each record: what was diagnosed, treated and followed up, when.

The summary text gives years; the pair features need days. A chronic condition is diagnosed
once and then followed up at a fixed rhythm, each time with the same drug, wherever the
patient goes; these lists let two records be checked against one such story.
"""

from __future__ import annotations

import polars as pl

from synthmass_assets.classifier.summaries.sections import at_records

HISTORY_COLUMNS = ("diagnoses", "care", "treatments")


def _day(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.Date)


def _listed(frame: pl.DataFrame, name: str, fields: dict[str, pl.Expr]) -> pl.DataFrame:
    """One sorted, duplicate-free list of structs per record."""
    rows = frame.select("record_id", **fields).unique()
    return (
        rows.sort(["record_id", *fields])
        .group_by("record_id", maintain_order=True)
        .agg(pl.struct(*fields).alias(name))
    )


def event_history(tables: dict[str, pl.DataFrame], visits: pl.DataFrame) -> pl.DataFrame:
    """Per record: ``diagnoses`` (code, day, ongoing), ``care`` (visit reason, day) and
    ``treatments`` (reason, drug, start, stop) lists.

    Args:
        tables: Synthea ``conditions``, ``encounters`` and ``medications``.
        visits: ``encounter_id`` → ``record_id`` of the facility visits.
    """
    diagnoses = _listed(
        at_records(tables["conditions"], visits),
        "diagnoses",
        {"code": pl.col("CODE"), "day": _day("START"), "ongoing": pl.col("STOP").is_null()},
    )
    reasons = at_records(tables["encounters"].rename({"Id": "ENCOUNTER"}), visits).filter(
        pl.col("REASONCODE").is_not_null()
    )
    care = _listed(reasons, "care", {"code": pl.col("REASONCODE"), "day": _day("START")})
    prescriptions = at_records(tables["medications"], visits).filter(
        pl.col("REASONCODE").is_not_null()
    )
    treatments = _listed(
        prescriptions,
        "treatments",
        {
            "reason": pl.col("REASONCODE"),
            "drug": pl.col("CODE"),
            "start": _day("START"),
            "stop": _day("STOP"),
        },
    )
    return (
        visits.select("record_id")
        .unique()
        .join(diagnoses, on="record_id", how="left")
        .join(care, on="record_id", how="left")
        .join(treatments, on="record_id", how="left")
    )
