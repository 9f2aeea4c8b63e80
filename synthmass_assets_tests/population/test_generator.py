"""The embedded generator: determinism, Synthea schema, realism and clinical coherence."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
import zipcodes

from synthmass_assets.population import codes, drugs, modules
from synthmass_assets.population.generator import generate_population
from synthmass_assets.population.params import PopulationParams
from synthmass_assets.population.richness import per_patient_medians, richness_violations
from synthmass_assets.population.schema import POPULATION_TABLES, SYNTHEA_SCHEMAS
from synthmass_assets.population.validation import (
    bad_ids,
    events_outside_life,
    orphan_rows,
    out_of_range_measures,
)

PARAMS = PopulationParams(population=1_500, seed=11)


@pytest.fixture(scope="module")
def tables() -> dict[str, pl.DataFrame]:
    return generate_population(PARAMS)


def test_same_seed_gives_identical_tables(tables: dict[str, pl.DataFrame]) -> None:
    again = generate_population(PARAMS)
    for table in POPULATION_TABLES:
        assert tables[table].equals(again[table]), table


def test_other_seed_gives_other_tables(tables: dict[str, pl.DataFrame]) -> None:
    other = generate_population(PopulationParams(population=1_500, seed=12))
    assert not tables["patients"].equals(other["patients"])
    assert not tables["observations"].equals(other["observations"])


def test_columns_and_types_are_synthea_v3(tables: dict[str, pl.DataFrame], sample: Path) -> None:
    for table in POPULATION_TABLES:
        header = (sample / f"{table}.csv").read_text().splitlines()[0].split(",")
        assert tables[table].columns == header, table
        assert dict(tables[table].schema) == SYNTHEA_SCHEMAS[table], table


def test_value_formats_match_synthea(tables: dict[str, pl.DataFrame]) -> None:
    patients = tables["patients"]
    assert (
        patients["Id"]
        .str.contains(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
        .all()
    )
    assert patients["SSN"].str.contains(r"^999-\d{2}-\d{4}$").all()
    assert patients["DRIVERS"].drop_nulls().str.contains(r"^S999\d{5}$").all()
    assert patients["PASSPORT"].drop_nulls().str.contains(r"^X\d{8}X$").all()
    assert patients["BIRTHPLACE"].str.ends_with("  Massachusetts  US").all()
    assert set(patients["GENDER"]) == {"M", "F"}
    assert set(patients["MARITAL"].drop_nulls()) <= {"M", "S", "D", "W"}
    assert set(tables["encounters"]["ENCOUNTERCLASS"]) <= {
        "wellness",
        "ambulatory",
        "outpatient",
        "urgentcare",
        "emergency",
        "inpatient",
    }


def test_demographics_are_realistic(tables: dict[str, pl.DataFrame]) -> None:
    patients = tables["patients"]
    assert not patients["FIRST"].str.contains(r"\d").any()
    # Common surnames collide, as in real indexes.
    assert patients["LAST"].value_counts()["count"].max() >= 10
    # Married women carry a maiden name; sons share their father's name with Jr./Sr.
    mrs = patients.filter(pl.col("PREFIX") == "Mrs.")
    assert mrs.height > 0 and mrs["MAIDEN"].is_not_null().all()
    juniors = patients.filter(pl.col("SUFFIX") == "Jr.").select("FIRST", "LAST")
    seniors = patients.filter(pl.col("SUFFIX") == "Sr.").select("FIRST", "LAST")
    assert (
        juniors.height > 0 and juniors.join(seniors, on=["FIRST", "LAST"]).height >= juniors.height
    )
    # Real Massachusetts ZIP codes with their city and county.
    for row in patients.head(50).iter_rows(named=True):
        (place,) = zipcodes.matching(row["ZIP"])
        assert (place["city"], place["county"], place["state"]) == (
            row["CITY"],
            row["COUNTY"],
            "MA",
        )
    ages = (dt.date(2025, 1, 1) - patients["BIRTHDATE"]).dt.total_days() / 365.25
    assert 0.15 < (ages < 18).mean() < 0.35 and 0.1 < (ages >= 65).mean() < 0.3  # type: ignore[operator]
    assert 0.02 < patients["DEATHDATE"].is_not_null().mean() < 0.15  # type: ignore[operator]


def test_integrity_rules_hold(tables: dict[str, pl.DataFrame]) -> None:
    patients, encounters = tables["patients"], tables["encounters"]
    assert bad_ids(patients) == 0 and bad_ids(encounters) == 0
    for table in POPULATION_TABLES[1:]:
        assert not any(orphan_rows(tables[table], patients, encounters).values()), table
        assert not any(events_outside_life(table, tables[table], patients, encounters).values())
    assert out_of_range_measures(tables["observations"]).height == 0
    assert tables["observations"]["DATE"].max() < dt.datetime(2025, 1, 1, tzinfo=dt.UTC)  # type: ignore[operator]


def test_richness_is_within_a_factor_of_two_of_real_synthea(
    tables: dict[str, pl.DataFrame],
) -> None:
    assert richness_violations(per_patient_medians(tables)) == []
    shares = tables["encounters"]["ENCOUNTERCLASS"].value_counts(normalize=True)
    share = dict(zip(shares["ENCOUNTERCLASS"], shares["proportion"], strict=True))
    assert share["wellness"] > 0.4 and 0.2 < share["ambulatory"] < 0.4
    assert 0.05 < share["outpatient"] < 0.2 and share["emergency"] + share["inpatient"] > 0.01


def test_at_least_twenty_condition_modules_appear(tables: dict[str, pl.DataFrame]) -> None:
    module_codes = {m.condition.code for m in modules.CHRONIC_MODULES}
    module_codes |= {m.condition.code for m in modules.ACUTE_MODULES} | {modules.PREGNANCY.code}
    seen = set(tables["conditions"]["CODE"]) & module_codes
    assert len(module_codes) >= 20 and len(seen) >= 20


def _values(tables: dict[str, pl.DataFrame], code: str) -> pl.DataFrame:
    return (
        tables["observations"]
        .filter(pl.col("CODE") == code)
        .with_columns(pl.col("VALUE").cast(pl.Float64))
    )


def _onsets(tables: dict[str, pl.DataFrame], code: str) -> pl.DataFrame:
    return (
        tables["conditions"]
        .filter(pl.col("CODE") == code)
        .group_by("PATIENT")
        .agg(onset=pl.col("START").min())
    )


def test_diabetics_have_diabetic_a1c_and_a_diabetes_drug(tables: dict[str, pl.DataFrame]) -> None:
    diabetics = _onsets(tables, "44054006")
    assert diabetics.height > 10
    a1c = _values(tables, codes.A1C.code).join(diabetics, on="PATIENT", how="left")
    after = a1c.filter(pl.col("DATE").cast(pl.Date) >= pl.col("onset"))
    assert after.height > 0 and after["VALUE"].min() >= 6.5  # type: ignore[operator]
    prediabetic = _onsets(tables, "15777000")["PATIENT"]
    never = a1c.filter(pl.col("onset").is_null() & ~pl.col("PATIENT").is_in(prediabetic))
    assert never.height > 0 and never["VALUE"].max() < 5.7  # type: ignore[operator]
    drug_codes = {m.code for m in drugs.DIABETES_DRUGS}
    treated = tables["medications"].filter(pl.col("CODE").is_in(drug_codes))["PATIENT"].unique()
    assert treated.is_in(diabetics["PATIENT"]).all()
    assert treated.len() >= 0.8 * diabetics.height


def test_hypertensives_have_high_pressure_and_an_antihypertensive(
    tables: dict[str, pl.DataFrame],
) -> None:
    hypertensive = _onsets(tables, "59621000")
    systolic = _values(tables, codes.SYSTOLIC.code).join(hypertensive, on="PATIENT", how="left")
    after = systolic.filter(pl.col("DATE").cast(pl.Date) >= pl.col("onset"))
    assert after.height > 0 and after["VALUE"].min() >= 130  # type: ignore[operator]
    normal = systolic.filter(pl.col("onset").is_null())
    assert normal["VALUE"].max() < 130  # type: ignore[operator]
    drug_codes = {m.code for m in drugs.ANTIHYPERTENSIVES}
    treated = tables["medications"].filter(pl.col("CODE").is_in(drug_codes))["PATIENT"].unique()
    assert treated.len() >= 0.8 * hypertensive.height


def test_children_grow_and_get_vaccinated(tables: dict[str, pl.DataFrame]) -> None:
    heights = _values(tables, codes.HEIGHT.code).sort("PATIENT", "DATE")
    growth = heights.group_by("PATIENT").agg(
        pl.col("VALUE").first(), pl.col("VALUE").last().alias("end")
    )
    assert (growth["end"] >= growth["VALUE"] - 2).all()
    vaccines = set(tables["immunizations"]["CODE"])
    assert {"08", "20", "03", "140"} <= vaccines


def test_fixed_demographics_are_kept() -> None:
    demographics = pl.DataFrame(
        {"BIRTHDATE": [dt.date(1980, 5, 1), dt.date(2015, 2, 3)], "GENDER": ["F", "M"]}
    )
    tables = generate_population(PopulationParams(population=2, seed=3), demographics)
    assert tables["patients"]["BIRTHDATE"].to_list() == demographics["BIRTHDATE"].to_list()
    assert tables["patients"]["GENDER"].to_list() == ["F", "M"]
    with pytest.raises(ValueError, match="demographics has 2 rows but population is 3"):
        generate_population(PopulationParams(population=3, seed=3), demographics)
