"""The clinical evidence of a record pair in words, for a steward.

Read from the clinical summaries the classifier reads (``classifier/summaries``): chronic
conditions both records carry (for one person), a drug one record takes for a condition the
other, seen after the drug began, never had (against), check-ups of both records closer than
a year apart (one person has one check-up a year: against), visits on the same days at two
facilities (a person is in one place a day: against, unless one visit was recorded twice).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

CHECK_UP_GAP_DAYS = 300
FACTS = (
    "diagnoses",
    "treatments",
    "condition_codes",
    "wellness_dates",
    "visit_dates",
    "last_visit",
)


def code_names(conditions: pl.DataFrame, medications: pl.DataFrame) -> dict[str, str]:
    """Code → description from the track's Synthea-style condition and medication tables."""
    frames = [
        t.select(pl.col("CODE").cast(pl.String), pl.col("DESCRIPTION").cast(pl.String))
        for t in (conditions, medications)
        if {"CODE", "DESCRIPTION"} <= set(t.columns)
    ]
    if not frames:
        return {}
    both = pl.concat(frames).unique("CODE", keep="first")
    return dict(zip(both["CODE"].to_list(), both["DESCRIPTION"].to_list(), strict=True))


def named(names: dict[str, str], code: str) -> str:
    """A code's description; an uncoded item (``text:<words>``, see
    ``classifier/summaries/canonical``) reads as its words."""
    return names.get(code) or code.removeprefix("text:")


def _chronic(facts: dict[str, Any]) -> set[str]:
    return {d["code"] for d in facts.get("diagnoses") or [] if d.get("ongoing")}


def _unexplained_drugs(
    taker: dict[str, Any], other: dict[str, Any], names: dict[str, str]
) -> list[str]:
    """Drugs ``taker`` takes for a chronic condition ``other`` never had although seen after
    they began (an acute condition treated at one facility need not reach the other)."""
    chronic = _chronic(taker)
    never_had = set(other.get("condition_codes") or [])
    last_seen = other.get("last_visit")
    found = []
    for treatment in taker.get("treatments") or []:
        reason, start = treatment.get("reason"), treatment.get("start")
        if reason not in chronic or reason in never_had or last_seen is None or start is None:
            continue
        if last_seen >= start:
            drug = named(names, treatment.get("drug") or "") or "a drug"
            found.append(f"{drug} for {named(names, reason)}")
    return sorted(set(found))


def _nearest_days(left: list[dt.date], right: list[dt.date]) -> int | None:
    if not left or not right:
        return None
    return min(abs((a - b).days) for a in left for b in right)


def pair_words(left: dict[str, Any], right: dict[str, Any], names: dict[str, str]) -> list[str]:
    """Sentences of clinical evidence for one pair (empty when neither has a history)."""
    words = []
    shared = sorted(named(names, c) for c in _chronic(left) & _chronic(right))
    if shared:
        words.append("For: both records carry the chronic condition(s) " + "; ".join(shared))
    for taker, other, side, other_side in ((left, right, "L", "R"), (right, left, "R", "L")):
        drugs = _unexplained_drugs(taker, other, names)
        if drugs:
            words.append(
                f"Against: record {side} takes {', '.join(drugs[:3])}; record {other_side}, "
                "seen after it began, never had that condition"
            )
    gap = _nearest_days(left.get("wellness_dates") or [], right.get("wellness_dates") or [])
    if gap is not None and gap < CHECK_UP_GAP_DAYS:
        words.append(
            f"Against: check-ups {gap} days apart, one in each record (one person has one a year)"
        )
    same_days = set(left.get("visit_dates") or []) & set(right.get("visit_dates") or [])
    if same_days:
        words.append(f"Against: visits on {len(same_days)} same day(s) at two facilities")
    return words


def clinical_evidence(
    pairs: pl.DataFrame, summaries: pl.DataFrame, names: dict[str, str]
) -> pl.DataFrame:
    """``record_id_l``, ``record_id_r`` and ``clinical_evidence`` (a list of sentences) for
    each pair; "no clinical history" where a side has none."""
    present = [c for c in FACTS if c in summaries.columns]
    facts = {
        r["record_id"]: r for r in summaries.select("record_id", *present).iter_rows(named=True)
    }
    evidence = []
    for left_id, right_id in pairs.select("record_id_l", "record_id_r").iter_rows():
        left, right = facts.get(left_id), facts.get(right_id)
        if left is None or right is None:
            evidence.append(["No clinical history on one side: Splink alone decides"])
        else:
            evidence.append(pair_words(left, right, names) or ["No clinical evidence either way"])
    return pairs.select("record_id_l", "record_id_r").with_columns(
        clinical_evidence=pl.Series(evidence, dtype=pl.List(pl.String))
    )
