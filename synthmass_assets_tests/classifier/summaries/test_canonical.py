"""Canonical codes from facility coding: what terminology data maps back, and what it leaves."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from synthmass_assets.augmentation.clinical import with_lookalikes
from synthmass_assets.augmentation.coding import facility_tables
from synthmass_assets.augmentation.pipeline import augment
from synthmass_assets.augmentation.protocol import (
    CodingProtocol,
    FacilityProtocol,
    LookalikeProtocol,
    error_protocol_for,
)
from synthmass_assets.classifier.summaries.canonical import canonical_tables
from synthmass_assets.classifier.summaries.sections import CODE_SETS, other_results
from synthmass_assets.classifier.summaries.summaries import clinical_summaries
from synthmass_assets.population.generator import generate_population
from synthmass_assets.population.ingest import read_synthea_csv
from synthmass_assets.population.params import PopulationParams
from synthmass_assets_tests.classifier.conftest import TinyTrack


def _null_codes(summaries: pl.DataFrame, name: str) -> int:
    """How many records hold a null in their ``<name>_codes`` list."""
    holds = pl.col(f"{name}_codes").list.eval(pl.element().is_null()).list.any()
    return summaries.filter(holds).height


def _one(table: str, code: str | None, text: str, column: str = "CODE") -> str | None:
    description = "REASONDESCRIPTION" if column == "REASONCODE" else "DESCRIPTION"
    frame = pl.DataFrame(
        {column: [code], description: [text]}, schema_overrides={column: pl.String}
    )
    return canonical_tables({table: frame})[table].get_column(column)[0]


@pytest.mark.parametrize(
    ("table", "code", "text", "expected"),
    [
        ("conditions", "E11.9", "Type 2 diabetes mellitus without complications", "44054006"),
        ("conditions", None, "Type 2 diabetes mellitus without complications", "44054006"),
        ("conditions", None, "Essential hypertension", "59621000"),
        ("conditions", None, "Full-time employment", "160903007"),
        ("conditions", "I50.9", "Heart failure, unspecified", "I50.9"),  # ICD outside our map
        ("conditions", None, "Heart failure, unspecified", "I50.9"),
        ("conditions", None, "HTN", "text:htn"),
        ("conditions", None, "T2DM", "text:t2dm"),
        ("conditions", None, "Type II diabetes mellitus without complications",
         "text:type ii diabetes mellitus without complications"),
        ("conditions", "59621000", "Essential hypertension (disorder)", "59621000"),
        ("medications", None, "Zestril 10 MG Oral Tablet", "314076"),
        ("medications", None, "Glucophage XR 500 MG", "860975"),
        ("medications", None, "Advair Diskus 250/50", "896209"),
        ("medications", None, "EpiPen 0.3 MG Auto-Injector", "1870230"),
        ("medications", None, "lisinopril 10 MG Oral Tablet", "314076"),  # the official name
        ("medications", None, "lisinopril 10mg tab", "text:lisinopril 10mg tab"),
        ("medications", None, "metformin ER 500mg", "text:metformin er 500mg"),
        ("observations", "LAB-0042", "Gluc", "LAB-0042"),
        ("immunizations", None, "Flu shot", "text:flu shot"),
    ],
)  # fmt: skip
def test_terminology_maps_back_and_wordings_stay_text(
    table: str, code: str | None, text: str, expected: str
) -> None:
    assert _one(table, code, text) == expected


@pytest.mark.parametrize("table", ["encounters", "medications", "procedures"])
def test_reasons_are_conditions(table: str) -> None:
    assert _one(table, "I10", "Essential (primary) hypertension", "REASONCODE") == "59621000"
    assert _one(table, None, "HTN", "REASONCODE") == "text:htn"


def test_descriptions_stay_as_written_and_codes_never_null() -> None:
    conditions = pl.DataFrame(
        {
            "CODE": ["E78.5", None, None],
            "DESCRIPTION": ["Hyperlipidemia, unspecified", "GORD", "AF"],
        }
    )
    canonical = canonical_tables({"conditions": conditions})["conditions"]
    assert canonical.get_column("DESCRIPTION").equals(conditions.get_column("DESCRIPTION"))
    assert canonical.get_column("CODE").to_list() == ["55822004", "text:gord", "text:af"]


def test_canonical_codes_change_nothing_without_profiles() -> None:
    population = generate_population(PopulationParams(population=60, seed=11))
    off = FacilityProtocol(coding=CodingProtocol(enabled=False))
    stage = augment(
        population, off, error_protocol_for("training"), LookalikeProtocol(), generate_population
    )
    tables = with_lookalikes(population, stage.lookalike_clinical)
    canonical = canonical_tables(tables)
    assert all(canonical[name].equals(frame) for name, frame in tables.items())
    summaries = clinical_summaries(tables, stage.encounter_facilities)
    assert not summaries.get_column("summary").str.contains("Other results").any()


def test_summaries_hold_canonical_codes_and_the_facilities_words(tiny_track: TinyTrack) -> None:
    summaries = tiny_track.summaries
    for name in CODE_SETS:
        codes = summaries.get_column(f"{name}_codes").explode()
        assert codes.drop_nulls().len() > 0
        assert (
            codes.null_count() == summaries.filter(pl.col(f"{name}_codes").list.len() == 0).height
        )
    conditions = summaries.get_column("condition_codes").explode()
    assert conditions.str.contains(r"^[A-Z]\d").sum() == 0  # our ICD-10-CM all mapped back
    assert conditions.str.starts_with("text:").any()  # the wordings left to the text encoder
    texts = summaries.get_column("summary")
    assert texts.str.contains("Type 2 diabetes mellitus without complications").any()
    assert texts.str.contains(r"Other results: [^.]*(Gluc|Creat|HbA1c) ").any()
    assert not texts.str.contains(r"LAB-\d").any()


def test_local_labs_show_their_latest_value_in_the_text() -> None:
    observations = pl.DataFrame(
        {
            "DATE": [dt.datetime(2020, 1, 1), dt.datetime(2021, 1, 1), dt.datetime(2021, 1, 1)],
            "ENCOUNTER": ["e1", "e2", "e2"],
            "CATEGORY": ["laboratory"] * 3,
            "CODE": ["LAB-0042", "LAB-0042", "LAB-0007"],
            "DESCRIPTION": ["Gluc", "Gluc", "Creat"],
            "VALUE": ["99.0", "105.0", "1.1"],
            "UNITS": ["mg/dL"] * 3,
        }
    )
    visits = pl.DataFrame({"encounter_id": ["e1", "e2"], "record_id": ["R1", "R1"]})
    text = other_results(observations, visits).get_column("other_results_text").to_list()
    assert text == ["Creat 1.1 mg/dL, Gluc 105 mg/dL"]


def test_real_synthea_conditions_outside_our_map_pass_through(sample: Path) -> None:
    population = read_synthea_csv(sample)
    stage = augment(
        population, FacilityProtocol(), error_protocol_for("training"), LookalikeProtocol(share=0),
        generate_population,
    )  # fmt: skip
    tables = facility_tables(population, stage.encounter_facilities, stage.facilities)
    summaries = clinical_summaries(tables, stage.encounter_facilities)
    assert summaries.height == stage.encounter_facilities.get_column("record_id").n_unique()
    assert all(_null_codes(summaries, name) == 0 for name in CODE_SETS)
    icd = stage.facilities.filter(pl.col("conditions_coding") == "icd10cm")
    at_icd = summaries.filter(pl.col("facility_id").is_in(icd.get_column("facility_id").implode()))
    real = at_icd.get_column("condition_codes").explode()
    assert real.str.starts_with("text:").any()  # real concepts with no ICD-10-CM row of ours
    assert summaries.get_column("summary").str.contains("Conditions: ").mean() > 0.8  # type: ignore[operator]
