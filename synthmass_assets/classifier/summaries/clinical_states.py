"""Lifelong clinical states of each record: since when they are known present, until when absent.

Hypertension, (pre)diabetes, hyperlipidemia, chronic kidney disease and obesity do not go
away. A record shows a state present from its diagnosis, a follow-up for it or a measurement
past the clinical cut-off (systolic pressure ≥ 130 mmHg, HbA1c ≥ 5.7 %, ...), and absent
when a measurement is normal. One person cannot be normal after being found ill, so two
records where one is ill before the other is normal belong to two people.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from synthmass_assets.classifier.summaries.sections import at_records
from synthmass_assets.population import codes as c


@dataclass(frozen=True)
class Marker:
    """A measurement at or above ``present`` shows the state; at or below ``absent``, not."""

    code: str
    present: float
    absent: float


@dataclass(frozen=True)
class ClinicalState:
    """A lifelong state: the SNOMED codes that name it and the measurements that reveal it."""

    codes: tuple[str, ...]
    markers: tuple[Marker, ...]


CLINICAL_STATES = {
    "hypertension": ClinicalState(("59621000",), (Marker(c.SYSTOLIC.code, 130, 129),)),
    "glycemia": ClinicalState(
        ("15777000", "44054006"), (Marker(c.A1C.code, 5.7, 5.6), Marker(c.GLUCOSE.code, 100, 99))
    ),
    "lipids": ClinicalState(
        ("55822004",),
        (
            Marker(c.CHOLESTEROL.code, 240, 239),
            Marker(c.LDL.code, 160, 159),
            Marker(c.TRIGLYCERIDES.code, 150, 149),
        ),
    ),
    "kidney": ClinicalState(("433144002",), (Marker(c.CREATININE.code, 1.3, 1.2),)),
    # A BMI reading is noisy around the threshold: only clear ones count.
    "obesity": ClinicalState(("162864005",), (Marker(c.BMI.code, 31.0, 29.0),)),
}
STATE_COLUMNS = tuple(f"{name}_{edge}" for name in CLINICAL_STATES for edge in ("onset", "clear"))


def _named(tables: dict[str, pl.DataFrame], visits: pl.DataFrame) -> pl.DataFrame:
    """``record_id``, ``code``, ``day`` of every diagnosis and visit reason."""
    diagnosed = at_records(tables["conditions"], visits).select(
        "record_id", code="CODE", day=pl.col("START").cast(pl.Date)
    )
    reasons = at_records(tables["encounters"].rename({"Id": "ENCOUNTER"}), visits).select(
        "record_id", code="REASONCODE", day=pl.col("START").cast(pl.Date)
    )
    return pl.concat([diagnosed, reasons]).drop_nulls()


def clinical_states(tables: dict[str, pl.DataFrame], visits: pl.DataFrame) -> pl.DataFrame:
    """Per record and state: ``<state>_onset`` (first day known present) and ``<state>_clear``
    (last day measured normal), null when never seen.

    Args:
        tables: Synthea ``conditions``, ``encounters`` and ``observations``.
        visits: ``encounter_id`` → ``record_id`` of the facility visits.
    """
    named = _named(tables, visits)
    measured = at_records(tables["observations"], visits).select(
        "record_id",
        code="CODE",
        day=pl.col("DATE").cast(pl.Date),
        value=pl.col("VALUE").cast(pl.Float64, strict=False),
    )
    frame = visits.select("record_id").unique()
    for name, state in CLINICAL_STATES.items():
        present = [named.filter(pl.col("code").is_in(state.codes)).select("record_id", "day")]
        absent = []
        for marker in state.markers:
            readings = measured.filter(pl.col("code") == marker.code)
            present.append(readings.filter(pl.col("value") >= marker.present))
            absent.append(readings.filter(pl.col("value") <= marker.absent))
        onset = pl.concat([p.select("record_id", "day") for p in present]).group_by("record_id")
        clear = pl.concat([a.select("record_id", "day") for a in absent]).group_by("record_id")
        frame = frame.join(
            onset.agg(pl.col("day").min().alias(f"{name}_onset")), on="record_id", how="left"
        ).join(clear.agg(pl.col("day").max().alias(f"{name}_clear")), on="record_id", how="left")
    return frame
