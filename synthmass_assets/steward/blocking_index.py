"""The prediction blocking rules of a stored Splink model as an in-memory inverted index.

Splink blocks by joining the input with itself on each rule's columns (list columns exploded
first). For one query record against a fixed index, the same join is a lookup: every index
record's key under each rule is hashed once at startup and kept sorted, so a query's
candidates are a binary search per key instead of a join over the whole index.
"""

from __future__ import annotations

import itertools
import logging
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from synthmass_assets.resolution.blocking import choose_rules

logger = logging.getLogger(__name__)

EQUALITY = re.compile(r'^\(?l\."(\w+)" = r\."(\w+)"\)?$')
ROW = "_row"


def rule_columns(rule: dict[str, Any]) -> tuple[str, ...] | None:
    """The columns of an equi-join rule (``l."a" = r."a" AND …``), None for any other SQL."""
    columns = []
    for part in rule["blocking_rule"].split(" AND "):
        found = EQUALITY.match(part.strip())
        if not found or found.group(1) != found.group(2):
            return None
        columns.append(found.group(1))
    return tuple(columns)


def model_rules(settings: dict[str, Any]) -> list[tuple[str, ...]]:
    """The column tuples of the settings' prediction rules; other SQL is skipped with a
    warning (it cannot be looked up, only joined)."""
    rules = []
    for rule in settings.get("blocking_rules_to_generate_predictions", []):
        columns = rule_columns(rule)
        if columns is None:
            logger.warning("Blocking rule %s is not an equi-join: skipped", rule["blocking_rule"])
            continue
        rules.append(columns)
    return rules


def rules_for_index(
    features: pl.DataFrame, rules: list[tuple[str, ...]], comparisons_per_record: float
) -> list[tuple[str, ...]]:
    """The rules, in order, that keep the index within ``comparisons_per_record`` (as
    ``splink_model`` chooses them for its data): broad rules chosen on a small track would
    return thousands of candidates from a large index."""
    chosen = choose_rules(features, rules, comparisons_per_record, float("inf"))
    return [rule.columns for rule in chosen]


def _key_text(number: int, values: tuple[Any, ...]) -> str:
    return "\x1f".join([str(number), *(str(v) for v in values)])


def row_keys(row: dict[str, Any], rules: list[tuple[str, ...]]) -> np.ndarray:
    """The hashed keys of one record (a dict of its features), as :func:`rule_keys` hashes
    them for a frame, without building a frame per rule (a query is one record)."""
    texts = []
    for number, columns in enumerate(rules):
        options = [v if isinstance(v, list) else [v] for v in (row[c] for c in columns)]
        for values in itertools.product(*options):
            if all(v is not None for v in values):
                texts.append(_key_text(number, values))
    return np.unique(pl.Series(texts, dtype=pl.String).hash(seed=0).to_numpy())


def rule_keys(features: pl.DataFrame, rules: list[tuple[str, ...]]) -> pl.DataFrame:
    """``_row`` (row number in ``features``) and ``key`` (a 64-bit hash of the rule number
    and its column values) for every rule and exploded value combination; a key with a null
    part is dropped, as SQL equality drops it."""
    frame = features.with_row_index(ROW)
    parts = []
    for number, columns in enumerate(rules):
        part = frame.select(ROW, *columns)
        for column in columns:
            if isinstance(part.schema[column], pl.List):
                part = part.explode(column)
        part = part.drop_nulls(list(columns))
        text = pl.concat_str(
            [pl.lit(str(number)), *(pl.col(c).cast(pl.String) for c in columns)], separator="\x1f"
        )
        parts.append(part.select(ROW, key=text.hash(seed=0)))
    return pl.concat(parts).unique()


@dataclass
class BlockingIndex:
    """Sorted rule-key hashes of the index records and the row each belongs to."""

    rules: list[tuple[str, ...]]
    keys: np.ndarray
    rows: np.ndarray

    @classmethod
    def build(cls, features: pl.DataFrame, rules: list[tuple[str, ...]]) -> BlockingIndex:
        table = rule_keys(features, rules).sort("key")
        logger.info("Blocking index: %d keys over %d rules", table.height, len(rules))
        return cls(rules, table.get_column("key").to_numpy(), table.get_column(ROW).to_numpy())

    def candidates(self, query: pl.DataFrame, limit: int | None = None) -> np.ndarray:
        """Distinct index rows that share a key of any rule with the one ``query`` record; with
        ``limit``, the rows found by most keys first (ties by row) and at most ``limit``."""
        wanted = row_keys(query.row(0, named=True), self.rules)
        starts = np.searchsorted(self.keys, wanted, side="left")
        ends = np.searchsorted(self.keys, wanted, side="right")
        hits = [self.rows[s:e] for s, e in zip(starts, ends, strict=True) if e > s]
        if not hits:
            return np.empty(0, dtype=np.uint32)
        rows, counts = np.unique(np.concatenate(hits), return_counts=True)
        if limit is None or rows.size <= limit:
            return rows
        return rows[np.argsort(-counts, kind="stable")[:limit]]
