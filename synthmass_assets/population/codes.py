"""Clinical codes used by the generator: SNOMED CT, RxNorm, LOINC and CVX, as Synthea writes them.

Descriptions follow Synthea's CSV output, where commas inside a description become double
spaces (``Influenza  seasonal  injectable  preservative free``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    """A coded concept: code and display text."""

    code: str
    description: str


@dataclass(frozen=True)
class Measure:
    """A numeric observation (vital sign or lab) and its physiologically possible range."""

    code: str
    description: str
    units: str
    category: str
    low: float
    high: float
    decimals: int = 1


# Encounter types (SNOMED CT).
WELL_CHILD = Code("410620009", "Well child visit (procedure)")
GENERAL_EXAM = Code("162673000", "General examination of patient (procedure)")
PROBLEM_ENCOUNTER = Code("185347001", "Encounter for problem (procedure)")
SYMPTOM_ENCOUNTER = Code("185345009", "Encounter for symptom")
FOLLOW_UP = Code("390906007", "Follow-up encounter (procedure)")
EMERGENCY_ADMISSION = Code("50849002", "Emergency room admission (procedure)")
HOSPITAL_ADMISSION = Code("32485007", "Hospital admission (procedure)")
PRENATAL_VISIT = Code("424619006", "Prenatal visit (regime/therapy)")
OBSTETRIC_ADMISSION = Code("183460006", "Obstetric emergency hospital admission")
ENCOUNTER_FOR_CLASS = {
    "ambulatory": PROBLEM_ENCOUNTER,
    "outpatient": FOLLOW_UP,
    "urgentcare": SYMPTOM_ENCOUNTER,
    "emergency": EMERGENCY_ADMISSION,
    "inpatient": HOSPITAL_ADMISSION,
}
BASE_ENCOUNTER_COST = {
    "wellness": 136.8,
    "ambulatory": 85.55,
    "outpatient": 85.55,
    "urgentcare": 142.58,
    "emergency": 146.18,
    "inpatient": 106.15,
}

# Vital signs (LOINC).
HEIGHT = Measure("8302-2", "Body Height", "cm", "vital-signs", 40, 230)
WEIGHT = Measure("29463-7", "Body Weight", "kg", "vital-signs", 1.5, 300)
BMI = Measure("39156-5", "Body Mass Index", "kg/m2", "vital-signs", 10, 70, 2)
SYSTOLIC = Measure("8480-6", "Systolic Blood Pressure", "mm[Hg]", "vital-signs", 60, 250, 0)
DIASTOLIC = Measure("8462-4", "Diastolic Blood Pressure", "mm[Hg]", "vital-signs", 30, 150, 0)

# Laboratory results (LOINC).
A1C = Measure("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "%", "laboratory", 3.5, 16)
GLUCOSE = Measure("2339-0", "Glucose", "mg/dL", "laboratory", 40, 600)
CREATININE = Measure("38483-4", "Creatinine", "mg/dL", "laboratory", 0.2, 15, 2)
EGFR = Measure(
    "33914-3",
    "Glomerular filtration rate/1.73 sq M.predicted",
    "mL/min/{1.73_m2}",
    "laboratory",
    5,
    150,
)
CHOLESTEROL = Measure(
    "2093-3", "Cholesterol [Mass/volume] in Serum or Plasma", "mg/dL", "laboratory", 80, 500
)
LDL = Measure(
    "18262-6",
    "Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay",
    "mg/dL",
    "laboratory",
    20,
    400,
)
HDL = Measure(
    "2085-9", "Cholesterol in HDL [Mass/volume] in Serum or Plasma", "mg/dL", "laboratory", 15, 120
)
TRIGLYCERIDES = Measure("2571-8", "Triglycerides", "mg/dL", "laboratory", 20, 1000)
TSH = Measure(
    "3016-3",
    "Thyrotropin [Units/volume] in Serum or Plasma",
    "m[IU]/L",
    "laboratory",
    0.01,
    100,
    2,
)
HEMOGLOBIN = Measure("718-7", "Hemoglobin [Mass/volume] in Blood", "g/dL", "laboratory", 4, 22)
PHQ9 = Measure(
    "44261-6",
    "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]",
    "{score}",
    "survey",
    0,
    27,
    0,
)
GAD7 = Measure(
    "70274-6",
    "Generalized anxiety disorder 7 item (GAD-7) total score [Reported]",
    "{score}",
    "survey",
    0,
    21,
    0,
)
FEV1_FVC = Measure("19926-5", "FEV1/FVC", "%", "laboratory", 20, 100)
MEASURES: tuple[Measure, ...] = (
    HEIGHT,
    WEIGHT,
    BMI,
    SYSTOLIC,
    DIASTOLIC,
    A1C,
    GLUCOSE,
    CREATININE,
    EGFR,
    CHOLESTEROL,
    LDL,
    HDL,
    TRIGLYCERIDES,
    TSH,
    HEMOGLOBIN,
    PHQ9,
    GAD7,
    FEV1_FVC,
)

# Screenings at adult wellness visits (SNOMED CT procedures).
WELLNESS_PROCEDURES: tuple[Code, ...] = (
    Code("430193006", "Medication Reconciliation (procedure)"),
    Code("710824005", "Assessment of health and social care needs (procedure)"),
    Code("171207006", "Depression screening (procedure)"),
    Code("428211000124100", "Assessment of substance use (procedure)"),
    Code("866148006", "Screening for domestic abuse (procedure)"),
    Code("710841007", "Assessment of anxiety (procedure)"),
)
CHILD_WELLNESS_PROCEDURE = Code("386516004", "Anticipatory guidance (procedure)")

# Social findings Synthea v3 records as conditions at adult wellness visits.
EMPLOYMENT_FINDINGS: tuple[tuple[Code, float], ...] = (
    (Code("160903007", "Full-time employment (finding)"), 0.60),
    (Code("160904001", "Part-time employment (finding)"), 0.10),
    (Code("73438004", "Unemployed (finding)"), 0.05),
    (Code("741062008", "Not in labor force (finding)"), 0.25),
)
OCCASIONAL_FINDINGS: tuple[tuple[Code, float], ...] = (
    (Code("73595000", "Stress (finding)"), 0.20),
    (Code("422650009", "Social isolation (finding)"), 0.05),
    (Code("423315002", "Limited social contact (finding)"), 0.07),
)

# CDC immunization schedule: (CVX code, description, age in years at the dose).
IMMUNIZATION_SCHEDULE: tuple[tuple[str, str, float], ...] = (
    ("08", "Hep B  adolescent or pediatric", 0.0),
    ("08", "Hep B  adolescent or pediatric", 0.17),
    ("08", "Hep B  adolescent or pediatric", 0.5),
    ("20", "DTaP", 0.17),
    ("20", "DTaP", 0.33),
    ("20", "DTaP", 0.5),
    ("20", "DTaP", 1.25),
    ("20", "DTaP", 4.0),
    ("49", "Hib (PRP-OMP)", 0.17),
    ("49", "Hib (PRP-OMP)", 0.33),
    ("49", "Hib (PRP-OMP)", 1.0),
    ("10", "IPV", 0.17),
    ("10", "IPV", 0.33),
    ("10", "IPV", 0.5),
    ("10", "IPV", 4.0),
    ("133", "Pneumococcal conjugate PCV 13", 0.17),
    ("133", "Pneumococcal conjugate PCV 13", 0.33),
    ("133", "Pneumococcal conjugate PCV 13", 0.5),
    ("133", "Pneumococcal conjugate PCV 13", 1.0),
    ("119", "rotavirus  monovalent", 0.17),
    ("119", "rotavirus  monovalent", 0.33),
    ("03", "MMR", 1.0),
    ("03", "MMR", 4.0),
    ("21", "varicella", 1.0),
    ("21", "varicella", 4.0),
    ("83", "Hep A  ped/adol  2 dose", 1.0),
    ("83", "Hep A  ped/adol  2 dose", 1.5),
    ("115", "Tdap", 11.0),
    ("62", "HPV  quadrivalent", 11.0),
    ("62", "HPV  quadrivalent", 12.0),
    ("114", "meningococcal MCV4P", 11.0),
    ("114", "meningococcal MCV4P", 16.0),
    ("113", "Td (adult) preservative free", 21.0),
    ("113", "Td (adult) preservative free", 31.0),
    ("113", "Td (adult) preservative free", 41.0),
    ("113", "Td (adult) preservative free", 51.0),
    ("113", "Td (adult) preservative free", 61.0),
    ("113", "Td (adult) preservative free", 71.0),
    ("121", "zoster", 60.0),
    ("33", "pneumococcal polysaccharide vaccine  23 valent", 65.0),
)
INFLUENZA = Code("140", "Influenza  seasonal  injectable  preservative free")
IMMUNIZATION_COST = 140.52
