"""Collects generated clinical rows chunk by chunk, then assembles Synthea tables.

Modules add whole cohorts' worth of rows at once: encounters get integer keys, other rows point
at an encounter key and carry their own start/stop days where they need them. Times are
fractional days since 1970-01-01 until :meth:`ChartBuilder.assemble` turns them into Synthea's
dates, timestamps and UUIDs.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
import polars as pl

from synthmass_assets.population import identifiers
from synthmass_assets.population.codes import BASE_ENCOUNTER_COST, Code
from synthmass_assets.population.demographics import Cohort
from synthmass_assets.population.schema import SYNTHEA_SCHEMAS, TIMESTAMP, conform

MICROS_PER_DAY = 86_400_000_000
ORGANIZATIONS = 60
PROVIDERS_PER_ORGANIZATION = 5
PAYERS = 10


def column(value: Any, n: int) -> pl.Series | np.ndarray:
    """An array as given, or a scalar repeated ``n`` times."""
    if isinstance(value, (np.ndarray, pl.Series)):
        return value
    return pl.repeat(value, n, eager=True)


def code_columns(code: Code | tuple[np.ndarray, np.ndarray], n: int) -> dict[str, Any]:
    """CODE and DESCRIPTION columns from one code or from per-row arrays."""
    if isinstance(code, Code):
        return {"CODE": column(code.code, n), "DESCRIPTION": column(code.description, n)}
    return {"CODE": code[0], "DESCRIPTION": code[1]}


class ChartBuilder:
    """Accumulates row chunks for every Synthea table of one cohort."""

    def __init__(self, cohort: Cohort, rng: np.random.Generator) -> None:
        self.cohort = cohort
        self.rng = rng
        self._chunks: dict[str, list[pl.DataFrame]] = defaultdict(list)
        self._next_key = 0

    def encounters(
        self,
        patient: np.ndarray,
        day: np.ndarray,
        encounter_class: str | np.ndarray,
        code: Code | tuple[np.ndarray, np.ndarray],
        reason: Code | None = None,
        minutes: float = 20.0,
    ) -> np.ndarray:
        """Add encounters (``day`` may be fractional); returns their keys."""
        n = len(patient)
        keys = np.arange(self._next_key, self._next_key + n, dtype=np.int64)
        self._next_key += n
        frame = pl.DataFrame(
            {
                "key": keys,
                "patient": patient.astype(np.int64),
                "day": np.floor(day).astype(np.int64),
                "ENCOUNTERCLASS": column(encounter_class, n),
                **code_columns(code, n),
                "REASONCODE": column(reason.code if reason else None, n),
                "REASONDESCRIPTION": column(reason.description if reason else None, n),
                "minutes": column(minutes, n),
            },
            schema_overrides={
                "REASONCODE": pl.String,
                "REASONDESCRIPTION": pl.String,
                "minutes": pl.Float64,
            },
        )
        self._chunks["encounters"].append(frame)
        return keys

    def rows(self, table: str, patient: np.ndarray, key: np.ndarray, **columns: Any) -> None:
        """Add rows of a clinical table; ``columns`` are arrays or scalars."""
        n = len(patient)
        if n == 0:
            return
        data: dict[str, Any] = {"patient": patient.astype(np.int64), "key": key.astype(np.int64)}
        data.update({name: column(value, n) for name, value in columns.items()})
        self._chunks[table].append(pl.DataFrame(data))

    def assemble(self) -> dict[str, pl.DataFrame]:
        """Synthea tables with UUIDs, timestamps, organizations, payers and costs."""
        encounters = self._assemble_encounters()
        stamps = encounters.select("key", "Id", "START", "PAYER")
        tables = {"patients": self.cohort.patients, "encounters": conform("encounters", encounters)}
        ids = self.cohort.ids
        for table in (
            "conditions",
            "medications",
            "allergies",
            "observations",
            "procedures",
            "immunizations",
        ):
            chunks = self._chunks.get(table, [])
            if not chunks:
                tables[table] = pl.DataFrame(schema=SYNTHEA_SCHEMAS[table])
                continue
            frame = pl.concat(chunks, how="diagonal_relaxed")
            frame = frame.join(stamps, on="key", how="left").with_columns(
                PATIENT=ids.gather(frame.get_column("patient")),
                ENCOUNTER=pl.col("Id"),
            )
            frame = _finish(table, frame)
            missing = [name for name in SYNTHEA_SCHEMAS[table] if name not in frame.columns]
            tables[table] = conform(
                table, frame.with_columns(pl.lit(None).alias(m) for m in missing)
            )
        return tables

    def _assemble_encounters(self) -> pl.DataFrame:
        rng = self.rng
        frame = pl.concat(self._chunks["encounters"], how="vertical_relaxed").sort(
            "patient", "day", "key"
        )
        n = frame.height
        patients = self.cohort.size
        organizations = identifiers.uuids(rng, ORGANIZATIONS)
        providers = identifiers.uuids(rng, ORGANIZATIONS * PROVIDERS_PER_ORGANIZATION)
        payers = identifiers.uuids(rng, PAYERS)
        home_org = rng.integers(0, ORGANIZATIONS, size=patients)
        payer = rng.integers(0, PAYERS, size=patients)
        patient = frame.get_column("patient").to_numpy()
        org = np.where(rng.random(n) < 0.85, home_org[patient], rng.integers(0, ORGANIZATIONS, n))
        provider = org * PROVIDERS_PER_ORGANIZATION + rng.integers(0, PROVIDERS_PER_ORGANIZATION, n)
        seconds = rng.integers(7 * 3600, 19 * 3600, size=n)
        start = frame.get_column("day").to_numpy() * MICROS_PER_DAY + seconds * 1_000_000
        base = frame.get_column("ENCOUNTERCLASS").replace_strict(BASE_ENCOUNTER_COST).to_numpy()
        total = np.round(base * rng.uniform(1.0, 12.0, n), 2)
        return frame.with_columns(
            Id=identifiers.uuids(rng, n),
            START=pl.Series(start).cast(pl.Datetime("us")).dt.replace_time_zone("UTC"),
            PATIENT=self.cohort.ids.gather(patient),
            ORGANIZATION=organizations.gather(org),
            PROVIDER=providers.gather(provider),
            PAYER=payers.gather(payer[patient]),
            BASE_ENCOUNTER_COST=np.round(base, 2),
            TOTAL_CLAIM_COST=total,
            PAYER_COVERAGE=np.round(total * rng.uniform(0.0, 0.9, n), 2),
        ).with_columns(
            STOP=pl.col("START") + pl.duration(minutes=pl.col("minutes").cast(pl.Int64)),
        )


def _day_to_date(name: str) -> pl.Expr:
    return pl.col(name).fill_nan(None).cast(pl.Int32).cast(pl.Date)


def _day_to_timestamp(name: str) -> pl.Expr:
    return (
        (pl.col(name).fill_nan(None) * MICROS_PER_DAY)
        .cast(pl.Int64)
        .cast(pl.Datetime("us"))
        .dt.replace_time_zone("UTC")
    )


def _finish(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Turn start/stop days into the table's date or timestamp columns."""
    present = set(frame.columns)
    if table in ("conditions", "allergies"):
        return frame.with_columns(
            START=_day_to_date("start"),
            STOP=_day_to_date("stop") if "stop" in present else pl.lit(None, pl.Date),
        )
    if table == "medications":
        return frame.with_columns(
            START=_day_to_timestamp("start"),
            STOP=_day_to_timestamp("stop"),
        )
    if table == "procedures":
        return frame.with_columns(
            STOP=pl.col("START") + pl.duration(minutes=15),
        ).with_columns(pl.col("START").cast(TIMESTAMP))
    return frame.with_columns(DATE=pl.col("START"))
