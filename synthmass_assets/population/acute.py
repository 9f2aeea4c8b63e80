"""Acute episodes, pregnancies and allergies."""

from __future__ import annotations

import numpy as np

from synthmass_assets.population import codes as c
from synthmass_assets.population import drugs
from synthmass_assets.population import modules as m
from synthmass_assets.population.chart import ChartBuilder
from synthmass_assets.population.demographics import DAYS_PER_YEAR
from synthmass_assets.population.health import Health
from synthmass_assets.population.timeline import expand


def _episodes(
    chart: ChartBuilder, rate: float, ages: tuple[float, float], eligible: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(patient, day) of Poisson episodes while each eligible patient is inside ``ages``."""
    cohort, rng = chart.cohort, chart.rng
    low = np.maximum(cohort.active_start, cohort.birth + ages[0] * DAYS_PER_YEAR)
    high = np.minimum(cohort.active_end, cohort.birth + ages[1] * DAYS_PER_YEAR)
    years = np.where(eligible, np.maximum(high - low, 0) / DAYS_PER_YEAR, 0)
    patient, _ = expand(rng.poisson(rate * years))
    day = np.floor(low[patient] + rng.random(len(patient)) * (high - low)[patient])
    return patient, day


def add_acute_conditions(chart: ChartBuilder) -> None:
    """Rows of every acute module: visit, resolving condition, maybe a drug and procedures."""
    cohort, rng = chart.cohort, chart.rng
    everyone = np.ones(cohort.size, dtype=bool)
    for module in m.ACUTE_MODULES:
        eligible = cohort.female if module.female_only else everyone
        patient, day = _episodes(chart, module.yearly_rate, module.ages, eligible)
        if len(patient) == 0:
            continue
        classes = np.array([k for k, _ in module.encounter_classes])
        shares = np.array([s for _, s in module.encounter_classes])
        visit_class = classes[rng.choice(len(classes), size=len(patient), p=shares)]
        key = np.empty(len(patient), dtype=np.int64)
        for encounter_class in classes:
            rows = visit_class == encounter_class
            key[rows] = chart.encounters(
                patient[rows],
                day[rows],
                str(encounter_class),
                c.ENCOUNTER_FOR_CLASS[str(encounter_class)],
                reason=module.condition,
                minutes=45.0,
            )
        stop = day + module.duration_days
        stop = np.where(stop < cohort.active_end[patient], stop, np.nan)
        reason = {
            "REASONCODE": module.condition.code,
            "REASONDESCRIPTION": module.condition.description,
        }
        chart.rows(
            "conditions",
            patient,
            key,
            start=day,
            stop=stop,
            CODE=module.condition.code,
            DESCRIPTION=module.condition.description,
        )
        for procedure in module.procedures:
            chart.rows(
                "procedures",
                patient,
                key,
                CODE=procedure.code,
                DESCRIPTION=procedure.description,
                BASE_COST=389.2,
                **reason,
            )
        if module.medication is not None:
            drug, share = module.medication
            given = rng.random(len(patient)) < share
            chart.rows(
                "medications",
                patient[given],
                key[given],
                start=day[given] + 0.5,
                stop=day[given] + 10.5,
                CODE=drug.code,
                DESCRIPTION=drug.description,
                BASE_COST=drug.cost,
                DISPENSES=1,
                TOTALCOST=drug.cost,
                PAYER_COVERAGE=round(drug.cost * 0.5, 2),
                **reason,
            )


def add_pregnancies(chart: ChartBuilder) -> None:
    """Pregnancies: prenatal visits with their procedures, then childbirth in hospital."""
    cohort = chart.cohort
    patient, day = _episodes(chart, m.PREGNANCY_YEARLY_RATE, m.PREGNANCY_AGES, cohort.female)
    delivered = day + 270 < cohort.active_end[patient]
    patient, day = patient[delivered], day[delivered]
    stop = day + 270
    first = chart.encounters(patient, day, "ambulatory", c.PRENATAL_VISIT, reason=m.PREGNANCY)
    chart.rows(
        "conditions",
        patient,
        first,
        start=day,
        stop=stop,
        CODE=m.PREGNANCY.code,
        DESCRIPTION=m.PREGNANCY.description,
    )
    for offset, procedures in (
        (0, m.PRENATAL_PROCEDURES[:2]),
        (90, m.PRENATAL_PROCEDURES[2:]),
        (180, m.PRENATAL_PROCEDURES[2:]),
    ):
        key = (
            first
            if offset == 0
            else chart.encounters(
                patient, day + offset, "ambulatory", c.PRENATAL_VISIT, reason=m.PREGNANCY
            )
        )
        for procedure in procedures:
            chart.rows(
                "procedures",
                patient,
                key,
                CODE=procedure.code,
                DESCRIPTION=procedure.description,
                BASE_COST=527.1,
            )
    birth_key = chart.encounters(
        patient, stop, "inpatient", c.OBSTETRIC_ADMISSION, reason=m.PREGNANCY, minutes=600.0
    )
    chart.rows(
        "procedures",
        patient,
        birth_key,
        CODE=m.CHILDBIRTH.code,
        DESCRIPTION=m.CHILDBIRTH.description,
        BASE_COST=3_412.9,
    )


def add_allergies(chart: ChartBuilder, health: Health) -> None:
    """Environmental allergens for allergic rhinitis; food allergies (with epinephrine) and drug
    allergies for a share of everyone."""
    rng = chart.rng
    rhinitis = np.flatnonzero(np.isfinite(health.onset["allergic_rhinitis"]))
    groups = (
        (rhinitis, health.onset["allergic_rhinitis"][rhinitis], m.ENVIRONMENTAL_ALLERGENS, 2),
        _first_episode(chart, m.FOOD_ALLERGY_SHARE, (1, 6)) + (m.FOOD_ALLERGENS, 1),
        _first_episode(chart, m.DRUG_ALLERGY_SHARE, (5, 80)) + (m.DRUG_ALLERGENS, 1),
    )
    for patient, day, allergens, per_patient in groups:
        if len(patient) == 0:
            continue
        key = chart.encounters(patient, day, "ambulatory", c.PROBLEM_ENCOUNTER)
        for _ in range(per_patient):
            pick = rng.integers(0, len(allergens), len(patient))
            reaction = rng.integers(0, len(m.ALLERGY_REACTIONS), len(patient))
            table = np.array(allergens)
            reactions = np.array(m.ALLERGY_REACTIONS)
            chart.rows(
                "allergies",
                patient,
                key,
                start=day,
                CODE=table[pick, 0],
                SYSTEM=table[pick, 1],
                DESCRIPTION=table[pick, 2],
                TYPE="allergy",
                CATEGORY=table[pick, 3],
                REACTION1=reactions[reaction, 0],
                DESCRIPTION1=reactions[reaction, 1],
                SEVERITY1=np.where(rng.random(len(patient)) < 0.7, "MILD", "MODERATE"),
            )
        if allergens is m.FOOD_ALLERGENS:
            drug = drugs.EPINEPHRINE
            chart.rows(
                "medications",
                patient,
                key,
                start=day + 0.5,
                stop=np.full(len(day), np.nan),
                CODE=drug.code,
                DESCRIPTION=drug.description,
                BASE_COST=drug.cost,
                DISPENSES=1,
                TOTALCOST=drug.cost,
                PAYER_COVERAGE=0.0,
            )


def _first_episode(
    chart: ChartBuilder, share: float, ages: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """A share of patients, each with one onset day inside ``ages`` and their active window."""
    cohort, rng = chart.cohort, chart.rng
    chosen = rng.random(cohort.size) < share
    low = np.maximum(cohort.birth + ages[0] * DAYS_PER_YEAR, cohort.active_start)
    high = np.minimum(cohort.birth + ages[1] * DAYS_PER_YEAR, cohort.active_end)
    patient = np.flatnonzero(chosen & (high > low))
    day = np.floor(low[patient] + rng.random(len(patient)) * (high - low)[patient])
    return patient, day
