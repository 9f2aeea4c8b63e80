"""Canonical codes for the structured features, where real terminology data gives one.

Facilities write their own coding (see `augmentation.coding`): ICD-10-CM or words instead of
SNOMED CT, brand names or prescriber shorthand instead of RxNorm, local laboratory codes
instead of LOINC. The code sets, histories and clinical states compare codes, so
`canonical_tables` maps back what public terminology data can map, and only that:

* an ICD-10-CM code of our map → its SNOMED CT concept (the reverse of
  `coding.icd10cm.ICD10CM_OF_SNOMED`), for diagnoses and for visit, prescription and
  procedure reasons;
* a condition without a code whose normalised words equal the official SNOMED CT display of a
  concept of our vocabulary or an official ICD-10-CM description → that concept;
* a drug without a code named by a known brand (`terminology.BRAND_INGREDIENTS`) → the RxNorm
  clinical drug of our vocabulary with the brand's ingredients; one whose words equal an
  official RxNorm name → that drug.

Abbreviations (``HTN``, ``T2DM``), synonyms, prescriber free text and local laboratory codes
are deliberately left as written: reading them is the text encoder's work. Nothing here knows
which concept a facility's wording stood for. Unmapped items keep the facility's code, or
``text:<normalised words>`` where there is none, so code sets never hold nulls. Only codes
change; DESCRIPTION stays the facility's own words, which the summary text shows.
"""

from __future__ import annotations

import functools

import polars as pl

from synthmass_assets.augmentation.coding.icd10cm import SNOMED_OF_ICD10CM, all_descriptions
from synthmass_assets.classifier.summaries.terminology import (
    SEMANTIC_TAG,
    brand_drugs,
    condition_names,
    drug_names,
    normalised,
)

TEXT_CODE = "text:"
# Tables whose reasons (REASONCODE / REASONDESCRIPTION) are conditions.
REASON_TABLES = ("encounters", "medications", "procedures")


def normalised_text(column: str) -> pl.Expr:
    """Lower case, no semantic tag, words only, single-spaced (twin of `terminology.normalised`)."""
    return (
        pl.col(column)
        .str.replace(SEMANTIC_TAG.pattern, "")
        .str.replace_all("  ", ", ")
        .str.to_lowercase()
        .str.replace_all(r"[^a-z0-9]+", " ")
        .str.strip_chars()
    )


def _text_code(text: str) -> pl.Expr:
    """``text:<normalised words>``; null where there are no words."""
    words = normalised_text(text)
    return pl.when(words != "").then(pl.format(TEXT_CODE + "{}", words))


@functools.cache
def condition_text_index() -> dict[str, str]:
    """Normalised official wording → concept: our SNOMED CT displays, then every ICD-10-CM
    description (as SNOMED CT where our map has the code, else the ICD-10-CM code)."""
    index: dict[str, str] = {}
    for code, description in all_descriptions().items():
        index.setdefault(normalised(description), SNOMED_OF_ICD10CM.get(code, code))
    return index | condition_names()


def _lookup(words: pl.Expr, index: dict[str, str]) -> pl.Expr:
    return words.replace_strict(index, default=None, return_dtype=pl.String)


def _uncoded(frame: pl.DataFrame, code: str, text: str) -> bool:
    """Whether any row has words but no code (only then are the wording indexes needed)."""
    return bool(frame.select((pl.col(code).is_null() & pl.col(text).is_not_null()).any()).item())


def _condition_code(frame: pl.DataFrame, code: str, text: str) -> pl.Expr:
    own = pl.col(code)
    from_icd = own.replace_strict(SNOMED_OF_ICD10CM, default=None, return_dtype=pl.String)
    if not _uncoded(frame, code, text):
        return pl.coalesce(from_icd, own)
    from_words = _lookup(normalised_text(text), condition_text_index())
    return pl.coalesce(from_icd, own, from_words, _text_code(text))


def _drug_code(frame: pl.DataFrame) -> pl.Expr:
    own = pl.col("CODE")
    if not _uncoded(frame, "CODE", "DESCRIPTION"):
        return own
    words = normalised_text("DESCRIPTION")
    brands = "|".join(sorted(brand_drugs(), key=len, reverse=True))
    brand = words.str.extract(rf"^({brands})(?: |$)", 1)
    return pl.coalesce(
        own,
        _lookup(brand, brand_drugs()),
        _lookup(words, drug_names()),
        _text_code("DESCRIPTION"),
    )


def canonical_tables(tables: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """The Synthea tables with canonical codes where terminology data maps them.

    Args:
        tables: Synthea tables by name, as facilities wrote them (any subset).

    Returns:
        The same tables and columns: CODE of conditions and REASONCODE of encounters,
        medications and procedures as SNOMED CT where mappable; CODE of medications as
        RxNorm where a brand or an official name says which drug; any other missing CODE (or
        REASONCODE with a REASONDESCRIPTION) as ``text:<normalised words>``. Everything else,
        DESCRIPTION included, as given.
    """
    canonical = dict(tables)
    for name, frame in tables.items():
        changes: dict[str, pl.Expr] = {}
        if name in REASON_TABLES and "REASONCODE" in frame.columns:
            changes["REASONCODE"] = _condition_code(frame, "REASONCODE", "REASONDESCRIPTION")
        if not {"CODE", "DESCRIPTION"} <= set(frame.columns):
            pass
        elif name == "conditions":
            changes["CODE"] = _condition_code(frame, "CODE", "DESCRIPTION")
        elif name == "medications":
            changes["CODE"] = _drug_code(frame)
        else:
            changes["CODE"] = pl.coalesce(pl.col("CODE"), _text_code("DESCRIPTION"))
        if changes:
            canonical[name] = frame.with_columns(**changes)
    return canonical
