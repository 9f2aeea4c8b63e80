"""Clinical summaries: deterministic text, the sections in order, the facts beside them."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from synthmass_assets.classifier.summaries.summaries import SUMMARY_COLUMNS, clinical_summaries
from synthmass_assets.population.ingest import read_synthea_csv
from synthmass_assets_tests.classifier.conftest import TinyTrack


def test_one_summary_per_record_with_the_documented_columns(tiny_track: TinyTrack) -> None:
    summaries = tiny_track.summaries
    assert tuple(summaries.columns) == SUMMARY_COLUMNS
    assert summaries.get_column("record_id").to_list() == sorted(
        tiny_track.encounter_facilities.get_column("record_id").unique().to_list()
    )
    assert summaries.get_column("summary").str.starts_with("Visits: ").all()


def test_summaries_are_deterministic_whatever_the_row_order(tiny_track: TinyTrack) -> None:
    shuffled = {
        name: frame.sample(fraction=1.0, shuffle=True, seed=5)
        for name, frame in tiny_track.tables.items()
    }
    again = clinical_summaries(
        shuffled, tiny_track.encounter_facilities.sample(fraction=1.0, shuffle=True, seed=6)
    )
    assert again.equals(tiny_track.summaries)


def test_sections_follow_the_fixed_order(tiny_track: TinyTrack) -> None:
    order = [
        "Visits:",
        "Conditions:",
        "Medications:",
        "Allergies:",
        "Vitals (",
        "Labs:",
        "Other results:",
        "Procedures:",
        "Immunizations:",
    ]
    for text in tiny_track.summaries.get_column("summary").to_list():
        positions = [text.find(marker) for marker in order if marker in text]
        assert positions == sorted(positions)


def test_chronic_conditions_are_marked_and_named_at_follow_up_facilities(
    tiny_track: TinyTrack,
) -> None:
    texts = tiny_track.summaries.get_column("summary")
    assert texts.str.contains(r"\(ongoing\)").any()
    assert texts.str.contains(r"\(follow-up\)").any()
    assert not texts.str.contains(r"\((disorder|finding)\)").any()


def test_facts_match_the_latest_height_of_the_record(tiny_track: TinyTrack) -> None:
    heights = (
        tiny_track.tables["observations"]
        .filter(pl.col("CODE") == "8302-2")
        .join(tiny_track.encounter_facilities, left_on="ENCOUNTER", right_on="encounter_id")
        .sort("DATE")
        .group_by("record_id")
        .agg(expected=pl.col("VALUE").last().cast(pl.Float64))
    )
    joined = tiny_track.summaries.join(heights, on="record_id")
    assert joined.height > 0
    assert (joined.get_column("height_cm") == joined.get_column("expected")).all()
    assert joined.get_column("vitals_date").is_not_null().all()


def test_real_synthea_output_is_summarised(sample: Path) -> None:
    tables = read_synthea_csv(sample)
    visits = tables["encounters"].select(
        encounter_id="Id", record_id="PATIENT", facility_id=pl.lit("F01"), encounter_start="START"
    )
    summaries = clinical_summaries(tables, visits)
    assert summaries.height == tables["encounters"].get_column("PATIENT").n_unique()
    assert summaries.get_column("summary").str.contains("Conditions: ").mean() > 0.8  # type: ignore[operator]
    assert summaries.get_column("height_cm").is_not_null().any()
