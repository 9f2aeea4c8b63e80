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
    """Exact number of record pairs a rule generates (list columns exploded first)."""
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
        count = rule_comparisons(features, columns)
        if used + count > budget:
            logger.info(
                "Blocking rule %s skipped: %d comparisons exceed the budget", columns, count
            )
            continue
        used += count
        chosen.append(ChosenRule(columns, count))
    logger.info("Blocking: %d rules, at most %d comparisons (budget %d)", len(chosen), used, budget)
    return chosen
