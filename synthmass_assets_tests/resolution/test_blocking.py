"""Blocking keys and the second blocking pass on small inline frames."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from synthmass_assets.resolution.linkage import (
    ClosureParams,
    exploded_keys,
    shared_neighbour_pairs,
    with_record_ids,
)
from synthmass_assets.resolution.normalize import letter_grams, matching_features


@pytest.mark.parametrize(
    ("name", "grams"),
    [
        ("olivia", ["livi", "ivia", "oliv"]),
        ("lee", ["lee"]),
        ("anna", ["anna"]),
    ],
)
def test_letter_grams(name: str, grams: list[str]) -> None:
    assert letter_grams(name) == sorted(grams)


def _features(*rows: tuple[str, str, str | None, dt.date]) -> pl.DataFrame:
    first, last, maiden, born = zip(*rows, strict=True)
    return matching_features(
        pl.DataFrame(
            {
                "record_id": [str(i) for i in range(len(rows))],
                "first_name": first,
                "last_name": last,
                "maiden_name": maiden,
                "birthdate": born,
            },
            schema_overrides={"maiden_name": pl.String},
        )
    )


def _shared(features: pl.DataFrame, column: str) -> set[str]:
    left, right = features.get_column(column).to_list()
    return set(left) & set(right)


def test_name_keys_survive_a_swap_with_typos_at_both_ends() -> None:
    # First and last name swapped, and misspelt in their first or last letters.
    features = _features(
        ("Richardson", "Hulds", None, dt.date(2012, 3, 21)),
        ("Julds", "Rychardsom", None, dt.date(2011, 4, 23)),
    )
    assert _shared(features, "name_prefixes") == set()
    assert _shared(features, "name_grams") == {"ulds", "char", "hard", "ards", "rdso"}
    assert _shared(features, "name_ends") == {"lds"}
    assert _shared(features, "birth_years") == {"2012"}


def test_name_starts_pool_first_and_last_name() -> None:
    features = _features(
        ("Maria", "Lopez", None, dt.date(1990, 1, 1)),
        ("Lopes", "Marai", None, dt.date(1990, 1, 1)),
    )
    assert _shared(features, "name_starts") == {"lo", "ma"}


def test_birth_years_pair_only_neighbouring_years() -> None:
    features = _features(
        ("Ann", "Lee", None, dt.date(1990, 1, 1)),
        ("Ann", "Lee", None, dt.date(1992, 1, 1)),
    )
    assert _shared(features, "birth_years") == set()
    assert features.get_column("birth_years").to_list()[0] == ["1990", "1991"]


def _scored(*pairs: tuple[int, int, float]) -> pl.DataFrame:
    left, right, probability = zip(*pairs, strict=True)
    return pl.DataFrame(
        {
            "record_id_l": pl.Series(left, dtype=pl.UInt32),
            "record_id_r": pl.Series(right, dtype=pl.UInt32),
            "match_probability": probability,
            "match_weight": [10 * p for p in probability],
        }
    )


def _pairs(frame: pl.DataFrame) -> set[tuple[int, int]]:
    return set(frame.select("record_id_l", "record_id_r").iter_rows())


def test_records_sharing_a_likely_match_are_paired_once() -> None:
    # 0 links 1 and 2 (neither pair of them scored); 1-3 is scored already; 4 is unlikely.
    scored = _scored((0, 1, 0.9), (2, 0, 0.8), (0, 3, 0.7), (1, 3, 0.1), (0, 4, 0.2))
    params = ClosureParams(match_probability=0.5, neighbours=5)
    assert _pairs(shared_neighbour_pairs(scored, params)) == {(1, 2), (2, 3)}


def test_only_the_best_neighbours_are_paired() -> None:
    scored = _scored((0, 1, 0.9), (0, 2, 0.8), (0, 3, 0.7))
    params = ClosureParams(match_probability=0.5, neighbours=2)
    assert _pairs(shared_neighbour_pairs(scored, params)) == {(1, 2)}


def test_row_numbers_become_record_ids() -> None:
    pairs = with_record_ids(_scored((0, 2, 0.9)), pl.Series(["a", "b", "c"]))
    assert pairs.row(0)[:2] == ("a", "c")


def test_exploded_keys_of_saved_settings() -> None:
    settings = {
        "blocking_rules_to_generate_predictions": [
            {"blocking_rule": 'l."phone_clean" = r."phone_clean"'},
            {"blocking_rule": "…", "arrays_to_explode": ["name_grams", "birth_years"]},
        ]
    }
    assert exploded_keys(settings) == {"name_grams", "birth_years"}
