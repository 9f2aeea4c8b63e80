"""Wellness visits: the CDC-style schedule with vitals, screening labs, procedures, social
findings and immunizations."""

from __future__ import annotations

import numpy as np
import polars as pl

from synthmass_assets.population import codes as c
from synthmass_assets.population.chart import ChartBuilder
from synthmass_assets.population.demographics import DAYS_PER_YEAR
from synthmass_assets.population.health import Health
from synthmass_assets.population.observations import add_measure
from synthmass_assets.population.physiology import blood_pressure, bmis, heights, lab_values
from synthmass_assets.population.timeline import expand

CHILD_VISIT_AGES = np.array([0.01, 0.17, 0.33, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5])
ADULT_SKIP_SHARE = 0.05
# Share of adult wellness visits with each screening lab: (measures, minimum age, share).
SCREENING_LABS = (
    ((c.GLUCOSE, c.CREATININE), 18, 0.20),
    ((c.CHOLESTEROL, c.LDL, c.HDL, c.TRIGLYCERIDES), 20, 0.12),
    ((c.A1C,), 45, 0.25),
    ((c.HEMOGLOBIN,), 18, 0.12),
)


def wellness_schedule(chart: ChartBuilder) -> tuple[np.ndarray, np.ndarray]:
    """(patient, day) of every wellness visit inside each patient's active window."""
    cohort, rng = chart.cohort, chart.rng
    start, end, birth = cohort.active_start, cohort.active_end, cohort.birth
    offset = rng.uniform(0, 0.2, cohort.size)
    first = np.ceil((start - birth) / DAYS_PER_YEAR - 3 - offset).clip(0)
    last = np.floor((end - birth - 1) / DAYS_PER_YEAR - 3 - offset)
    patient, rank = expand((last - first + 1).astype(np.int64))
    yearly_age = 3 + offset[patient] + first[patient] + rank
    child_patient = np.repeat(np.arange(cohort.size), len(CHILD_VISIT_AGES))
    child_age = np.tile(CHILD_VISIT_AGES, cohort.size)
    patient = np.concatenate([child_patient, patient])
    age = np.concatenate([child_age, yearly_age])
    day = np.floor(birth[patient] + age * DAYS_PER_YEAR)
    keep = (day >= start[patient]) & (day < end[patient])
    skip = (age >= 18) & (rng.random(len(age)) < ADULT_SKIP_SHARE)
    keep &= ~skip
    order = np.lexsort((day[keep], patient[keep]))
    return patient[keep][order], day[keep][order]


def add_wellness(chart: ChartBuilder, health: Health) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Add every wellness visit and what happens there; returns (patient, day, key) of visits."""
    cohort = chart.cohort
    patient, day = wellness_schedule(chart)
    age = (day - cohort.birth[patient]) / DAYS_PER_YEAR
    adult = age >= 18
    codes = (
        np.where(adult, c.GENERAL_EXAM.code, c.WELL_CHILD.code),
        np.where(adult, c.GENERAL_EXAM.description, c.WELL_CHILD.description),
    )
    key = chart.encounters(patient, day, "wellness", codes, minutes=30.0)
    _add_vitals(chart, health, patient, day, key, age)
    _add_screening_labs(chart, health, patient, day, key, age)
    _add_wellness_procedures(chart, patient, key, adult)
    _add_social_findings(chart, patient, day, key, adult & (age < 66))
    add_immunizations(chart, patient, day, key, age)
    return patient, day, key


def _add_vitals(
    chart: ChartBuilder,
    health: Health,
    patient: np.ndarray,
    day: np.ndarray,
    key: np.ndarray,
    age: np.ndarray,
) -> None:
    rng, female = chart.rng, chart.cohort.female[patient]
    n = len(patient)
    height = heights(age, female, health.adult_height[patient]) + rng.normal(0, 0.4, n)
    bmi = bmis(age, health.adult_bmi[patient], health.child_z[patient]) + rng.normal(0, 0.3, n)
    weight = bmi * (height / 100) ** 2
    add_measure(chart, c.HEIGHT, patient, key, height)
    add_measure(chart, c.WEIGHT, patient, key, weight)
    older = age >= 2
    add_measure(chart, c.BMI, patient[older], key[older], bmi[older])
    has_bp = age >= 3
    hypertensive = health.active("hypertension", patient[has_bp], day[has_bp])
    systolic, diastolic = blood_pressure(rng, age[has_bp], hypertensive)
    add_measure(chart, c.SYSTOLIC, patient[has_bp], key[has_bp], systolic)
    add_measure(chart, c.DIASTOLIC, patient[has_bp], key[has_bp], diastolic)


def _add_screening_labs(
    chart: ChartBuilder,
    health: Health,
    patient: np.ndarray,
    day: np.ndarray,
    key: np.ndarray,
    age: np.ndarray,
) -> None:
    rng, female = chart.rng, chart.cohort.female
    for measures, min_age, share in SCREENING_LABS:
        taken = (age >= min_age) & (rng.random(len(age)) < share)
        state = health.state(patient[taken], day[taken])
        for measure in measures:
            values = lab_values(rng, measure, state, female[patient[taken]])
            add_measure(chart, measure, patient[taken], key[taken], values)


def _add_wellness_procedures(
    chart: ChartBuilder, patient: np.ndarray, key: np.ndarray, adult: np.ndarray
) -> None:
    rng = chart.rng
    for _ in range(2):
        done = adult & (rng.random(len(patient)) < 0.45)
        pick = rng.integers(0, len(c.WELLNESS_PROCEDURES), len(patient))[done]
        chart.rows(
            "procedures",
            patient[done],
            key[done],
            CODE=np.array([p.code for p in c.WELLNESS_PROCEDURES])[pick],
            DESCRIPTION=np.array([p.description for p in c.WELLNESS_PROCEDURES])[pick],
            BASE_COST=np.round(rng.uniform(300, 700, int(done.sum())), 2),
        )
    guided = ~adult & (rng.random(len(patient)) < 0.4)
    chart.rows(
        "procedures",
        patient[guided],
        key[guided],
        CODE=c.CHILD_WELLNESS_PROCEDURE.code,
        DESCRIPTION=c.CHILD_WELLNESS_PROCEDURE.description,
        BASE_COST=431.4,
    )


def _add_social_findings(
    chart: ChartBuilder, patient: np.ndarray, day: np.ndarray, key: np.ndarray, eligible: np.ndarray
) -> None:
    """Synthea v3 records employment and stress as findings that end at the next visit."""
    rng = chart.rng
    next_day = pl.Series(day).shift(-1).to_numpy()
    same_patient = np.append(patient[1:] == patient[:-1], False)
    stop = np.where(same_patient, next_day, np.nan)
    weights = np.array([w for _, w in c.EMPLOYMENT_FINDINGS])
    pick = rng.choice(len(weights), size=len(patient), p=weights)
    options = [code for code, _ in c.EMPLOYMENT_FINDINGS]
    for index, code in enumerate(options):
        rows = eligible & (pick == index)
        chart.rows(
            "conditions",
            patient[rows],
            key[rows],
            start=day[rows],
            stop=stop[rows],
            CODE=code.code,
            DESCRIPTION=code.description,
        )
    for code, share in c.OCCASIONAL_FINDINGS:
        rows = eligible & (rng.random(len(patient)) < share)
        chart.rows(
            "conditions",
            patient[rows],
            key[rows],
            start=day[rows],
            stop=stop[rows],
            CODE=code.code,
            DESCRIPTION=code.description,
        )


def add_immunizations(
    chart: ChartBuilder, patient: np.ndarray, day: np.ndarray, key: np.ndarray, age: np.ndarray
) -> None:
    """CDC schedule doses at the first wellness visit on or after their due age; yearly flu."""
    rng, birth = chart.rng, chart.cohort.birth
    visits = pl.DataFrame({"patient": patient, "day": day, "key": key}).sort("patient", "day")
    schedule = pl.DataFrame(
        {
            "CODE": [s[0] for s in c.IMMUNIZATION_SCHEDULE],
            "DESCRIPTION": [s[1] for s in c.IMMUNIZATION_SCHEDULE],
            "due_age": [s[2] for s in c.IMMUNIZATION_SCHEDULE],
        }
    )
    patients = pl.DataFrame({"patient": np.arange(len(birth)), "birth": birth})
    doses = (
        patients.join(schedule, how="cross")
        .with_columns(due=(pl.col("birth") + pl.col("due_age") * DAYS_PER_YEAR).floor())
        .sort("patient", "due")
        .join_asof(
            visits,
            left_on="due",
            right_on="day",
            by="patient",
            strategy="forward",
            tolerance=400,
            check_sortedness=False,
        )
        .drop_nulls("key")
        .unique(["patient", "key", "CODE"], keep="first", maintain_order=True)
    )
    chart.rows(
        "immunizations",
        doses["patient"].to_numpy(),
        doses["key"].to_numpy(),
        CODE=doses["CODE"],
        DESCRIPTION=doses["DESCRIPTION"],
        BASE_COST=c.IMMUNIZATION_COST,
    )
    flu = (age >= 0.5) & (rng.random(len(age)) < 0.55)
    chart.rows(
        "immunizations",
        patient[flu],
        key[flu],
        CODE=c.INFLUENZA.code,
        DESCRIPTION=c.INFLUENZA.description,
        BASE_COST=c.IMMUNIZATION_COST,
    )
