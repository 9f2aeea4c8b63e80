"""Asset checks of the population stage; the integrity ones block downstream stages."""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg
import polars as pl

from synthmass_assets.population.richness import per_patient_medians, richness_violations
from synthmass_assets.population.schema import CLINICAL_TABLES, POPULATION_TABLES
from synthmass_assets.population.validation import (
    bad_ids,
    events_outside_life,
    orphan_rows,
    out_of_range_measures,
)
from synthmass_assets.tracks import TrackSpec


def _ins(track: TrackSpec, tables: Sequence[str]) -> dict[str, dg.AssetIn]:
    return {table: dg.AssetIn(key=dg.AssetKey([track.name, table])) for table in tables}


def _ids_check(track: TrackSpec, table: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey([track.name, table]),
        name=f"{table}_ids_unique",
        blocking=True,
        description=f"Every {table} Id is present and unique.",
    )
    def ids_unique(frame: pl.DataFrame) -> dg.AssetCheckResult:
        bad = bad_ids(frame)
        return dg.AssetCheckResult(passed=bad == 0, metadata={"null_or_duplicate_ids": bad})

    return ids_unique


def _integrity_check(track: TrackSpec, table: str) -> dg.AssetChecksDefinition:
    description = (
        f"Every {table} row points at a known patient and encounter, and none is dated before "
        "the patient's birth or after their death."
    )

    @dg.asset_check(
        asset=dg.AssetKey([track.name, table]),
        name=f"{table}_integrity",
        blocking=True,
        additional_ins=_ins(track, ("patients", "encounters")),
        description=description,
    )
    def integrity(
        frame: pl.DataFrame, patients: pl.DataFrame, encounters: pl.DataFrame
    ) -> dg.AssetCheckResult:
        counts = orphan_rows(frame, patients, encounters)
        counts |= events_outside_life(table, frame, patients, encounters)
        return dg.AssetCheckResult(passed=not any(counts.values()), metadata=counts)

    return integrity


def _encounters_integrity_check(track: TrackSpec) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey([track.name, "encounters"]),
        name="encounters_integrity",
        blocking=True,
        additional_ins=_ins(track, ("patients",)),
        description="Every encounter belongs to a known patient and lies within "
        "the patient's life.",
    )
    def integrity(encounters: pl.DataFrame, patients: pl.DataFrame) -> dg.AssetCheckResult:
        counts = orphan_rows(encounters, patients, encounters)
        counts |= events_outside_life("encounters", encounters, patients, encounters)
        return dg.AssetCheckResult(passed=not any(counts.values()), metadata=counts)

    return integrity


def _ranges_check(track: TrackSpec) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey([track.name, "observations"]),
        name="physiological_ranges",
        blocking=True,
        description="Vitals and labs lie within physiologically possible ranges.",
    )
    def physiological_ranges(observations: pl.DataFrame) -> dg.AssetCheckResult:
        bad = out_of_range_measures(observations)
        return dg.AssetCheckResult(
            passed=bad.height == 0,
            metadata={"out_of_range_codes": bad.height, "rows": int(bad["len"].sum() or 0)},
        )

    return physiological_ranges


def _richness_check(track: TrackSpec) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey([track.name, "observations"]),
        name="richness_like_synthea",
        additional_ins=_ins(track, [t for t in POPULATION_TABLES if t != "observations"]),
        description="Per-patient medians within a factor of 2 of the real Synthea sample.",
    )
    def richness(
        encounters: pl.DataFrame,
        patients: pl.DataFrame,
        conditions: pl.DataFrame,
        medications: pl.DataFrame,
        allergies: pl.DataFrame,
        observations: pl.DataFrame,
        procedures: pl.DataFrame,
        immunizations: pl.DataFrame,
    ) -> dg.AssetCheckResult:
        medians = per_patient_medians(
            {
                "patients": patients,
                "encounters": encounters,
                "conditions": conditions,
                "medications": medications,
                "allergies": allergies,
                "observations": observations,
                "procedures": procedures,
                "immunizations": immunizations,
            }
        )
        problems = richness_violations(medians)
        return dg.AssetCheckResult(
            passed=not problems,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"medians": medians, "problems": "; ".join(problems) or "none"},
        )

    return richness


def build_population_checks(track: TrackSpec) -> list[dg.AssetChecksDefinition]:
    """Asset checks of one track's population tables."""
    checks = [_ids_check(track, "patients"), _ids_check(track, "encounters")]
    checks.append(_encounters_integrity_check(track))
    checks += [_integrity_check(track, t) for t in CLINICAL_TABLES if t != "encounters"]
    return [*checks, _ranges_check(track), _richness_check(track)]
