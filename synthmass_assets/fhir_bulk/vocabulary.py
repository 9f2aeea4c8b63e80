"""FHIR R4 code systems, identifier systems and the mapping of Synthea tables to resources.

What does not travel (comes back null): the costs, payers and dispense counts (PAYER,
BASE_ENCOUNTER_COST, TOTAL_CLAIM_COST, PAYER_COVERAGE, BASE_COST, TOTALCOST, DISPENSES belong
to Claim / ExplanationOfBenefit resources, which a clinical export does not carry), the UNITS
of a text observation (a FHIR string value has no unit) and the patient-level rank of a visit
(``visit_order`` comes back as the rank within its facility record). Every other Synthea
column of the seven clinical tables round-trips exactly; numeric observation values as the
shortest decimal of the number (the form our generator writes).
"""

from __future__ import annotations

SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
LOINC = "http://loinc.org"
CVX = "http://hl7.org/fhir/sid/cvx"
UCUM = "http://unitsofmeasure.org"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
ALLERGY_ABATEMENT = "http://hl7.org/fhir/StructureDefinition/allergyintolerance-abatement"
ENCOUNTER_CLASS_EXTENSION = "urn:synthmass:fhir:encounter-class"
ENCOUNTER_SYSTEM = "urn:synthmass:encounter"
ORGANIZATION_SYSTEM = "urn:synthmass:synthea:organization"
PROVIDER_SYSTEM = "urn:synthmass:synthea:provider"
LOCAL_SYSTEM = "urn:synthmass:system:"
# A facility's own laboratory codes (coding profile ``local``), by facility id.
FACILITY_LAB_SYSTEM = "urn:synthmass:facility:{}:lab"

# Synthea's table → the FHIR resource type written for it, in manifest order.
RESOURCE_OF_TABLE: dict[str, str] = {
    "encounters": "Encounter",
    "conditions": "Condition",
    "medications": "MedicationRequest",
    "observations": "Observation",
    "procedures": "Procedure",
    "immunizations": "Immunization",
    "allergies": "AllergyIntolerance",
}
# Resource types read back into each table (MedicationStatement joins MedicationRequest).
TABLE_OF_RESOURCE: dict[str, str] = {
    **{resource: table for table, resource in RESOURCE_OF_TABLE.items()},
    "MedicationStatement": "medications",
}
READ_TYPES: tuple[str, ...] = ("Patient", *TABLE_OF_RESOURCE)

# The code system each table's CODE column is written in (allergies carry their own SYSTEM);
# ICD-10-CM conditions and reasons and local laboratory codes are told by their shape (see
# `clinical_out` and `augmentation.coding.systems`).
CODE_SYSTEM: dict[str, str] = {
    "encounters": SNOMED,
    "conditions": SNOMED,
    "medications": RXNORM,
    "observations": LOINC,
    "procedures": SNOMED,
    "immunizations": CVX,
}
# Synthea's allergy SYSTEM values and their FHIR URIs; others travel as urn:synthmass:system:.
ALLERGY_SYSTEMS: dict[str, str] = {"SNOMED-CT": SNOMED, "RxNorm": RXNORM}

# Synthea's encounter classes as HL7 v3 ActCode (Synthea's own FHIR exporter uses the same);
# the exact Synthea class travels in an extension because several classes share AMB.
ACT_CODE_OF_CLASS: dict[str, str] = {
    "wellness": "AMB",
    "ambulatory": "AMB",
    "outpatient": "AMB",
    "urgentcare": "AMB",
    "inpatient": "IMP",
    "snf": "IMP",
    "emergency": "EMER",
    "home": "HH",
    "hospice": "HH",
    "virtual": "VR",
    "telemed": "VR",
}
# Reading exports without the extension: ActCode → the nearest Synthea class.
CLASS_OF_ACT_CODE: dict[str, str] = {
    "AMB": "ambulatory",
    "IMP": "inpatient",
    "ACUTE": "inpatient",
    "NONAC": "inpatient",
    "EMER": "emergency",
    "OBSENC": "outpatient",
    "SS": "outpatient",
    "PRENC": "outpatient",
    "HH": "home",
    "VR": "virtual",
    "FLD": "ambulatory",
}

GENDER_OF_LETTER: dict[str, str] = {"M": "male", "F": "female", "O": "other", "U": "unknown"}
LETTER_OF_GENDER: dict[str, str] = {"male": "M", "female": "F", "other": "O"}

# Person-level identifier systems issued outside the facility; read as national_id.
NATIONAL_SYSTEMS: frozenset[str] = frozenset(
    {
        "https://fhir.nhs.uk/Id/nhs-number",
        "http://fhir.de/sid/gkv/kvid-10",
        "http://fhir.de/sid/pkv/kvid-10",
        "urn:oid:1.2.40.0.10.1.4.3.1",  # Austrian social insurance number
        "http://fhir.nl/fhir/NamingSystem/bsn",
        "urn:oid:2.16.840.1.113883.2.4.6.3",  # Dutch BSN
        "http://ns.electronichealth.net.au/id/hi/ihi/1.0",
    }
)
# Synthea columns an export leaves out (they come back null); every other column round-trips.
NOT_CARRIED: dict[str, tuple[str, ...]] = {
    "encounters": ("PAYER", "BASE_ENCOUNTER_COST", "TOTAL_CLAIM_COST", "PAYER_COVERAGE"),
    "medications": ("PAYER", "BASE_COST", "PAYER_COVERAGE", "DISPENSES", "TOTALCOST"),
    "procedures": ("BASE_COST",),
    "immunizations": ("BASE_COST",),
}
