"""The clinical rows as each facility writes them, by the coding profile of the facility.

A row belongs to the facility where its encounter happened (``encounter_facilities``).
Conditions, and the visit, prescription and procedure reasons (which are conditions), follow
the facility's condition profile; medications its medication profile; laboratory results its
observation profile. Vital signs stay LOINC everywhere: US Core requires LOINC for vital signs,
so even facilities with local laboratory codes send them coded. Allergies and immunizations
are dropped at facilities that do not send that section. Ground truth and the population
tables are not touched: this is a view over them.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from synthmass_assets.augmentation.coding.icd10cm import ICD10CM_OF_SNOMED, mapped_descriptions
from synthmass_assets.augmentation.coding.profiles import CODING_COLUMNS, has_coding
from synthmass_assets.augmentation.coding.systems import LAB_CATEGORY
from synthmass_assets.augmentation.coding.texts import (
    BRAND_NAMES,
    CONDITION_WORDINGS,
    FREE_TEXT_NAMES,
    LOCAL_LAB_NAMES,
)

SEMANTIC_TAG = r"\s*\((finding|disorder|procedure|situation|substance|organism|product|person)\)$"
LOCAL_LAB_PREFIX = "LAB-"
WORDING_STREAM, LAB_STREAM = 1, 2
# Tables whose reasons (REASONCODE / REASONDESCRIPTION) are conditions.
REASON_TABLES = ("encounters", "medications", "procedures")
OPTIONAL_TABLES = ("allergies", "immunizations")


def _plain(column: str) -> pl.Expr:
    """Display text as a person writes it: no semantic tag, Synthea's double spaces as commas."""
    return pl.col(column).str.replace(SEMANTIC_TAG, "").str.replace_all("  ", ", ")


def _site_key(code: str) -> pl.Expr:
    return pl.format("{}|{}", pl.col("facility_id"), pl.col(code))


def _wordings(facilities: pl.DataFrame) -> dict[str, str]:
    """``facility|SNOMED`` → the wording each facility uses for the concept (its own draw)."""
    chosen = {}
    for facility_id, seed in facilities.select("facility_id", "coding_seed").iter_rows():
        rng = np.random.default_rng([seed, WORDING_STREAM])
        for code, wordings in CONDITION_WORDINGS.items():
            chosen[f"{facility_id}|{code}"] = wordings[int(rng.integers(len(wordings)))]
    return chosen


def _lab_codes(facilities: pl.DataFrame, observations: pl.DataFrame) -> dict[str, str]:
    """``facility|LOINC`` → the facility's own code of each laboratory test (``LAB-0042``).

    Our tests are numbered first, in `LOCAL_LAB_NAMES` order, then any other laboratory test
    of the table in code order; each facility numbers them by its own draw of distinct numbers.
    """
    known = list(LOCAL_LAB_NAMES)
    found = observations.filter(pl.col("CATEGORY") == LAB_CATEGORY).get_column("CODE")
    tests = known + sorted(set(found.drop_nulls().to_list()) - set(known))
    codes = {}
    for facility_id, seed in facilities.select("facility_id", "coding_seed").iter_rows():
        rng = np.random.default_rng([seed, LAB_STREAM])
        numbers = rng.choice(np.arange(1, 10_000), size=len(tests), replace=False)
        for test, number in zip(tests, numbers, strict=True):
            codes[f"{facility_id}|{test}"] = f"{LOCAL_LAB_PREFIX}{int(number):04d}"
    return codes


def _conditions(code: str, text: str, wordings: dict[str, str]) -> dict[str, pl.Expr]:
    """CODE and text of condition concepts (diagnoses or reasons) by the condition profile."""
    profile = pl.col("conditions_coding")
    icd = pl.col(code).replace_strict(ICD10CM_OF_SNOMED, default=None, return_dtype=pl.String)
    official = icd.replace_strict(mapped_descriptions(), default=None, return_dtype=pl.String)
    worded = _site_key(code).replace_strict(wordings, default=None, return_dtype=pl.String)
    return {
        code: pl.when(profile == "icd10cm")
        .then(icd)
        .when(profile == "text")
        .then(pl.lit(None, dtype=pl.String))
        .otherwise(pl.col(code)),
        text: pl.when(profile == "icd10cm")
        .then(pl.coalesce(official, _plain(text)))
        .when(profile == "text")
        .then(pl.coalesce(worded, _plain(text)))
        .otherwise(pl.col(text)),
    }


def _medications() -> dict[str, pl.Expr]:
    profile = pl.col("medications_coding")
    brand = pl.col("CODE").replace_strict(BRAND_NAMES, default=None, return_dtype=pl.String)
    free = pl.col("CODE").replace_strict(FREE_TEXT_NAMES, default=None, return_dtype=pl.String)
    named = profile.is_in(["brand", "free_text"])
    return {
        "CODE": pl.when(named).then(pl.lit(None, dtype=pl.String)).otherwise(pl.col("CODE")),
        "DESCRIPTION": pl.when(profile == "brand")
        .then(pl.coalesce(brand, pl.col("DESCRIPTION")))
        .when(profile == "free_text")
        .then(pl.coalesce(free, pl.col("DESCRIPTION").str.to_lowercase()))
        .otherwise(pl.col("DESCRIPTION")),
    }


def _observations(lab_codes: dict[str, str]) -> dict[str, pl.Expr]:
    local = (pl.col("observations_coding") == "local") & (pl.col("CATEGORY") == LAB_CATEGORY)
    short = pl.col("CODE").replace_strict(LOCAL_LAB_NAMES, default=None, return_dtype=pl.String)
    unbracketed = pl.col("DESCRIPTION").str.replace_all(r"\s*\[[^\]]*\]", "")
    return {
        "CODE": pl.when(local)
        .then(_site_key("CODE").replace_strict(lab_codes, default=None, return_dtype=pl.String))
        .otherwise(pl.col("CODE")),
        "DESCRIPTION": pl.when(local)
        .then(pl.coalesce(short, unbracketed))
        .otherwise(pl.col("DESCRIPTION")),
    }


def facility_tables(
    tables: dict[str, pl.DataFrame], encounter_facilities: pl.DataFrame, facilities: pl.DataFrame
) -> dict[str, pl.DataFrame]:
    """Each clinical row as the facility of its encounter writes it (same Synthea schema).

    Args:
        tables: Synthea tables by name (look-alikes included); tables other than the clinical
            ones pass through.
        encounter_facilities: ``encounter_id`` → ``facility_id`` of every encounter.
        facilities: The ``facilities`` asset, with the coding columns of
            `profiles.assign_coding_profiles`.

    Returns:
        The tables with conditions, reasons, medications and laboratory results recoded by
        their facility's profile and the sections a facility does not send dropped. Unchanged
        (the same frames) when no facility has a coding of its own or the coding columns are
        absent; rows of encounters no facility saw stay as they are.
    """
    if not has_coding(facilities):
        return dict(tables)
    coding = facilities.select("facility_id", *CODING_COLUMNS)
    sites = encounter_facilities.select("encounter_id", "facility_id").join(
        coding, on="facility_id", how="left"
    )
    wordings = _wordings(coding)
    rewritten = {}
    for name, frame in tables.items():
        changes: dict[str, pl.Expr] = {}
        if name in REASON_TABLES:
            changes |= _conditions("REASONCODE", "REASONDESCRIPTION", wordings)
        if name == "conditions":
            changes |= _conditions("CODE", "DESCRIPTION", wordings)
        elif name == "medications":
            changes |= _medications()
        elif name == "observations":
            changes |= _observations(_lab_codes(coding, frame))
        if not changes and name not in OPTIONAL_TABLES:
            rewritten[name] = frame
            continue
        key = "Id" if name == "encounters" else "ENCOUNTER"
        joined = frame.join(
            sites, left_on=key, right_on="encounter_id", how="left", maintain_order="left"
        )
        if name in OPTIONAL_TABLES:
            lacking = pl.col("missing_sections").fill_null("").str.split(",").list.contains(name)
            joined = joined.filter(~lacking)
        rewritten[name] = joined.with_columns(**changes).select(frame.columns)
    return rewritten
