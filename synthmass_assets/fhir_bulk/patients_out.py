"""Facility records as FHIR R4 Patient resources (one per record), built column-wise.

The record id travels as the identifier in the facility's MRN system
(``urn:synthmass:facility:<facility_id>``, type MR) and, where it is a valid FHIR id, as
``Patient.id`` too. A middle name without a first name keeps its place: the first given name
is written as absent (``null`` with a data-absent-reason extension in ``_given``).
"""

from __future__ import annotations

import polars as pl

from synthmass_assets.fhir_bulk.json_lines import fhir_ids, missing_columns, one, present
from synthmass_assets.fhir_bulk.vocabulary import DATA_ABSENT, GENDER_OF_LETTER, IDENTIFIER_TYPE
from synthmass_assets.mpi.fhir import FACILITY_SYSTEM, SSN_SYSTEM

RECORD_SCHEMA: dict[str, pl.DataType] = {
    "record_id": pl.String(),
    "facility_id": pl.String(),
    "first_name": pl.String(),
    "middle_name": pl.String(),
    "last_name": pl.String(),
    "maiden_name": pl.String(),
    "suffix": pl.String(),
    "birthdate": pl.Date(),
    "gender": pl.String(),
    "ssn": pl.String(),
    "national_id": pl.String(),
    "address": pl.String(),
    "city": pl.String(),
    "state": pl.String(),
    "zip": pl.String(),
    "phone": pl.String(),
}

ABSENT_GIVEN = pl.List(
    pl.Struct({"extension": pl.List(pl.Struct({"url": pl.String, "valueCode": pl.String}))})
)


def _identifier(kind: str, system: pl.Expr | None, value: str) -> pl.Expr:
    """An Identifier typed with its HL7 v2-0203 code; null where the value is."""
    coding = pl.struct(system=pl.lit(IDENTIFIER_TYPE), code=pl.lit(kind))
    return pl.when(pl.col(value).is_not_null()).then(
        pl.struct(
            use=pl.lit("official" if kind != "MR" else "usual"),
            type=pl.struct(coding=pl.concat_list(coding)),
            system=system if system is not None else pl.lit(None, dtype=pl.String),
            value=pl.col(value),
        )
    )


def _identifiers() -> pl.Expr:
    mrn_system = pl.format(f"{FACILITY_SYSTEM}{{}}", pl.col("facility_id"))
    return present(
        _identifier("MR", mrn_system, "record_id"),
        _identifier("SS", pl.lit(SSN_SYSTEM), "ssn"),
        _identifier("NI", None, "national_id"),
    )


def _given() -> tuple[pl.Expr, pl.Expr]:
    """``given`` and its ``_given`` companion (the absent first name's extension)."""
    first, middle = pl.col("first_name"), pl.col("middle_name")
    given = pl.when(middle.is_null()).then(one(first)).otherwise(pl.concat_list(first, middle))
    absent = pl.struct(
        extension=pl.concat_list(pl.struct(url=pl.lit(DATA_ABSENT), valueCode=pl.lit("unknown")))
    )
    companion = pl.when(first.is_null() & middle.is_not_null()).then(
        pl.concat_list(absent, pl.when(pl.lit(False)).then(absent))
    )
    return given, companion


def _names() -> pl.Expr:
    given, companion = _given()
    parts = ("last_name", "first_name", "middle_name", "suffix")
    official = pl.when(pl.any_horizontal(pl.col(c).is_not_null() for c in parts)).then(
        pl.struct(
            use=pl.lit("official"),
            family=pl.col("last_name"),
            given=given,
            _given=companion,
            suffix=one(pl.col("suffix")),
        )
    )
    maiden = pl.when(pl.col("maiden_name").is_not_null()).then(
        pl.struct(
            use=pl.lit("maiden"),
            family=pl.col("maiden_name"),
            given=pl.lit(None, dtype=pl.List(pl.String)),
            _given=pl.lit(None, dtype=ABSENT_GIVEN),
            suffix=pl.lit(None, dtype=pl.List(pl.String)),
        )
    )
    return present(official, maiden)


def _address() -> pl.Expr:
    parts = ("address", "city", "state", "zip")
    return pl.when(pl.any_horizontal(pl.col(c).is_not_null() for c in parts)).then(
        pl.concat_list(
            pl.struct(
                use=pl.lit("home"),
                line=one(pl.col("address")),
                city=pl.col("city"),
                state=pl.col("state"),
                postalCode=pl.col("zip"),
            )
        )
    )


def _birth_date(dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.String:
        return pl.col("birthdate")
    return pl.col("birthdate").dt.strftime("%Y-%m-%d")


def patient_resources(records: pl.DataFrame) -> pl.DataFrame:
    """``facility_id``, ``record_id`` and ``resource`` (a Patient struct) per record.

    Args:
        records: Facility records in our field names (``record_id`` and ``facility_id`` at
            least); absent fields are left out of the resources.
    """
    frame = missing_columns(records, RECORD_SCHEMA)
    frame = frame.with_columns(_patient=fhir_ids(frame.get_column("record_id")))
    letter = pl.col("gender").str.strip_chars().str.slice(0, 1).str.to_uppercase()
    resource = pl.struct(
        resourceType=pl.lit("Patient"),
        id=pl.col("_patient"),
        identifier=_identifiers(),
        name=_names(),
        telecom=pl.when(pl.col("phone").is_not_null()).then(
            pl.concat_list(pl.struct(system=pl.lit("phone"), value="phone", use=pl.lit("home")))
        ),
        gender=letter.replace_strict(GENDER_OF_LETTER, default=None),
        birthDate=_birth_date(frame.schema["birthdate"]),
        address=_address(),
    )
    return frame.select("facility_id", "record_id", resource=resource)
