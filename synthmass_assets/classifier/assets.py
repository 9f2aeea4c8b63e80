"""Classifier assets: clinical summaries per track, and the training track's pair classifier."""

# No `from __future__ import annotations`: Dagster reads the config and resource annotations.
from collections.abc import Sequence

import dagster as dg
import numpy as np
import polars as pl

from synthmass_assets.augmentation.clinical import with_lookalikes
from synthmass_assets.augmentation.coding import facility_tables
from synthmass_assets.classifier.summaries.summaries import clinical_summaries
from synthmass_assets.classifier.training_assets import build_training_assets
from synthmass_assets.metadata import frame_metadata
from synthmass_assets.population.schema import CLINICAL_TABLES
from synthmass_assets.tracks import SYNTHETIC_TRACKS, TRAINING, TrackSpec

GROUP = "classifier"


SUMMARY_DESCRIPTION = (
    "One compact, deterministic text per facility record: visits, conditions by onset year "
    "(ongoing marked), medications with years, allergies, latest vitals and labs, procedures "
    "and immunizations with years; plus the facts it was written from (code sets, vitals, "
    "birth-year bounds, visit dates, dated diagnoses, visit reasons and treatments, growth "
    "readings, lifelong clinical states) for the structured pair features."
)


def summaries_output(
    tables: dict[str, pl.DataFrame], encounter_facilities: pl.DataFrame
) -> dg.MaterializeResult:
    """The summaries of the records in ``encounter_facilities``, with preview metadata."""
    frame = clinical_summaries(tables, encounter_facilities)
    length = frame.get_column("summary").str.len_chars().to_numpy()
    return dg.MaterializeResult(
        value=frame,
        metadata=frame_metadata(
            frame.select("record_id", "facility_id", "summary", "encounter_count"),
            summary_chars_median=int(np.median(length)) if len(length) else 0,
            summary_chars_max=int(length.max(initial=0)),
            example=dg.MetadataValue.md(frame.get_column("summary")[0] if frame.height else ""),
        ),
    )


def build_summary_asset(track: TrackSpec) -> dg.AssetsDefinition:
    """``<track>/clinical_summaries`` of a synthetic track (look-alikes' histories included),
    each record's history as its facility codes it (`coding.facility_tables`)."""
    names = (*CLINICAL_TABLES, "lookalike_clinical", "encounter_facilities", "facilities")
    ins = {name: dg.AssetIn(key=dg.AssetKey([track.name, name])) for name in names}

    @dg.asset(
        key=dg.AssetKey([track.name, "clinical_summaries"]),
        ins=ins,
        group_name=GROUP,
        kinds={"polars", "duckdb"},
        code_version="3",
        description=SUMMARY_DESCRIPTION + " Histories are written in each facility's coding.",
    )
    def summaries(
        encounters: pl.DataFrame,
        conditions: pl.DataFrame,
        medications: pl.DataFrame,
        allergies: pl.DataFrame,
        observations: pl.DataFrame,
        procedures: pl.DataFrame,
        immunizations: pl.DataFrame,
        lookalike_clinical: pl.DataFrame,
        encounter_facilities: pl.DataFrame,
        facilities: pl.DataFrame,
    ) -> dg.MaterializeResult:
        population = {
            "encounters": encounters, "conditions": conditions, "medications": medications,
            "allergies": allergies, "observations": observations, "procedures": procedures,
            "immunizations": immunizations,
        }  # fmt: skip
        clinical = with_lookalikes(population, lookalike_clinical)
        written = facility_tables(clinical, encounter_facilities, facilities)
        return summaries_output(written, encounter_facilities)

    return summaries


def build_imported_summary_asset(track: str) -> dg.AssetsDefinition:
    """``<track>/clinical_summaries`` of a track whose histories were imported (custom): one
    summary per record that has at least one encounter; none without histories."""
    names = (*CLINICAL_TABLES, "encounter_facilities")
    ins = {name: dg.AssetIn(key=dg.AssetKey([track, name])) for name in names}

    @dg.asset(
        key=dg.AssetKey([track, "clinical_summaries"]),
        ins=ins,
        group_name=GROUP,
        kinds={"polars", "duckdb"},
        code_version="1",
        description=SUMMARY_DESCRIPTION + " Only records with imported history have one.",
    )
    def imported_summaries(
        encounters: pl.DataFrame,
        conditions: pl.DataFrame,
        medications: pl.DataFrame,
        allergies: pl.DataFrame,
        observations: pl.DataFrame,
        procedures: pl.DataFrame,
        immunizations: pl.DataFrame,
        encounter_facilities: pl.DataFrame,
    ) -> dg.MaterializeResult:
        tables = {
            "encounters": encounters, "conditions": conditions, "medications": medications,
            "allergies": allergies, "observations": observations, "procedures": procedures,
            "immunizations": immunizations,
        }  # fmt: skip
        return summaries_output(tables, encounter_facilities)

    return imported_summaries


def build_classifier_assets(
    tracks: Sequence[TrackSpec] = SYNTHETIC_TRACKS, training: TrackSpec = TRAINING
) -> list[dg.AssetsDefinition]:
    """Clinical summaries of every track, and the pair dataset, classifier, evaluation and
    merged model of the training track."""
    return [*(build_summary_asset(track) for track in tracks), *build_training_assets(training)]
