"""Synthea clinical rows as FHIR R4 resources, one struct expression per table.

Every frame handed in carries its Synthea columns plus ``_id`` (the resource id), ``_patient``
(the owning record's Patient id) and ``_encounter`` (the Encounter id). Where Synthea keeps a
column FHIR has no standard element for, the nearest standard home is used: a medication's
STOP is the end of ``dispenseRequest.validityPeriod``, an allergy's STOP the core
``allergyintolerance-abatement`` extension, the Synthea encounter class (several share the
ActCode AMB) a SynthMass extension, and ORGANIZATION / PROVIDER logical references.

Each row goes out as its facility wrote it: a condition or reason with an ICD-10-CM code under
the ICD-10-CM system, one without a code as ``CodeableConcept.text`` alone, a laboratory
result under a local code in the facility's own system (``urn:synthmass:facility:F03:lab``;
the frame then carries ``facility_id``).
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from synthmass_assets.augmentation.coding.systems import is_icd10cm, is_local_lab
from synthmass_assets.fhir_bulk.json_lines import (
    concept,
    day,
    instant,
    listed,
    logical,
    one,
    present,
    reference,
    status,
)
from synthmass_assets.fhir_bulk.vocabulary import (
    ACT_CODE,
    ACT_CODE_OF_CLASS,
    ALLERGY_ABATEMENT,
    ALLERGY_CLINICAL,
    ALLERGY_SYSTEMS,
    CODE_SYSTEM,
    CONDITION_CATEGORY,
    CONDITION_CLINICAL,
    ENCOUNTER_CLASS_EXTENSION,
    ENCOUNTER_SYSTEM,
    FACILITY_LAB_SYSTEM,
    ICD10CM,
    LOCAL_SYSTEM,
    OBSERVATION_CATEGORY,
    ORGANIZATION_SYSTEM,
    PROVIDER_SYSTEM,
    SNOMED,
    UCUM,
)

ALLERGY_VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"


def _subject() -> pl.Expr:
    return reference("Patient", "_patient")


def _encounter() -> pl.Expr:
    return reference("Encounter", "_encounter")


def _condition_system(code: str) -> pl.Expr:
    """ICD-10-CM for codes of its shape, else SNOMED CT."""
    return pl.when(is_icd10cm(pl.col(code))).then(pl.lit(ICD10CM)).otherwise(pl.lit(SNOMED))


def _reasons() -> pl.Expr:
    return one(concept(_condition_system("REASONCODE"), "REASONCODE", "REASONDESCRIPTION"))


def _active_or(stopped: str) -> pl.Expr:
    return pl.when(pl.col("STOP").is_null()).then(pl.lit("active")).otherwise(pl.lit(stopped))


def encounter() -> pl.Expr:
    synthea_class = pl.col("ENCOUNTERCLASS")
    fields = {
        "resourceType": pl.lit("Encounter"),
        "id": pl.col("_id"),
        "extension": one(
            pl.when(synthea_class.is_not_null()).then(
                pl.struct(url=pl.lit(ENCOUNTER_CLASS_EXTENSION), valueCode=synthea_class)
            )
        ),
        "identifier": pl.when(pl.col("_id") != pl.col("Id")).then(
            listed(pl.struct(system=pl.lit(ENCOUNTER_SYSTEM), value=pl.col("Id")))
        ),
        "status": pl.lit("finished"),
        "class": pl.struct(
            system=pl.lit(ACT_CODE),
            code=synthea_class.replace_strict(ACT_CODE_OF_CLASS, default="AMB"),
        ),
        "type": one(concept(CODE_SYSTEM["encounters"], "CODE", "DESCRIPTION")),
        "subject": _subject(),
        "participant": one(
            pl.when(pl.col("PROVIDER").is_not_null()).then(
                pl.struct(individual=logical(PROVIDER_SYSTEM, "PROVIDER"))
            )
        ),
        "period": pl.struct(start=instant("START"), end=instant("STOP")),
        "reasonCode": _reasons(),
        "serviceProvider": logical(ORGANIZATION_SYSTEM, "ORGANIZATION"),
    }
    return pl.struct([expr.alias(name) for name, expr in fields.items()])


def condition() -> pl.Expr:
    clinical = (
        pl.when(pl.col("STOP").is_null()).then(pl.lit("active")).otherwise(pl.lit("resolved"))
    )
    return pl.struct(
        resourceType=pl.lit("Condition"),
        id=pl.col("_id"),
        clinicalStatus=status(CONDITION_CLINICAL, clinical),
        verificationStatus=status(CONDITION_VERIFICATION, "confirmed"),
        category=listed(status(CONDITION_CATEGORY, "encounter-diagnosis")).first(),
        code=concept(_condition_system("CODE"), "CODE", "DESCRIPTION"),
        subject=_subject(),
        encounter=_encounter(),
        onsetDateTime=day("START"),
        abatementDateTime=day("STOP"),
    )


def medication_request() -> pl.Expr:
    return pl.struct(
        resourceType=pl.lit("MedicationRequest"),
        id=pl.col("_id"),
        status=_active_or("stopped"),
        intent=pl.lit("order"),
        medicationCodeableConcept=concept(CODE_SYSTEM["medications"], "CODE", "DESCRIPTION"),
        subject=_subject(),
        encounter=_encounter(),
        authoredOn=instant("START"),
        reasonCode=_reasons(),
        dispenseRequest=pl.struct(
            validityPeriod=pl.struct(start=instant("START"), end=instant("STOP"))
        ),
    )


def _observation_system() -> pl.Expr:
    """LOINC, or the facility's own system for a laboratory result under a local code."""
    local = is_local_lab(pl.col("CODE"), pl.col("CATEGORY"))
    facility = pl.format(FACILITY_LAB_SYSTEM, pl.col("facility_id"))
    return pl.when(local).then(facility).otherwise(pl.lit(CODE_SYSTEM["observations"]))


def observation() -> pl.Expr:
    number = pl.col("VALUE").cast(pl.Float64, strict=False)
    numeric = (pl.col("TYPE") == "numeric") & number.is_finite().fill_null(False)
    units = pl.col("UNITS")
    quantity = pl.struct(
        value=number, unit=units, system=pl.when(units.is_not_null()).then(pl.lit(UCUM)), code=units
    )
    return pl.struct(
        resourceType=pl.lit("Observation"),
        id=pl.col("_id"),
        status=pl.lit("final"),
        category=one(
            pl.when(pl.col("CATEGORY").is_not_null()).then(
                status(OBSERVATION_CATEGORY, pl.col("CATEGORY"))
            )
        ),
        code=concept(_observation_system(), "CODE", "DESCRIPTION"),
        subject=_subject(),
        encounter=_encounter(),
        effectiveDateTime=instant("DATE"),
        valueQuantity=pl.when(numeric).then(quantity),
        valueString=pl.when(~numeric).then(pl.col("VALUE")),
    )


def procedure() -> pl.Expr:
    return pl.struct(
        resourceType=pl.lit("Procedure"),
        id=pl.col("_id"),
        status=pl.lit("completed"),
        code=concept(CODE_SYSTEM["procedures"], "CODE", "DESCRIPTION"),
        subject=_subject(),
        encounter=_encounter(),
        performedPeriod=pl.struct(start=instant("START"), end=instant("STOP")),
        reasonCode=_reasons(),
    )


def immunization() -> pl.Expr:
    return pl.struct(
        resourceType=pl.lit("Immunization"),
        id=pl.col("_id"),
        status=pl.lit("completed"),
        vaccineCode=concept(CODE_SYSTEM["immunizations"], "CODE", "DESCRIPTION"),
        patient=_subject(),
        encounter=_encounter(),
        occurrenceDateTime=instant("DATE"),
        primarySource=pl.lit(True),
    )


def _reaction(n: int) -> pl.Expr:
    return pl.when(pl.col(f"REACTION{n}").is_not_null()).then(
        pl.struct(
            manifestation=listed(concept(SNOMED, f"REACTION{n}", f"DESCRIPTION{n}")),
            severity=pl.col(f"SEVERITY{n}").str.to_lowercase(),
        )
    )


def allergy_intolerance() -> pl.Expr:
    system = pl.col("SYSTEM")
    uri = system.replace_strict(ALLERGY_SYSTEMS, default=pl.format(f"{LOCAL_SYSTEM}{{}}", system))
    return pl.struct(
        resourceType=pl.lit("AllergyIntolerance"),
        id=pl.col("_id"),
        extension=one(
            pl.when(pl.col("STOP").is_not_null()).then(
                pl.struct(url=pl.lit(ALLERGY_ABATEMENT), valueDateTime=day("STOP"))
            )
        ),
        clinicalStatus=status(ALLERGY_CLINICAL, _active_or("inactive")),
        verificationStatus=status(ALLERGY_VERIFICATION, "confirmed"),
        type=pl.col("TYPE"),
        category=one(pl.col("CATEGORY")),
        code=concept(uri, "CODE", "DESCRIPTION"),
        patient=_subject(),
        encounter=_encounter(),
        onsetDateTime=day("START"),
        reaction=present(_reaction(1), _reaction(2)),
    )


RESOURCE_BUILDERS: dict[str, Callable[[], pl.Expr]] = {
    "encounters": encounter,
    "conditions": condition,
    "medications": medication_request,
    "observations": observation,
    "procedures": procedure,
    "immunizations": immunization,
    "allergies": allergy_intolerance,
}
