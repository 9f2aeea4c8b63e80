"""The Splink model's comparisons and blocking rules, built from the fields a dataset has."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import block_on
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.comparison_creator import ComparisonCreator


def _first_name() -> ComparisonCreator:
    return cl.CustomComparison(
        output_column_name="first_name",
        comparison_levels=[
            cll.NullLevel("first_name_clean"),
            cll.ExactMatchLevel("first_name_clean").configure(
                tf_adjustment_column="first_name_clean"
            ),
            cll.ArrayIntersectLevel("first_name_variants", min_intersection=1).configure(
                label_for_charts="Nickname of each other"
            ),
            cll.JaroWinklerLevel("first_name_clean", 0.92),
            cll.ColumnsReversedLevel("first_name_clean", "last_name_clean").configure(
                label_for_charts="First and last name swapped"
            ),
            cll.ExactMatchLevel("first_name_metaphone").configure(
                label_for_charts="Same metaphone code"
            ),
            cll.JaroWinklerLevel("first_name_clean", 0.8),
            cll.ElseLevel(),
        ],
        comparison_description="First name: exact, nickname, typo, swapped, phonetic",
    )


def _last_name() -> ComparisonCreator:
    maiden_swap = (
        "(last_name_clean_l = maiden_name_clean_r OR maiden_name_clean_l = last_name_clean_r "
        "OR maiden_name_clean_l = maiden_name_clean_r)"
    )
    hyphenated = (
        "(contains(last_name_clean_l, '-') OR contains(last_name_clean_r, '-') "
        "OR contains(last_name_clean_l, ' ') OR contains(last_name_clean_r, ' ')) AND "
        "(contains(last_name_clean_l, last_name_clean_r) "
        "OR contains(last_name_clean_r, last_name_clean_l))"
    )
    return cl.CustomComparison(
        output_column_name="last_name",
        comparison_levels=[
            cll.NullLevel("last_name_clean"),
            cll.ExactMatchLevel("last_name_clean").configure(
                tf_adjustment_column="last_name_clean"
            ),
            cll.CustomLevel(maiden_swap, "Maiden and married name"),
            cll.CustomLevel(hyphenated, "One part of a hyphenated name"),
            cll.JaroWinklerLevel("last_name_clean", 0.92),
            cll.ExactMatchLevel("last_name_nysiis").configure(label_for_charts="Same NYSIIS code"),
            cll.JaroWinklerLevel("last_name_clean", 0.8),
            cll.ElseLevel(),
        ],
        comparison_description="Last name: exact, maiden/married, hyphenated, typo, phonetic",
    )


def _ssn() -> ComparisonCreator:
    return cl.CustomComparison(
        output_column_name="ssn",
        comparison_levels=[
            cll.NullLevel("ssn_clean"),
            cll.ExactMatchLevel("ssn_clean"),
            cll.DamerauLevenshteinLevel("ssn_clean", 1),
            cll.ElseLevel(),
        ],
        comparison_description="SSN: exact, one digit wrong or transposed",
    )


def _zip() -> ComparisonCreator:
    return cl.CustomComparison(
        output_column_name="zip",
        comparison_levels=[
            cll.NullLevel("zip5"),
            cll.ExactMatchLevel("zip5").configure(tf_adjustment_column="zip5"),
            cll.CustomLevel("substr(zip5_l, 1, 3) = substr(zip5_r, 1, 3)", "Same 3-digit ZIP area"),
            cll.ElseLevel(),
        ],
        comparison_description="ZIP code: exact, same 3-digit area",
    )


@dataclass(frozen=True)
class ModelSpec:
    """Comparisons, prediction blocking rules and training rules for the fields present."""

    comparisons: list[ComparisonCreator | dict[str, Any]]
    prediction_rules: list[BlockingRuleCreator | dict[str, Any]]
    deterministic_rules: list[str | BlockingRuleCreator]
    training_rules: list[BlockingRuleCreator]


def model_spec(columns: set[str]) -> ModelSpec:
    """The Splink model for a dataset with ``columns`` (from :func:`matching_features`)."""
    has = columns.__contains__
    comparisons: list[ComparisonCreator | dict[str, Any]] = []
    if has("first_name_clean"):
        comparisons.append(_first_name())
    if has("last_name_clean"):
        comparisons.append(_last_name())
    if has("birthdate"):
        comparisons.append(
            cl.DateOfBirthComparison(
                "birthdate",
                input_is_string=False,
                datetime_metrics=["month", "year"],
                datetime_thresholds=[1, 1],
            )
        )
    if has("ssn_clean"):
        comparisons.append(_ssn())
    if has("address_clean"):
        comparisons.append(
            cl.LevenshteinAtThresholds("address_clean", [2, 6]).configure(
                term_frequency_adjustments=False
            )
        )
    if has("city_clean"):
        comparisons.append(cl.ExactMatch("city_clean").configure(term_frequency_adjustments=True))
    if has("zip5"):
        comparisons.append(_zip())
    candidates = [
        ("ssn_clean",),
        ("birthdate",),
        ("first_name_canonical", "last_name_nysiis"),
        ("last_name_clean", "birth_year"),
        ("first_name_clean", "birth_year"),
        ("first_name_metaphone", "zip5"),
        ("last_name_nysiis", "zip5"),
        ("address_number", "zip5"),
        ("phone",),
    ]
    prediction: list[BlockingRuleCreator | dict[str, Any]] = [
        block_on(*cols) for cols in candidates if all(has(c) for c in cols)
    ]
    deterministic: list[str | BlockingRuleCreator] = [
        block_on(*cols)
        for cols in (
            ("ssn_clean", "birth_year"),
            ("first_name_canonical", "last_name_clean", "birth_year"),
        )
        if all(has(c) for c in cols)
    ]
    training = [
        block_on(*cols)
        for cols in (("birthdate",), ("ssn_clean",), ("last_name_clean", "zip5"))
        if all(has(c) for c in cols)
    ]
    return ModelSpec(comparisons, prediction, deterministic, training)
