"""Which coding profile each facility uses, and the error-log rows that record it.

With five facilities and two or three profiles per section, independent draws would often
leave a profile out. Each section therefore cycles its profile list over a seeded permutation
of the facilities, so every profile occurs once there are at least as many facilities as
profiles. Each missing section is lacking at a seeded draw of ``missing_share`` of the
facilities, at least one when the share is positive.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from synthmass_assets.augmentation.protocol import (
    CODING_PROFILE,
    CONDITION_PROFILES,
    MEDICATION_PROFILES,
    OBSERVATION_PROFILES,
    CodingProtocol,
)

# Facility column → the section it codes and that section's canonical profile.
PROFILE_COLUMNS: dict[str, tuple[str, str]] = {
    "conditions_coding": ("conditions", CONDITION_PROFILES[0]),
    "medications_coding": ("medications", MEDICATION_PROFILES[0]),
    "observations_coding": ("observations", OBSERVATION_PROFILES[0]),
}
CODING_COLUMNS = (*PROFILE_COLUMNS, "missing_sections", "coding_seed")
MISSING = "missing"


def _cycled(profiles: tuple[str, ...], count: int, rng: np.random.Generator) -> list[str]:
    order = rng.permutation(count)
    return [profiles[int(i) % len(profiles)] for i in order]


def _missing(protocol: CodingProtocol, count: int, rng: np.random.Generator) -> list[str]:
    """Comma-joined sections each facility does not send ("" when it sends all)."""
    lacking: list[list[str]] = [[] for _ in range(count)]
    for section in protocol.missing_sections:
        n = round(protocol.missing_share * count)
        n = max(n, 1) if protocol.missing_share > 0 else 0
        for i in sorted(rng.choice(count, size=min(n, count), replace=False)):
            lacking[int(i)].append(section)
    return [",".join(sections) for sections in lacking]


def assign_coding_profiles(facilities: pl.DataFrame, protocol: CodingProtocol) -> pl.DataFrame:
    """The facilities with their coding: `CODING_COLUMNS` appended.

    Args:
        facilities: One row per facility (``facility_id``, ...).
        protocol: Profile lists, missing sections and the seed.

    Returns:
        ``conditions_coding``, ``medications_coding``, ``observations_coding`` (a profile
        name each), ``missing_sections`` (comma-joined, "" for none) and ``coding_seed`` (the
        seed of the facility's own choices: which wording it uses, how it numbers its tests).
        With coding disabled every facility gets the canonical profiles and sends everything.
    """
    count = facilities.height
    rng = np.random.default_rng(protocol.seed)
    if protocol.enabled:
        columns: dict[str, list[str]] = {
            "conditions_coding": _cycled(protocol.conditions, count, rng),
            "medications_coding": _cycled(protocol.medications, count, rng),
            "observations_coding": _cycled(protocol.observations, count, rng),
            "missing_sections": _missing(protocol, count, rng),
        }
    else:
        columns = {
            column: [canonical] * count for column, (_, canonical) in PROFILE_COLUMNS.items()
        }
        columns["missing_sections"] = [""] * count
    seeds = rng.integers(0, 2**31 - 1, size=count)
    return facilities.with_columns(
        *(pl.Series(name, values, dtype=pl.String) for name, values in columns.items()),
        pl.Series("coding_seed", seeds, dtype=pl.Int64),
    )


def has_coding(facilities: pl.DataFrame) -> bool:
    """Whether any facility codes a section its own way or leaves one out."""
    if not set(CODING_COLUMNS) <= set(facilities.columns):
        return False
    recoded = pl.any_horizontal(
        pl.col(column) != canonical for column, (_, canonical) in PROFILE_COLUMNS.items()
    )
    lacking = pl.col("missing_sections").fill_null("") != ""
    return bool(facilities.select((recoded | lacking).any()).item())


def coding_log(
    ground_truth: pl.DataFrame, facilities: pl.DataFrame, schema: pl.Schema
) -> pl.DataFrame:
    """Error-log rows of the records at facilities with their own coding.

    One row per record and section its facility writes in a non-canonical profile (``field``
    the section, ``before`` the canonical profile, ``after`` and ``variant`` the facility's),
    and one per section the facility does not send (``variant`` and ``after`` ``missing``).
    ``error_index`` is null: these are not injected errors.
    """
    if not has_coding(facilities):
        return pl.DataFrame(schema=schema)
    sections = [
        facilities.select(
            "facility_id",
            field=pl.lit(section),
            before=pl.lit(canonical),
            after=pl.col(column),
        ).filter(pl.col("after") != canonical)
        for column, (section, canonical) in PROFILE_COLUMNS.items()
    ]
    lacking = (
        facilities.select("facility_id", field=pl.col("missing_sections").str.split(","))
        .explode("field")
        .filter(pl.col("field").fill_null("") != "")
        .with_columns(before=pl.lit("sent"), after=pl.lit(MISSING))
    )
    profiles = pl.concat([*sections, lacking])
    return (
        ground_truth.select("record_id", "facility_id")
        .join(profiles, on="facility_id", how="inner")
        .sort("record_id", "field")
        .select(
            "record_id",
            error_index=pl.lit(None),
            error_type=pl.lit(CODING_PROFILE),
            variant="after",
            field="field",
            before="before",
            after="after",
        )
        .cast(schema)
    )
