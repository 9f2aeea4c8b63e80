"""Simulated facilities: hospitals, health centres and practices in real towns of a state."""

from __future__ import annotations

import numpy as np
import polars as pl

from synthmass_assets.population.reference_data import state_name, state_places, surnames

# (type, name pattern); the first is the usual primary care hub of an exchange.
FACILITY_KINDS: tuple[tuple[str, str], ...] = (
    ("community_hospital", "{city} General Hospital"),
    ("primary_care", "{surname} Family Practice"),
    ("academic_medical_center", "{city} University Medical Center"),
    ("community_health_center", "{city} Community Health Center"),
    ("urgent_care", "{city} Urgent Care"),
    ("specialty_clinic", "{surname} Specialty Clinic"),
)
STREET_TYPES = ("Street", "Avenue", "Road", "Boulevard", "Drive")


def build_facilities(count: int, state: str, rng: np.random.Generator) -> pl.DataFrame:
    """``count`` facilities of cycling types, each in a different real town of ``state``.

    Args:
        count: Number of facilities (at least one).
        state: US state name or abbreviation whose towns and ZIP codes are used.
        rng: Generator of the facility draws.

    Returns:
        One row per facility: ``facility_id`` (``F01``, ...), ``name``, ``facility_type``,
        ``address``, ``city``, ``state``, ``zip``, ``lat``, ``lon``.
    """
    if count < 1:
        raise ValueError(f"facility count {count} must be at least 1")
    state_full, _ = state_name(state)
    towns = state_places(state).unique("CITY", keep="first", maintain_order=True)
    picked = towns[rng.choice(towns.height, size=count, replace=count > towns.height)]
    family = surnames()
    people = rng.choice(family.names, size=count, p=family.probabilities)
    rows = []
    for i, (town, person) in enumerate(zip(picked.iter_rows(named=True), people, strict=True)):
        kind, pattern = FACILITY_KINDS[i % len(FACILITY_KINDS)]
        street = rng.choice(family.names, p=family.probabilities)
        rows.append(
            {
                "facility_id": f"F{i + 1:02d}",
                "name": pattern.format(city=town["CITY"], surname=person),
                "facility_type": kind,
                "address": f"{int(rng.integers(1, 2000))} {street} {rng.choice(STREET_TYPES)}",
                "city": town["CITY"],
                "state": state_full,
                "zip": town["ZIP"],
                "lat": town["LAT"],
                "lon": town["LON"],
            }
        )
    return pl.DataFrame(rows)
