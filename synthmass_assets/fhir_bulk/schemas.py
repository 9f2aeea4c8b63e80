"""The parts of each FHIR R4 resource the reader uses, as polars schemas.

The JSON reader builds only these elements; everything else in a resource is skipped unbuilt.
Primitive values are strings except where FHIR JSON has numbers or booleans.
"""

from __future__ import annotations

import polars as pl

S = pl.String()
CODING = pl.Struct({"system": S, "code": S, "display": S})
CONCEPT = pl.Struct({"coding": pl.List(CODING), "text": S})
PATIENT_SCHEMA = pl.Schema(
    {
        "resourceType": S,
        "id": S,
        "identifier": pl.List(pl.Struct({"type": CONCEPT, "system": S, "value": S})),
        "name": pl.List(
            pl.Struct({"use": S, "family": S, "given": pl.List(S), "suffix": pl.List(S), "text": S})
        ),
        "telecom": pl.List(pl.Struct({"system": S, "value": S, "use": S})),
        "address": pl.List(
            pl.Struct({"use": S, "line": pl.List(S), "city": S, "state": S, "postalCode": S})
        ),
        "birthDate": S,
        "gender": S,
    }
)
REF = pl.Struct({"reference": S})
PERIOD = pl.Struct({"start": S, "end": S})
LOGICAL = pl.Struct({"identifier": pl.Struct({"system": S, "value": S}), "reference": S})
BASE = {"resourceType": S, "id": S}
CLINICAL = {**BASE, "subject": REF, "encounter": REF}
REASONS = {"reasonCode": pl.List(CONCEPT)}

SCHEMAS: dict[str, pl.Schema] = {
    "Encounter": pl.Schema({
        **BASE, "identifier": pl.List(pl.Struct({"system": S, "value": S})),
        "extension": pl.List(pl.Struct({"url": S, "valueCode": S})),
        "class": pl.Struct({"system": S, "code": S}), "type": pl.List(CONCEPT), "subject": REF,
        "participant": pl.List(pl.Struct({"individual": LOGICAL})), "period": PERIOD,
        **REASONS, "serviceProvider": LOGICAL,
    }),
    "Condition": pl.Schema({
        **CLINICAL, "code": CONCEPT, "onsetDateTime": S, "onsetPeriod": PERIOD,
        "recordedDate": S, "abatementDateTime": S, "abatementPeriod": PERIOD,
    }),
    "MedicationRequest": pl.Schema({
        **CLINICAL, "medicationCodeableConcept": CONCEPT, "authoredOn": S, **REASONS,
        "dispenseRequest": pl.Struct({"validityPeriod": PERIOD}),
    }),
    "MedicationStatement": pl.Schema({
        **BASE, "subject": REF, "context": REF, "medicationCodeableConcept": CONCEPT,
        "effectiveDateTime": S, "effectivePeriod": PERIOD, **REASONS,
    }),
    "Observation": pl.Schema({
        **CLINICAL, "category": pl.List(CONCEPT), "code": CONCEPT, "effectiveDateTime": S,
        "effectivePeriod": PERIOD, "issued": S,
        "valueQuantity": pl.Struct({"value": pl.Float64(), "unit": S, "code": S}),
        "valueString": S, "valueCodeableConcept": CONCEPT, "valueInteger": pl.Int64(),
        "valueBoolean": pl.Boolean(),
    }),
    "Procedure": pl.Schema({
        **CLINICAL, "code": CONCEPT, "performedDateTime": S, "performedPeriod": PERIOD,
        **REASONS,
    }),
    "Immunization": pl.Schema({
        **BASE, "patient": REF, "encounter": REF, "vaccineCode": CONCEPT,
        "occurrenceDateTime": S,
    }),
    "AllergyIntolerance": pl.Schema({
        **BASE, "patient": REF, "encounter": REF, "type": S, "category": pl.List(S),
        "code": CONCEPT, "onsetDateTime": S, "recordedDate": S,
        "extension": pl.List(pl.Struct({"url": S, "valueDateTime": S})),
        "reaction": pl.List(pl.Struct({"manifestation": pl.List(CONCEPT), "severity": S})),
    }),
}  # fmt: skip


def schema_of(resource_type: str) -> pl.Schema:
    """The schema a file of ``resource_type`` is read with."""
    return PATIENT_SCHEMA if resource_type == "Patient" else SCHEMAS[resource_type]
