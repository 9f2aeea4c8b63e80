"""The items of a record's history in the facility's own words, for the text encoder.

The summary text is long and its encoding truncated; the code sets beside it compare only what
one terminology can name. Items sit between the two: each condition, medication, allergy,
procedure and immunization of a record as its facility wrote it (``Essential hypertension``,
``HTN`` or ``I10 Essential (primary) hypertension``; ``Zestril 10 MG Oral Tablet`` or
``lisinopril 10mg tab``), with the first and last year it appears, and the phrases of the
summary that describe the person rather than the care (``Yearly check-up around Mar 21``,
``height 174.6 cm``, ``weight 101.3 kg``, ``BP 125/81``) with their year. The encoder reads
each distinct item text once; `evidence.semantic` matches the items of two records by meaning.
"""

from __future__ import annotations

import polars as pl

from synthmass_assets.classifier.summaries.sections import SEMANTIC_TAG, at_records

ITEM_SECTIONS = (
    "condition", "medication", "allergy", "procedure", "immunization",
    "check-up", "height", "weight", "blood pressure",
)  # fmt: skip
ITEM_FIELDS = {"section": pl.String, "text": pl.String, "first": pl.Int32, "last": pl.Int32}
ITEM_TYPE = pl.List(pl.Struct(ITEM_FIELDS))
# (section, table, text column, first-time column, last-time column)
_SOURCES = (
    ("condition", "conditions", "DESCRIPTION", "START", "STOP"),
    ("condition", "encounters", "REASONDESCRIPTION", "START", "START"),
    ("condition", "medications", "REASONDESCRIPTION", "START", "START"),
    ("medication", "medications", "DESCRIPTION", "START", "STOP"),
    ("allergy", "allergies", "DESCRIPTION", "START", "START"),
    ("procedure", "procedures", "DESCRIPTION", "START", "START"),
    ("immunization", "immunizations", "DESCRIPTION", "DATE", "DATE"),
)


def item_text(column: str) -> pl.Expr:
    """An item's words: semantic tags dropped, Synthea's double spaces read as commas."""
    return (
        pl.col(column)
        .str.replace(SEMANTIC_TAG, "")
        .str.replace_all("  ", ", ")
        .str.strip_chars()
        .alias("text")
    )


def _rows(tables: dict[str, pl.DataFrame], visits: pl.DataFrame) -> pl.DataFrame:
    parts = []
    for section, table, text, first, last in _SOURCES:
        frame = tables[table]
        if table == "encounters":
            frame = frame.rename({"Id": "ENCOUNTER"})
        rows = at_records(frame.filter(pl.col(text).is_not_null()), visits)
        parts.append(
            rows.select(
                "record_id",
                section=pl.lit(section),
                text=item_text(text),
                first=pl.col(first).dt.year().cast(pl.Int32),
                last=pl.coalesce(pl.col(last), pl.col(first)).dt.year().cast(pl.Int32),
            )
        )
    return pl.concat(parts).filter(pl.col("text") != "")


def record_items(tables: dict[str, pl.DataFrame], visits: pl.DataFrame) -> pl.DataFrame:
    """Per record, ``items``: one (section, text, first year, last year) per distinct item.

    Args:
        tables: Synthea ``conditions``, ``encounters``, ``medications``, ``allergies``,
            ``procedures`` and ``immunizations`` (as the facilities wrote them).
        visits: ``encounter_id`` → ``record_id`` of the facility visits.
    """
    return (
        _rows(tables, visits)
        .group_by("record_id", "section", "text")
        .agg(pl.col("first").min(), pl.col("last").max())
        .sort("record_id", "section", "first", "text")
        .group_by("record_id", maintain_order=True)
        .agg(items=pl.struct(*ITEM_FIELDS).cast(pl.Struct(ITEM_FIELDS)))
    )


def exploded_items(summaries: pl.DataFrame) -> pl.DataFrame:
    """One row per item: ``row`` (the record's row in ``summaries``), ``section``, ``text``,
    ``first``, ``last``."""
    return (
        summaries.select(row=pl.int_range(pl.len(), dtype=pl.Int64), item=pl.col("items"))
        .explode("item")
        .drop_nulls("item")
        .unnest("item")
    )


def _facet(section: str, text: pl.Expr, when: pl.Expr) -> pl.Expr:
    year = when.dt.year().cast(pl.Int32)
    return (
        pl.when(text.is_not_null())
        .then(pl.struct(section=pl.lit(section), text=text, first=year, last=year))
        .cast(pl.Struct(ITEM_FIELDS))
    )


def _number(column: str) -> pl.Expr:
    """A measure as the summary writes it (``174.6``, ``125``)."""
    return pl.col(column).cast(pl.String).str.replace(r"\.0$", "")


def with_facets(frame: pl.DataFrame) -> pl.DataFrame:
    """``items`` extended by the summary's phrases about the person: the yearly check-up day
    and the latest height, weight and blood pressure, each dated by its year.

    Args:
        frame: Summaries under construction, with ``items``, ``last_wellness``,
            ``vitals_date``, ``height_cm``, ``weight_kg``, ``systolic_bp``, ``diastolic_bp``.
    """
    vitals = pl.col("vitals_date")
    facets = pl.concat_list(
        _facet(
            "check-up",
            pl.format("Yearly check-up around {}", pl.col("last_wellness").dt.strftime("%b %d")),
            pl.col("last_wellness"),
        ),
        _facet("height", pl.format("height {} cm", _number("height_cm")), vitals),
        _facet("weight", pl.format("weight {} kg", _number("weight_kg")), vitals),
        _facet(
            "blood pressure",
            pl.format("BP {}/{}", _number("systolic_bp"), _number("diastolic_bp")),
            vitals,
        ),
    ).list.drop_nulls()
    return frame.with_columns(
        items=pl.concat_list(pl.col("items").fill_null(pl.lit([], dtype=ITEM_TYPE)), facets)
    )
