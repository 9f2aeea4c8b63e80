"""OpenAPI description of the $match service (served at ``/openapi.json``)."""

from __future__ import annotations

from typing import Any

FHIR_RESOURCE: dict[str, Any] = {
    "type": "object",
    "required": ["resourceType"],
    "properties": {"resourceType": {"type": "string"}},
}
OUTCOME = {"description": "FHIR OperationOutcome", "content": {"application/fhir+json": {}}}

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "SynthMass Patient/$match", "version": "1"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/Patient/$match": {
            "post": {
                "summary": "Golden Patients that may be the given Patient (FHIR R4 $match)",
                "description": (
                    "Body: a FHIR Parameters resource with `resource` (a Patient), optional "
                    "`onlyCertainMatches` (valueBoolean) and `count` (valueInteger). Answer: a "
                    "searchset Bundle, best first, each entry with search.score and the "
                    "match-grade extension (certain / probable / possible)."
                ),
                "requestBody": {
                    "required": True,
                    "content": {"application/fhir+json": {"schema": FHIR_RESOURCE}},
                },
                "responses": {
                    "200": {
                        "description": "searchset Bundle",
                        "content": {"application/fhir+json": {}},
                    },
                    "400": OUTCOME,
                    "401": OUTCOME,
                    "413": OUTCOME,
                    "422": OUTCOME,
                },
            }
        },
        "/healthz": {"get": {"summary": "Liveness and index size", "security": []}},
    },
}
