"""Human-readable views of a trained Splink model."""

from __future__ import annotations

from typing import Any

import polars as pl


def parameter_table(settings: dict[str, Any]) -> pl.DataFrame:
    """One row per comparison level: m and u probabilities and the match weight they imply."""
    rows = []
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            m, u = level.get("m_probability"), level.get("u_probability")
            rows.append(
                {
                    "comparison": comparison["output_column_name"],
                    "level": level.get("label_for_charts", level["sql_condition"]),
                    "m": m,
                    "u": u,
                }
            )
    table = pl.DataFrame(
        rows, schema={"comparison": pl.String, "level": pl.String, "m": pl.Float64, "u": pl.Float64}
    )
    return table.with_columns(match_weight=(pl.col("m") / pl.col("u")).log(2).round(2))
