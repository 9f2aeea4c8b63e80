"""Model JSON translated between DuckDB and Spark SQL (pure: no Spark session)."""

from __future__ import annotations

import pytest

from synthmass_assets.resolution.spark.dialect import (
    _library_levels,
    in_model_dialect,
    translated,
    translated_sql,
)


def test_every_library_level_round_trips() -> None:
    to_spark = _library_levels("duckdb", "spark")
    assert len(to_spark) > 40
    for duckdb_sql, spark_sql in to_spark.items():
        assert translated_sql(spark_sql, "spark", "duckdb") == duckdb_sql


@pytest.mark.parametrize(
    ("duckdb_sql", "spark_sql"),
    [
        (
            'jaro_winkler_similarity("a_l", "a_r") >= 0.9',
            "jaro_winkler(`a_l`, `a_r`) >= 0.9",
        ),
        (
            'array_length(list_intersect("v_l", "v_r")) >= 1',
            "SIZE(array_intersect(`v_l`, `v_r`)) >= 1",
        ),
        (
            "(a_l = a_r)::INT + (b_l = b_r)::INT = 2",
            "CAST((a_l = a_r) AS INT) + CAST((b_l = b_r) AS INT) = 2",
        ),
        ('l."zip" = r."zip"', "l.`zip` = r.`zip`"),
    ],
)
def test_sql_outside_the_library_goes_through_sqlglot(duckdb_sql: str, spark_sql: str) -> None:
    assert translated_sql(duckdb_sql, "duckdb", "spark") == spark_sql


def _settings(condition: str, rule: str, dialect: str) -> dict[str, object]:
    return {
        "sql_dialect": dialect,
        "comparisons": [
            {
                "output_column_name": "zip",
                "comparison_levels": [
                    {"sql_condition": condition, "m_probability": 0.9},
                    {"sql_condition": "ELSE", "m_probability": 0.1},
                ],
            }
        ],
        "blocking_rules_to_generate_predictions": [
            {"blocking_rule": rule, "sql_dialect": dialect, "arrays_to_explode": []}
        ],
    }


def test_settings_translate_and_come_back_unchanged() -> None:
    model = _settings('"zip_l" = "zip_r"', 'l."zip" = r."zip"', "duckdb")
    spark = translated(model, "spark")
    assert spark["sql_dialect"] == "spark"
    assert spark["comparisons"][0]["comparison_levels"][0]["sql_condition"] == "`zip_l` = `zip_r`"
    assert spark["blocking_rules_to_generate_predictions"][0]["blocking_rule"] == (
        "l.`zip` = r.`zip`"
    )
    assert model["sql_dialect"] == "duckdb"  # the input is left as it was
    assert in_model_dialect(spark, "spark") == model
