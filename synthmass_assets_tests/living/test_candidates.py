"""The index records a batch can pair with, found per blocking rule in DuckDB."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from synthmass_assets.living.candidates import candidate_sql, frequency_sql, rule_columns

RULES = [
    {"blocking_rule": '(l."year" = r."year") AND (l."sound" = r."sound")'},
    {"blocking_rule": 'l."sounds" = r."sounds"', "arrays_to_explode": ["sounds"]},
]
INDEX = pl.DataFrame(
    {
        "record_id": ["i1", "i2", "i3", "i4"],
        "year": [1950, 1950, 1960, None],
        "sound": ["AN", "BO", "AN", "AN"],
        "sounds": [["x"], ["y", "z"], [], None],
        "city": ["A", "A", "B", None],
    }
)
BATCH = pl.DataFrame(
    {
        "record_id": ["n1"],
        "year": [1950],
        "sound": ["AN"],
        "sounds": [["z", "q"]],
        "city": ["A"],
    }
)


@pytest.mark.parametrize(
    ("text", "columns"),
    [
        ('l."a" = r."a"', ["a"]),
        ('(l."a" = r."a") AND (l."b" = r."b")', ["a", "b"]),
        ('l."a" = r."a" AND levenshtein(l."b", r."b") < 2', None),
        ('l."a" = r."b"', None),
    ],
)
def test_rule_columns(text: str, columns: list[str] | None) -> None:
    assert rule_columns({"blocking_rule": text}) == columns


def test_candidates_share_a_key_with_the_batch() -> None:
    con = duckdb.connect()
    con.register("idx", INDEX)
    con.register("batch", BATCH)
    sql = candidate_sql(RULES, "idx", "batch")
    assert sql is not None
    found = sorted(r[0] for r in con.execute(sql).fetchall())
    assert found == ["i1", "i2"]  # i1: year + sound; i2: shares the exploded sound "z"


def test_a_rule_that_is_not_equalities_means_the_whole_index() -> None:
    assert candidate_sql([{"blocking_rule": "l.a < r.a"}], "idx", "batch") is None


def test_frequencies_count_index_and_batch() -> None:
    con = duckdb.connect()
    con.register("idx", INDEX)
    con.register("batch", BATCH)
    tf = dict(con.execute(frequency_sql("city", "idx", "batch")).fetchall())
    assert tf == {"A": 0.75, "B": 0.25}
