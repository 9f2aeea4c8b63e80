"""Population assets: Synthea-schema tables per synthetic track, generated or ingested."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl

from synthmass_assets.metadata import frame_metadata
from synthmass_assets.population.config import PopulationConfig, population_config_for
from synthmass_assets.population.generator import generate_population
from synthmass_assets.population.ingest import read_synthea_csv
from synthmass_assets.population.richness import per_patient_medians
from synthmass_assets.population.schema import POPULATION_TABLES
from synthmass_assets.tracks import TrackSpec

TABLE_DESCRIPTIONS = {
    "patients": "One row per patient: demographics, identifiers and address.",
    "encounters": "Wellness, ambulatory, outpatient, emergency and inpatient visits.",
    "conditions": "Diagnoses (SNOMED CT) with onset and resolution dates.",
    "medications": "Prescriptions (RxNorm) with start/stop and the condition they treat.",
    "allergies": "Allergies and intolerances with reactions and severities.",
    "observations": "Vitals, labs (LOINC) and survey answers, numeric or text.",
    "procedures": "Procedures and screenings (SNOMED CT).",
    "immunizations": "Vaccinations (CVX) following the CDC schedule.",
}


def build_population_assets(track: TrackSpec) -> dg.AssetsDefinition:
    """The eight Synthea tables of one track as one multi-asset (one draw, one config)."""
    config_class = population_config_for(track)

    def population(context: dg.AssetExecutionContext, config: PopulationConfig):  # noqa: ANN202
        if config.synthea_csv_dir:
            context.log.info("Ingesting Synthea CSV output from %s", config.synthea_csv_dir)
            tables = read_synthea_csv(Path(config.synthea_csv_dir))
        else:
            params = config.to_params()
            context.log.info("Generating %d patients (seed %d)", params.population, params.seed)
            tables = generate_population(params)
        medians = per_patient_medians(tables)
        for table in POPULATION_TABLES:
            if table not in context.selected_output_names:
                continue
            frame: pl.DataFrame = tables[table]
            extra: dict[str, Any] = (
                {} if table == "patients" else {"median_per_patient": medians[table]}
            )
            yield dg.Output(frame, output_name=table, metadata=frame_metadata(frame, **extra))

    # The Launchpad shows the track's own defaults, so the config type is made per track.
    population.__annotations__.update(context=dg.AssetExecutionContext, config=config_class)
    return dg.multi_asset(
        name=f"{track.name}_population",
        outs={
            table: dg.AssetOut(
                key=dg.AssetKey([track.name, table]),
                description=f"{TABLE_DESCRIPTIONS[table]} Track: {track.name}.",
                io_manager_key="io_manager",
                kinds={"polars", "duckdb"},
                code_version="1",
                is_required=False,
            )
            for table in POPULATION_TABLES
        },
        group_name="population",
        description=f"Synthetic patient population of the {track.name} track. {track.description}",
        can_subset=True,
    )(population)
