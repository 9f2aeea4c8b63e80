"""Matching features precomputed from facility records with field libraries.

- first names: nickname variants and a canonical blocking key from the ``nicknames`` dataset;
- phonetic codes: metaphone (first names) and NYSIIS (surnames) from ``jellyfish``;
- identifiers, postcodes and phones normalised by content (see `value_forms`: which lengths
  are well formed comes from the data, not from one country's rules), address (lower case,
  USPS suffix abbreviations, unit split off) and house number;
- birth dates compared as dates where valid and as year-month-day digits always, so an
  impossible date (``19720431``) still matches its typo-free twin.

Library calls run once per distinct value, never per record.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import jellyfish
import polars as pl
from nicknames import NickNamer

from synthmass_assets.resolution.value_forms import identifier_form, phone_form, postcode_form

# USPS Publication 28 standard suffix abbreviations for the suffixes our addresses use.
STREET_SUFFIXES = {
    "street": "st",
    "avenue": "ave",
    "road": "rd",
    "lane": "ln",
    "drive": "dr",
    "court": "ct",
    "place": "pl",
    "boulevard": "blvd",
    "terrace": "ter",
    "circle": "cir",
    "parkway": "pkwy",
    "highway": "hwy",
    "square": "sq",
    "way": "way",
}
UMLAUTS = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}
UNIT_PATTERN = r"\s*(?:#|\bapt\b\.?|\bunit\b|\bsuite\b|\bste\b)\s*(\w+)\s*$"


@lru_cache(maxsize=1)
def _nicknamer() -> NickNamer:
    return NickNamer()


def name_variants(name: str) -> list[str]:
    """The name with its nicknames and the formal names it is a nickname of."""
    namer = _nicknamer()
    return sorted({name} | namer.nicknames_of(name) | namer.canonicals_of(name))


def canonical_name(name: str) -> str:
    """Blocking key: of the name and the formal names it shortens, the one with most nicknames."""
    namer = _nicknamer()
    candidates = sorted({name} | namer.canonicals_of(name))
    return max(candidates, key=lambda candidate: len(namer.nicknames_of(candidate)))


def _mapped(values: pl.Series, function: Callable[[str], object], dtype: pl.DataType) -> pl.Series:
    """Apply ``function`` to each distinct non-null value, then map every row."""
    distinct = values.drop_nulls().unique()
    lookup = pl.DataFrame(
        {"key": distinct, "value": pl.Series([function(v) for v in distinct], dtype=dtype)}
    )
    return values.to_frame("key").join(lookup, on="key", how="left").get_column("value")


def identifier_column(columns: set[str]) -> str | None:
    """The person-level identifier issued outside the facility: ``national_id``, else the US
    case ``ssn``."""
    return next((c for c in ("national_id", "ssn") if c in columns), None)


def clean_name(column: str) -> pl.Expr:
    """Lower case ASCII letters, hyphens and spaces: German umlauts and ß written out as
    registration systems without them do (ä → ae), other accents dropped (é → e)."""
    text = pl.col(column).str.to_lowercase()
    for letter, written in UMLAUTS.items():
        text = text.str.replace_all(letter, written, literal=True)
    text = text.str.normalize("NFKD").str.replace_all(r"\p{M}", "")
    cleaned = text.str.replace_all(r"[^a-z\- ]", "").str.strip_chars()
    return pl.when(cleaned == "").then(None).otherwise(cleaned)


def _clean_gender() -> pl.Expr:
    """The first letter, upper case, with the German ``W`` (weiblich) read as ``F``."""
    letter = pl.col("gender").cast(pl.String).str.strip_chars().str.slice(0, 1).str.to_uppercase()
    return pl.when(letter == "").then(None).otherwise(letter.replace({"W": "F"}))


def _clean_address() -> pl.Expr:
    text = pl.col("address").str.to_lowercase().str.replace_all(r"[.,]", "").str.strip_chars()
    text = text.str.replace(UNIT_PATTERN, "")
    words = text.str.split(" ").list.eval(pl.element().replace(STREET_SUFFIXES))
    return words.list.join(" ")


def _deletions(column: str, length: int) -> pl.Expr:
    """Every string with one character deleted: equal for values one substitution or one
    adjacent transposition apart (a deletion neighbourhood)."""
    value = pl.col(column)
    return pl.concat_list([value.str.slice(0, i) + value.str.slice(i + 1) for i in range(length)])


def letter_grams(name: str, size: int = 4) -> list[str]:
    """Every run of ``size`` letters in the name (the whole name when shorter): two spellings a
    typo or two apart, or swapped into another name field, still share most of them."""
    if len(name) <= size:
        return [name]
    return sorted({name[i : i + size] for i in range(len(name) - size + 1)})


def _name_set(*parts: pl.Expr) -> pl.Expr:
    """The distinct non-null keys of several name fields, so a swapped field still matches."""
    return pl.concat_list(parts).list.drop_nulls().list.unique().list.sort()


def blocking_keys(features: pl.DataFrame) -> pl.DataFrame:
    """Fuzzy blocking keys that survive the common registration errors.

    ``national_id_deletions`` (one wrong or transposed character), ``birth_month_day``
    (sorted month and day: survives day/month swaps and year errors), ``birth_years`` (the
    year and the next, so years one apart share one), ``name_prefixes``, ``name_sounds``,
    ``name_starts``, ``name_ends`` and ``name_grams`` (first three letters, metaphone codes,
    first two letters, last three letters and four-letter runs of first, last and maiden name
    in one set: survive first/last swaps, maiden/married changes and typos at either end),
    ``street`` (first word of the street name).
    """
    present = set(features.columns)
    keys: list[pl.Expr] = []
    if (
        "national_id_clean" in present
        and features.get_column("national_id_clean").is_not_null().any()
    ):
        lengths = features.get_column("national_id_clean").str.len_chars()
        longest = int(lengths.max() or 0)  # type: ignore[arg-type]
        deletions = _deletions("national_id_clean", longest).list.drop_nulls()
        keys.append(deletions.list.unique().list.sort().alias("national_id_deletions"))
    if "birthdate" in present:
        month_day = pl.concat_list(
            pl.col("birthdate").dt.month().cast(pl.String),
            pl.col("birthdate").dt.day().cast(pl.String),
        )
        keys.append(month_day.list.sort().list.join("-").alias("birth_month_day"))
        year = pl.col("birthdate").dt.year()
        keys.append(pl.concat_list(year, year + 1).cast(pl.List(pl.String)).alias("birth_years"))
    names = [c for c in ("first_name", "last_name", "maiden_name") if f"{c}_clean" in present]
    if names:
        keys.append(
            _name_set(*(pl.col(f"{c}_clean").str.slice(0, 3) for c in names)).alias("name_prefixes")
        )
        keys.append(_name_set(*(pl.col(f"{c}_metaphone") for c in names)).alias("name_sounds"))
        clean = [pl.col(f"{c}_clean") for c in names]
        keys.append(_name_set(*(n.str.slice(0, 2) for n in clean)).alias("name_starts"))
        keys.append(_name_set(*(n.str.slice(-3) for n in clean)).alias("name_ends"))
        no_grams = pl.lit([], pl.List(pl.String))
        grams = (pl.col(f"{c}_grams").fill_null(no_grams) for c in names)
        keys.append(_name_set(*grams).alias("name_grams"))
        keys += [pl.col(f"{c}_clean").str.slice(0, 3).alias(f"{c}_prefix") for c in names]
    if "address_clean" in present:
        street = pl.col("address_clean").str.replace(r"^\d+\s*", "").str.split(" ").list.first()
        keys.append(street.alias("street"))
    out = features.with_columns(keys)
    return out.with_columns(
        _token_set(
            out,
            [f"{c}_{k}" for c in names for k in ("canonical", "metaphone", "prefix")]
            + ["last_name_nysiis"],
        ).alias("name_tokens"),
        _token_set(out, ["birth_year", "birth_month_day", "birth_digits_sorted"]).alias(
            "birth_tokens"
        ),
        _token_set(out, ["postcode_clean", "city_clean", "street", "phone_clean"]).alias(
            "place_tokens"
        ),
    )


def _token_set(frame: pl.DataFrame, columns: list[str]) -> pl.Expr:
    """Broad blocking tokens: several encodings of related fields, each prefixed by its kind of
    encoding (the column name's last part), so that one encoding of a first name meets the same
    encoding of a last name (``first_name_metaphone`` and ``last_name_metaphone`` share
    ``metaphone:``) and a swapped name still blocks."""
    present = [c for c in columns if c in frame.columns]
    if not present:
        return pl.lit(None, pl.List(pl.String))
    return _name_set(*(pl.format("{}:{}", pl.lit(c.split("_")[-1]), pl.col(c)) for c in present))


def matching_features(records: pl.DataFrame) -> pl.DataFrame:
    """Facility records plus the normalized columns the Splink model compares and blocks on.

    Fields that are absent (e.g. a custom extract without SSNs) are left out.
    """
    present = set(records.columns)
    out = records.with_columns(
        clean_name(c).alias(f"{c}_clean")
        for c in ("first_name", "last_name", "maiden_name", "middle_name")
        if c in present
    )
    if "first_name" in present:
        first = out.get_column("first_name_clean")
        variants = _mapped(first, name_variants, pl.List(pl.String))
        out = out.with_columns(
            first_name_variants=variants,
            first_name_canonical=_mapped(first, canonical_name, pl.String()),
        )
    if "last_name" in present:
        last = out.get_column("last_name_clean")
        out = out.with_columns(last_name_nysiis=_mapped(last, jellyfish.nysiis, pl.String()))
    for name in ("first_name", "last_name", "maiden_name"):
        if name in present:
            clean = out.get_column(f"{name}_clean")
            out = out.with_columns(
                _mapped(clean, jellyfish.metaphone, pl.String()).alias(f"{name}_metaphone"),
                _mapped(clean, letter_grams, pl.List(pl.String)).alias(f"{name}_grams"),
            )
    identifier = identifier_column(present)
    if identifier:
        national_id, _ = identifier_form(out, identifier)
        out = out.with_columns(national_id_clean=national_id)
    if "zip" in present:
        postcode, _ = postcode_form(out, "zip")
        out = out.with_columns(postcode)
    if "address" in present:
        out = out.with_columns(address_clean=_clean_address()).with_columns(
            address_number=pl.col("address_clean").str.extract(r"^(\d+)"),
        )
    if "city" in present:
        out = out.with_columns(city_clean=pl.col("city").str.to_lowercase().str.strip_chars())
    if "birthdate" in present:
        digits = pl.col("birthdate").dt.strftime("%Y%m%d")
        if "birthdate_digits" in present:
            digits = pl.coalesce(digits, pl.col("birthdate_digits"))
        out = out.with_columns(
            birth_year=pl.col("birthdate").dt.year().cast(pl.String),
            birth_digits=digits,
            birth_digits_sorted=digits.str.split("").list.sort().list.join(""),
        )
    if "gender" in present:
        out = out.with_columns(gender_clean=_clean_gender())
    if "phone" in present:
        phone, _ = phone_form(out, "phone")
        out = out.with_columns(phone_clean=phone)
    return blocking_keys(out)
