"""Look-alikes: generated people with their own charts, then made to look like their anchor."""

from __future__ import annotations

import polars as pl
import pytest

from synthmass_assets.augmentation.clinical import pack_tables, unpack_tables, with_lookalikes
from synthmass_assets.augmentation.confusables import Lookalikes, make_lookalikes
from synthmass_assets.augmentation.protocol import LookalikeProtocol
from synthmass_assets.augmentation.records import build_ground_truth
from synthmass_assets.population.generator import generate_population
from synthmass_assets.population.params import PopulationParams

DAYS_PER_YEAR = 365.25


@pytest.fixture(scope="module")
def population() -> dict[str, pl.DataFrame]:
    return generate_population(PopulationParams(population=300, seed=11))


@pytest.fixture(scope="module")
def lookalikes(population: dict[str, pl.DataFrame]) -> Lookalikes:
    protocol = LookalikeProtocol(share=0.1, seed=5)
    return make_lookalikes(
        population["patients"], population["encounters"], protocol, generate_population
    )


def _pairs(population: dict[str, pl.DataFrame], lookalikes: Lookalikes) -> pl.DataFrame:
    people = lookalikes.tables["patients"].join(
        lookalikes.links, left_on="Id", right_on="patient_id"
    )
    return people.join(population["patients"], left_on="anchor_id", right_on="Id", suffix="_a")


def test_relations_follow_their_rules(
    population: dict[str, pl.DataFrame], lookalikes: Lookalikes
) -> None:
    pairs = _pairs(population, lookalikes).with_columns(
        gap=((pl.col("BIRTHDATE") - pl.col("BIRTHDATE_a")).dt.total_days() / DAYS_PER_YEAR).abs()
    )
    assert pairs.height == 30 and set(pairs.get_column("relation")) == {
        "twin", "parent_child", "sibling"
    }  # fmt: skip
    assert (pairs.get_column("LAST") == pairs.get_column("LAST_a")).all()
    assert (pairs.get_column("ADDRESS") == pairs.get_column("ADDRESS_a")).all()
    twins = pairs.filter(pl.col("relation") == "twin")
    assert (twins.get_column("BIRTHDATE") == twins.get_column("BIRTHDATE_a")).all()
    assert (twins.get_column("FIRST") != twins.get_column("FIRST_a")).all()
    family = pairs.filter(pl.col("relation") == "parent_child")
    assert (family.get_column("FIRST") == family.get_column("FIRST_a")).all()
    assert (family.get_column("GENDER") == family.get_column("GENDER_a")).all()
    assert family.get_column("gap").is_between(20, 40).all()
    assert set(family.get_column("SUFFIX")) <= {"Jr.", "Sr.", "III"}
    siblings = pairs.filter(pl.col("relation") == "sibling")
    assert siblings.get_column("gap").is_between(1, 6).all()
    assert (siblings.get_column("FIRST") != siblings.get_column("FIRST_a")).all()


def test_lookalikes_have_their_own_charts(
    population: dict[str, pl.DataFrame], lookalikes: Lookalikes
) -> None:
    new_ids = set(lookalikes.links.get_column("patient_id"))
    assert not new_ids & set(population["patients"].get_column("Id"))
    encounters = lookalikes.tables["encounters"]
    assert set(encounters.get_column("PATIENT")) <= new_ids
    assert not set(encounters.get_column("Id")) & set(population["encounters"].get_column("Id"))
    twins = _pairs(population, lookalikes).filter(pl.col("relation") == "twin")
    # Twins may share well-child visit days, but not their whole chart.
    for twin, anchor in twins.select("Id", "anchor_id").iter_rows():
        own = encounters.filter(pl.col("PATIENT") == twin).get_column("START")
        theirs = population["encounters"].filter(pl.col("PATIENT") == anchor).get_column("START")
        assert not set(own) & set(theirs)


def test_packed_tables_round_trip_and_append(
    population: dict[str, pl.DataFrame], lookalikes: Lookalikes
) -> None:
    packed = pack_tables(lookalikes)
    restored = unpack_tables(packed)
    for table, frame in lookalikes.tables.items():
        assert restored.tables[table].equals(frame), table
    assert restored.links.sort("patient_id").equals(
        lookalikes.links.select(restored.links.columns).sort("patient_id")
    )
    combined = with_lookalikes(population, packed)
    assert combined["conditions"].height == (
        population["conditions"].height + lookalikes.tables["conditions"].height
    )


def test_ground_truth_flags_both_members_of_a_group(lookalikes: Lookalikes) -> None:
    records = pl.DataFrame(
        {
            "record_id": ["r1", "r2", "r3"],
            "patient_id": [
                lookalikes.links["patient_id"][0],
                lookalikes.links["anchor_id"][0],
                "x",
            ],
            "facility_id": ["F01", "F02", "F01"],
            "encounter_count": [1, 2, 3],
        }
    )
    truth = build_ground_truth(records, lookalikes.links)
    group = lookalikes.links["confusable_group"][0]
    assert truth.get_column("confusable_group").to_list() == [group, group, None]
    assert truth.get_column("role").to_list()[1] == "anchor"
    assert truth.get_column("is_lookalike").to_list() == [True, False, False]
