"""FHIR date and dateTime text into Synthea's column types.

FHIR allows partial dates (``2020``, ``2020-05``) and dateTimes with any offset. Instants
become UTC timestamps (a date alone: its midnight UTC); dates keep the calendar day as
written. Text that is no FHIR date comes back null and is counted in the log.
"""

from __future__ import annotations

import logging

import polars as pl

from synthmass_assets.population.schema import SYNTHEA_SCHEMAS, TIMESTAMP

INSTANT = "%Y-%m-%dT%H:%M:%S%.f%#z"

INSTANT = "%Y-%m-%dT%H:%M:%S%.f%#z"

logger = logging.getLogger(__name__)


def parse_day(text: pl.Expr) -> pl.Expr:
    """The calendar day a FHIR date or dateTime starts with (partial dates: their first day)."""
    day = text.str.slice(0, 10)
    return pl.coalesce(
        day.str.to_date("%Y-%m-%d", strict=False),
        (day + "-01").str.to_date("%Y-%m-%d", strict=False),
        (day + "-01-01").str.to_date("%Y-%m-%d", strict=False),
    )


def _with_offset(text: pl.Expr) -> pl.Expr:
    """A dateTime with its offset (``Z``, ``+01:00``) as UTC: the form bulk exports use."""
    return text.str.to_datetime(INSTANT, time_unit="us", time_zone="UTC", strict=False)


def parse_instant(text: pl.Expr) -> pl.Expr:
    """A FHIR dateTime as a UTC timestamp (no offset given: read as UTC)."""
    return pl.coalesce(
        _with_offset(text),
        text.str.to_datetime(
            "%Y-%m-%dT%H:%M:%S%.f", time_unit="us", strict=False
        ).dt.replace_time_zone("UTC"),
        pl.when(text.str.len_chars() <= 10).then(
            parse_day(text).cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
        ),
    )


def _parsed(frame: pl.DataFrame, name: str, dtype: pl.DataType) -> pl.Series:
    """One text column as dates or timestamps: the common form first, and every FHIR form
    only where that leaves values unread."""
    text = frame.get_column(name)
    quick = text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
    if dtype != pl.Date:
        quick = frame.select(_with_offset(pl.col(name))).to_series()
    if quick.null_count() == text.null_count():
        return quick
    parse = parse_day if dtype == pl.Date else parse_instant
    return frame.select(parse(pl.col(name))).to_series()


def synthea_types(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """``frame``'s text columns as ``table``'s Synthea columns (absent ones null), in order."""
    columns = []
    for name, dtype in SYNTHEA_SCHEMAS[table].items():
        if name not in frame.columns:
            columns.append(pl.lit(None, dtype=dtype).alias(name))
        elif frame.schema[name] == pl.String and dtype in (pl.Date, TIMESTAMP):
            columns.append(pl.lit(_parsed(frame, name, dtype)).alias(name))
        else:
            columns.append(pl.col(name).cast(dtype))
    typed = frame.select(columns)
    for name, dtype in SYNTHEA_SCHEMAS[table].items():
        if dtype in (pl.Date, TIMESTAMP) and name in frame.columns:
            lost = typed.get_column(name).null_count() - frame.get_column(name).null_count()
            if lost:
                logger.warning(
                    "%s.%s: %d values are not FHIR dates; read as null", table, name, lost
                )
    return typed
