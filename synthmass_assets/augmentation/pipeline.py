"""The augmentation stage as plain functions, one per asset, and `augment` chaining them all.

Every step seeds its own generator, so the assignment, the errors, the identities and the
look-alikes can each be redrawn without changing the others.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from synthmass_assets.augmentation.assignment import assign_encounters
from synthmass_assets.augmentation.clinical import pack_tables, unpack_tables
from synthmass_assets.augmentation.coding import assign_coding_profiles, coding_log
from synthmass_assets.augmentation.confusables import Generator, make_lookalikes
from synthmass_assets.augmentation.duplicates import register_duplicates
from synthmass_assets.augmentation.facilities import build_facilities
from synthmass_assets.augmentation.identity import true_identities
from synthmass_assets.augmentation.protocol import (
    ErrorProtocol,
    FacilityProtocol,
    LookalikeProtocol,
)
from synthmass_assets.augmentation.records import build_ground_truth, register_records
from synthmass_assets.population.schema import TIMESTAMP

FACILITY_STREAM, ASSIGNMENT_STREAM, DUPLICATE_STREAM = 0, 1, 2


def population_state(patients: pl.DataFrame) -> str:
    """The state most patients live in."""
    return str(patients.get_column("STATE").drop_nulls().mode().sort()[0])


def facilities_step(patients: pl.DataFrame, protocol: FacilityProtocol) -> pl.DataFrame:
    """The ``facilities`` asset: facilities in towns of the population's state, each with its
    coding profiles (drawn from their own seed)."""
    rng = np.random.default_rng([protocol.seed, FACILITY_STREAM])
    sites = build_facilities(protocol.count, population_state(patients), rng)
    return assign_coding_profiles(sites, protocol.coding)


def lookalikes_step(
    patients: pl.DataFrame,
    encounters: pl.DataFrame,
    protocol: LookalikeProtocol,
    generate: Generator,
) -> pl.DataFrame:
    """The ``lookalike_clinical`` asset: the look-alikes' tables, packed into one frame."""
    return pack_tables(make_lookalikes(patients, encounters, protocol, generate))


def assignment_step(
    encounters: pl.DataFrame,
    lookalike_clinical: pl.DataFrame,
    facilities: pl.DataFrame,
    protocol: FacilityProtocol,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The ``encounter_facilities`` and ``ground_truth`` assets (look-alikes included).

    The duplicate registrations draw from their own stream, so with a share of 0 every other
    output is the same as without them.
    """
    lookalikes = unpack_tables(lookalike_clinical)
    # DuckDB hands timestamps back as Etc/UTC; align both sources on the schema's UTC.
    columns = (pl.col("Id"), pl.col("PATIENT"), pl.col("START").cast(TIMESTAMP))
    everyone = pl.concat(
        [encounters.select(columns), lookalikes.tables["encounters"].select(columns)]
    )
    rng = np.random.default_rng([protocol.seed, ASSIGNMENT_STREAM])
    assignment = assign_encounters(
        everyone, facilities.get_column("facility_id").to_list(), protocol, rng
    )
    assignment = register_duplicates(
        assignment,
        protocol.within_facility_duplicates,
        np.random.default_rng([protocol.seed, DUPLICATE_STREAM]),
    )
    return assignment.encounter_facilities, build_ground_truth(assignment.records, lookalikes.links)


def registration_step(
    ground_truth: pl.DataFrame,
    patients: pl.DataFrame,
    lookalike_clinical: pl.DataFrame,
    protocol: ErrorProtocol,
    facilities: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The ``facility_records`` and ``error_log`` assets.

    With ``facilities``, the log also records each record's facility-side coding (one
    `coding_profile` row per recoded or missing section; see `coding.coding_log`).
    """
    lookalikes = unpack_tables(lookalike_clinical)
    people = pl.concat([patients, lookalikes.tables["patients"]], how="vertical_relaxed")
    identities = true_identities(
        people, lookalikes.links, np.random.default_rng(protocol.identity_seed)
    )
    records, log = register_records(
        ground_truth, identities, protocol, np.random.default_rng(protocol.seed)
    )
    if facilities is None:
        return records, log
    return records, pl.concat([log, coding_log(ground_truth, facilities, log.schema)])


@dataclass(frozen=True)
class Augmentation:
    """Every output of the stage, keyed like the assets."""

    facilities: pl.DataFrame
    lookalike_clinical: pl.DataFrame
    encounter_facilities: pl.DataFrame
    ground_truth: pl.DataFrame
    facility_records: pl.DataFrame
    error_log: pl.DataFrame


def augment(
    population: dict[str, pl.DataFrame],
    facilities: FacilityProtocol,
    errors: ErrorProtocol,
    lookalikes: LookalikeProtocol,
    generate: Generator,
) -> Augmentation:
    """Run the whole stage on a population (used by the benchmark and tests)."""
    patients, encounters = population["patients"], population["encounters"]
    sites = facilities_step(patients, facilities)
    packed = lookalikes_step(patients, encounters, lookalikes, generate)
    encounter_facilities, ground_truth = assignment_step(encounters, packed, sites, facilities)
    records, error_log = registration_step(ground_truth, patients, packed, errors, sites)
    return Augmentation(sites, packed, encounter_facilities, ground_truth, records, error_log)
