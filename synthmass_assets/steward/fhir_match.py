"""FHIR R4 ``Patient/$match``: the ``Parameters`` request, the ``searchset`` Bundle answer and
``OperationOutcome`` errors, as plain FHIR JSON dicts.

The request holds ``resource`` (a Patient), ``onlyCertainMatches`` and ``count``
(http://hl7.org/fhir/R4/patient-operation-match.html). Each entry of the answer is a golden
Patient with ``search.mode = match``, ``search.score`` (the match probability) and the
``match-grade`` extension (certain / probable / possible / certainly-not), as HAPI FHIR answers.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import polars as pl
from fhir.resources.R4B.patient import Patient
from pydantic import ValidationError

from synthmass_assets.fhir_bulk.ndjson import FILE, ROW
from synthmass_assets.fhir_bulk.patients_in import RECORD_FIELDS, patient_records
from synthmass_assets.fhir_bulk.schemas import PATIENT_SCHEMA

MATCH_GRADE = "http://hl7.org/fhir/StructureDefinition/match-grade"
FHIR_JSON = "application/fhir+json"
DEFAULT_COUNT = 10
MAX_COUNT = 100
QUERY_FACILITY = "match-request"


class MatchRequestError(Exception):
    """A request that cannot be answered: ``status`` 400 (not a $match request) or 422 (the
    Patient is not valid FHIR), ``code`` the OperationOutcome issue type."""

    def __init__(self, message: str, status: int = 400, code: str = "invalid") -> None:
        super().__init__(message)
        self.status = status
        self.code = code


@dataclass(frozen=True)
class MatchRequest:
    """What a $match request asks."""

    patient: dict[str, Any]
    only_certain: bool = False
    count: int = DEFAULT_COUNT


def _parameter_value(parameter: dict[str, Any]) -> Any:
    return next((v for k, v in parameter.items() if k.startswith("value")), None)


def parse_request(body: Any) -> MatchRequest:
    """The Patient and options of a ``Parameters`` resource.

    Raises:
        MatchRequestError: not a Parameters resource with a Patient ``resource`` (400), bad
            ``count`` / ``onlyCertainMatches`` (400), or a Patient that is not valid FHIR (422).
    """
    if not isinstance(body, dict) or body.get("resourceType") != "Parameters":
        raise MatchRequestError("The body must be a FHIR Parameters resource")
    parameters = body.get("parameter") or []
    if not isinstance(parameters, list) or not all(isinstance(p, dict) for p in parameters):
        raise MatchRequestError("Parameters.parameter must be a list of parameters")
    by_name = {p.get("name"): p for p in parameters}
    patient = (by_name.get("resource") or {}).get("resource")
    if not isinstance(patient, dict) or patient.get("resourceType") != "Patient":
        raise MatchRequestError("Parameter 'resource' must hold a Patient resource")
    try:
        Patient.model_validate(patient)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise MatchRequestError(
            f"Patient is not valid FHIR R4: {where}: {first['msg']}", 422, "structure"
        ) from error
    only_certain = _parameter_value(by_name.get("onlyCertainMatches") or {})
    if only_certain is not None and not isinstance(only_certain, bool):
        raise MatchRequestError("onlyCertainMatches must be a valueBoolean")
    count = _parameter_value(by_name.get("count") or {})
    if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 1):
        raise MatchRequestError("count must be a positive valueInteger")
    return MatchRequest(patient, bool(only_certain), min(count or DEFAULT_COUNT, MAX_COUNT))


def patient_record(patient: dict[str, Any]) -> pl.DataFrame:
    """One facility record (``RECORD_FIELDS``) read from a Patient by the FHIR Bulk reader's
    own column-wise code."""
    fields = {k: v for k, v in patient.items() if k in PATIENT_SCHEMA}
    frame = pl.DataFrame([fields], schema=PATIENT_SCHEMA, strict=False)
    frame = frame.with_columns(pl.lit(0).alias(FILE), pl.lit(0).alias(ROW))
    records = patient_records(frame, QUERY_FACILITY)
    return records.select(RECORD_FIELDS).with_columns(
        record_id=pl.lit("query"), facility_id=pl.lit(QUERY_FACILITY)
    )


def searchset(
    matches: pl.DataFrame, resources: dict[str, dict[str, Any]], base_url: str
) -> dict[str, Any]:
    """A ``searchset`` Bundle of golden Patients (``resources`` by golden id) in the order of
    ``matches`` (``golden_id``, ``match_probability``, ``grade``)."""
    entries = []
    for row in matches.iter_rows(named=True):
        patient = resources[row["golden_id"]]
        entries.append(
            {
                "fullUrl": f"{base_url.rstrip('/')}/Patient/{patient['id']}",
                "resource": patient,
                "search": {
                    "extension": [{"url": MATCH_GRADE, "valueCode": row["grade"]}],
                    "mode": "match",
                    "score": round(float(row["match_probability"]), 6),
                },
            }
        )
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "searchset",
        "total": len(entries),
        "entry": entries,
    }


def operation_outcome(message: str, code: str = "invalid") -> dict[str, Any]:
    """An ``OperationOutcome`` with one error issue."""
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": message}],
    }
