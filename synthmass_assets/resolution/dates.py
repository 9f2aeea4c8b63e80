"""Birth dates as registration desks write them: parse what parses, keep the digits of the rest.

A date that does not exist (``31.04.1972``, a typo for ``13.04.1972``) is still matching
evidence: it is kept as its digits in year-month-day order (``19720431``), so the model compares
it by string similarity with the other record's digits, while valid dates are also compared as
dates. Which of the day-first and month-first readings a file uses is decided by the data: the
formats are tried in order of how many of the column's values each one reads as a real date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

# ISO, compact, German dotted, US and day-first slashed and dashed dates.
DATE_FORMATS = (
    "%Y-%m-%d", "%Y%m%d", "%d.%m.%Y", "%m/%d/%Y", "%d/%m/%Y", "%d-%m-%Y", "%m-%d-%Y", "%Y/%m/%d",
)  # fmt: skip
_PARTS = {"%Y": r"(?P<Y>\d{4})", "%m": r"(?P<m>\d{1,2})", "%d": r"(?P<d>\d{1,2})"}
SEPARATORS = r"[./\- ]"


def format_pattern(date_format: str, any_separator: bool) -> str:
    """A regular expression reading year, month and day of ``date_format`` without checking
    that they make a date; with ``any_separator`` a dot, slash, dash or space stands for any
    separator of the format (``25-05-1983`` in a file of ``25/05/1983``)."""
    tokens = re.split(r"(%[Ymd])", date_format)
    if {t for t in tokens if t.startswith("%")} != set(_PARTS):
        raise ValueError(f"date format {date_format!r} needs %Y, %m and %d")
    pieces = []
    for token in tokens:
        if token in _PARTS:
            pieces.append(_PARTS[token])
        elif any_separator and token and re.fullmatch(SEPARATORS + "+", token):
            pieces.append(SEPARATORS)
        else:
            pieces.append(re.escape(token))
    # Compact forms need fixed widths to split the digits.
    pattern = "".join(pieces)
    if not any(re.fullmatch(SEPARATORS + "+", t) for t in tokens if t and t not in _PARTS):
        pattern = pattern.replace(r"\d{1,2}", r"\d{2}")
    return "^" + pattern + "$"


def _read(raw: pl.Expr, date_format: str, any_separator: bool) -> tuple[pl.Expr, pl.Expr]:
    """(date or null, year-month-day digits whenever the shape fits) of one format."""
    parts = raw.str.extract_groups(format_pattern(date_format, any_separator))
    digits = (
        parts.struct.field("Y")
        + parts.struct.field("m").str.zfill(2)
        + parts.struct.field("d").str.zfill(2)
    )
    return digits.str.strptime(pl.Date, "%Y%m%d", strict=False), digits


@dataclass(frozen=True)
class ParsedDates:
    """A date column read: the dates, their digits and which formats were used, in order."""

    dates: pl.Series
    digits: pl.Series
    formats: tuple[str, ...]

    @property
    def invalid(self) -> pl.Series:
        """Values present but not a real date."""
        return self.digits.is_not_null() & self.dates.is_null()


def parse_dates(raw: pl.Series, date_format: str | None = None) -> ParsedDates:
    """Dates where the value is a real date, and every value's digits in year-month-day order
    (the raw digits when no format fits its shape).

    Args:
        raw: The column as written (strings, surrounding space allowed).
        date_format: A strftime format with %Y, %m and %d (others are tried only when unset);
            any separator is accepted in place of the format's own.
    """
    stripped = pl.col("raw").cast(pl.String).str.strip_chars()
    frame = raw.to_frame("raw").with_columns(
        raw=pl.when(stripped == "").then(None).otherwise(stripped)
    )
    candidates = (date_format,) if date_format else DATE_FORMATS
    any_separator = date_format is not None
    reads = {f: _read(pl.col("raw"), f, any_separator) for f in candidates}
    valid = frame.select(
        **{f"{i}": date.is_not_null().sum() for i, (date, _) in enumerate(reads.values())}
    ).row(0)
    ranked = [f for _, f in sorted(zip(valid, candidates, strict=True), key=lambda t: -t[0])]
    fallback = pl.col("raw").str.replace_all(r"\D", "")
    out = frame.select(
        dates=pl.coalesce(reads[f][0] for f in ranked),
        digits=pl.coalesce(
            *(pl.when(reads[f][0].is_not_null()).then(reads[f][1]) for f in ranked),
            *(reads[f][1] for f in ranked),
            pl.when(fallback != "").then(fallback),
        ),
    )
    used = tuple(f for f, n in zip(candidates, valid, strict=True) if n)
    return ParsedDates(out["dates"], out["digits"], tuple(f for f in ranked if f in used))
