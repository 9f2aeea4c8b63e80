"""The Splink model's comparisons and blocking rules, built from the fields a dataset has."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import block_on
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.comparison_level_creator import ComparisonLevelCreator
from splink.internals.dialects import SplinkDialect

CROSSED_SIMILARITY = 0.88
# Hand-written conditions are DuckDB SQL; Splink transpiles them (sqlglot) for other engines.
CUSTOM_SQL_DIALECT = "duckdb"


def _custom(sql: str, label: str) -> cll.CustomLevel:
    return cll.CustomLevel(sql, label, base_dialect_str=CUSTOM_SQL_DIALECT)


class CrossedNameLevel(ComparisonLevelCreator):
    """One record's ``column`` is, up to a typo, the other record's ``other`` name field: a
    swap of given and family name that also carries a typo or an initial on the other side.

    Written per dialect: the Jaro-Winkler function is DuckDB's built-in, a Splink UDF on Spark.
    """

    def __init__(self, column: str, other: str) -> None:
        self.column, self.other = column, other

    def create_sql(self, sql_dialect: SplinkDialect) -> str:
        jw, a, b = sql_dialect.jaro_winkler_function_name, self.column, self.other
        return (
            f"{jw}({a}_l, {b}_r) >= {CROSSED_SIMILARITY} "
            f"OR {jw}({a}_r, {b}_l) >= {CROSSED_SIMILARITY}"
        )

    def create_label_for_charts(self) -> str:
        return "Swapped into the other name field"


def _initial(column: str) -> cll.CustomLevel:
    """One record has only the initial of the other's name (``J.`` for ``Jones``)."""
    sql = (
        f"(length({column}_l) = 1 OR length({column}_r) = 1) "
        f"AND left({column}_l, 1) = left({column}_r, 1)"
    )
    return _custom(sql, "Initial of the other")


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
            _initial("first_name_clean"),
            *([CrossedNameLevel("first_name_clean", "last_name_clean")] if has_last_name else []),
            cll.ElseLevel(),
        ],
        comparison_description="First name: exact, nickname, typo, swapped, phonetic, initial",
    )


def _last_name(has_maiden_name: bool, has_first_name: bool) -> ComparisonCreator:
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
            *([_custom(maiden_swap, "Maiden and married name")] if has_maiden_name else []),
            _custom(hyphenated, "One part of a hyphenated name"),
            cll.JaroWinklerLevel("last_name_clean", 0.92),
            cll.ExactMatchLevel("last_name_nysiis").configure(label_for_charts="Same NYSIIS code"),
            cll.JaroWinklerLevel("last_name_clean", 0.8),
            _initial("last_name_clean"),
            *([CrossedNameLevel("last_name_clean", "first_name_clean")] if has_first_name else []),
            cll.ElseLevel(),
        ],
        comparison_description="Last name: exact, maiden/married, hyphenated, typo, phonetic, "
        "initial",
    )


def _national_id() -> ComparisonCreator:
    return cl.CustomComparison(
        output_column_name="national_id",
        comparison_levels=[
            cll.NullLevel("national_id_clean"),
            cll.ExactMatchLevel("national_id_clean"),
            cll.DamerauLevenshteinLevel("national_id_clean", 1),
            cll.DamerauLevenshteinLevel("national_id_clean", 2),
            cll.ElseLevel(),
        ],
        comparison_description="National identifier (SSN, NHS number, insurance number): "
        "exact, one or two characters wrong or transposed",
    )


def _digits(side: str, start: int, length: int) -> str:
    return f"substr(birth_digits_{side}, {start}, {length})"


def _birthdate() -> ComparisonCreator:
    # On the year-month-day digits, so that impossible dates (kept as digits) compare too.
    year, month, day = ((1, 4), (5, 2), (7, 2))
    swapped = (
        f"{_digits('l', *year)} = {_digits('r', *year)} "
        f"AND {_digits('l', *month)} = {_digits('r', *day)} "
        f"AND {_digits('l', *day)} = {_digits('r', *month)}"
    )
    one_part_off = (
        " + ".join(
            f"({_digits('l', *part)} = {_digits('r', *part)})::INT" for part in (year, month, day)
        )
        + " = 2"
    )
    return cl.CustomComparison(
        output_column_name="birthdate",
        comparison_levels=[
            cll.NullLevel("birth_digits"),
            cll.ExactMatchLevel("birth_digits"),
            _custom(swapped, "Day and month swapped"),
            cll.DamerauLevenshteinLevel("birth_digits", 1).configure(
                label_for_charts="One digit off or two transposed"
            ),
            cll.ExactMatchLevel("birth_digits_sorted").configure(
                label_for_charts="Same digits, other order"
            ),
            _custom(one_part_off, "Two of year, month, day equal"),
            cll.AbsoluteDateDifferenceLevel(
                "birthdate", input_is_string=False, threshold=1, metric="year"
            ),
            cll.ElseLevel(),
        ],
        comparison_description="Birthdate: exact, swapped, typo, one part off, within a year; "
        "an impossible date is compared by its digits",
    )


def _middle_name() -> ComparisonCreator:
    return cl.CustomComparison(
        output_column_name="middle_name",
        comparison_levels=[
            cll.NullLevel("middle_name_clean"),
            cll.ExactMatchLevel("middle_name_clean"),
            _custom("left(middle_name_clean_l, 1) = left(middle_name_clean_r, 1)", "Same initial"),
            cll.ElseLevel(),
        ],
        comparison_description="Middle name: exact, same initial",
    )


def _postcode() -> ComparisonCreator:
    return cl.CustomComparison(
        output_column_name="postcode",
        comparison_levels=[
            cll.NullLevel("postcode_clean"),
            cll.ExactMatchLevel("postcode_clean").configure(tf_adjustment_column="postcode_clean"),
            cll.ExactMatchLevel("postcode_area").configure(label_for_charts="Same postcode area"),
            cll.ElseLevel(),
        ],
        comparison_description="Postcode or ZIP: exact, same area (outward code or first three "
        "characters)",
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
        "national_id_deletions",
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
    ("national_id_deletions",),
    ("phone_clean",),
    ("address_number", "street"),
    ("birth_year", "maiden_name_clean"),
    ("first_name_metaphone", "last_name_prefix"),
    ("middle_name_clean", "name_prefixes"),
    ("birth_month_day", "name_sounds"),
    ("birth_year", "postcode_clean"),
    ("postcode_clean", "maiden_name_clean"),
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
    ("last_name_prefix", "postcode_clean"),
    ("postcode_clean", "middle_name_clean"),
    ("birth_month_day", "name_prefixes"),
    ("birth_digits_sorted", "city_clean"),
    ("postcode_clean", "name_sounds"),
    ("last_name_nysiis", "last_name_prefix"),
    ("city_clean", "name_prefixes"),
    ("birth_year", "name_sounds"),
    ("birth_month_day", "postcode_clean"),
    ("birth_year", "birth_digits_sorted"),
)
# Broad rules catch records whose every identifier was damaged somewhere; their blocks grow
# with the population, so they are used only while the comparison budget allows.
BROAD_RULES: tuple[tuple[str, ...], ...] = (
    ("name_grams", "birth_years"),
    ("name_starts", "birth_years", "gender_clean"),
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
        comparisons.append(_last_name(has("maiden_name_clean"), has("first_name_clean")))
    if has("middle_name_clean"):
        comparisons.append(_middle_name())
    if has("birthdate"):
        comparisons.append(_birthdate())
    if has("national_id_clean"):
        comparisons.append(_national_id())
    if has("address_clean"):
        comparisons.append(
            cl.LevenshteinAtThresholds("address_clean", [2, 6]).configure(
                term_frequency_adjustments=False
            )
        )
    if has("city_clean"):
        comparisons.append(cl.ExactMatch("city_clean").configure(term_frequency_adjustments=True))
    if has("postcode_clean"):
        comparisons.append(_postcode())
    if has("phone_clean"):
        comparisons.append(
            cl.DamerauLevenshteinAtThresholds("phone_clean", [1]).configure(
                term_frequency_adjustments=False
            )
        )
    if has("gender_clean"):
        comparisons.append(cl.ExactMatch("gender_clean"))
    prediction: list[tuple[str, ...]] = [
        rule for rule in (*PREDICTION_RULES, *BROAD_RULES) if all(has(c) for c in rule)
    ]
    deterministic: list[str | BlockingRuleCreator] = [
        block_on(*cols)
        for cols in (
            ("national_id_clean", "birth_year"),
            ("first_name_canonical", "last_name_clean", "birth_year"),
        )
        if all(has(c) for c in cols)
    ]
    # EM estimates each comparison on the pairs a pass blocks: blocking on an identifier
    # that household members never share keeps twins and siblings out of the estimates.
    passes: tuple[tuple[str, ...], ...] = (("national_id_clean",), ("birth_digits",))
    if not has("national_id_clean"):
        passes = (("birth_digits",), ("last_name_clean", "postcode_clean"))
    training = [block_on(*cols) for cols in passes if all(has(c) for c in cols)]
    if len(training) < 2 and has("first_name_clean") and has("last_name_clean"):
        # Extracts without identifiers or postcodes: names estimate what the date cannot.
        training.append(block_on("first_name_clean", "last_name_clean"))
    return ModelSpec(comparisons, prediction, deterministic, training)
