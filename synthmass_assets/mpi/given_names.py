"""Twin logic: two records whose given names have nothing in common are not one person on
demographics alone.

Twins share a birth date, a family name and an address; siblings share all but the birth date.
Probabilistic linkage scores such pairs as certain matches because it treats the agreeing fields
as independent evidence, while a registration desk seldom writes a wholly different given name
for the same person. Identity systems therefore hold these pairs back ("twin logic"): a pair
decided by Splink alone is rejected when both given names are present and are neither equal,
nicknames of each other, a typo apart, one the initial of the other, nor swapped with the family
name, unless the national identifiers agree. Pairs the classifier scores are left to the
clinical evidence.
"""

from __future__ import annotations

import jellyfish
import polars as pl

from synthmass_assets.resolution.normalize import clean_name, identifier_column, name_variants
from synthmass_assets.resolution.value_forms import alphanumeric

SIMILAR = 0.8


def _compatible(first_l: str, first_r: str, last_l: str | None, last_r: str | None) -> bool:
    if first_l == first_r or first_l[:1] == first_r[:1] and min(len(first_l), len(first_r)) == 1:
        return True
    if jellyfish.jaro_winkler_similarity(first_l, first_r) >= SIMILAR:
        return True
    if first_r in name_variants(first_l) or first_l in name_variants(first_r):
        return True
    crossed = [(first_l, last_r), (first_r, last_l)]
    return any(
        other is not None and jellyfish.jaro_winkler_similarity(name, other) >= SIMILAR
        for name, other in crossed
    )


def given_name_conflicts(pairs: pl.DataFrame, records: pl.DataFrame) -> pl.Series:
    """Whether each pair's given names rule out one person (see the module docstring).

    Args:
        pairs: ``record_id_l``, ``record_id_r``.
        records: ``facility_records`` (``first_name``; ``last_name`` and ``national_id`` or
            ``ssn`` when present).
    """
    if "first_name" not in records.columns or pairs.is_empty():
        return pl.Series("conflict", [False] * pairs.height, dtype=pl.Boolean)
    columns = {"first": clean_name("first_name")}
    if "last_name" in records.columns:
        columns["last"] = clean_name("last_name")
    identifier = identifier_column(set(records.columns))
    if identifier:
        columns["identifier"] = alphanumeric(pl.col(identifier))
    names = records.select("record_id", **columns)
    joined = pairs.select("record_id_l", "record_id_r").join(
        names.rename(lambda c: f"{c}_l" if c != "record_id" else "record_id_l"),
        on="record_id_l",
        how="left",
        maintain_order="left",
    )
    joined = joined.join(
        names.rename(lambda c: f"{c}_r" if c != "record_id" else "record_id_r"),
        on="record_id_r",
        how="left",
        maintain_order="left",
    )
    last = ("last_l", "last_r") if "last" in columns else None
    verdict = []
    for row in joined.iter_rows(named=True):
        a, b = row["first_l"], row["first_r"]
        if not a or not b:
            verdict.append(False)
            continue
        if identifier and row["identifier_l"] and row["identifier_l"] == row["identifier_r"]:
            verdict.append(False)
            continue
        lasts = (row[last[0]], row[last[1]]) if last else (None, None)
        verdict.append(not _compatible(a, b, *lasts))
    return pl.Series("conflict", verdict, dtype=pl.Boolean)
