"""Java Synthea v3 CSV schema: table names, column order and the types we store them as.

Column names, their case and order are exactly those of Synthea's CSV exporter. Dates become
`pl.Date`, timestamps `pl.Datetime("us", "UTC")` and money/coordinates `pl.Float64`; codes stay
strings (LOINC codes such as ``8302-2`` are not numbers and CVX codes keep leading zeros).
"""

from __future__ import annotations

import polars as pl

TIMESTAMP = pl.Datetime("us", "UTC")

SYNTHEA_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "patients": {
        "Id": pl.String(),
        "BIRTHDATE": pl.Date(),
        "DEATHDATE": pl.Date(),
        "SSN": pl.String(),
        "DRIVERS": pl.String(),
        "PASSPORT": pl.String(),
        "PREFIX": pl.String(),
        "FIRST": pl.String(),
        "LAST": pl.String(),
        "SUFFIX": pl.String(),
        "MAIDEN": pl.String(),
        "MARITAL": pl.String(),
        "RACE": pl.String(),
        "ETHNICITY": pl.String(),
        "GENDER": pl.String(),
        "BIRTHPLACE": pl.String(),
        "ADDRESS": pl.String(),
        "CITY": pl.String(),
        "STATE": pl.String(),
        "COUNTY": pl.String(),
        "ZIP": pl.String(),
        "LAT": pl.Float64(),
        "LON": pl.Float64(),
        "HEALTHCARE_EXPENSES": pl.Float64(),
        "HEALTHCARE_COVERAGE": pl.Float64(),
    },
    "encounters": {
        "Id": pl.String(),
        "START": TIMESTAMP,
        "STOP": TIMESTAMP,
        "PATIENT": pl.String(),
        "ORGANIZATION": pl.String(),
        "PROVIDER": pl.String(),
        "PAYER": pl.String(),
        "ENCOUNTERCLASS": pl.String(),
        "CODE": pl.String(),
        "DESCRIPTION": pl.String(),
        "BASE_ENCOUNTER_COST": pl.Float64(),
        "TOTAL_CLAIM_COST": pl.Float64(),
        "PAYER_COVERAGE": pl.Float64(),
        "REASONCODE": pl.String(),
        "REASONDESCRIPTION": pl.String(),
    },
    "conditions": {
        "START": pl.Date(),
        "STOP": pl.Date(),
        "PATIENT": pl.String(),
        "ENCOUNTER": pl.String(),
        "CODE": pl.String(),
        "DESCRIPTION": pl.String(),
    },
    "medications": {
        "START": TIMESTAMP,
        "STOP": TIMESTAMP,
        "PATIENT": pl.String(),
        "PAYER": pl.String(),
        "ENCOUNTER": pl.String(),
        "CODE": pl.String(),
        "DESCRIPTION": pl.String(),
        "BASE_COST": pl.Float64(),
        "PAYER_COVERAGE": pl.Float64(),
        "DISPENSES": pl.Int64(),
        "TOTALCOST": pl.Float64(),
        "REASONCODE": pl.String(),
        "REASONDESCRIPTION": pl.String(),
    },
    "allergies": {
        "START": pl.Date(),
        "STOP": pl.Date(),
        "PATIENT": pl.String(),
        "ENCOUNTER": pl.String(),
        "CODE": pl.String(),
        "SYSTEM": pl.String(),
        "DESCRIPTION": pl.String(),
        "TYPE": pl.String(),
        "CATEGORY": pl.String(),
        "REACTION1": pl.String(),
        "DESCRIPTION1": pl.String(),
        "SEVERITY1": pl.String(),
        "REACTION2": pl.String(),
        "DESCRIPTION2": pl.String(),
        "SEVERITY2": pl.String(),
    },
    "observations": {
        "DATE": TIMESTAMP,
        "PATIENT": pl.String(),
        "ENCOUNTER": pl.String(),
        "CATEGORY": pl.String(),
        "CODE": pl.String(),
        "DESCRIPTION": pl.String(),
        "VALUE": pl.String(),
        "UNITS": pl.String(),
        "TYPE": pl.String(),
    },
    "procedures": {
        "START": TIMESTAMP,
        "STOP": TIMESTAMP,
        "PATIENT": pl.String(),
        "ENCOUNTER": pl.String(),
        "CODE": pl.String(),
        "DESCRIPTION": pl.String(),
        "BASE_COST": pl.Float64(),
        "REASONCODE": pl.String(),
        "REASONDESCRIPTION": pl.String(),
    },
    "immunizations": {
        "DATE": TIMESTAMP,
        "PATIENT": pl.String(),
        "ENCOUNTER": pl.String(),
        "CODE": pl.String(),
        "DESCRIPTION": pl.String(),
        "BASE_COST": pl.Float64(),
    },
}

POPULATION_TABLES: tuple[str, ...] = tuple(SYNTHEA_SCHEMAS)
CLINICAL_TABLES: tuple[str, ...] = tuple(t for t in POPULATION_TABLES if t != "patients")

# Column holding each clinical event's (start) time, for the "no event outside life" rule.
EVENT_TIME_COLUMN: dict[str, str] = {
    "encounters": "START",
    "conditions": "START",
    "medications": "START",
    "allergies": "START",
    "observations": "DATE",
    "procedures": "START",
    "immunizations": "DATE",
}


def conform(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Select a table's Synthea columns in exporter order, cast to the stored types."""
    schema = SYNTHEA_SCHEMAS[table]
    return frame.select([pl.col(name).cast(dtype) for name, dtype in schema.items()])
