"""Identifiers, postcodes and phone numbers normalised by content, in any country's format.

No national rule is built in: a value is reduced to its letters and digits (upper case), and
which lengths are well formed is read from the column itself: the lengths that at least
`COMMON_LENGTH_SHARE` of its values have (an SSN column has nine digits, an NHS number ten, a
German insurance number a letter and nine digits, a postcode four to seven characters). A value
of another length is malformed: it stays in the record, is counted, and is left out of the
comparisons. Phone numbers are compared on their last digits, as many as the shorter common
forms have, so that country codes and trunk prefixes do not matter.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

COMMON_LENGTH_SHARE = 0.02
PHONE_DIGITS = (7, 10)


def alphanumeric(values: pl.Expr) -> pl.Expr:
    """Letters and digits only, upper case; empty becomes null."""
    text = values.cast(pl.String).str.to_uppercase().str.replace_all(r"[^\p{L}\p{N}]", "")
    return pl.when(text == "").then(None).otherwise(text)


def common_lengths(values: pl.Series, share: float = COMMON_LENGTH_SHARE) -> list[int]:
    """Lengths at least ``share`` of the present values have (sorted)."""
    present = values.drop_nulls()
    if present.is_empty():
        return []
    counts = present.str.len_chars().value_counts(normalize=True, name="share")
    return sorted(counts.filter(pl.col("share") >= share).get_column(present.name).to_list())


def _where(values: pl.Series, keep: pl.Series) -> pl.Series:
    """``values`` where ``keep`` is true, else null."""
    return pl.select(pl.when(keep.fill_null(False)).then(values)).to_series().alias(values.name)


@dataclass(frozen=True)
class FieldForm:
    """How one column's values are normalised, and how many did not fit."""

    column: str
    lengths: tuple[int, ...]
    malformed: int


def identifier_form(frame: pl.DataFrame, column: str) -> tuple[pl.Series, FieldForm]:
    """``column`` reduced to letters and digits, null where its length is not a common one."""
    text = frame.select(alphanumeric(pl.col(column))).to_series()
    lengths = common_lengths(text)
    fits = text.str.len_chars().is_in(lengths).fill_null(False)
    malformed = int((text.is_not_null() & ~fits).sum())
    return _where(text, fits), FieldForm(column, tuple(lengths), malformed)


def postcode_form(frame: pl.DataFrame, column: str) -> tuple[pl.DataFrame, FieldForm]:
    """``postcode_clean`` (letters and digits; an all-digit code longer than the column's usual
    length, a US ZIP+4 say, cut to that length) and ``postcode_area`` (the part before a space
    where codes have one, as in a UK outward code, else the first three characters)."""
    raw = pl.col(column).cast(pl.String).str.strip_chars()
    text = frame.select(alphanumeric(raw)).to_series()
    digits_only = text.str.contains(r"^\d+$").fill_null(False)
    usual = text.filter(digits_only).str.len_chars().mode()
    if len(usual) and digits_only.mean() > 0.5:  # type: ignore[operator]
        width = int(usual.min())  # type: ignore[arg-type]
        text = pl.select(
            pl.when(digits_only).then(text.str.slice(0, width)).otherwise(text)
        ).to_series()
    cleaned, form = identifier_form(text.to_frame(column), column)
    area = frame.select(
        pl.when(raw.str.contains(r"\s"))
        .then(alphanumeric(raw.str.split(" ").list.first()))
        .otherwise(pl.lit(None))
    ).to_series()
    area = _where(area.fill_null(cleaned.str.slice(0, 3)), cleaned.is_not_null())
    return pl.DataFrame({"postcode_clean": cleaned, "postcode_area": area}), form


def phone_form(frame: pl.DataFrame, column: str) -> tuple[pl.Series, FieldForm]:
    """The last digits of each phone number, as many as the column's shorter common numbers
    have (between `PHONE_DIGITS`); numbers with fewer digits are malformed."""
    digits = frame.select(pl.col(column).cast(pl.String).str.replace_all(r"\D", "")).to_series()
    digits = _where(digits, digits != "")
    lengths = [n for n in common_lengths(digits) if n >= PHONE_DIGITS[0]]
    keep = min(max(min(lengths, default=PHONE_DIGITS[1]), PHONE_DIGITS[0]), PHONE_DIGITS[1])
    long_enough = (digits.str.len_chars() >= keep).fill_null(False)
    phone = _where(digits.str.slice(-keep), long_enough)
    malformed = int((digits.is_not_null() & ~long_enough).sum())
    return phone, FieldForm(column, (keep,), malformed)


def malformed_values(records: pl.DataFrame) -> pl.DataFrame:
    """``record_id``, ``field``, ``value`` of every identifier, postcode and phone number that
    is present but not of a well-formed length (see the module docstring)."""
    parts = [pl.DataFrame(schema={"record_id": pl.String, "field": pl.String, "value": pl.String})]
    for field in ("national_id", "ssn", "zip", "phone"):
        if field not in records.columns:
            continue
        if field == "zip":
            cleaned = postcode_form(records, field)[0].get_column("postcode_clean")
        elif field == "phone":
            cleaned = phone_form(records, field)[0]
        else:
            cleaned = identifier_form(records, field)[0]
        present = records.get_column(field).cast(pl.String).str.strip_chars() != ""
        bad = present.fill_null(False) & cleaned.is_null()
        parts.append(
            records.filter(bad).select(
                pl.col("record_id").cast(pl.String), field=pl.lit(field), value=pl.col(field)
            )
        )
    return pl.concat(parts)
