"""Name errors: nicknames and their reverse, typos, surname changes, swaps and middle names.

Nicknames come from the curated ``nicknames`` dataset (Old Dominion University, CC BY 4.0).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import nicknames
import numpy as np
import polars as pl

from synthmass_assets.augmentation.errors.missing import blank
from synthmass_assets.augmentation.errors.typos import (
    keyboard_typo,
    multi_char_typo,
    phonetic_misspelling,
)
from synthmass_assets.augmentation.errors.variant import (
    FieldChange,
    Values,
    Variant,
    on_field,
    random_index,
    uniforms,
)


@lru_cache(maxsize=1)
def nickname_lookup() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(lower-case formal name → nicknames, lower-case nickname → formal names), title-cased."""
    formal: dict[str, list[str]] = {}
    informal: dict[str, list[str]] = {}
    for triplet in nicknames.name_triplets():
        if triplet.relationship != "has_nickname" or triplet.name1 == triplet.name2:
            continue
        formal.setdefault(triplet.name1, []).append(triplet.name2.title())
        informal.setdefault(triplet.name2, []).append(triplet.name1.title())
    return formal, informal


def _lookup_swap(table: dict[str, list[str]]) -> FieldChange:
    lookup = pl.DataFrame(
        {"key": list(table), "options": list(table.values())},
        schema={"key": pl.String, "options": pl.List(pl.String)},
    )

    def swap(values: pl.Series, rng: np.random.Generator) -> pl.Series:
        frame = uniforms(rng, len(values)).with_columns(key=values.str.to_lowercase())
        options = pl.col("options")
        chosen = options.list.get(random_index(pl.col("u0"), options.list.len()))
        return (
            frame.join(lookup, on="key", how="left", maintain_order="left")
            .select(chosen.alias(values.name))
            .to_series()
        )

    return swap


def _in_table(table: dict[str, list[str]], field: str) -> Callable[[Values], pl.Series]:
    keys = pl.Series(list(table))
    return lambda values: values[field].str.to_lowercase().is_in(keys.implode())


def _long_enough(field: str, minimum: int) -> Callable[[Values], pl.Series]:
    return lambda values: values[field].str.len_chars() >= minimum


def maiden_swap(values: Values, rng: np.random.Generator) -> Values:
    """Registered under the maiden name instead of the married surname."""
    return {"last_name": values["maiden_name"].alias("last_name")}


def first_last_swap(values: Values, rng: np.random.Generator) -> Values:
    """First and last name entered in each other's boxes."""
    return {
        "first_name": values["last_name"].alias("first_name"),
        "last_name": values["first_name"].alias("last_name"),
    }


def hyphenated_surname(values: Values, rng: np.random.Generator) -> Values:
    """Both surnames hyphenated (either order), or one half of an already hyphenated one."""
    frame = uniforms(rng, len(values["last_name"]), 1).with_columns(
        last=values["last_name"], maiden=values["maiden_name"]
    )
    last, maiden, coin = pl.col("last"), pl.col("maiden"), pl.col("u0") < 0.5
    halves = last.str.split("-")
    out = (
        pl.when(last.str.contains("-"))
        .then(pl.when(coin).then(halves.list.first()).otherwise(halves.list.last()))
        .when(coin)
        .then(maiden + "-" + last)
        .otherwise(last + "-" + maiden)
    )
    return {"last_name": frame.select(out.alias("last_name")).to_series()}


def _surname_differs(values: Values) -> pl.Series:
    return values["maiden_name"] != values["last_name"]


def middle_initial(values: pl.Series, rng: np.random.Generator) -> pl.Series:
    """The middle name reduced to its initial."""
    return values.str.slice(0, 1)


FORMAL, INFORMAL = nickname_lookup()
NAME_VARIANTS: tuple[Variant, ...] = (
    Variant("nickname", "name", ("first_name",), 0.15, on_field("first_name", _lookup_swap(FORMAL)),
            _in_table(FORMAL, "first_name"), group="nickname"),
    Variant("nickname_reverse", "name", ("first_name",), 0.06,
            on_field("first_name", _lookup_swap(INFORMAL)), _in_table(INFORMAL, "first_name"),
            group="nickname"),
    Variant("keyboard_typo", "name", ("first_name",), 0.07, on_field("first_name", keyboard_typo)),
    Variant("keyboard_typo", "name", ("last_name",), 0.08, on_field("last_name", keyboard_typo)),
    Variant("multi_char_typo", "name", ("first_name",), 0.04,
            on_field("first_name", multi_char_typo), _long_enough("first_name", 3)),
    Variant("multi_char_typo", "name", ("last_name",), 0.04,
            on_field("last_name", multi_char_typo), _long_enough("last_name", 3)),
    Variant("phonetic", "name", ("first_name",), 0.07,
            on_field("first_name", phonetic_misspelling)),
    Variant("phonetic", "name", ("last_name",), 0.08,
            on_field("last_name", phonetic_misspelling)),
    Variant("maiden_swap", "name", ("last_name",), 0.10, maiden_swap, _surname_differs,
            reads=("maiden_name",), group="surname"),
    Variant("first_last_swap", "name", ("first_name", "last_name"), 0.05, first_last_swap,
            group="first_last_swap"),
    Variant("hyphenated_surname", "name", ("last_name",), 0.08, hyphenated_surname,
            _surname_differs, reads=("maiden_name",), group="surname"),
    Variant("middle_dropped", "name", ("middle_name",), 0.10, on_field("middle_name", blank)),
    Variant("middle_initial", "name", ("middle_name",), 0.08,
            on_field("middle_name", middle_initial), _long_enough("middle_name", 2)),
)  # fmt: skip
