"""Clinical summaries: one compact, deterministic text per facility record, plus its facts.

A record's history is what its facility saw: the clinical rows of the encounters that
``encounter_facilities`` maps to the record. The text lists, in a fixed order and format,
the visits, conditions by onset year (ongoing ones marked), medications with year ranges,
allergies, the latest key vitals and labs, procedures and immunizations with years. The facts
beside it (code sets, latest vitals and their date) feed the structured pair features.
"""

from __future__ import annotations

import polars as pl

from synthmass_assets.classifier.summaries.canonical import canonical_tables
from synthmass_assets.classifier.summaries.clinical_states import STATE_COLUMNS, clinical_states
from synthmass_assets.classifier.summaries.history import HISTORY_COLUMNS, event_history
from synthmass_assets.classifier.summaries.items import record_items, with_facets
from synthmass_assets.classifier.summaries.sections import (
    CODE_SETS,
    GROWTH_COLUMNS,
    LAB_COLUMNS,
    VITAL_COLUMNS,
    at_records,
    latest_measures,
    other_results,
    text_sections,
)
from synthmass_assets.population import codes as c

SUMMARY_COLUMNS = (
    "record_id", "facility_id", "summary", "encounter_count", "first_visit", "last_visit",
    "visit_dates", "wellness_dates", "wellness_day", "born_after", "born_before",
    *(f"{name}_codes" for name in CODE_SETS), "event_years",
    *VITAL_COLUMNS, "vitals_date", *LAB_COLUMNS, *GROWTH_COLUMNS, *HISTORY_COLUMNS,
    *STATE_COLUMNS, "items",
)  # fmt: skip
EVENT_TABLES = {
    "conditions": "START",
    "medications": "START",
    "allergies": "START",
    "procedures": "START",
    "immunizations": "DATE",
}


def _visits(encounters: pl.DataFrame, visits: pl.DataFrame) -> pl.DataFrame:
    """Per record: facility, visit count, first and last visit, and the visit-class header."""
    seen = visits.join(
        encounters.select(encounter_id="Id", kind="ENCOUNTERCLASS", code="CODE"),
        on="encounter_id",
        how="left",
    ).with_columns(year=pl.col("encounter_start").dt.year())
    classes = (
        seen.group_by("record_id", "kind")
        .agg(n=pl.len())
        .sort("record_id", pl.col("n"), "kind", descending=[False, True, False])
        .group_by("record_id", maintain_order=True)
        .agg(classes=pl.format("{} {}", "kind", "n").str.join(", "))
    )
    return (
        seen.group_by("record_id")
        .agg(
            pl.col("facility_id").first(),
            encounter_count=pl.len().cast(pl.Int64),
            first_visit=pl.col("encounter_start").min().dt.date(),
            last_visit=pl.col("encounter_start").max().dt.date(),
            last_wellness=pl.col("encounter_start").filter(pl.col("kind") == "wellness").max(),
            visit_dates=pl.col("encounter_start").dt.date().sort(),
            wellness_dates=pl.col("encounter_start")
            .filter(pl.col("kind") == "wellness")
            .dt.date()
            .sort(),
            # Well-child visits happen before 18, adult check-ups after; history starts after birth.
            born_after=pl.col("year").filter(pl.col("code") == c.WELL_CHILD.code).max() - 18,
            born_before=pl.min_horizontal(
                pl.col("year").min(),
                pl.col("year").filter(pl.col("code") == c.GENERAL_EXAM.code).min() - 18,
            ),
        )
        .with_columns(wellness_day=pl.col("last_wellness").dt.ordinal_day().cast(pl.Int64))
        .join(classes, on="record_id", how="left")
    )


def event_years(tables: dict[str, pl.DataFrame], visits: pl.DataFrame) -> pl.DataFrame:
    """Per record, every code it holds (visits, conditions, drugs, ...) with first and last year.

    When a well-child visit, a vaccine or a pregnancy happened says much about a person's age.
    """
    events = [
        at_records(tables[table], visits).select("record_id", "CODE", year=pl.col(time).dt.year())
        for table, time in EVENT_TABLES.items()
    ]
    events.append(
        visits.join(
            tables["encounters"].select(encounter_id="Id", CODE="CODE"), on="encounter_id"
        ).select("record_id", "CODE", year=pl.col("encounter_start").dt.year())
    )
    return (
        pl.concat(events)
        .group_by("record_id", "CODE")
        .agg(first=pl.col("year").min(), last=pl.col("year").max())
        .sort("record_id", "CODE")
        .group_by("record_id", maintain_order=True)
        .agg(event_years=pl.struct(code="CODE", first="first", last="last"))
    )


def clinical_summaries(
    tables: dict[str, pl.DataFrame], encounter_facilities: pl.DataFrame
) -> pl.DataFrame:
    """One summary per facility record, in ``record_id`` order.

    Args:
        tables: Synthea ``encounters``, ``conditions``, ``medications``, ``allergies``,
            ``observations``, ``procedures`` and ``immunizations`` (look-alikes included).
        encounter_facilities: ``encounter_id``, ``record_id``, ``facility_id``,
            ``encounter_start`` for every encounter.

    Returns:
        `SUMMARY_COLUMNS`: the ``summary`` text, visit counts and dates, sorted code lists per
        kind of event, the latest key vitals and the date of the latest of them, first and
        latest height and BMI dates, dated diagnoses, visit reasons and treatments
        (`event_history`) and the lifelong clinical states (`clinical_states`). Codes are
        canonical where terminology data maps them (`canonical.canonical_tables`); the text
        keeps each facility's own words and lists results under local codes.
    """
    tables = canonical_tables(tables)
    visits = encounter_facilities.select(
        "encounter_id", "record_id", "facility_id", "encounter_start"
    )
    frame = _visits(tables["encounters"], visits)
    frame = frame.join(event_years(tables, visits), on="record_id", how="left")
    parts = [
        *text_sections(tables, visits),
        latest_measures(tables["observations"], visits),
        other_results(tables["observations"], visits),
        event_history(tables, visits),
        clinical_states(tables, visits),
        record_items(tables, visits),
    ]
    for part in parts:
        frame = frame.join(part, on="record_id", how="left")
    visit_years = pl.format(
        "{}–{}", pl.col("first_visit").dt.year(), pl.col("last_visit").dt.year()
    )
    text = [
        pl.format("Visits: {} in {} ({}).", "encounter_count", visit_years, "classes"),
        pl.format("Yearly check-up around {}.", pl.col("last_wellness").dt.strftime("%b %d")),
        pl.format("Conditions: {}.", "condition_text"),
        pl.format("Medications: {}.", "medication_text"),
        pl.format("Allergies: {}.", "allergy_text"),
        pl.format("Vitals ({}): {}.", pl.col("vitals_date").dt.year(), "vitals_text"),
        pl.format("Labs: {}.", "labs_text"),
        pl.format("Other results: {}.", "other_results_text"),
        pl.format("Procedures: {}.", "procedure_text"),
        pl.format("Immunizations: {}.", "immunization_text"),
    ]
    empty = pl.lit([], dtype=pl.List(pl.String))
    return (
        with_facets(frame)
        .with_columns(
            summary=pl.concat_str(text, separator=" ", ignore_nulls=True),
            **{f"{name}_codes": pl.col(f"{name}_codes").fill_null(empty) for name in CODE_SETS},
        )
        .select(SUMMARY_COLUMNS)
        .sort("record_id")
    )
