"""True identities: each patient's demographics as a facility would register them, error-free.

Synthea patients have no middle name and no phone; both are added here, drawn from the seed:
the middle name from the given names of the person's birth decade and sex (SSA frequencies),
the phone from the area code of the person's ZIP code. A parent and child who share a name
(Jr./Sr.) share the middle name too, and half of the look-alikes share their household's phone.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from synthmass_assets.population.demographics import first_names as given_names
from synthmass_assets.population.reference_data import state_places

IDENTITY_FIELDS: tuple[str, ...] = (
    "first_name", "middle_name", "last_name", "maiden_name", "suffix", "birthdate", "gender",
    "ssn", "address", "city", "state", "zip", "phone",
)  # fmt: skip
MIDDLE_NAME_SHARE = 0.85
SHARED_PHONE_SHARE = 0.5


def true_identities(
    patients: pl.DataFrame, links: pl.DataFrame, rng: np.random.Generator
) -> pl.DataFrame:
    """The registration-ready identity of every patient.

    Args:
        patients: Synthea ``patients`` rows (original patients and look-alikes).
        links: Look-alikes' ``patient_id``, ``anchor_id`` and ``relation`` (may be empty).
        rng: Generator of middle names and phone numbers.

    Returns:
        ``patient_id`` plus `IDENTITY_FIELDS`, one row per patient, in ``patients`` order.
    """
    n = patients.height
    birth_year = patients.get_column("BIRTHDATE").dt.year().to_numpy()
    female = (patients.get_column("GENDER") == "F").to_numpy()
    middle = given_names(rng, birth_year, female)
    first = patients.get_column("FIRST").to_numpy()
    clash = middle == first
    middle[clash] = given_names(rng, birth_year[clash], female[clash])
    middle[rng.random(n) >= MIDDLE_NAME_SHARE] = None
    identities = patients.select(
        patient_id=pl.col("Id"),
        first_name=pl.col("FIRST"),
        middle_name=pl.Series(middle.tolist(), dtype=pl.String),
        last_name=pl.col("LAST"),
        maiden_name=pl.col("MAIDEN"),
        suffix=pl.col("SUFFIX"),
        birthdate=pl.col("BIRTHDATE"),
        gender=pl.col("GENDER"),
        ssn=pl.col("SSN"),
        address=pl.col("ADDRESS"),
        city=pl.col("CITY"),
        state=pl.col("STATE"),
        zip=pl.col("ZIP"),
        phone=phone_numbers(rng, patients.get_column("ZIP"), patients.get_column("STATE")),
    )
    return _share_household_facts(identities, links, rng)


def phone_numbers(rng: np.random.Generator, zips: pl.Series, states: pl.Series) -> pl.Series:
    """``AAA-EEE-LLLL`` numbers: the ZIP's area code (else the state's commonest), real exchange."""
    area = pl.Series(np.full(len(zips), None, dtype=object), dtype=pl.String)
    for state in states.drop_nulls().unique().to_list():
        places = state_places(state)
        codes = dict(zip(places.get_column("ZIP"), places.get_column("AREA_CODE"), strict=True))
        common = places.get_column("AREA_CODE").mode().sort()[0]
        in_state = (states == state).fill_null(False)
        area = pl.select(
            pl.when(in_state)
            .then(zips.replace_strict(codes, default=common, return_dtype=pl.String))
            .otherwise(area)
        ).to_series()
    exchange = rng.integers(200, 1000, size=len(zips))
    exchange = np.where(exchange % 100 == 11, exchange + 1, exchange)  # N11 codes are services
    line = rng.integers(0, 10_000, size=len(zips))
    return (
        area.fill_null("000")
        + "-"
        + pl.Series(exchange).cast(pl.String)
        + "-"
        + pl.Series(line).cast(pl.String).str.zfill(4)
    ).alias("phone")


def _share_household_facts(
    identities: pl.DataFrame, links: pl.DataFrame, rng: np.random.Generator
) -> pl.DataFrame:
    if links.is_empty():
        return identities
    anchors = identities.select(
        anchor_id="patient_id", anchor_middle="middle_name", anchor_phone="phone"
    )
    shared = links.select("patient_id", "anchor_id", "relation").with_columns(
        shares_phone=pl.Series(rng.random(links.height) < SHARED_PHONE_SHARE)
    )
    return (
        identities.join(shared, on="patient_id", how="left", maintain_order="left")
        .join(anchors, on="anchor_id", how="left", maintain_order="left")
        .with_columns(
            middle_name=pl.when(pl.col("relation") == "parent_child")
            .then(pl.col("anchor_middle"))
            .otherwise(pl.col("middle_name")),
            phone=pl.when(pl.col("shares_phone")).then(pl.col("anchor_phone")).otherwise("phone"),
        )
        .select("patient_id", *IDENTITY_FIELDS)
    )
