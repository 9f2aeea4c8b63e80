"""Small helpers that turn frames into Dagster metadata shown in the UI."""

from __future__ import annotations

from typing import Any

import dagster as dg
import polars as pl

from synthmass_assets.privacy import IDENTIFYING_FIELDS, masked


def markdown_table(frame: pl.DataFrame, limit: int = 5) -> dg.MarkdownMetadataValue:
    """The first ``limit`` rows as a markdown table (long cells shortened)."""
    head = frame.head(limit).with_columns(pl.all().cast(pl.String).fill_null("").str.slice(0, 40))
    columns = head.columns
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in head.iter_rows()]
    return dg.MetadataValue.md("\n".join(lines))


def frame_metadata(
    frame: pl.DataFrame,
    *,
    private: bool = False,
    fields: frozenset[str] | set[str] = IDENTIFYING_FIELDS,
    **extra: Any,
) -> dict[str, Any]:
    """Row count, column schema and a preview, plus any extra entries.

    With ``private`` (users' own records), the preview shows ``fields`` as value shapes.
    """
    shown = masked(frame.head(5), frozenset(fields)) if private else frame
    return {
        "dagster/row_count": frame.height,
        "dagster/column_schema": dg.TableSchema(
            columns=[dg.TableColumn(name, str(dtype)) for name, dtype in frame.schema.items()]
        ),
        "preview": markdown_table(shown),
        **extra,
    }
