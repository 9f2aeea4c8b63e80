"""Pair features from chronic care: does one person's story of diagnoses, follow-ups and drugs
run through both records?

A chronic condition is diagnosed once; afterwards every facility the patient visits sees its
follow-ups at a fixed rhythm, each with the same drug. Two records that both diagnose it, that
follow it up before it was diagnosed, treat it with different drugs, follow it up out of step,
or where one covers years of visits after the other's diagnosis without ever naming it, are
unlikely to be one person. Each feature is symmetric in the two records.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from synthmass_assets.classifier.evidence.chronic_codes import ChronicCodes, events
from synthmass_assets.classifier.evidence.timeline import DAYS_PER_YEAR, visit_runs

CARE_FEATURES = (
    "diagnosed_in_both", "follow_up_after_diagnosis", "follow_up_before_diagnosis",
    "same_drug", "other_drug", "lifelong_unseen_for_years", "lifelong_seen",
    "lifelong_unseen", "lifelong_unseen_in_run", "lifelong_run_cover",
    "follow_up_phase_months", "visits_after_death_years",
)  # fmt: skip
# Slack around a follow-up interval: visits are jittered by up to 20 days either way.
FOLLOW_UP_SLACK_DAYS = 45
# (side of record a, side of record b): every feature looks at a pair both ways round.
DIRECTIONS = (("l", "r"), ("r", "l"))


def pair_frame(left: np.ndarray, right: np.ndarray) -> pl.DataFrame:
    """``pair``, ``l``, ``r``: the row numbers of each pair's records."""
    return pl.DataFrame({"pair": np.arange(len(left)), "l": left, "r": right})


def per_pair(n: int, frame: pl.DataFrame, column: str, fill: float = 0.0) -> np.ndarray:
    """``frame[column]`` (one row per pair that has a value) spread over all ``n`` pairs."""
    values = np.full(n, fill, dtype=np.float64)
    values[frame.get_column("pair").to_numpy()] = (
        frame.get_column(column).cast(pl.Float64).to_numpy()
    )
    return values


def _days(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    return frame.with_columns(pl.col(c).cast(pl.Int64) for c in columns)


def diagnoses_and_follow_ups(
    summaries: pl.DataFrame, pairs: pl.DataFrame, chronic: ChronicCodes
) -> list[np.ndarray]:
    """Once-per-person codes diagnosed in both records; codes one record diagnoses and the
    other only follows up, after the diagnosis and before it."""
    n = pairs.height
    diagnoses = _days(events(summaries, "diagnoses"), "day").filter(
        pl.col("code").is_in(chronic.once)
    )
    care = _days(events(summaries, "care"), "day").filter(pl.col("code").is_in(chronic.once))
    both = (
        pairs.join(diagnoses.select(l="row", code="code").unique(), on="l")
        .join(diagnoses.select(r="row", code="code").unique(), on=["r", "code"])
        .group_by("pair")
        .agg(n=pl.len())
    )
    after, before = np.zeros(n), np.zeros(n)
    for a, b in DIRECTIONS:
        followed = (
            pairs.join(diagnoses.select(**{a: "row"}, code="code", diagnosed="day"), on=a)
            .join(care.select(**{b: "row"}, code="code", seen="day"), on=[b, "code"])
            .join(diagnoses.select(**{b: "row"}, code="code"), on=[b, "code"], how="anti")
            .group_by("pair", "code")
            .agg(
                after=(pl.col("seen") >= pl.col("diagnosed") - 1).all(),
                before=(pl.col("seen") < pl.col("diagnosed") - 1).any(),
            )
            .group_by("pair")
            .agg(pl.col("after").sum(), pl.col("before").sum())
        )
        after += per_pair(n, followed, "after")
        before += per_pair(n, followed, "before")
    return [per_pair(n, both, "n"), after, before]


def drug_agreement(summaries: pl.DataFrame, pairs: pl.DataFrame) -> list[np.ndarray]:
    """Reasons both records treat: with a drug in common, and with different drugs only."""
    treatments = events(summaries, "treatments").select("row", "reason", "drug").unique()
    drugs = {
        side: pairs.join(treatments.rename({"row": side}), on=side)
        .group_by("pair", "reason")
        .agg(pl.col("drug").alias(f"drugs_{side}"))
        for side in ("l", "r")
    }
    shared = (
        drugs["l"]
        .join(drugs["r"], on=["pair", "reason"])
        .with_columns(same=pl.col("drugs_l").list.set_intersection("drugs_r").list.len() > 0)
        .group_by("pair")
        .agg(same=pl.col("same").sum(), other=(~pl.col("same")).sum())
    )
    return [per_pair(pairs.height, shared, "same"), per_pair(pairs.height, shared, "other")]


def _lifelong_evidence(summaries: pl.DataFrame, chronic: ChronicCodes) -> pl.DataFrame:
    """``row``, ``code``, ``day`` (first seen), ``interval`` (follow-up days, inf: none) of
    every lifelong condition a record diagnoses or follows up."""
    intervals = pl.DataFrame(
        {
            "code": list(chronic.lifelong),
            "interval": [chronic.follow_up_days.get(c, np.inf) for c in chronic.lifelong],
        },
        schema={"code": pl.String, "interval": pl.Float64},
    )
    seen = pl.concat(
        [
            _days(events(summaries, column), "day").select("row", "code", "day")
            for column in ("diagnoses", "care")
        ]
    )
    return (
        seen.join(intervals, on="code")
        .group_by("row", "code")
        .agg(pl.col("day").min(), pl.col("interval").first())
    )


def _codes_held(summaries: pl.DataFrame) -> pl.DataFrame:
    return pl.concat(
        [events(summaries, column).select("row", "code") for column in ("diagnoses", "care")]
    ).unique()


def lifelong_continuity(
    summaries: pl.DataFrame, pairs: pl.DataFrame, chronic: ChronicCodes
) -> list[np.ndarray]:
    """Lifelong conditions of one record against the other's later visits.

    Returns, summed over both directions: conditions the other record should have followed
    up (its span after the first sign lasts longer than the follow-up interval) but never
    names; conditions it names; conditions it never names though it has later visits; the
    same for its runs of consecutive visits (no gap over a year), and the largest such run
    after the first sign, in follow-up intervals.
    """
    n = pairs.height
    evidence = _lifelong_evidence(summaries, chronic)
    held = _codes_held(summaries).with_columns(held=pl.lit(True))
    first = summaries.get_column("first_visit").cast(pl.Int64).to_numpy()
    last = summaries.get_column("last_visit").cast(pl.Int64).to_numpy()
    spans = pl.DataFrame({"row": np.arange(summaries.height), "first": first, "last": last})
    runs = visit_runs(summaries)
    out = [np.zeros(n) for _ in range(5)]
    for a, b in DIRECTIONS:
        signs = (
            pairs.join(evidence.rename({"row": a}), on=a)
            .join(held.rename({"row": b}), on=[b, "code"], how="left")
            .with_columns(held=pl.col("held").fill_null(False))
        )
        spanned = (
            signs.join(spans.rename({"row": b}), on=b)
            .with_columns(window=pl.col("last") - pl.max_horizontal("first", "day"))
            .with_columns(expected=pl.col("window") > pl.col("interval") + FOLLOW_UP_SLACK_DAYS)
            .group_by("pair")
            .agg(
                unseen_long=(pl.col("expected") & ~pl.col("held")).sum(),
                seen=pl.col("held").sum(),
                unseen=((pl.col("window") > 0) & ~pl.col("held")).sum(),
            )
        )
        covered = (
            signs.filter(~pl.col("held") & pl.col("interval").is_finite())
            .join(runs.rename({"row": b}), on=b)
            .with_columns(cover=pl.col("run_end") - pl.max_horizontal("run_start", "day"))
            .group_by("pair", "code")
            .agg(pl.col("cover").max(), pl.col("interval").first())
            .with_columns(ratio=(pl.col("cover") - FOLLOW_UP_SLACK_DAYS) / pl.col("interval"))
            .group_by("pair")
            .agg(unseen_in_run=(pl.col("ratio") > 1).sum(), ratio=pl.col("ratio").max())
        )
        out[0] += per_pair(n, spanned, "unseen_long")
        out[1] += per_pair(n, spanned, "seen")
        out[2] += per_pair(n, spanned, "unseen")
        out[3] += per_pair(n, covered, "unseen_in_run")
        out[4] = np.fmax(out[4], per_pair(n, covered, "ratio").clip(0, 5))
    return out


def follow_up_phase(
    summaries: pl.DataFrame, pairs: pl.DataFrame, chronic: ChronicCodes
) -> np.ndarray:
    """How far out of step the two records' visits for a shared followed-up condition are.

    One person's follow-ups fall a whole number of intervals after the diagnosis (give or
    take the visit jitter): for each visit of one record, the distance (months) to the
    nearest whole number of intervals from a visit of the other; the worst such visit of
    both records. -1 when the records share no followed-up condition.
    """
    intervals = pl.DataFrame(
        {"code": list(chronic.follow_up_days), "interval": list(chronic.follow_up_days.values())},
        schema={"code": pl.String, "interval": pl.Float64},
    )
    care = _days(events(summaries, "care"), "day").select("row", "code", "day").unique()
    care = care.join(intervals, on="code")
    worst = np.full(pairs.height, -1.0)
    for a, b in DIRECTIONS:
        residual = (
            pairs.join(care.select(**{a: "row"}, code="code", mine="day"), on=a)
            .join(
                care.select(**{b: "row"}, code="code", theirs="day", interval="interval"),
                on=[b, "code"],
            )
            .with_columns(shift=(pl.col("theirs") - pl.col("mine")) % pl.col("interval"))
            .with_columns(shift=pl.min_horizontal("shift", pl.col("interval") - pl.col("shift")))
            .group_by("pair", "code", "theirs")
            .agg(pl.col("shift").min())
            .group_by("pair")
            .agg(worst=pl.col("shift").max() / 30.4)
        )
        worst = np.maximum(worst, per_pair(pairs.height, residual, "worst", fill=-1.0))
    return worst


def visits_after_death(
    summaries: pl.DataFrame, left: np.ndarray, right: np.ndarray, chronic: ChronicCodes
) -> np.ndarray:
    """Years one record's visits go on after the other record's patient died (-1: no sign).

    A lifelong condition without follow-ups has one open prescription; it only ends when the
    patient's history does, so its stop date marks a death.
    """
    no_follow_up = [c for c in chronic.lifelong if c not in chronic.follow_up_days]
    stops = (
        _days(events(summaries, "treatments"), "stop")
        .filter(pl.col("reason").is_in(no_follow_up))
        .drop_nulls("stop")
        .group_by("row")
        .agg(death=pl.col("stop").min())
    )
    death = np.full(summaries.height, np.nan)
    death[stops.get_column("row").to_numpy()] = stops.get_column("death").to_numpy()
    last = summaries.get_column("last_visit").cast(pl.Int64).cast(pl.Float64).to_numpy()
    after = np.fmax(last[right] - death[left], last[left] - death[right]) / DAYS_PER_YEAR
    return np.nan_to_num(after, nan=-1.0).clip(-1, 10)


def care_features(
    summaries: pl.DataFrame, left: np.ndarray, right: np.ndarray, chronic: ChronicCodes
) -> list[np.ndarray]:
    """`CARE_FEATURES` of the pairs (rows ``left``/``right`` of ``summaries``)."""
    pairs = pair_frame(left, right)
    return [
        *diagnoses_and_follow_ups(summaries, pairs, chronic),
        *drug_agreement(summaries, pairs),
        *lifelong_continuity(summaries, pairs, chronic),
        follow_up_phase(summaries, pairs, chronic),
        visits_after_death(summaries, left, right, chronic),
    ]
