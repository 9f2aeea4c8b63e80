"""Cheap structured features of a record pair, computed from the facts beside the summaries.

Every feature is symmetric in the two records (swapping left and right changes nothing), and a
missing fact reads as 0 with a ``both_*`` flag saying whether the comparison was possible.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from synthmass_assets.classifier.evidence.care import CARE_FEATURES, care_features
from synthmass_assets.classifier.evidence.chronic_codes import ChronicCodes
from synthmass_assets.classifier.evidence.physiology import BODY_FEATURES, body_features
from synthmass_assets.classifier.evidence.timeline import (
    DAYS_PER_YEAR,
    day_numbers,
    gap_around,
    median_gap_days,
    shared_days,
    visits_inside,
    wellness_clashes,
)
from synthmass_assets.classifier.summaries.summaries import CODE_SETS, SUMMARY_COLUMNS
from synthmass_assets.errors import InputDataError

# Differences are divided by a typical spread so that features are of order one.
MEASURE_SCALES = {
    "height_cm": 10.0,
    "weight_kg": 10.0,
    "bmi": 5.0,
    "systolic_bp": 20.0,
    "diastolic_bp": 10.0,
    "hba1c": 1.0,
    "glucose": 20.0,
    "cholesterol": 30.0,
    "ldl": 30.0,
    "hdl": 10.0,
    "triglycerides": 50.0,
    "creatinine": 0.3,
    "tsh": 2.0,
    "hemoglobin": 1.5,
}
FEATURE_NAMES: tuple[str, ...] = (
    *(f"{kind}_{name}" for name in CODE_SETS for kind in ("jaccard", "shared", "both")),
    *(f"{kind}_{name}" for name in MEASURE_SCALES for kind in ("diff", "both")),
    "height_earlier", "height_later", "first_height_earlier", "first_height_later",
    "vitals_gap_years", "wellness_day_gap", "wellness_same_day", "both_wellness",
    "visits_fewer", "visits_more", "span_overlap_years", "interleaved_fewer", "interleaved_more",
    "gap_around_years", "gap_around_ratio", "sparse_before", "sparse_after",
    "birth_year_conflict", "birth_year_slack", "span_gap_ratio",
    "wellness_nearest_days", "wellness_clashes",
    "same_day_visits", "nearest_visit_days", "same_day_check_ups",
    *CARE_FEATURES, *BODY_FEATURES, "contradictions", "uncoded_share",
)  # fmt: skip
# Findings that no two records of one person show; rare alone, together they tell the trees
# much more than each does.
CONTRADICTIONS = (
    "birth_year_conflict", "interleaved_fewer", "same_day_check_ups", "diagnosed_in_both",
    "follow_up_before_diagnosis", "other_drug", "lifelong_unseen_in_run",
    "visits_after_death_years", "states_contradicted",
)  # fmt: skip


def pair_index(summaries: pl.DataFrame, pairs: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Row numbers in ``summaries`` of each pair's left and right record.

    Raises:
        InputDataError: a pair names a record that has no summary.
    """
    rows = summaries.select("record_id").with_row_index("row")
    joined = pairs.select("record_id_l", "record_id_r").join(
        rows.rename({"record_id": "record_id_l", "row": "row_l"}), on="record_id_l", how="left"
    )
    joined = joined.join(
        rows.rename({"record_id": "record_id_r", "row": "row_r"}), on="record_id_r", how="left"
    )
    missing = joined.filter(pl.col("row_l").is_null() | pl.col("row_r").is_null())
    if missing.height:
        raise InputDataError(
            f"{missing.height} pairs name records without a clinical summary (e.g. "
            f"{missing.row(0)}); score only records that have clinical history"
        )
    rows = joined.select(pl.col("row_l", "row_r").cast(pl.Int64))
    return rows.get_column("row_l").to_numpy().copy(), rows.get_column("row_r").to_numpy().copy()


def _require_facts(summaries: pl.DataFrame) -> None:
    """Refuse summaries written by an older version, without the facts the features read."""
    missing = [c for c in SUMMARY_COLUMNS if c not in summaries.columns]
    if missing:
        raise InputDataError(
            f"clinical summaries lack {', '.join(missing)}; re-materialize "
            "<track>/clinical_summaries with this version"
        )


def _code_overlap(codes: pl.Series, left: np.ndarray, right: np.ndarray) -> list[np.ndarray]:
    """Jaccard index, log shared count and a both-non-empty flag of two code lists per pair."""
    long = pl.DataFrame({"row": np.arange(codes.len()), "code": codes}).explode("code").drop_nulls()
    pairs = pl.DataFrame({"pair": np.arange(len(left)), "row_l": left, "row_r": right})
    shared = (
        pairs.join(long.rename({"row": "row_l"}), on="row_l")
        .join(long.rename({"row": "row_r"}), on=["row_r", "code"])
        .group_by("pair")
        .agg(n=pl.len())
    )
    inter = np.zeros(len(left))
    inter[shared.get_column("pair").to_numpy()] = shared.get_column("n").to_numpy()
    sizes = codes.list.len().to_numpy().astype(float)
    union = sizes[left] + sizes[right] - inter
    jaccard = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    return [jaccard, np.log1p(inter), ((sizes[left] > 0) & (sizes[right] > 0)).astype(float)]


def _number(summaries: pl.DataFrame, column: str) -> np.ndarray:
    return summaries.get_column(column).cast(pl.Float64).fill_null(np.nan).to_numpy()


def pair_features(
    summaries: pl.DataFrame, pairs: pl.DataFrame, chronic: ChronicCodes
) -> np.ndarray:
    """Structured features (`FEATURE_NAMES` order) of each ``record_id_l``/``record_id_r`` pair.

    Args:
        summaries: The ``clinical_summaries`` table (facts columns).
        pairs: ``record_id_l`` and ``record_id_r``.
        chronic: The courses of condition codes, learned on the training records.

    Returns:
        A float32 array of shape (pairs, len(FEATURE_NAMES)).

    Raises:
        InputDataError: a record has no summary, or the summaries lack facts.
    """
    _require_facts(summaries)
    left, right = pair_index(summaries, pairs)
    columns: list[np.ndarray] = []
    for name in CODE_SETS:
        columns += _code_overlap(summaries.get_column(f"{name}_codes"), left, right)
    for name, scale in MEASURE_SCALES.items():
        values = _number(summaries, name)
        diff = np.abs(values[left] - values[right]) / scale
        columns += [np.nan_to_num(diff), np.isfinite(diff).astype(float)]

    # Growth: the heights of the record measured earlier and of the one measured later.
    when = day_numbers(summaries, "vitals_date")
    later_is_left = np.nan_to_num(when[left]) >= np.nan_to_num(when[right])
    early = np.where(later_is_left, right, left)
    late = np.where(later_is_left, left, right)
    height, first_height = _number(summaries, "height_cm"), _number(summaries, "first_height")
    columns += [np.nan_to_num(v) / 200 for v in (height[early], height[late])]
    columns += [np.nan_to_num(v) / 200 for v in (first_height[early], first_height[late])]
    columns.append(np.nan_to_num(np.abs(when[left] - when[right])) / DAYS_PER_YEAR / 10)

    # Yearly check-ups keep their day of the year; two people rarely share it.
    day = _number(summaries, "wellness_day")
    gap = np.abs(day[left] - day[right])
    gap = np.minimum(gap, 365 - gap)
    columns += [
        np.nan_to_num(gap) / 182.5,
        (gap <= 2).astype(float),
        np.isfinite(gap).astype(float),
    ]

    visits = np.log1p(_number(summaries, "encounter_count"))
    columns += [np.minimum(visits[left], visits[right]), np.maximum(visits[left], visits[right])]
    first, last = day_numbers(summaries, "first_visit"), day_numbers(summaries, "last_visit")
    overlap = np.minimum(last[left], last[right]) - np.maximum(first[left], first[right])
    columns.append(np.clip(overlap / DAYS_PER_YEAR / 10, -3, 3))
    inside_left, inside_right = (
        visits_inside(summaries, left, right),
        visits_inside(summaries, right, left),
    )
    columns += [
        np.log1p(np.minimum(inside_left, inside_right)),
        np.log1p(np.maximum(inside_left, inside_right)),
    ]
    count = _number(summaries, "encounter_count")
    left_sparser = count[left] <= count[right]
    sparse, rich = np.where(left_sparser, left, right), np.where(left_sparser, right, left)
    columns += gap_around(summaries, sparse, rich)

    # Birth-year bounds from well-child visits, adult check-ups and the first visit.
    after, before = _number(summaries, "born_after"), _number(summaries, "born_before")
    conflict = np.fmax(after[left] - before[right], after[right] - before[left])
    slack = np.fmin(before[left], before[right]) - np.fmax(after[left], after[right])
    columns += [
        np.nan_to_num(conflict, nan=-10).clip(-10, 10) / 10,
        np.nan_to_num(slack, nan=100).clip(-10, 100) / 50,
    ]
    # Records of one person follow each other: a long silence between them is suspicious.
    cadence = np.fmax(median_gap_days(summaries)[left], median_gap_days(summaries)[right])
    silence = np.maximum(-overlap, 0) / np.maximum(np.nan_to_num(cadence, nan=365.0), 30.0)
    columns.append(np.log1p(silence))
    columns += wellness_clashes(summaries, left, right)
    columns += shared_days(summaries, left, right)
    columns += care_features(summaries, left, right, chronic)
    columns += body_features(summaries, left, right)
    named = dict(zip(FEATURE_NAMES, columns, strict=False))
    columns.append(np.sum([named[name] > 0 for name in CONTRADICTIONS], axis=0, dtype=float))
    uncoded = _uncoded_share(summaries)
    columns.append(np.maximum(uncoded[left], uncoded[right]))
    return np.column_stack(columns).astype(np.float32)


def _uncoded_share(summaries: pl.DataFrame) -> np.ndarray:
    """Per record, the share of its condition and medication codes that no terminology could
    map (``text:`` pseudo-codes): where it is high, code overlap and the care features say
    little, and their contradictions may be only words."""
    codes = pl.concat_list("condition_codes", "medication_codes")
    share = codes.list.eval(pl.element().str.starts_with("text:").cast(pl.Float64)).list.mean()
    return summaries.select(share.fill_null(0.0)).to_series().to_numpy()
