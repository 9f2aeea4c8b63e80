"""Per-patient richness of a population: how many rows each table holds per patient."""

from __future__ import annotations

import polars as pl

from synthmass_assets.population.schema import CLINICAL_TABLES

# Medians per patient of the real Synthea v3 sample (27 patients, 10-year history).
SYNTHEA_REFERENCE_MEDIANS: dict[str, float] = {
    "encounters": 19,
    "conditions": 12,
    "medications": 3,
    "observations": 36,
    "procedures": 6,
}


def per_patient_medians(tables: dict[str, pl.DataFrame]) -> dict[str, float]:
    """Median rows per patient for each clinical table, counting patients with no rows as 0."""
    patients = tables["patients"].select(pl.col("Id").alias("PATIENT"))
    medians: dict[str, float] = {}
    for table in CLINICAL_TABLES:
        counts = tables[table].group_by("PATIENT").len()
        per_patient = patients.join(counts, on="PATIENT", how="left").get_column("len").fill_null(0)
        medians[table] = float(per_patient.cast(pl.Float64).median() or 0.0)  # type: ignore[arg-type]
    return medians


def richness_violations(medians: dict[str, float]) -> list[str]:
    """Tables whose median is outside a factor of 2 of the real sample (immunizations ≥ 1)."""
    problems = [
        f"{table}: median {medians[table]:g} outside [{ref / 2:g}, {ref * 2:g}]"
        for table, ref in SYNTHEA_REFERENCE_MEDIANS.items()
        if not ref / 2 <= medians[table] <= ref * 2
    ]
    if medians["immunizations"] < 1:
        problems.append(f"immunizations: median {medians['immunizations']:g} < 1")
    return problems
