"""FHIR Patient resources as facility records in our field names.

The record id is the identifier in a facility MRN system (``urn:synthmass:facility:*`` or the
one given), else ``Patient.id``. Identifiers by system: US SSN → ``ssn``; another national
system, or an identifier typed NI (v2-0203), → ``national_id``. The official name (else the
usual or first non-maiden one) gives first / middle / last name and suffix, the maiden name
``maiden_name``; the first phone, the first (home) address, ``birthDate`` (``birthdate`` when
it is a full date, always ``birthdate_raw`` as written) and ``gender`` (M / F / O).
"""

from __future__ import annotations

import polars as pl

from synthmass_assets.fhir_bulk.ndjson import FILE, ROW
from synthmass_assets.fhir_bulk.vocabulary import LETTER_OF_GENDER, NATIONAL_SYSTEMS
from synthmass_assets.mpi.fhir import FACILITY_SYSTEM, SSN_SYSTEM

KEY = "_key"
RECORD_FIELDS = (
    "record_id", "facility_id", "first_name", "middle_name", "last_name", "maiden_name",
    "suffix", "birthdate", "gender", "ssn", "national_id", "address", "city", "state", "zip",
    "phone", "birthdate_raw",
)  # fmt: skip


def _long(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """One row per element of a list column, with its resource's key and its place."""
    return (
        frame.select(KEY, column)
        .explode(column)
        .drop_nulls(column)
        .unnest(column)
        .with_columns(_order=pl.int_range(pl.len()).over(KEY))
    )


def _first(long: pl.DataFrame, rank: pl.Expr, **values: pl.Expr) -> pl.DataFrame:
    """Per resource, ``values`` of its best-ranked element (lowest rank, then list order)."""
    return (
        long.filter(rank.is_not_null())
        .sort(KEY, rank, "_order")
        .group_by(KEY, maintain_order=True)
        .first()
        .select(KEY, **values)
    )


def _identifiers(frame: pl.DataFrame, mrn_system: str | None) -> pl.DataFrame:
    long = _long(frame, "identifier").filter(pl.col("value").is_not_null())
    system = pl.col("system")
    type_code = pl.col("type").struct.field("coding").list.first().struct.field("code")
    is_mrn = system.str.starts_with(FACILITY_SYSTEM).fill_null(False)
    if mrn_system:
        is_mrn = is_mrn | (system == mrn_system).fill_null(False)
    is_ssn = (system == SSN_SYSTEM).fill_null(False) | (system.is_null() & (type_code == "SS"))
    is_national = system.is_in(list(NATIONAL_SYSTEMS)).fill_null(False) | (type_code == "NI")
    kind = (
        pl.when(is_mrn)
        .then(pl.lit("mrn"))
        .when(is_ssn.fill_null(False))
        .then(pl.lit("ssn"))
        .when(is_national.fill_null(False))
        .then(pl.lit("national_id"))
    )
    long = long.with_columns(kind=kind).filter(pl.col("kind").is_not_null())
    return (
        long.sort(KEY, "_order")
        .group_by(KEY, "kind", maintain_order=True)
        .agg(pl.col("value").first())
        .pivot("kind", index=KEY, values="value")
    )


def _names(frame: pl.DataFrame) -> pl.DataFrame:
    long = _long(frame, "name")
    use = pl.col("use")
    rank = pl.when(use == "official").then(0).when(use.is_null() | (use == "usual")).then(1)
    rank = rank.when(use != "maiden").then(2)
    given = pl.col("given")
    person = _first(
        long,
        rank,
        last_name=pl.col("family"),
        first_name=given.list.get(0, null_on_oob=True),
        middle_name=pl.when(given.list.len() > 1).then(given.list.slice(1).list.join(" ")),
        suffix=pl.when(pl.col("suffix").list.len() > 0).then(pl.col("suffix").list.join(" ")),
    )
    maiden = _first(long, pl.when(use == "maiden").then(0), maiden_name=pl.col("family"))
    return person.join(maiden, on=KEY, how="full", coalesce=True)


def _contacts(frame: pl.DataFrame) -> pl.DataFrame:
    telecom = _long(frame, "telecom")
    phone = _first(
        telecom.filter(pl.col("value").is_not_null()),
        pl.when(pl.col("system") == "phone").then(
            pl.when(pl.col("use") == "home").then(0).otherwise(1)
        ),
        phone=pl.col("value"),
    )
    addresses = _long(frame, "address")
    address = _first(
        addresses,
        pl.when(pl.col("use") == "home").then(0).when(pl.col("use") != "old").then(1).otherwise(2),
        address=pl.when(pl.col("line").list.len() > 0).then(pl.col("line").list.join(", ")),
        city=pl.col("city"),
        state=pl.col("state"),
        zip=pl.col("postalCode"),
    )
    return phone.join(address, on=KEY, how="full", coalesce=True)


def patient_records(
    frame: pl.DataFrame, facility_id: str, mrn_system: str | None = None
) -> pl.DataFrame:
    """Facility records (`RECORD_FIELDS`) plus ``_file``, ``_row`` and ``_patient`` (the
    Patient id) from a frame read with `PATIENT_SCHEMA` (and ``_file``, ``_row``)."""
    frame = frame.with_row_index(KEY)
    out = frame.select(KEY, FILE, ROW, "id", "birthDate", "gender")
    for part in (_identifiers(frame, mrn_system), _names(frame), _contacts(frame)):
        out = out.join(part, on=KEY, how="left")
    for column in RECORD_FIELDS:
        if column not in out.columns and column not in ("birthdate", "birthdate_raw"):
            out = out.with_columns(pl.lit(None, dtype=pl.String).alias(column))
    raw = pl.col("birthDate")
    birthdate = pl.when(raw.str.len_chars() == 10).then(raw.str.to_date("%Y-%m-%d", strict=False))
    return out.select(
        FILE,
        ROW,
        _patient="id",
        record_id=pl.coalesce("mrn", "id") if "mrn" in out.columns else pl.col("id"),
        facility_id=pl.lit(facility_id),
        **{c: pl.col(c) for c in RECORD_FIELDS[2:7]},
        birthdate=birthdate,
        gender=pl.col("gender").replace_strict(LETTER_OF_GENDER, default=None),
        **{c: pl.col(c) for c in RECORD_FIELDS[9:16]},
        birthdate_raw=raw,
    )
