"""The Splink model's comparisons and blocking rules, built from the fields a dataset has."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import block_on
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.comparison_creator import ComparisonCreator


def _first_name(has_last_name: bool) -> ComparisonCreator:
    swapped = [
        cll.ColumnsReversedLevel("first_name_clean", "last_name_clean").configure(
            label_for_charts="First and last name swapped"
        )
    ]
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
            *(swapped if has_last_name else []),
            cll.ExactMatchLevel("first_name_metaphone").configure(
                label_for_charts="Same metaphone code"
            ),
            cll.JaroWinklerLevel("first_name_clean", 0.8),
            cll.ElseLevel(),
        ],
        comparison_description="First name: exact, nickname, typo, swapped, phonetic",
    )


def _last_name(has_maiden_name: bool) -> ComparisonCreator:
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
            *([cll.CustomLevel(maiden_swap, "Maiden and married name")] if has_maiden_name else []),
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
            cll.DamerauLevenshteinLevel("ssn_clean", 2),
            cll.ElseLevel(),
        ],
        comparison_description="SSN: exact, one or two digits wrong or transposed",
    )


def _birthdate() -> ComparisonCreator:
    swapped = (
        "year(birthdate_l) = year(birthdate_r) AND month(birthdate_l) = day(birthdate_r) "
        "AND day(birthdate_l) = month(birthdate_r)"
    )
    one_part_off = (
        "(year(birthdate_l) = year(birthdate_r))::INT "
        "+ (month(birthdate_l) = month(birthdate_r))::INT "
        "+ (day(birthdate_l) = day(birthdate_r))::INT = 2"
    )
    return cl.CustomComparison(
        output_column_name="birthdate",
        comparison_levels=[
            cll.NullLevel("birthdate"),
            cll.ExactMatchLevel("birthdate"),
            cll.CustomLevel(swapped, "Day and month swapped"),
            cll.DamerauLevenshteinLevel("birth_digits", 1).configure(
                label_for_charts="One digit off or two transposed"
            ),
            cll.ExactMatchLevel("birth_digits_sorted").configure(
                label_for_charts="Same digits, other order"
            ),
            cll.CustomLevel(one_part_off, "Two of year, month, day equal"),
            cll.AbsoluteDateDifferenceLevel(
                "birthdate", input_is_string=False, threshold=1, metric="year"
            ),
            cll.ElseLevel(),
        ],
        comparison_description="Birthdate: exact, swapped, typo, one part off, within a year",
    )


def _middle_name() -> ComparisonCreator:
    return cl.CustomComparison(
        output_column_name="middle_name",
        comparison_levels=[
            cll.NullLevel("middle_name_clean"),
            cll.ExactMatchLevel("middle_name_clean"),
            cll.CustomLevel(
                "left(middle_name_clean_l, 1) = left(middle_name_clean_r, 1)", "Same initial"
            ),
            cll.ElseLevel(),
        ],
        comparison_description="Middle name: exact, same initial",
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
    prediction_rules: list[tuple[str, ...]]
    deterministic_rules: list[str | BlockingRuleCreator]
    training_rules: list[BlockingRuleCreator]


# Blocking keys that are lists; a rule on them matches when the lists share an element.
ARRAY_KEYS = frozenset(
    {
        "ssn_deletions",
        "birth_years",
        "name_prefixes",
        "name_sounds",
        "name_starts",
        "name_ends",
        "name_grams",
        "name_tokens",
        "birth_tokens",
        "place_tokens",
    }
)
# Chosen greedily on the adversarial protocol for true pairs found per comparison made, then
# pruned of rules whose blocks grow with the population (a single common first name, say).
PREDICTION_RULES: tuple[tuple[str, ...], ...] = (
    ("ssn_deletions",),
    ("phone_clean",),
    ("address_number", "street"),
    ("birth_year", "maiden_name_clean"),
    ("first_name_metaphone", "last_name_prefix"),
    ("middle_name_clean", "name_prefixes"),
    ("birth_month_day", "name_sounds"),
    ("birth_year", "zip5"),
    ("zip5", "maiden_name_clean"),
    ("birth_year", "first_name_metaphone"),
    ("birth_year", "middle_name_clean"),
    ("last_name_prefix", "city_clean"),
    ("birth_year", "name_prefixes"),
    ("first_name_prefix", "maiden_name_clean"),
    ("city_clean", "name_sounds"),
    ("last_name_nysiis", "first_name_prefix"),
    ("birthdate",),
    ("birth_month_day", "middle_name_clean"),
    ("birth_month_day", "city_clean"),
    ("birth_month_day", "first_name_prefix"),
    ("birth_year", "city_clean"),
    ("last_name_prefix", "zip5"),
    ("zip5", "middle_name_clean"),
    ("birth_month_day", "name_prefixes"),
    ("birth_digits_sorted", "city_clean"),
    ("zip5", "name_sounds"),
    ("last_name_nysiis", "last_name_prefix"),
    ("city_clean", "name_prefixes"),
    ("birth_year", "name_sounds"),
    ("birth_month_day", "zip5"),
    ("birth_year", "birth_digits_sorted"),
)
# Broad rules catch records whose every identifier was damaged somewhere; their blocks grow
# with the population, so they are used only while the comparison budget allows.
BROAD_RULES: tuple[tuple[str, ...], ...] = (
    ("name_grams", "birth_years"),
    ("name_starts", "birth_years", "gender"),
    ("name_ends", "birth_years"),
    ("name_tokens", "birth_tokens"),
    ("name_tokens", "place_tokens"),
    ("birth_tokens", "place_tokens"),
    ("place_tokens",),
    ("name_tokens",),
    ("birth_tokens",),
)


def blocking_rule(columns: tuple[str, ...]) -> BlockingRuleCreator:
    """Equality on ``columns``; list columns match when they share an element."""
    return block_on(*columns, arrays_to_explode=[c for c in columns if c in ARRAY_KEYS] or None)


def model_spec(columns: set[str]) -> ModelSpec:
    """The Splink model for a dataset with ``columns`` (from :func:`matching_features`)."""
    has = columns.__contains__
    comparisons: list[ComparisonCreator | dict[str, Any]] = []
    if has("first_name_clean"):
        comparisons.append(_first_name(has("last_name_clean")))
    if has("last_name_clean"):
        comparisons.append(_last_name(has("maiden_name_clean")))
    if has("middle_name_clean"):
        comparisons.append(_middle_name())
    if has("birthdate"):
        comparisons.append(_birthdate())
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
    if has("phone_clean"):
        comparisons.append(
            cl.DamerauLevenshteinAtThresholds("phone_clean", [1]).configure(
                term_frequency_adjustments=False
            )
        )
    if has("gender"):
        comparisons.append(cl.ExactMatch("gender"))
    prediction: list[tuple[str, ...]] = [
        rule for rule in (*PREDICTION_RULES, *BROAD_RULES) if all(has(c) for c in rule)
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
