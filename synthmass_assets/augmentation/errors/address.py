"""Address errors: USPS abbreviations, apartment formats, and a move to another real town."""

from __future__ import annotations

import numpy as np
import polars as pl

from synthmass_assets.augmentation.errors.variant import (
    Values,
    Variant,
    on_field,
    random_index,
    uniforms,
)
from synthmass_assets.population.reference_data import state_places, surnames

# USPS street suffix and directional abbreviations (Publication 28, Appendix C).
USPS_ABBREVIATIONS: dict[str, str] = {
    "Street": "St", "Avenue": "Ave", "Road": "Rd", "Lane": "Ln", "Drive": "Dr", "Court": "Ct",
    "Place": "Pl", "Boulevard": "Blvd", "Terrace": "Ter", "Circle": "Cir", "Highway": "Hwy",
    "Parkway": "Pkwy", "Square": "Sq", "Trail": "Trl", "Crossing": "Xing", "Heights": "Hts",
    "Point": "Pt", "Ridge": "Rdg", "Lock": "Lck", "Neck": "Nck", "Mount": "Mt", "Junction": "Jct",
    "Center": "Ctr", "Expressway": "Expy", "Extension": "Ext", "Harbor": "Hbr", "Valley": "Vly",
    "Village": "Vlg", "Station": "Sta", "Turnpike": "Tpke", "North": "N", "South": "S",
    "East": "E", "West": "W",
}  # fmt: skip
_BOTH_WAYS = {**USPS_ABBREVIATIONS, **{abbr: full for full, abbr in USPS_ABBREVIATIONS.items()}}
_WORD = "|".join(sorted(_BOTH_WAYS, key=len, reverse=True))
# Greedy prefix: the last suffix word wins ("12 North Court Street" → "Street").
ABBREVIABLE = rf"^(.*)\b({_WORD})\b(.*)$"
UNIT = r"^(.*?),?\s+(Apt\.?|Apartment|Unit|Suite|Ste\.?|#)\s*([0-9A-Za-z-]+)$"
UNIT_DESIGNATORS = ("Apt", "Unit", "#", "Apartment", "Ste")
STREET_TYPES = ("Street", "Avenue", "Road", "Lane", "Drive", "Court", "Place", "Way", "Terrace")


def abbreviation(values: pl.Series, rng: np.random.Generator) -> pl.Series:
    """Abbreviate the street suffix (Street → St), or spell an abbreviated one out."""
    parts = values.str.extract_groups(ABBREVIABLE)
    word = parts.struct.field("2")
    swapped = word.replace_strict(_BOTH_WAYS, default=None, return_dtype=pl.String)
    return (parts.struct.field("1") + swapped + parts.struct.field("3")).alias(values.name)


def apartment_format(values: pl.Series, rng: np.random.Generator) -> pl.Series:
    """Write the unit another way: Apt 5 / Unit 5 / #5 / Apartment 5 / Ste 5."""
    frame = uniforms(rng, len(values)).with_columns(values.str.extract_groups(UNIT).struct.unnest())
    current = (
        pl.col("2")
        .str.strip_chars(".")
        .replace_strict(
            {d: i for i, d in enumerate(UNIT_DESIGNATORS)}, default=0, return_dtype=pl.Int64
        )
    )
    # Shift by 1..len-1 so the new designator always differs from the current one.
    shift = random_index(pl.col("u0"), pl.lit(len(UNIT_DESIGNATORS) - 1)) + 1
    designator = ((current + shift) % len(UNIT_DESIGNATORS)).replace_strict(
        dict(enumerate(UNIT_DESIGNATORS)), return_dtype=pl.String
    )
    unit = pl.when(designator == "#").then(pl.lit("#")).otherwise(designator + " ")
    return frame.select((pl.col("1") + " " + unit + pl.col("3")).alias(values.name)).to_series()


def moved(values: Values, rng: np.random.Generator) -> Values:
    """The patient moved: a new street address in another real town of the same state."""
    n = len(values["address"])
    family = surnames()
    number = np.minimum(rng.lognormal(5.0, 1.2, size=n).astype(int) + 1, 9999)
    street = rng.choice(family.names, size=n, p=family.probabilities)
    kind = rng.choice(STREET_TYPES, size=n)
    address = pl.Series(number.astype(str)) + " " + pl.Series(street) + " " + pl.Series(kind)
    city = values["city"].clone()
    zips = values["zip"].clone()
    states = values["state"]
    for state in states.unique().to_list():
        rows = np.flatnonzero((states == state).to_numpy())
        places = state_places(state)
        pick = rng.integers(0, places.height, size=len(rows))
        for _ in range(5):  # redraw the few that landed in the same town
            landed = places.get_column("CITY").gather(pick) == city.gather(rows)
            same = landed.fill_null(False).to_numpy()
            if not same.any():
                break
            pick[same] = rng.integers(0, places.height, size=int(same.sum()))
        city = city.scatter(rows, places.get_column("CITY").gather(pick))
        zips = zips.scatter(rows, places.get_column("ZIP").gather(pick))
    return {
        "address": address.alias("address"),
        "city": city.alias("city"),
        "zip": zips.alias("zip"),
    }


def _abbreviable(values: Values) -> pl.Series:
    return values["address"].str.contains(ABBREVIABLE)


def _has_unit(values: Values) -> pl.Series:
    return values["address"].str.contains(UNIT)


ADDRESS_VARIANTS: tuple[Variant, ...] = (
    Variant("abbreviation", "address", ("address",), 0.45,
            on_field("address", abbreviation), _abbreviable),
    Variant("apartment_format", "address", ("address",), 0.25,
            on_field("address", apartment_format), _has_unit),
    Variant("moved", "address", ("address", "city", "zip"), 0.30, moved, reads=("state",),
            requires=("state",)),
)  # fmt: skip
