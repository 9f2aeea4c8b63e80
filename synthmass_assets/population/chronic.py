"""Chronic conditions: diagnosis visit, condition row, follow-ups with labs and refills."""

from __future__ import annotations

import numpy as np

from synthmass_assets.population import codes as c
from synthmass_assets.population.chart import ChartBuilder
from synthmass_assets.population.drugs import Medication
from synthmass_assets.population.health import Health
from synthmass_assets.population.modules import CHRONIC_MODULES, ChronicModule
from synthmass_assets.population.observations import add_measure
from synthmass_assets.population.physiology import blood_pressure, lab_values
from synthmass_assets.population.timeline import periodic


def add_chronic_conditions(chart: ChartBuilder, health: Health) -> None:
    """Rows of every chronic module for every patient who develops the condition."""
    for module in CHRONIC_MODULES:
        _add_module(chart, health, module)


def _add_module(chart: ChartBuilder, health: Health, module: ChronicModule) -> None:
    cohort, rng = chart.cohort, chart.rng
    onset, resolved = health.onset[module.key], health.resolved[module.key]
    patient = np.flatnonzero(np.isfinite(onset))
    if len(patient) == 0:
        return
    day = onset[patient]
    key = chart.encounters(
        patient,
        day,
        module.diagnosis_class,
        c.ENCOUNTER_FOR_CLASS[module.diagnosis_class],
        reason=module.condition,
    )
    end = np.minimum(resolved[patient], cohort.active_end[patient])
    stop = np.where(resolved[patient] < cohort.active_end[patient], resolved[patient], np.nan)
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
            BASE_COST=612.7,
            REASONCODE=module.condition.code,
            REASONDESCRIPTION=module.condition.description,
        )

    interval = module.followup_months * 30.4 if module.followup_months else np.inf
    first = np.maximum(day + interval, cohort.window_start)
    row, visit_day = periodic(first, end, interval, 20.0, rng)
    visit_patient = patient[row]
    visit_class = np.where(rng.random(len(row)) < 0.5, "ambulatory", "outpatient")
    visit_key = chart.encounters(
        visit_patient, visit_day, visit_class, c.FOLLOW_UP, reason=module.condition
    )
    state = health.state(visit_patient, visit_day)
    for measure in module.labs:
        values = lab_values(rng, measure, state, cohort.female[visit_patient])
        add_measure(chart, measure, visit_patient, visit_key, values)
    if module.key == "hypertension":
        age = (visit_day - cohort.birth[visit_patient]) / 365.25
        systolic, diastolic = blood_pressure(rng, age, np.ones(len(row), dtype=bool))
        add_measure(chart, c.SYSTOLIC, visit_patient, visit_key, systolic)
        add_measure(chart, c.DIASTOLIC, visit_patient, visit_key, diastolic)

    treated = rng.random(len(patient)) < module.treated_share
    if module.medications and treated.any():
        drug = rng.integers(0, len(module.medications), len(patient))
        fills = np.concatenate([np.flatnonzero(treated), row[treated[row]]])
        fill_day = np.concatenate([day[treated], visit_day[treated[row]]])
        fill_key = np.concatenate([key[treated], visit_key[treated[row]]])
        _add_prescriptions(
            chart, module, patient[fills], fill_day, fill_key, drug[fills], interval, end[fills]
        )


def _add_prescriptions(
    chart: ChartBuilder,
    module: ChronicModule,
    patient: np.ndarray,
    day: np.ndarray,
    key: np.ndarray,
    drug: np.ndarray,
    interval: float,
    end: np.ndarray,
) -> None:
    """One prescription per fill; the last fill of an ongoing condition stays open (STOP null)."""
    rng, cohort = chart.rng, chart.cohort
    stop = day + interval
    open_ended = stop >= end
    died = cohort.death[patient] <= cohort.reference
    stop = np.where(open_ended, np.where(died | (end < cohort.reference), end, np.nan), stop)
    months = int(round(interval / 30.4)) if np.isfinite(interval) else 12
    for index, medication in enumerate(module.medications):
        rows = drug == index
        _prescription_rows(
            chart, medication, module, patient[rows], key[rows], day[rows], stop[rows], months, rng
        )


def _prescription_rows(
    chart: ChartBuilder,
    medication: Medication,
    module: ChronicModule,
    patient: np.ndarray,
    key: np.ndarray,
    day: np.ndarray,
    stop: np.ndarray,
    dispenses: int,
    rng: np.random.Generator,
) -> None:
    total = round(medication.cost * dispenses, 2)
    chart.rows(
        "medications",
        patient,
        key,
        start=day + 0.5,
        stop=stop + 0.5,
        CODE=medication.code,
        DESCRIPTION=medication.description,
        BASE_COST=medication.cost,
        DISPENSES=dispenses,
        TOTALCOST=total,
        PAYER_COVERAGE=np.round(total * rng.uniform(0, 0.9, len(patient)), 2),
        REASONCODE=module.condition.code,
        REASONDESCRIPTION=module.condition.description,
    )
