"""Patients: an SSA age pyramid with life-table deaths, real names and real places.

Everything is drawn column-wise with numpy from one seeded generator; the returned
:class:`Cohort` keeps the latent facts (birth and death days, sex) that the clinical
modules need, beside the Synthea ``patients`` frame.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from synthmass_assets.population import identifiers
from synthmass_assets.population.params import PopulationParams
from synthmass_assets.population.reference_data import (
    births_per_year,
    first_names_by_decade,
    life_table,
    state_name,
    state_places,
    surnames,
)
from synthmass_assets.population.schema import conform

EPOCH = dt.date(1970, 1, 1)
DAYS_PER_YEAR = 365.25
MAX_AGE = 100
STREET_TYPES = np.array(
    ["Street", "Avenue", "Road", "Lane", "Drive", "Court", "Place", "Way", "Boulevard", "Terrace"]
)
UNIT_KINDS = np.array(["Apt", "Unit", "Suite"])
RACES = np.array(["white", "black", "asian", "native", "hawaiian", "other"])
RACE_SHARES = np.array([0.72, 0.09, 0.075, 0.005, 0.002, 0.108])
# Marital status shares (M, S, D, W) by age band lower bound, after US census tables.
MARITAL_CODES = np.array(["M", "S", "D", "W"])
MARITAL_BY_AGE = {
    18: [0.10, 0.89, 0.01, 0.00],
    25: [0.45, 0.50, 0.05, 0.00],
    35: [0.60, 0.22, 0.16, 0.02],
    55: [0.60, 0.10, 0.18, 0.12],
    75: [0.45, 0.05, 0.10, 0.40],
}
JUNIOR_SHARE = 0.03


def to_day(date: dt.date) -> int:
    return (date - EPOCH).days


@dataclass(frozen=True)
class Cohort:
    """Latent facts of every patient, index-aligned with the ``patients`` frame."""

    ids: pl.Series
    birth: np.ndarray  # day number (days since 1970-01-01)
    death: np.ndarray  # day number, or a day after the reference date when alive
    female: np.ndarray
    window_start: int
    reference: int
    patients: pl.DataFrame

    @property
    def size(self) -> int:
        return len(self.birth)

    def age_years(self, day: np.ndarray | int) -> np.ndarray:
        """Age in (fractional) years at ``day``, element-wise."""
        return (np.asarray(day) - self.birth) / DAYS_PER_YEAR

    @property
    def active_start(self) -> np.ndarray:
        return np.maximum(self.birth, self.window_start)

    @property
    def active_end(self) -> np.ndarray:
        return np.minimum(self.death, self.reference)


def _birth_years(
    rng: np.random.Generator, female: np.ndarray, params: PopulationParams
) -> np.ndarray:
    """Birth years from births per year × survival to the window start (the age pyramid)."""
    start_year = params.window_start.year
    ref_year = params.reference_date.year
    births = births_per_year()
    known: list[int] = sorted(births)
    years = np.arange(start_year - MAX_AGE, ref_year + 1)
    born = np.array([births[min(max(int(y), known[0]), known[-1])] for y in years])
    table = life_table()
    out = np.empty(len(female), dtype=np.int64)
    for sex, mask in (("F", female), ("M", ~female)):
        lx = table.filter(pl.col("sex") == sex).get_column("lx").to_numpy()
        age_at_start = np.clip(start_year - years, 0, len(lx) - 1)
        weight = born * np.where(years <= start_year, lx[age_at_start] / lx[0], 1.0)
        out[mask] = rng.choice(years, size=int(mask.sum()), p=weight / weight.sum())
    return out


def _death_days(
    rng: np.random.Generator, birth: np.ndarray, female: np.ndarray, params: PopulationParams
) -> np.ndarray:
    """Life-table deaths during the history window (one Bernoulli draw per patient-year)."""
    table = life_table()
    qx = {s: table.filter(pl.col("sex") == s).get_column("qx").to_numpy() for s in ("F", "M")}
    start, ref = to_day(params.window_start), to_day(params.reference_date)
    death = np.full(len(birth), ref + 1, dtype=np.int64)
    for year_start in range(start, ref, 365):
        alive = (death > ref) & (birth < year_start)
        age = np.clip(((year_start - birth) / DAYS_PER_YEAR).astype(int), 0, len(qx["F"]) - 1)
        q = np.where(female, qx["F"][age], qx["M"][age])
        dies = alive & (rng.random(len(birth)) < q)
        day = year_start + rng.integers(0, 365, size=len(birth))
        death = np.where(dies & (day < ref), day, death)
    return death


def first_names(rng: np.random.Generator, birth_year: np.ndarray, female: np.ndarray) -> np.ndarray:
    """Given names drawn by sex and birth decade, weighted by SSA frequencies."""
    table = first_names_by_decade()
    decades = sorted({d for d, _ in table})
    decade = np.clip(birth_year // 10 * 10, decades[0], decades[-1])
    out = np.empty(len(birth_year), dtype=object)
    for (d, sex), weighted in table.items():
        mask = (decade == d) & (female == (sex == "F"))
        if mask.any():
            out[mask] = rng.choice(weighted.names, size=int(mask.sum()), p=weighted.probabilities)
    return out


def _marital(rng: np.random.Generator, age: np.ndarray) -> np.ndarray:
    out = np.full(len(age), "", dtype=object)
    bands = sorted(MARITAL_BY_AGE)
    for low, high in zip(bands, [*bands[1:], 200], strict=True):
        mask = (age >= low) & (age < high)
        out[mask] = rng.choice(MARITAL_CODES, size=int(mask.sum()), p=MARITAL_BY_AGE[low])
    return out


def _pair_juniors(
    rng: np.random.Generator, birth: np.ndarray, female: np.ndarray, reference: int
) -> tuple[np.ndarray, np.ndarray]:
    """Father–son pairs (indices) who share a name: sons are born 20–45 years after fathers."""
    males = np.flatnonzero(~female)
    fathers = males[(reference - birth[males]) > 40 * DAYS_PER_YEAR]
    if len(fathers) == 0:
        return np.empty(0, dtype=int), np.empty(0, dtype=int)
    sons = rng.choice(males, size=int(len(males) * JUNIOR_SHARE * 4), replace=False)
    dads = rng.choice(fathers, size=len(sons))
    gap = (birth[sons] - birth[dads]) / DAYS_PER_YEAR
    ok = (gap >= 20) & (gap <= 45)
    sons, dads = sons[ok], dads[ok]
    _, first = np.unique(dads, return_index=True)
    sons, dads = sons[first], dads[first]
    keep = ~np.isin(sons, dads) & ~np.isin(dads, sons)
    limit = int(len(males) * JUNIOR_SHARE)
    return sons[keep][:limit], dads[keep][:limit]


def _births(
    rng: np.random.Generator, params: PopulationParams, demographics: pl.DataFrame | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(female, birth day, birth year) drawn from the pyramid, or taken from ``demographics``."""
    ref = to_day(params.reference_date)
    if demographics is not None:
        if demographics.height != params.population:
            raise ValueError(
                f"demographics has {demographics.height} rows but population is {params.population}"
            )
        female = demographics.get_column("GENDER").to_numpy() == "F"
        birth = demographics.get_column("BIRTHDATE").cast(pl.Int32).to_numpy().astype(np.int64)
        year = demographics.get_column("BIRTHDATE").dt.year().to_numpy().astype(np.int64)
        return female, np.minimum(birth, ref - 1), year
    female = rng.random(params.population) < 0.51
    year = _birth_years(rng, female, params)
    year_start = np.array(
        [to_day(dt.date(int(y), 1, 1)) for y in range(year.min(), year.max() + 1)]
    )[year - year.min()]
    birth = np.minimum(year_start + rng.integers(0, 365, size=params.population), ref - 1)
    return female, birth, year


def generate_cohort(
    params: PopulationParams, rng: np.random.Generator, demographics: pl.DataFrame | None = None
) -> Cohort:
    """Draw ``params.population`` patients and their Synthea ``patients`` rows.

    ``demographics`` (BIRTHDATE, GENDER per patient) fixes birth dates and sexes when given.
    """
    n = params.population
    state_full, _ = state_name(params.state)
    start, ref = to_day(params.window_start), to_day(params.reference_date)
    female, birth, birth_year = _births(rng, params, demographics)
    death = _death_days(rng, birth, female, params)
    age = (np.minimum(death, ref) - birth) / DAYS_PER_YEAR
    adult = age >= 18

    first = first_names(rng, birth_year, female)
    family = surnames()
    last = rng.choice(family.names, size=n, p=family.probabilities)
    marital = np.where(adult, _marital(rng, age), "")
    ever_married_woman = female & np.isin(marital, ["M", "D", "W"])
    maiden = np.where(
        ever_married_woman, rng.choice(family.names, size=n, p=family.probabilities), ""
    )
    prefix = np.where(
        ~adult, "", np.where(~female, "Mr.", np.where(ever_married_woman, "Mrs.", "Ms."))
    )
    suffix = np.full(n, "", dtype=object)
    sons, dads = _pair_juniors(rng, birth, female, ref)
    first[sons], last[sons] = first[dads], last[dads]
    suffix[sons], suffix[dads] = "Jr.", "Sr."

    places = state_places(params.state)
    place = rng.integers(0, places.height, size=n)
    home = places[place]
    street = rng.choice(family.names, size=n, p=family.probabilities)
    street_type = rng.choice(STREET_TYPES, size=n)
    number = np.minimum(rng.lognormal(5.0, 1.2, size=n).astype(int) + 1, 9999)
    has_unit = rng.random(n) < 0.25
    unit_kind = np.char.add(" ", rng.choice(UNIT_KINDS, size=n))
    unit = np.char.add(np.char.add(unit_kind, " "), rng.integers(1, 99, size=n).astype(str))
    address = pl.Series(number.astype(str)) + " " + pl.Series(street) + " " + pl.Series(street_type)
    address = address + pl.Series(np.where(has_unit, unit, ""))
    # Sons who share their father's name live at his address while young.
    at_home = sons[(ref - birth[sons]) < 30 * DAYS_PER_YEAR]
    address = address.scatter(at_home, address.gather(dads[np.isin(sons, at_home)]))
    birthplace = places[rng.integers(0, places.height, size=n)].get_column("CITY")
    age_now = (ref - birth) / DAYS_PER_YEAR

    ids = identifiers.uuids(rng, n)
    patients = pl.DataFrame(
        {
            "Id": ids,
            "BIRTHDATE": pl.Series(birth.astype("datetime64[D]")),
            "DEATHDATE": pl.Series(np.minimum(death, ref).astype("datetime64[D]")),
            "SSN": identifiers.synthea_ssns(rng, n),
            "DRIVERS": identifiers.drivers_licences(rng, n),
            "PASSPORT": identifiers.passports(rng, n),
            "PREFIX": prefix,
            "FIRST": first,
            "LAST": last,
            "SUFFIX": suffix,
            "MAIDEN": maiden,
            "MARITAL": marital,
            "RACE": rng.choice(RACES, size=n, p=RACE_SHARES),
            "ETHNICITY": np.where(rng.random(n) < 0.12, "hispanic", "nonhispanic"),
            "GENDER": np.where(female, "F", "M"),
            "BIRTHPLACE": birthplace + f"  {state_full}  US",
            "ADDRESS": address,
            "CITY": home.get_column("CITY"),
            "STATE": state_full,
            "COUNTY": home.get_column("COUNTY"),
            "ZIP": home.get_column("ZIP"),
            "LAT": home.get_column("LAT") + rng.normal(0, 0.01, size=n),
            "LON": home.get_column("LON") + rng.normal(0, 0.01, size=n),
            "HEALTHCARE_EXPENSES": np.round(rng.lognormal(9.5, 1.0, size=n) * (1 + age_now), 2),
            "HEALTHCARE_COVERAGE": np.round(rng.lognormal(8.0, 1.2, size=n) * (1 + age_now / 4), 2),
        }
    )
    licensed = age_now >= 16
    patients = patients.with_columns(
        DEATHDATE=pl.when(pl.Series(death <= ref)).then(pl.col("DEATHDATE")),
        DRIVERS=pl.when(pl.Series(licensed)).then(pl.col("DRIVERS")),
        PASSPORT=pl.when(pl.Series(licensed & (rng.random(n) < 0.75))).then(pl.col("PASSPORT")),
        **{c: pl.col(c).replace("", None) for c in ("PREFIX", "SUFFIX", "MAIDEN", "MARITAL")},
    )
    return Cohort(
        ids=ids,
        birth=birth,
        death=death,
        female=female,
        window_start=start,
        reference=ref,
        patients=conform("patients", patients),
    )
