"""FHIR clinical resources back into Synthea's columns, one polars select each.

Each select gives the Synthea columns of the resource's table; the reader adds the resource's
place in its file and ``_patient_ref`` / ``_encounter_ref`` (the references, which it resolves
to record and encounter ids). Codes come from the coding in the table's own system where there
is one, else the first coding; descriptions from its display, else the concept's text.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from synthmass_assets.fhir_bulk.vocabulary import (
    ALLERGY_ABATEMENT,
    ALLERGY_SYSTEMS,
    CLASS_OF_ACT_CODE,
    CODE_SYSTEM,
    ENCOUNTER_CLASS_EXTENSION,
    ENCOUNTER_SYSTEM,
    LOCAL_SYSTEM,
    SNOMED,
)

# The element holding each resource type's patient and encounter references.
PATIENT_FIELD = {"Immunization": "patient", "AllergyIntolerance": "patient"}
ENCOUNTER_FIELD = {"MedicationStatement": "context"}


def _coding(concept: pl.Expr, system: str | None) -> pl.Expr:
    codings = concept.struct.field("coding")
    first = codings.list.first()
    if system is None:
        return first
    own = codings.list.filter(pl.element().struct.field("system") == system).list.first()
    return pl.coalesce(own, first)


def code_columns(concept: pl.Expr, system: str | None, code: str, display: str) -> dict:
    coding = _coding(concept, system)
    return {
        code: coding.struct.field("code"),
        display: pl.coalesce(coding.struct.field("display"), concept.struct.field("text")),
    }


def first_of(elements: pl.Expr, value: Callable[[pl.Expr], pl.Expr]) -> pl.Expr:
    """``value`` of a list's first element (``list.eval`` first: ``list.first`` on lists of
    nested structs is many times slower)."""
    return elements.list.eval(value(pl.element())).list.first()


def first_code_columns(concepts: pl.Expr, system: str | None, code: str, display: str) -> dict:
    """`code_columns` of the first CodeableConcept in a list."""

    def column(name: str) -> Callable[[pl.Expr], pl.Expr]:
        return lambda concept: code_columns(concept, system, code, display)[name]

    return {name: first_of(concepts, column(name)) for name in (code, display)}


def _code(concept: pl.Expr, table: str) -> dict:
    """CODE and DESCRIPTION of a concept, preferring the table's own code system."""
    return code_columns(concept, CODE_SYSTEM[table], "CODE", "DESCRIPTION")


def _reason() -> dict:
    return first_code_columns(pl.col("reasonCode"), SNOMED, "REASONCODE", "REASONDESCRIPTION")


def _field(path: str) -> pl.Expr:
    head, *rest = path.split(".")
    expr = pl.col(head)
    for name in rest:
        expr = expr.struct.field(name)
    return expr


def _extension(url: str, value: str) -> pl.Expr:
    matching = pl.col("extension").list.filter(pl.element().struct.field("url") == url)
    return matching.list.first().struct.field(value)


def encounters() -> dict:
    act = _field("class.code").replace_strict(CLASS_OF_ACT_CODE, default=None)
    own_id = pl.col("identifier").list.filter(
        pl.element().struct.field("system") == ENCOUNTER_SYSTEM
    )
    provider = first_of(
        pl.col("participant"),
        lambda p: p.struct.field("individual").struct.field("identifier").struct.field("value"),
    )
    return {
        "Id": pl.coalesce(own_id.list.first().struct.field("value"), pl.col("id")),
        "START": _field("period.start"),
        "STOP": _field("period.end"),
        "ORGANIZATION": _field("serviceProvider.identifier.value"),
        "PROVIDER": provider,
        "ENCOUNTERCLASS": pl.coalesce(_extension(ENCOUNTER_CLASS_EXTENSION, "valueCode"), act),
        **first_code_columns(pl.col("type"), CODE_SYSTEM["encounters"], "CODE", "DESCRIPTION"),
        **_reason(),
    }


def conditions() -> dict:
    return {
        "START": pl.coalesce("onsetDateTime", _field("onsetPeriod.start"), "recordedDate"),
        "STOP": pl.coalesce("abatementDateTime", _field("abatementPeriod.end")),
        **_code(pl.col("code"), "conditions"),
    }


def medication_requests() -> dict:
    period = "dispenseRequest.validityPeriod"
    return {
        "START": pl.coalesce("authoredOn", _field(f"{period}.start")),
        "STOP": _field(f"{period}.end"),
        **_code(pl.col("medicationCodeableConcept"), "medications"),
        **_reason(),
    }


def medication_statements() -> dict:
    return {
        "START": pl.coalesce("effectiveDateTime", _field("effectivePeriod.start")),
        "STOP": _field("effectivePeriod.end"),
        **_code(pl.col("medicationCodeableConcept"), "medications"),
        **_reason(),
    }


def observations() -> dict:
    quantity = _field("valueQuantity.value").cast(pl.String)
    concept = pl.col("valueCodeableConcept")
    text = pl.coalesce(
        "valueString", concept.struct.field("text"), _coding(concept, None).struct.field("display"),
        pl.col("valueBoolean").cast(pl.String),
    )  # fmt: skip
    category = first_of(
        pl.col("category"), lambda c: c.struct.field("coding").list.first().struct.field("code")
    )
    numeric = quantity.is_not_null() | pl.col("valueInteger").is_not_null()
    kind = pl.when(numeric).then(pl.lit("numeric")).when(text.is_not_null()).then(pl.lit("text"))
    return {
        "DATE": pl.coalesce("effectiveDateTime", _field("effectivePeriod.start"), "issued"),
        "CATEGORY": category,
        **_code(pl.col("code"), "observations"),
        "VALUE": pl.coalesce(quantity, pl.col("valueInteger").cast(pl.String), text),
        "UNITS": pl.coalesce(_field("valueQuantity.unit"), _field("valueQuantity.code")),
        "TYPE": kind,
    }


def procedures() -> dict:
    return {
        "START": pl.coalesce(_field("performedPeriod.start"), "performedDateTime"),
        "STOP": _field("performedPeriod.end"),
        **_code(pl.col("code"), "procedures"),
        **_reason(),
    }


def immunizations() -> dict:
    return {
        "DATE": pl.col("occurrenceDateTime"),
        **_code(pl.col("vaccineCode"), "immunizations"),
    }


def _reaction(n: int) -> dict:
    reaction = pl.col("reaction").list.get(n - 1, null_on_oob=True)
    manifestation = reaction.struct.field("manifestation").list.first()
    return {
        **code_columns(manifestation, SNOMED, f"REACTION{n}", f"DESCRIPTION{n}"),
        f"SEVERITY{n}": reaction.struct.field("severity").str.to_uppercase(),
    }


def allergies() -> dict:
    coding = _coding(pl.col("code"), None)
    system = coding.struct.field("system")
    names = {uri: name for name, uri in ALLERGY_SYSTEMS.items()}
    return {
        "START": pl.coalesce("onsetDateTime", "recordedDate"),
        "STOP": _extension(ALLERGY_ABATEMENT, "valueDateTime"),
        **code_columns(pl.col("code"), None, "CODE", "DESCRIPTION"),
        "SYSTEM": system.replace(names).str.strip_prefix(LOCAL_SYSTEM),
        "TYPE": pl.col("type"),
        "CATEGORY": pl.col("category").list.first(),
        **_reaction(1),
        **_reaction(2),
    }


SYNTHEA_COLUMNS: dict[str, Callable[[], dict]] = {
    "Encounter": encounters,
    "Condition": conditions,
    "MedicationRequest": medication_requests,
    "MedicationStatement": medication_statements,
    "Observation": observations,
    "Procedure": procedures,
    "Immunization": immunizations,
    "AllergyIntolerance": allergies,
}


def reference_fields(resource_type: str) -> tuple[str, str]:
    """The elements holding a resource type's Patient and Encounter references."""
    return PATIENT_FIELD.get(resource_type, "subject"), ENCOUNTER_FIELD.get(
        resource_type, "encounter"
    )


def references(resource_type: str) -> dict[str, pl.Expr]:
    """``_patient_ref`` and ``_encounter_ref``: the reference texts of a resource."""
    patient, encounter = reference_fields(resource_type)
    columns = {"_patient_ref": _field(f"{patient}.reference")}
    if resource_type != "Encounter":
        columns["_encounter_ref"] = _field(f"{encounter}.reference")
    return columns
