"""Vital signs and lab values that follow age, sex and the patient's conditions.

Growth follows the shape of the CDC growth charts (height as a share of adult height by age,
median child BMI by age); adults keep a personal BMI that drifts up with age. Lab values are
drawn from the normal, prediabetic/diabetic, hyperlipidemic, ... ranges of the patient's state
at the time of the measurement.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from synthmass_assets.population import codes as c
from synthmass_assets.population.codes import Measure

# Share of adult height reached by age (years), after the CDC 2000 growth-chart medians.
_HEIGHT_AGES = np.array([0, 0.5, 1, 2, 3, 4, 5, 6, 8, 10, 12, 14, 16, 18, 20])
_HEIGHT_SHARE_M = np.array(
    [0.29, 0.38, 0.43, 0.50, 0.55, 0.59, 0.63, 0.67, 0.73, 0.79, 0.85, 0.92, 0.97, 0.99, 1.0]
)
_HEIGHT_SHARE_F = np.array(
    [0.30, 0.40, 0.46, 0.53, 0.58, 0.63, 0.67, 0.71, 0.78, 0.85, 0.92, 0.97, 0.99, 1.0, 1.0]
)
# Median BMI by age (years), CDC BMI-for-age charts.
_BMI_AGES = np.array([0, 0.5, 1, 2, 4, 6, 8, 10, 12, 14, 16, 18])
_BMI_MEDIAN = np.array([13.4, 17.2, 17.2, 16.4, 15.7, 15.4, 15.9, 16.9, 18.0, 19.4, 20.5, 21.3])


def heights(age: np.ndarray, female: np.ndarray, adult_height: np.ndarray) -> np.ndarray:
    """Height (cm) at ``age`` for patients with the given adult height."""
    share = np.where(
        female,
        np.interp(age, _HEIGHT_AGES, _HEIGHT_SHARE_F),
        np.interp(age, _HEIGHT_AGES, _HEIGHT_SHARE_M),
    )
    return adult_height * share


def bmis(age: np.ndarray, adult_bmi: np.ndarray, child_z: np.ndarray) -> np.ndarray:
    """BMI at ``age``: child medians scaled by a personal factor, then the adult trajectory."""
    child = np.interp(age, _BMI_AGES, _BMI_MEDIAN) * (1 + 0.08 * child_z)
    adult = adult_bmi + 0.06 * np.clip(age - 18, 0, 45)
    blend = np.clip((age - 14) / 4, 0, 1)
    return child * (1 - blend) + adult * blend


def obesity_onset_age(adult_bmi: np.ndarray) -> np.ndarray:
    """Age at which the adult BMI trajectory reaches 30 (inf when it never does by 63)."""
    age = 18 + np.maximum(30 - adult_bmi, 0) / 0.06
    return np.where(age <= 63, age, np.inf)


def blood_pressure(
    rng: np.random.Generator, age: np.ndarray, hypertensive: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Systolic and diastolic pressure; hypertensives stay in stage 1–2 (≥ 130/80)."""
    n = len(age)
    child = age < 18
    systolic = np.where(
        hypertensive,
        np.clip(rng.normal(142, 9, n), 130, 185),
        np.where(
            child, np.clip(rng.normal(102, 7, n), 82, 120), np.clip(rng.normal(117, 7, n), 95, 129)
        ),
    )
    diastolic = np.where(
        hypertensive,
        np.clip(rng.normal(88, 6, n), 80, 115),
        np.where(
            child, np.clip(rng.normal(62, 6, n), 45, 78), np.clip(rng.normal(75, 5, n), 60, 84)
        ),
    )
    return np.round(systolic), np.round(diastolic)


StateArrays = dict[str, np.ndarray]
LabDraw = Callable[[np.random.Generator, StateArrays, np.ndarray], np.ndarray]


def _normal(
    rng: np.random.Generator, n: int, mean: float, sd: float, low: float, high: float
) -> np.ndarray:
    return np.clip(rng.normal(mean, sd, n), low, high)


def _by_state(
    rng: np.random.Generator,
    affected: np.ndarray,
    sick: tuple[float, float, float, float],
    well: tuple[float, float, float, float],
) -> np.ndarray:
    n = len(affected)
    return np.where(affected, _normal(rng, n, *sick), _normal(rng, n, *well))


def lab_values(
    rng: np.random.Generator, measure: Measure, state: StateArrays, female: np.ndarray
) -> np.ndarray:
    """Values of ``measure`` for rows whose condition flags are given in ``state``.

    ``state`` maps condition keys (``diabetes``, ``prediabetes``, ``hyperlipidemia``, ``ckd``,
    ``hypothyroidism``, ``anemia``, ``depression``, ``anxiety``, ``copd``) to boolean arrays
    telling whether the condition is active at each row's time.
    """
    n = len(female)
    diabetic, prediabetic = state["diabetes"], state["prediabetes"] & ~state["diabetes"]
    if measure is c.A1C:
        normal = _normal(rng, n, 5.2, 0.25, 4.2, 5.6)
        return np.where(
            diabetic,
            _normal(rng, n, 7.6, 0.8, 6.5, 11),
            np.where(prediabetic, rng.uniform(5.7, 6.4, n), normal),
        )
    if measure is c.GLUCOSE:
        normal = _normal(rng, n, 88, 7, 70, 99)
        return np.where(
            diabetic,
            _normal(rng, n, 165, 30, 126, 320),
            np.where(prediabetic, rng.uniform(100, 125, n), normal),
        )
    if measure is c.CHOLESTEROL:
        return _by_state(rng, state["hyperlipidemia"], (255, 15, 240, 320), (180, 20, 120, 239))
    if measure is c.LDL:
        return _by_state(rng, state["hyperlipidemia"], (172, 12, 160, 240), (100, 18, 50, 159))
    if measure is c.HDL:
        return _normal(rng, n, 52, 10, 28, 90)
    if measure is c.TRIGLYCERIDES:
        return _by_state(rng, state["hyperlipidemia"], (220, 40, 150, 450), (110, 22, 45, 149))
    if measure is c.CREATININE:
        return _by_state(rng, state["ckd"], (1.8, 0.3, 1.3, 3.5), (0.9, 0.15, 0.5, 1.2))
    if measure is c.EGFR:
        return _by_state(rng, state["ckd"], (45, 8, 30, 59), (95, 12, 60, 130))
    if measure is c.TSH:
        return _by_state(rng, state["hypothyroidism"], (7.0, 1.5, 4.6, 15), (2.0, 0.7, 0.5, 4.4))
    if measure is c.HEMOGLOBIN:
        well = np.where(
            female, _normal(rng, n, 13.5, 0.8, 12, 15.5), _normal(rng, n, 15, 0.9, 13.5, 17.5)
        )
        return np.where(state["anemia"], rng.uniform(8.5, 11.5, n), well)
    if measure is c.PHQ9:
        return np.round(_by_state(rng, state["depression"], (14, 3, 10, 27), (3, 2, 0, 9)))
    if measure is c.GAD7:
        return np.round(_by_state(rng, state["anxiety"], (13, 3, 10, 21), (3, 2, 0, 9)))
    if measure is c.FEV1_FVC:
        return _by_state(rng, state["copd"], (58, 7, 35, 69), (80, 5, 70, 95))
    raise ValueError(f"no lab model for {measure.code} ({measure.description})")
