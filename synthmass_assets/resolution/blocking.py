"""Choose prediction blocking rules within a comparison budget, and count their comparisons."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import polars as pl

from synthmass_assets.resolution.comparisons import ARRAY_KEYS

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChosenRule:
    """A blocking rule's columns and the comparisons it generates on this dataset."""

    columns: tuple[str, ...]
    comparisons: int


def rule_comparisons(features: pl.DataFrame, columns: tuple[str, ...]) -> int:
    """Record pairs a rule generates, once per key value they share (list columns exploded
    first): exact for plain columns, an upper bound where records share several list elements
    (Splink scores each pair once)."""
    frame = features.select("record_id", *columns)
    for column in columns:
        if column in ARRAY_KEYS:
            frame = frame.explode(column)
    blocks = (
        frame.drop_nulls(list(columns))
        .unique(["record_id", *columns])
        .group_by(list(columns))
        .len()
        .get_column("len")
    )
    return int((blocks * (blocks - 1) // 2).sum())


EXACT_COUNT_LIMIT = 200_000


def estimated_comparisons(features: pl.DataFrame, columns: tuple[str, ...], seed: int = 0) -> int:
    """Pairs a rule generates: counted exactly up to `EXACT_COUNT_LIMIT` records, beyond that
    estimated from a random sample (pairs grow with the square of the sample fraction), so
    that exploding broad list keys never needs memory in proportion to the whole dataset."""
    if features.height <= EXACT_COUNT_LIMIT:
        return rule_comparisons(features, columns)
    fraction = EXACT_COUNT_LIMIT / features.height
    sample = features.sample(n=EXACT_COUNT_LIMIT, seed=seed)
    return int(rule_comparisons(sample, columns) / fraction**2)


def choose_rules(
    features: pl.DataFrame,
    candidates: list[tuple[str, ...]],
    max_per_record: float,
    max_total: float,
) -> list[ChosenRule]:
    """Candidates in order while the running comparison count stays within the budget.

    The budget is ``min(max_per_record × records, max_total)``; a rule that does not fit is
    skipped and later (usually cheaper) ones are still tried.
    """
    budget = min(max_per_record * features.height, max_total)
    chosen: list[ChosenRule] = []
    used = 0
    for columns in candidates:
        count = estimated_comparisons(features, columns)
        if used + count > budget:
            logger.info(
                "Blocking rule %s skipped: %d comparisons exceed the budget", columns, count
            )
            continue
        used += count
        chosen.append(ChosenRule(columns, count))
    logger.info("Blocking: %d rules, at most %d comparisons (budget %d)", len(chosen), used, budget)
    return chosen
