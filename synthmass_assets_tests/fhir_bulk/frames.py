"""Small inline frames for the FHIR tests: records and histories with the awkward cases."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from synthmass_assets.population.schema import SYNTHEA_SCHEMAS, TIMESTAMP

UTC = dt.UTC
TRICKY_TEXT = 'Said "ok"\nthen left \\ ünïcode ✓'


def synthea(table: str, rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Rows of a Synthea table; columns not given are null."""
    schema = SYNTHEA_SCHEMAS[table]
    return pl.DataFrame([{c: row.get(c) for c in schema} for row in rows], schema=schema)


RECORDS = pl.DataFrame(
    {
        "record_id": ["R-1", "MRN 12/3", "0a8f6b8e-3c2d-4e51-9f7a-1b2c3d4e5f60"],
        "facility_id": ["F01", "F01", "F02"],
        "first_name": ["Ann", None, "Bob"],
        "middle_name": ["Marie Louise", "Kay", None],
        "last_name": ["Lee", None, "O'Neil"],
        "maiden_name": ["Park", None, None],
        "suffix": [None, None, "Jr."],
        "birthdate": [dt.date(1980, 1, 2), None, dt.date(2001, 12, 31)],
        "gender": ["F", None, "M"],
        "ssn": ["999-12-3456", None, None],
        "national_id": [None, "AB 12 34 56 C", None],
        "address": ["12 Main St", None, "7 Elm Rd"],
        "city": ["Boston", None, "Salem"],
        "state": ["Massachusetts", None, None],
        "zip": ["02101", None, None],
        "phone": ["555-0100", None, None],
    }
)
ENCOUNTER_FACILITIES = pl.DataFrame(
    {
        "encounter_id": ["E1", "E/2", "E3"],
        "record_id": ["R-1", "MRN 12/3", "0a8f6b8e-3c2d-4e51-9f7a-1b2c3d4e5f60"],
        "facility_id": ["F01", "F01", "F02"],
        "encounter_start": [
            dt.datetime(2020, 1, 1, 10, 0, 0, 123456, tzinfo=UTC),
            dt.datetime(2021, 6, 1, 23, 59, 59, tzinfo=UTC),
            dt.datetime(1999, 3, 3, 3, 3, 3, tzinfo=UTC),
        ],
        "visit_order": [0, 0, 0],
    },
    schema_overrides={"encounter_start": TIMESTAMP},
)


def _encounter(eid: str, start: dt.datetime, **extra: Any) -> dict[str, Any]:
    return {"Id": eid, "START": start, "PATIENT": "true-patient", **extra}


TABLES = {
    "encounters": synthea(
        "encounters",
        [
            _encounter(
                "E1", ENCOUNTER_FACILITIES["encounter_start"][0],
                STOP=dt.datetime(2020, 1, 1, 10, 30, tzinfo=UTC), ORGANIZATION="org-1",
                PROVIDER="prov-1", ENCOUNTERCLASS="wellness", CODE="162673000",
                DESCRIPTION="General examination of patient (procedure)", REASONCODE="44054006",
                REASONDESCRIPTION="Diabetes", BASE_ENCOUNTER_COST=136.8,
            ),
            _encounter(
                "E/2", ENCOUNTER_FACILITIES["encounter_start"][1], ENCOUNTERCLASS="emergency",
                CODE="50849002", DESCRIPTION=TRICKY_TEXT,
            ),
            _encounter("E3", ENCOUNTER_FACILITIES["encounter_start"][2], ENCOUNTERCLASS="snf"),
            _encounter("E-unowned", dt.datetime(2000, 1, 1, tzinfo=UTC), ENCOUNTERCLASS="home"),
        ],
    ),
    "conditions": synthea(
        "conditions",
        [
            {"START": dt.date(2020, 1, 1), "ENCOUNTER": "E1", "CODE": "44054006",
             "DESCRIPTION": "Diabetes mellitus type 2 (disorder)"},
            {"START": dt.date(2021, 6, 1), "STOP": dt.date(2021, 6, 20), "ENCOUNTER": "E/2",
             "CODE": None, "DESCRIPTION": "free-text diagnosis"},
        ],
    ),
    "medications": synthea(
        "medications",
        [
            {"START": dt.datetime(2020, 1, 1, 10, 0, tzinfo=UTC), "ENCOUNTER": "E1",
             "CODE": "860975", "DESCRIPTION": "metformin", "REASONCODE": "44054006",
             "REASONDESCRIPTION": "Diabetes", "DISPENSES": 12},
            {"START": dt.datetime(2021, 6, 1, tzinfo=UTC), "ENCOUNTER": "E/2",
             "STOP": dt.datetime(2021, 6, 8, 2, 23, 59, 999999, tzinfo=UTC), "CODE": "308192",
             "DESCRIPTION": "Amoxicillin 500 MG"},
        ],
    ),
    "observations": synthea(
        "observations",
        [
            {"DATE": dt.datetime(2020, 1, 1, 10, 0, tzinfo=UTC), "ENCOUNTER": "E1",
             "CATEGORY": "vital-signs", "CODE": "8302-2", "DESCRIPTION": "Body Height",
             "VALUE": "158.3", "UNITS": "cm", "TYPE": "numeric"},
            {"DATE": dt.datetime(2020, 1, 1, 10, 0, tzinfo=UTC), "ENCOUNTER": "E1",
             "CATEGORY": "laboratory", "CODE": "2339-0", "DESCRIPTION": "Glucose",
             "VALUE": "120.0", "UNITS": "mg/dL", "TYPE": "numeric"},
            {"DATE": dt.datetime(2021, 6, 1, tzinfo=UTC), "ENCOUNTER": "E/2",
             "CATEGORY": None, "CODE": "72166-2", "DESCRIPTION": "Tobacco smoking status",
             "VALUE": "Never smoked tobacco (finding)", "TYPE": "text"},
        ],
    ),
    "procedures": synthea(
        "procedures",
        [
            {"START": dt.datetime(2020, 1, 1, 10, 5, tzinfo=UTC), "ENCOUNTER": "E1",
             "STOP": dt.datetime(2020, 1, 1, 10, 20, tzinfo=UTC), "CODE": "710824005",
             "DESCRIPTION": "Assessment", "REASONCODE": "44054006",
             "REASONDESCRIPTION": "Diabetes"},
            {"START": dt.datetime(1999, 3, 3, 3, 3, 3, tzinfo=UTC), "ENCOUNTER": "E3",
             "CODE": "430193006", "DESCRIPTION": "Medication Reconciliation (procedure)"},
        ],
    ),
    "immunizations": synthea(
        "immunizations",
        [
            {"DATE": dt.datetime(2020, 1, 1, 10, 0, tzinfo=UTC), "ENCOUNTER": "E1",
             "CODE": "08", "DESCRIPTION": "Hep B, adolescent or pediatric", "BASE_COST": 140.52},
        ],
    ),
    "allergies": synthea(
        "allergies",
        [
            {"START": dt.date(2020, 1, 1), "ENCOUNTER": "E1", "CODE": "7980", "SYSTEM": "RxNorm",
             "DESCRIPTION": "Penicillin G", "TYPE": "allergy", "CATEGORY": "medication",
             "REACTION1": "247472004", "DESCRIPTION1": "Wheal (finding)", "SEVERITY1": "MILD",
             "REACTION2": "39579001", "DESCRIPTION2": "Anaphylaxis", "SEVERITY2": "SEVERE"},
            {"START": dt.date(1999, 3, 3), "STOP": dt.date(2005, 1, 1), "ENCOUNTER": "E3",
             "CODE": "X-1", "SYSTEM": "LOCAL", "DESCRIPTION": "house dust", "TYPE": "intolerance",
             "CATEGORY": "environment"},
        ],
    ),
}  # fmt: skip
