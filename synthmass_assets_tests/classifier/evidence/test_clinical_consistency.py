"""Clinical consistency of two records: chronic care, lifelong states and growth (inline frames)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import polars as pl
import pytest

from synthmass_assets.classifier.evidence import care, physiology
from synthmass_assets.classifier.evidence.chronic_codes import MIN_RECORDS, ChronicCodes
from synthmass_assets.classifier.summaries.clinical_states import clinical_states
from synthmass_assets.population import codes as c

EPOCH = dt.date(2010, 1, 1)
CHRONIC = ChronicCodes(
    once=("H", "N"), lifelong=("H", "N"), follow_up_days={"H": 365.0}
)  # H: followed up yearly; N: lifelong without follow-ups


def day(n: int) -> dt.date:
    return EPOCH + dt.timedelta(days=n)


def record(
    visits: list[int],
    diagnoses: list[tuple[str, int]] = (),  # type: ignore[assignment]
    care_days: list[tuple[str, int]] = (),  # type: ignore[assignment]
    treatments: list[tuple[str, str, int, int | None]] = (),  # type: ignore[assignment]
) -> dict[str, Any]:
    return {
        "first_visit": day(min(visits)),
        "last_visit": day(max(visits)),
        "visit_dates": [day(v) for v in sorted(visits)],
        "diagnoses": [{"code": code, "day": day(n), "ongoing": True} for code, n in diagnoses],
        "care": [{"code": code, "day": day(n)} for code, n in care_days],
        "treatments": [
            {"reason": r, "drug": d, "start": day(s), "stop": day(e) if e is not None else None}
            for r, d, s, e in treatments
        ],
    }


def summaries(*records: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"record_id": f"r{i}", **rec} for i, rec in enumerate(records)],
        schema_overrides={
            "diagnoses": pl.List(
                pl.Struct({"code": pl.String, "day": pl.Date, "ongoing": pl.Boolean})
            ),
            "care": pl.List(pl.Struct({"code": pl.String, "day": pl.Date})),
            "treatments": pl.List(
                pl.Struct(
                    {"reason": pl.String, "drug": pl.String, "start": pl.Date, "stop": pl.Date}
                )
            ),
        },
    )


def pairs(*rows: tuple[int, int]) -> pl.DataFrame:
    return care.pair_frame(np.array([r[0] for r in rows]), np.array([r[1] for r in rows]))


def test_chronic_codes_are_read_from_the_records() -> None:
    chronic = [
        record(
            [0, 365, 730],
            diagnoses=[("H", 0), ("S", 0), ("S", 365 if i % 2 else 0)],
            care_days=[("H", 0), ("H", 365), ("H", 730)],
        )
        for i in range(MIN_RECORDS)
    ]
    codes = ChronicCodes.fit(summaries(*chronic))
    assert codes.once == ("H",) and codes.lifelong == ("H",)
    assert codes.follow_up_days == {"H": 365.0}
    assert ChronicCodes.from_dict(codes.to_dict()) == codes


def test_diagnoses_and_follow_ups_tell_one_story_or_two() -> None:
    frame = summaries(
        record([100], diagnoses=[("H", 100)]),
        record([500], care_days=[("H", 500)]),  # followed up after the diagnosis
        record([50], care_days=[("H", 50)]),  # followed up before it
        record([300], diagnoses=[("H", 300)]),  # diagnosed a second time
    )
    both, after, before = care.diagnoses_and_follow_ups(
        frame, pairs((0, 1), (0, 2), (0, 3)), CHRONIC
    )
    assert both.tolist() == [0, 0, 1] and after.tolist() == [1, 0, 0]
    assert before.tolist() == [0, 1, 0]


def test_one_person_takes_one_drug_for_a_condition() -> None:
    frame = summaries(
        record([0], treatments=[("H", "lisinopril", 0, 365)]),
        record([400], treatments=[("H", "amlodipine", 400, 765)]),
        record([800], treatments=[("H", "lisinopril", 800, None)]),
    )
    same, other = care.drug_agreement(frame, pairs((0, 1), (0, 2)))
    assert same.tolist() == [0, 1] and other.tolist() == [1, 0]


def test_follow_ups_keep_their_yearly_step() -> None:
    frame = summaries(
        record([100, 465], care_days=[("H", 100), ("H", 465)]),
        record([830], care_days=[("H", 830)]),  # one year on
        record([1000], care_days=[("H", 1000)]),  # half a year out of step
        record([1000]),
    )
    phase = care.follow_up_phase(frame, pairs((0, 1), (0, 2), (0, 3), (1, 0)), CHRONIC)
    assert phase[0] == pytest.approx(0) and phase[3] == pytest.approx(0)
    assert phase[1] == pytest.approx(170 / 30.4) and phase[2] == -1


def test_a_run_of_visits_without_a_yearly_follow_up_is_evidence_against() -> None:
    frame = summaries(
        record([0], diagnoses=[("H", 0)]),
        record(list(range(100, 1000, 100))),  # two and a half years of visits, never H
        record(list(range(100, 1000, 100)), care_days=[("H", 365)]),
        record([100, 200]),  # too short a run to expect a follow-up
    )
    unseen_long, seen, unseen, unseen_in_run, cover = care.lifelong_continuity(
        frame, pairs((0, 1), (0, 2), (0, 3)), CHRONIC
    )
    assert unseen_in_run.tolist() == [1, 0, 0] and unseen_long.tolist() == [1, 0, 0]
    assert seen.tolist() == [0, 2, 0] and unseen.tolist() == [1, 0, 1]  # both ways round
    assert cover[0] > 1 > cover[2]


def test_an_open_prescription_ends_with_the_patient() -> None:
    frame = summaries(
        record([0], treatments=[("N", "loratadine", 0, 1000)]),
        record([1500]),
        record([900]),
    )
    after = care.visits_after_death(frame, np.array([0, 0]), np.array([1, 2]), CHRONIC)
    assert after[0] == pytest.approx(500 / 365.25) and after[1] < 0


def _tables(systolic: list[tuple[int, float]], diagnosed: int | None) -> dict[str, pl.DataFrame]:
    observations = pl.DataFrame(
        {
            "ENCOUNTER": [f"e{n}" for n, _ in systolic],
            "CODE": c.SYSTOLIC.code,
            "DATE": [dt.datetime.combine(day(n), dt.time(9)) for n, _ in systolic],
            "VALUE": [str(v) for _, v in systolic],
        }
    )
    conditions = pl.DataFrame(
        {"ENCOUNTER": ["e0"], "CODE": ["59621000"], "START": [day(diagnosed or 0)]}
    ).head(1 if diagnosed is not None else 0)
    encounters = pl.DataFrame(
        {"Id": ["e0"], "REASONCODE": [None], "START": [dt.datetime.combine(EPOCH, dt.time(9))]},
        schema_overrides={"REASONCODE": pl.String},
    )
    return {"observations": observations, "conditions": conditions, "encounters": encounters}


def test_lifelong_states_are_known_present_from_onset_and_absent_until_clear() -> None:
    tables = _tables([(10, 120.0), (400, 141.0), (800, 129.0)], diagnosed=None)
    visits = pl.DataFrame({"encounter_id": ["e0", "e10", "e400", "e800"], "record_id": "r0"})
    states = clinical_states(tables, visits)
    assert states.get_column("hypertension_onset").to_list() == [day(400)]
    assert states.get_column("hypertension_clear").to_list() == [day(800)]


def test_ill_before_normal_is_two_people() -> None:
    frame = pl.DataFrame(
        {
            "hypertension_onset": [day(0), None, None],
            "hypertension_clear": [None, day(731), None],
        }
    ).with_columns(
        pl.lit(None, dtype=pl.Date).alias(f"{state}_{edge}")
        for state in physiology.CLINICAL_STATES
        if state != "hypertension"
        for edge in ("onset", "clear")
    )
    *margins, contradicted, in_both = physiology.state_contradictions(
        frame, np.array([0, 0, 1]), np.array([1, 2, 2])
    )
    assert margins[0][0] == pytest.approx(731 / 365.25) and margins[0][1] == -1
    assert contradicted.tolist() == [1, 0, 0] and in_both.tolist() == [0, 0, 0]


def _heights(*points: tuple[float, float]) -> np.ndarray:
    return np.array([[[d * 365.25, h] for d, h in points]])


def test_a_growing_child_fits_one_person_and_two_adults_do_not() -> None:
    no_bmi = np.full((1, 2, 2), np.nan)
    share = dict(zip(physiology.HEIGHT_AGES, physiology.HEIGHT_SHARE[False], strict=True))
    child = _heights((22, 180 * share[2]), (26, 180 * share[6]))  # born in year 20
    alone = physiology.best_fit(child[:, :1], no_bmi[:, :1]) + physiology.best_fit(
        child[:, 1:], no_bmi[:, 1:]
    )
    assert physiology.best_fit(child, no_bmi)[0] - alone[0] < 2
    adults = _heights((50, 181.0), (51, 166.0))
    alone = physiology.best_fit(adults[:, :1], no_bmi[:, :1]) + physiology.best_fit(
        adults[:, 1:], no_bmi[:, 1:]
    )
    assert physiology.best_fit(adults, no_bmi)[0] - alone[0] > 100
