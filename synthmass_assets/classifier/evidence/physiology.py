"""Pair features from the body: can one growing, ageing person have both records' measurements?

Children grow along their growth-chart percentile and adults keep their height, while BMI
follows the child medians and then drifts up slowly. For a pair, the first and latest height
and BMI of both records are fitted by one person (birth date and sex searched on a grid,
adult height and BMI level solved in closed form); the misfit beyond what each record needs
on its own is the evidence against one person. Lifelong states (`clinical_states`) add: one
record ill before the other is measured normal.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import polars as pl

from synthmass_assets.classifier.evidence.timeline import DAYS_PER_YEAR, day_numbers
from synthmass_assets.classifier.summaries.clinical_states import CLINICAL_STATES

# Share of adult height reached by age and median BMI by age (CDC 2000 growth charts).
HEIGHT_AGES = np.array([0, 0.5, 1, 2, 3, 4, 5, 6, 8, 10, 12, 14, 16, 18, 20])
HEIGHT_SHARE = {
    False: np.array(
        [0.29, 0.38, 0.43, 0.5, 0.55, 0.59, 0.63, 0.67, 0.73, 0.79, 0.85, 0.92, 0.97, 0.99, 1]
    ),
    True: np.array(
        [0.3, 0.4, 0.46, 0.53, 0.58, 0.63, 0.67, 0.71, 0.78, 0.85, 0.92, 0.97, 0.99, 1, 1]
    ),
}
BMI_AGES = np.array([0, 0.5, 1, 2, 4, 6, 8, 10, 12, 14, 16, 18])
BMI_MEDIAN = np.array([13.4, 17.2, 17.2, 16.4, 15.7, 15.4, 15.9, 16.9, 18.0, 19.4, 20.5, 21.3])
ADULT_HEIGHT = {False: (176.0, 7.0), True: (163.0, 6.5)}  # mean, sd (cm) by female
ADULT_BMI, ADULT_BMI_SD, BMI_DRIFT_PER_YEAR, CHILD_BMI_SPREAD = 25.5, 4.1, 0.06, 0.08
HEIGHT_NOISE, BMI_NOISE = 0.5, 0.35
OLDEST_YEARS, GRID, FINE = 70, 60, 25
CHUNK = 4_096  # pairs fitted at once (the grids hold pairs × GRID × points values)
UNBORN_PENALTY = 50.0
BODY_FEATURES = (
    "growth_misfit", "both_measured",
    *(f"{state}_contradiction_years" for state in CLINICAL_STATES),
    "states_contradicted", "states_in_both",
)  # fmt: skip


def measurements(summaries: pl.DataFrame, rows: np.ndarray, name: str, latest: str) -> np.ndarray:
    """(pairs, 2, 2): (day, value) of the first and latest ``name`` reading of each record;
    NaN where missing, the latest dropped when it is the first."""
    first_day = day_numbers(summaries, f"first_{name}_date")[rows]
    last_day = day_numbers(summaries, f"{name}_date")[rows]
    first = (
        summaries.get_column(f"first_{name}").cast(pl.Float64).fill_null(np.nan).to_numpy()[rows]
    )
    last = summaries.get_column(latest).cast(pl.Float64).fill_null(np.nan).to_numpy()[rows]
    last = np.where(last_day == first_day, np.nan, last)
    return np.stack([np.stack([first_day, first], -1), np.stack([last_day, last], -1)], 1)


def _height_chi2(points: np.ndarray, births: np.ndarray, female: bool) -> np.ndarray:
    """Misfit (pairs, grid) of heights by one adult height (prior by sex) for each birth day."""
    age = (points[:, None, :, 0] - births[:, :, None]) / DAYS_PER_YEAR
    height = points[:, None, :, 1]
    used = np.isfinite(height) & (age >= 0)
    share = np.where(used, np.interp(age, HEIGHT_AGES, HEIGHT_SHARE[female]), 0.0)
    height = np.where(used, height, 0.0)
    mean, sd = ADULT_HEIGHT[female]
    weight = 1 / HEIGHT_NOISE**2
    adult = (weight * (height * share).sum(-1) + mean / sd**2) / (
        weight * (share**2).sum(-1) + 1 / sd**2
    )
    residual = np.where(used, height - adult[..., None] * share, 0.0)
    unborn = (np.isfinite(points[:, None, :, 1]) & (age < 0)).sum(-1)
    return weight * (residual**2).sum(-1) + ((adult - mean) / sd) ** 2 + UNBORN_PENALTY * unborn


def _bmi_chi2(points: np.ndarray, births: np.ndarray) -> np.ndarray:
    """Misfit (pairs, grid) of BMIs by one child percentile and one adult level per birth day.

    BMI = median(age)·(1 + 0.08·z) in childhood, level + drift·(age − 18) in adulthood,
    blended between 14 and 18: linear in (z, level), solved with their priors.
    """
    age = (points[:, None, :, 0] - births[:, :, None]) / DAYS_PER_YEAR
    bmi = points[:, None, :, 1]
    used = np.isfinite(bmi) & (age >= 0)
    median = np.interp(age, BMI_AGES, BMI_MEDIAN)
    adult = np.clip((age - 14) / 4, 0, 1)
    offset = median * (1 - adult) + adult * BMI_DRIFT_PER_YEAR * np.clip(age - 18, 0, 45)
    dz = np.where(used, CHILD_BMI_SPREAD * median * (1 - adult), 0.0)
    dl = np.where(used, adult, 0.0)
    target = np.where(used, bmi - offset, 0.0)
    w = 1 / BMI_NOISE**2
    zz, ll, zl = (
        w * (dz * dz).sum(-1) + 1,
        w * (dl * dl).sum(-1) + 1 / ADULT_BMI_SD**2,
        w * (dz * dl).sum(-1),
    )
    tz, tl = w * (dz * target).sum(-1), w * (dl * target).sum(-1) + ADULT_BMI / ADULT_BMI_SD**2
    det = zz * ll - zl**2
    z, level = (tz * ll - tl * zl) / det, (zz * tl - zl * tz) / det
    residual = target - dz * z[..., None] - dl * level[..., None]
    unborn = (np.isfinite(points[:, None, :, 1]) & (age < 0)).sum(-1)
    prior = z**2 + ((level - ADULT_BMI) / ADULT_BMI_SD) ** 2
    return w * (residual**2).sum(-1) + prior + UNBORN_PENALTY * unborn


def best_fit(heights: np.ndarray, bmis: np.ndarray) -> np.ndarray:
    """Smallest misfit over birth day (a coarse grid, then around its best) and sex."""
    days = np.concatenate([heights[..., 0], bmis[..., 0]], 1)
    known = np.isfinite(np.concatenate([heights[..., 1], bmis[..., 1]], 1))
    days = np.where(known, days, np.nan)
    latest, earliest = np.nanmax(days, 1), np.nanmin(days, 1)
    low = latest - OLDEST_YEARS * DAYS_PER_YEAR
    step = (earliest - low) / (GRID - 1)
    coarse = low[:, None] + step[:, None] * np.arange(GRID)[None, :]
    best = np.full(len(heights), np.inf)
    for female in (False, True):
        misfit = _height_chi2(heights, coarse, female) + _bmi_chi2(bmis, coarse)
        centre = coarse[np.arange(len(heights)), misfit.argmin(1)]
        fine = centre[:, None] + step[:, None] * np.linspace(-1, 1, FINE)[None, :]
        refined = _height_chi2(heights, fine, female) + _bmi_chi2(bmis, fine)
        best = np.minimum(best, np.minimum(misfit.min(1), refined.min(1)))
    return best


def _chunked_fit(heights: np.ndarray, bmis: np.ndarray) -> np.ndarray:
    """`best_fit` chunk by chunk, the chunks on all cores (numpy releases the GIL on these
    arrays; each chunk's result depends on it alone)."""
    starts = range(0, len(heights), CHUNK)
    with ThreadPoolExecutor(max_workers=max(1, min(len(starts), os.cpu_count() or 1))) as pool:
        parts = pool.map(
            lambda start: best_fit(heights[start : start + CHUNK], bmis[start : start + CHUNK]),
            starts,
        )
        return np.concatenate([np.zeros(0), *parts])


def growth_misfit(summaries: pl.DataFrame, left: np.ndarray, right: np.ndarray) -> list[np.ndarray]:
    """Log of the misfit of one person over two (0 unless both records were measured), and
    whether both were."""
    rows = np.arange(summaries.height)
    heights = measurements(summaries, rows, "height", "height_cm")
    bmis = measurements(summaries, rows, "bmi", "bmi")
    measured = np.isfinite(np.concatenate([heights[..., 1], bmis[..., 1]], 1)).any(1)
    both = measured[left] & measured[right]
    index = np.flatnonzero(both)
    alone = np.zeros(summaries.height)
    fitted = np.unique(np.concatenate([left[index], right[index]]))
    alone[fitted] = _chunked_fit(heights[fitted], bmis[fitted])
    first, second = left[index], right[index]
    joint = _chunked_fit(
        np.concatenate([heights[first], heights[second]], 1),
        np.concatenate([bmis[first], bmis[second]], 1),
    )
    misfit = np.zeros(len(left))
    misfit[index] = np.log1p(np.clip(joint - alone[first] - alone[second], 0, 1e4))
    return [misfit, both.astype(float)]


def state_contradictions(
    summaries: pl.DataFrame, left: np.ndarray, right: np.ndarray
) -> list[np.ndarray]:
    """Per lifelong state, years between the earlier sign of it in one record and a later
    normal reading in either (negative: none); the count of contradicted states; the count
    of states present in both records."""
    columns, contradicted, shared = [], np.zeros(len(left)), np.zeros(len(left))
    for state in CLINICAL_STATES:
        onset, clear = (
            day_numbers(summaries, f"{state}_onset"),
            day_numbers(summaries, f"{state}_clear"),
        )
        margin = (
            np.fmax(clear[left], clear[right]) - np.fmin(onset[left], onset[right])
        ) / DAYS_PER_YEAR
        margin = np.nan_to_num(margin, nan=-1.0)
        columns.append(margin.clip(-1, 10))
        contradicted += margin > 0.05
        shared += np.isfinite(onset[left]) & np.isfinite(onset[right])
    return [*columns, contradicted, shared]


def body_features(summaries: pl.DataFrame, left: np.ndarray, right: np.ndarray) -> list[np.ndarray]:
    """`BODY_FEATURES` of the pairs (rows ``left``/``right`` of ``summaries``)."""
    return [*growth_misfit(summaries, left, right), *state_contradictions(summaries, left, right)]
