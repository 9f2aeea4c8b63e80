"""Score given record pairs with Splink's own SQL for a stored model, on a held DuckDB
connection.

Splink's predict pipeline is blocked pairs → comparison vectors → match weights. Its SQL is
generated once here from the stored settings (Splink's own functions, so comparisons, levels,
term-frequency adjustments and the prior are exactly the model's) and then run for each batch of
candidate pairs, without Splink's per-call table bookkeeping.
"""

from __future__ import annotations

from typing import Any

import duckdb
import polars as pl
from splink import SettingsCreator
from splink.internals.comparison_vector_values import (
    compute_comparison_vector_values_from_id_pairs_sqls,
)
from splink.internals.predict import predict_from_comparison_vectors_sqls_using_settings

LEFT = "scorer_left"
RIGHT = "scorer_right"
PAIRS = "__splink__blocked_id_pairs"


def tf_columns(settings: dict[str, Any]) -> list[str]:
    """Columns whose term frequencies the model's comparison levels adjust for."""
    return sorted(
        {
            level["tf_adjustment_column"]
            for comparison in settings["comparisons"]
            for level in comparison["comparison_levels"]
            if level.get("tf_adjustment_column")
        }
    )


def term_frequencies(records: pl.DataFrame, column: str) -> pl.DataFrame:
    """``column`` → ``tf_<column>``: each value's share of the non-null values (as Splink's
    ``compute_tf_table``)."""
    values = records.select(column).drop_nulls()
    return values.group_by(column).agg((pl.len() / max(values.height, 1)).alias(f"tf_{column}"))


def with_term_frequencies(records: pl.DataFrame, tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """``records`` with a ``tf_<column>`` column per table (null for unseen values)."""
    for column, table in tables.items():
        records = records.join(table, on=column, how="left", maintain_order="left")
    return records


def explained(settings: dict[str, Any], values: bool = True) -> dict[str, Any]:
    """Settings that keep the per-comparison gamma, bayes factor and match weight columns and,
    with ``values``, the compared values (what Splink's waterfall charts and dashboards read)."""
    return {
        **settings,
        "retain_matching_columns": values,
        "retain_intermediate_calculation_columns": True,
    }


def predict_sql(settings: dict[str, Any], weights: bool = False, values: bool = False) -> str:
    """One SQL statement scoring ``__splink__blocked_id_pairs`` (``match_key``,
    ``join_key_l``, ``join_key_r``) of `LEFT` and `RIGHT` records under ``settings``; with
    ``weights``, each comparison's gamma, bayes factors and match weights (``mw_<name>``) are
    kept, with ``values`` the compared values too."""
    if weights or values:
        settings = explained(settings, values)
    model = SettingsCreator.from_path_or_dict(settings).get_settings("duckdb")
    steps = compute_comparison_vector_values_from_id_pairs_sqls(
        model._columns_to_select_for_blocking,
        model._columns_to_select_for_comparison_vector_values,
        input_tablename_l=LEFT,
        input_tablename_r=RIGHT,
        source_dataset_input_column=None,
        unique_id_input_column=model.column_info_settings.unique_id_input_column,
    )
    steps += predict_from_comparison_vectors_sqls_using_settings(model)
    ctes = ",\n".join(f"{step['output_table_name']} AS ({step['sql']})" for step in steps[:-1])
    return f"WITH {ctes}\n{steps[-1]['sql']}"


class PairScorer:
    """Splink's scoring SQL for a model, run on one DuckDB connection for any left and right
    records: the tables are registered per call, so a query scores only the records it needs
    (a scan of a large stored index per query would cost more than the scoring).

    Args:
        settings: Stored Splink settings.
        weights: Keep each comparison's gamma, bayes factor and match weight columns.
        values: Keep the compared values too.
    """

    def __init__(self, settings: dict[str, Any], weights: bool = False, values: bool = False):
        self.connection = duckdb.connect()
        self.connection.execute("SET threads = 1")
        self.sql = predict_sql(settings, weights, values)

    def score(self, left: pl.DataFrame, right: pl.DataFrame, pairs: pl.DataFrame) -> pl.DataFrame:
        """Scores of ``pairs`` (``join_key_l`` a left ``record_id``, ``join_key_r`` a right one)
        of records with matching features and the ``tf_`` columns of
        :func:`with_term_frequencies`: ``record_id_l``, ``record_id_r``, ``match_weight``,
        ``match_probability`` and the columns ``weights`` and ``values`` keep."""
        cursor = self.connection.cursor()
        cursor.register(LEFT, left.to_arrow())
        cursor.register(RIGHT, right.to_arrow())
        cursor.register(PAIRS, pairs.with_columns(match_key=pl.lit("0")).to_arrow())
        return cursor.execute(self.sql).pl()
