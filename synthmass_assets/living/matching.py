"""Score a batch of new records against the index with a stored Splink model.

Splink 5's ``inference.predict_between`` blocks and scores new ↔ indexed records and
``predict_within`` new ↔ new, with the stored settings (their blocking rules restrict the
comparisons) and term-frequency tables of the index plus the batch registered beforehand, so the
index itself is never compared with itself again.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
from splink import DuckDBAPI, Linker

from synthmass_assets.resolution.comparisons import ARRAY_KEYS
from synthmass_assets.resolution.linkage import exploded_keys, with_record_ids
from synthmass_assets.resolution.sources import within_link_type

try:  # the engine constants moved with the Spark backend (resolution.engines)
    from synthmass_assets.resolution.engines import DUCKDB_MEMORY_LIMIT, RAW_FIELDS
except ImportError:  # pragma: no cover - before that move
    from synthmass_assets.resolution.linkage import (  # type: ignore[attr-defined,no-redef]
        DUCKDB_MEMORY_LIMIT,
        RAW_FIELDS,
    )

logger = logging.getLogger(__name__)

PAIR_SCHEMA = {
    "record_id_l": pl.String,
    "record_id_r": pl.String,
    "match_weight": pl.Float64,
    "match_probability": pl.Float64,
}


def tf_columns(settings: dict[str, Any]) -> list[str]:
    """Columns whose term frequencies the settings' comparison levels adjust for."""
    columns = {
        level["tf_adjustment_column"]
        for comparison in settings["comparisons"]
        for level in comparison["comparison_levels"]
        if level.get("tf_adjustment_column")
    }
    return sorted(columns)


def term_frequencies(records: pl.DataFrame, column: str) -> pl.DataFrame:
    """``column`` → ``tf_<column>``: each value's share of the non-null values, as Splink's
    ``compute_tf_table`` computes it."""
    values = records.select(column).drop_nulls()
    return values.group_by(column).agg((pl.len() / max(values.height, 1)).alias(f"tf_{column}"))


def unused_columns(settings: dict[str, Any]) -> list[str]:
    """Feature columns Splink does not read with these settings (raw fields, list keys no
    rule explodes)."""
    return [*RAW_FIELDS, *sorted(ARRAY_KEYS - exploded_keys(settings))]


def _numbered(records: pl.DataFrame, offset: int, keys: frozenset[str]) -> pl.DataFrame:
    unused = [*RAW_FIELDS, *(ARRAY_KEYS - keys)]
    return records.drop(unused, strict=False).with_columns(
        record_id=pl.int_range(offset, offset + pl.len(), dtype=pl.UInt32)
    )


def score_batch(
    index: pl.DataFrame,
    batch: pl.DataFrame,
    settings: dict[str, Any],
    workdir: Path,
    link_type: str = "link_and_dedupe",
    frequencies: dict[str, pl.DataFrame] | None = None,
    threshold_match_weight: float | None = None,
) -> pl.DataFrame:
    """Every blocked pair of a batch record with an indexed or another batch record, scored.

    Args:
        index: Matching features (``resolution.normalize.matching_features``) of the indexed
            records the batch can pair with (``candidates``), or of the whole index.
        batch: Matching features of the new records.
        settings: Stored Splink settings (``splink_model``).
        workdir: Scratch folder for Splink's DuckDB file.
        link_type: Which pairs the sources compare (see ``resolution.sources``).
        frequencies: ``tf_<column>`` tables over the whole index plus the batch (default:
            counted over ``index`` plus ``batch``).
        threshold_match_weight: Splink leaves out pairs below this match weight.

    Returns:
        ``record_id_l``, ``record_id_r`` (record ids, new record on the right for new ↔ index
        pairs), ``match_weight`` and ``match_probability`` under the settings' prior.
    """
    if batch.is_empty():
        return pl.DataFrame(schema=PAIR_SCHEMA)
    keys = exploded_keys(settings)
    config: dict[str, str | bool | int | float | list[str]] = {
        "memory_limit": DUCKDB_MEMORY_LIMIT,
        "temp_directory": str(workdir / "spill"),
    }
    api = DuckDBAPI(connection=duckdb.connect(str(workdir / "batch.duckdb"), config=config))
    both = pl.concat([index, batch], how="diagonal_relaxed")
    new = api.register(_numbered(batch, index.height, keys).to_arrow(), table_name="batch")
    linker = Linker(new, settings)
    for column in tf_columns(settings):
        counted = (frequencies or {}).get(column)
        tf = term_frequencies(both, column) if counted is None else counted
        table = api.register(tf.to_arrow(), table_name=f"tf_{column}")
        linker.table_management.register_term_frequency_lookup(table, column)
    columns = "record_id_l, record_id_r, match_weight, match_probability"
    threshold = {"threshold_match_weight": threshold_match_weight, "warning_mode": "never"}
    parts = [linker.inference.predict_within(new, **threshold)]  # type: ignore[arg-type]
    if not index.is_empty():
        old = api.register(_numbered(index, 0, keys).to_arrow(), table_name="index_records")
        parts.append(linker.inference.predict_between(old, new, **threshold))  # type: ignore[arg-type]
    frames = [part.as_duckdbpyrelation().select(columns).pl() for part in parts]
    numbered = pl.concat(frames).with_columns(pl.col("record_id_l", "record_id_r").cast(pl.UInt32))
    facility = (
        both.get_column("facility_id")
        if "facility_id" in both.columns
        else pl.Series("facility_id", [None] * both.height, dtype=pl.String)
    )
    scored = within_link_type(numbered, facility, link_type)
    logger.info("Batch of %d vs %d indexed: %d pairs", batch.height, index.height, scored.height)
    return with_record_ids(scored, both.get_column("record_id")).cast(PAIR_SCHEMA)  # type: ignore[arg-type]
