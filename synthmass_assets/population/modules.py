"""Condition modules: what each chronic or acute condition brings to a patient's chart.

Modules are data; :mod:`chronic` and :mod:`acute` turn them into rows for whole cohorts at once.
Chronic modules run in the order listed, so a module's risk factors must come before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from synthmass_assets.population import codes as c
from synthmass_assets.population import drugs as d
from synthmass_assets.population.codes import Code, Measure


@dataclass(frozen=True)
class ChronicModule:
    """A lifelong (or long) condition: onset, diagnosis visit, follow-ups with labs and refills.

    Attributes:
        key: Short name, used by other modules' ``risk_factors``.
        condition: The SNOMED CT condition.
        lifetime_risk: Probability of ever developing it (male, female).
        onset_age: Mean and standard deviation of the age at onset, in years.
        min_age: Earliest age at onset.
        risk_factors: Other modules' keys → multiplier on ``lifetime_risk``.
        medications: Drugs, one chosen per treated patient.
        treated_share: Share of patients who take a medication.
        labs: Measures taken at each follow-up.
        followup_months: Months between follow-up visits (0: none; one open prescription).
        procedures: Procedures done at the diagnosis visit.
        diagnosis_class: Encounter class of the diagnosis visit.
        resolves_in_years: Mean years until resolution (``None``: lifelong).
    """

    key: str
    condition: Code
    lifetime_risk: tuple[float, float]
    onset_age: tuple[float, float]
    min_age: float = 18.0
    risk_factors: dict[str, float] = field(default_factory=dict)
    medications: tuple[d.Medication, ...] = ()
    treated_share: float = 0.85
    labs: tuple[Measure, ...] = ()
    followup_months: int = 12
    procedures: tuple[Code, ...] = ()
    diagnosis_class: str = "ambulatory"
    resolves_in_years: float | None = None


CHRONIC_MODULES: tuple[ChronicModule, ...] = (
    ChronicModule(
        "obesity",
        Code("162864005", "Body mass index 30+ - obesity (finding)"),
        (0.0, 0.0),
        (0, 0),
        treated_share=0.0,
        followup_months=0,
    ),
    ChronicModule(
        "hyperlipidemia",
        Code("55822004", "Hyperlipidemia"),
        (0.30, 0.28),
        (50, 12),
        risk_factors={"obesity": 1.5},
        medications=(d.SIMVASTATIN, d.ATORVASTATIN),
        treated_share=0.8,
        labs=(c.CHOLESTEROL, c.LDL, c.HDL, c.TRIGLYCERIDES),
        followup_months=24,
    ),
    ChronicModule(
        "hypertension",
        Code("59621000", "Essential hypertension (disorder)"),
        (0.45, 0.40),
        (52, 13),
        risk_factors={"obesity": 1.6},
        medications=d.ANTIHYPERTENSIVES,
        treated_share=0.9,
        labs=(c.CREATININE,),
    ),
    ChronicModule(
        "prediabetes",
        Code("15777000", "Prediabetes"),
        (0.30, 0.28),
        (45, 12),
        risk_factors={"obesity": 1.8},
        treated_share=0.0,
        labs=(c.A1C, c.GLUCOSE),
        followup_months=24,
    ),
    ChronicModule(
        "diabetes",
        Code("44054006", "Diabetes mellitus type 2 (disorder)"),
        (0.14, 0.12),
        (55, 11),
        risk_factors={"obesity": 2.2, "prediabetes": 1.6},
        medications=d.DIABETES_DRUGS,
        treated_share=0.9,
        labs=(c.A1C, c.GLUCOSE, c.EGFR),
    ),
    ChronicModule(
        "ckd",
        Code("433144002", "Chronic kidney disease stage 3 (disorder)"),
        (0.08, 0.09),
        (65, 10),
        min_age=30,
        risk_factors={"diabetes": 2.5, "hypertension": 1.8},
        treated_share=0.0,
        labs=(c.CREATININE, c.EGFR),
    ),
    ChronicModule(
        "asthma",
        Code("195967001", "Asthma (disorder)"),
        (0.09, 0.10),
        (8, 6),
        min_age=2,
        medications=(d.ALBUTEROL, d.FLUTICASONE),
        treated_share=0.95,
        followup_months=24,
    ),
    ChronicModule(
        "copd",
        Code("185086009", "Chronic obstructive bronchitis (disorder)"),
        (0.07, 0.07),
        (60, 9),
        min_age=40,
        medications=(d.FLUTICASONE_SALMETEROL,),
        labs=(c.FEV1_FVC,),
        procedures=(Code("23426006", "Measurement of respiratory function (procedure)"),),
    ),
    ChronicModule(
        "depression",
        Code("36923009", "Major depression  single episode"),
        (0.12, 0.20),
        (32, 12),
        min_age=12,
        medications=(d.FLUOXETINE, d.SERTRALINE),
        treated_share=0.6,
        labs=(c.PHQ9,),
        followup_months=6,
        resolves_in_years=2.5,
    ),
    ChronicModule(
        "anxiety",
        Code("21897009", "Generalized anxiety disorder (disorder)"),
        (0.08, 0.14),
        (30, 12),
        min_age=12,
        medications=(d.SERTRALINE,),
        treated_share=0.5,
        labs=(c.GAD7,),
        resolves_in_years=4.0,
    ),
    ChronicModule(
        "osteoarthritis",
        Code("239873007", "Osteoarthritis of knee"),
        (0.20, 0.28),
        (62, 10),
        min_age=35,
        risk_factors={"obesity": 1.6},
        medications=(d.NAPROXEN, d.ACETAMINOPHEN),
        treated_share=0.7,
        followup_months=0,
    ),
    ChronicModule(
        "ischemic_heart_disease",
        Code("53741008", "Coronary Heart Disease"),
        (0.12, 0.08),
        (65, 10),
        min_age=35,
        risk_factors={"hypertension": 1.8, "hyperlipidemia": 1.8, "diabetes": 1.5},
        medications=(d.CLOPIDOGREL, d.NITROGLYCERIN),
        treated_share=0.9,
        labs=(c.CHOLESTEROL, c.LDL),
        diagnosis_class="emergency",
        procedures=(
            Code("40701008", "Echocardiography (procedure)"),
            Code("415070008", "Percutaneous coronary intervention"),
        ),
    ),
    ChronicModule(
        "atrial_fibrillation",
        Code("49436004", "Atrial fibrillation (disorder)"),
        (0.09, 0.07),
        (72, 9),
        min_age=40,
        risk_factors={"hypertension": 1.5},
        medications=(d.WARFARIN,),
        treated_share=0.8,
        diagnosis_class="emergency",
        procedures=(Code("29303009", "Electrocardiographic procedure"),),
    ),
    ChronicModule(
        "hypothyroidism",
        Code("40930008", "Hypothyroidism (disorder)"),
        (0.03, 0.10),
        (50, 14),
        medications=(d.LEVOTHYROXINE,),
        treated_share=0.95,
        labs=(c.TSH,),
        followup_months=24,
    ),
    ChronicModule(
        "gerd",
        Code("235595009", "Gastroesophageal reflux disease (disorder)"),
        (0.14, 0.16),
        (45, 14),
        risk_factors={"obesity": 1.5},
        medications=(d.OMEPRAZOLE,),
        treated_share=0.7,
        followup_months=0,
    ),
    ChronicModule(
        "allergic_rhinitis",
        Code("232353008", "Perennial allergic rhinitis with seasonal variation"),
        (0.18, 0.20),
        (10, 8),
        min_age=2,
        medications=(d.LORATADINE, d.FEXOFENADINE),
        treated_share=0.7,
        followup_months=0,
        procedures=(Code("395142003", "Allergy screening test"),),
    ),
    ChronicModule(
        "anemia",
        Code("271737000", "Anemia (disorder)"),
        (0.05, 0.12),
        (40, 18),
        min_age=5,
        medications=(d.FERROUS_SULFATE,),
        treated_share=0.8,
        labs=(c.HEMOGLOBIN,),
        resolves_in_years=2.0,
    ),
)
CHRONIC_BY_KEY = {m.key: m for m in CHRONIC_MODULES}


@dataclass(frozen=True)
class AcuteModule:
    """A short episode: one visit, a condition that resolves, maybe a drug and procedures.

    Attributes:
        condition: The SNOMED CT condition.
        yearly_rate: Episodes per person-year inside ``ages``.
        ages: Age range (years) in which episodes happen.
        female_only: Only women get it.
        duration_days: Days until the condition resolves.
        encounter_classes: Encounter classes with their probabilities.
        medication: Drug given, and the share of episodes that get it.
        procedures: Procedures done at the visit.
    """

    condition: Code
    yearly_rate: float
    ages: tuple[float, float]
    duration_days: int
    encounter_classes: tuple[tuple[str, float], ...] = (("ambulatory", 1.0),)
    medication: tuple[d.Medication, float] | None = None
    procedures: tuple[Code, ...] = ()
    female_only: bool = False


ACUTE_MODULES: tuple[AcuteModule, ...] = (
    AcuteModule(
        Code("444814009", "Viral sinusitis (disorder)"),
        0.08,
        (2, 100),
        14,
        medication=(d.AMOX_CLAV, 0.3),
    ),
    AcuteModule(
        Code("195662009", "Acute viral pharyngitis (disorder)"),
        0.07,
        (2, 100),
        10,
        encounter_classes=(("ambulatory", 0.6), ("urgentcare", 0.25), ("emergency", 0.15)),
        medication=(d.ACETAMINOPHEN, 0.4),
    ),
    AcuteModule(
        Code("43878008", "Streptococcal sore throat (disorder)"),
        0.04,
        (3, 60),
        10,
        medication=(d.PENICILLIN_V, 1.0),
        procedures=(Code("117015009", "Throat culture (procedure)"),),
    ),
    AcuteModule(
        Code("10509002", "Acute bronchitis (disorder)"),
        0.06,
        (0, 100),
        14,
        encounter_classes=(("ambulatory", 0.6), ("urgentcare", 0.2), ("emergency", 0.2)),
        medication=(d.ACETAMINOPHEN, 0.5),
        procedures=(Code("399208008", "Plain chest X-ray (procedure)"),),
    ),
    AcuteModule(
        Code("65363002", "Otitis media"), 0.15, (0, 8), 10, medication=(d.AMOXICILLIN, 0.8)
    ),
    AcuteModule(
        Code("38822007", "Cystitis (disorder)"),
        0.05,
        (15, 100),
        7,
        medication=(d.CIPROFLOXACIN, 1.0),
        procedures=(Code("117010004", "Urine culture"),),
        female_only=True,
    ),
    AcuteModule(
        Code("44465007", "Sprain of ankle"),
        0.02,
        (8, 70),
        28,
        encounter_classes=(("urgentcare", 0.5), ("emergency", 0.5)),
        medication=(d.IBUPROFEN, 0.8),
    ),
    AcuteModule(
        Code("65966004", "Fracture of forearm"),
        0.008,
        (3, 100),
        56,
        encounter_classes=(("emergency", 1.0),),
        medication=(d.OXYCODONE_APAP, 0.5),
        procedures=(Code("274474001", "Bone immobilization (procedure)"),),
    ),
    AcuteModule(
        Code("359817006", "Closed fracture of hip (disorder)"),
        0.01,
        (65, 100),
        84,
        encounter_classes=(("emergency", 0.3), ("inpatient", 0.7)),
        medication=(d.OXYCODONE_APAP, 0.9),
        procedures=(Code("274474001", "Bone immobilization (procedure)"),),
    ),
)

PREGNANCY = Code("72892002", "Normal pregnancy")
PREGNANCY_YEARLY_RATE = 0.07
PREGNANCY_AGES = (18.0, 42.0)
PRENATAL_PROCEDURES = (
    Code("252160004", "Standard pregnancy test"),
    Code("169230002", "Ultrasound scan for fetal viability"),
    Code("274804006", "Evaluation of uterine fundal height"),
    Code("225158009", "Auscultation of the fetal heart"),
)
CHILDBIRTH = Code("66348005", "Childbirth")

# Allergens given to patients with allergic rhinitis (environmental) or at random (food, drug):
# (SNOMED/RxNorm code, system, description, category).
ENVIRONMENTAL_ALLERGENS: tuple[tuple[str, str, str, str], ...] = (
    ("111088007", "SNOMED-CT", "Latex (substance)", "environment"),
    ("84489001", "SNOMED-CT", "Mold (organism)", "environment"),
    ("260147004", "SNOMED-CT", "House dust mite (organism)", "environment"),
    ("264287008", "SNOMED-CT", "Animal dander (substance)", "environment"),
    ("256277009", "SNOMED-CT", "Grass pollen (substance)", "environment"),
    ("782576004", "SNOMED-CT", "Tree pollen (substance)", "environment"),
)
FOOD_ALLERGENS: tuple[tuple[str, str, str, str], ...] = (
    ("762952008", "SNOMED-CT", "Peanut (substance)", "food"),
    ("102263004", "SNOMED-CT", "Eggs (edible) (substance)", "food"),
    ("3718001", "SNOMED-CT", "Cow's milk (substance)", "food"),
    ("227037002", "SNOMED-CT", "Fish (substance)", "food"),
)
DRUG_ALLERGENS: tuple[tuple[str, str, str, str], ...] = (
    ("7980", "RxNorm", "Penicillin V", "medication"),
    ("1191", "RxNorm", "Aspirin", "medication"),
)
ALLERGY_REACTIONS: tuple[tuple[str, str], ...] = (
    ("418290006", "Itching (finding)"),
    ("271807003", "Eruption of skin (disorder)"),
    ("76067001", "Sneezing"),
    ("49727002", "Cough (finding)"),
    ("267036007", "Dyspnea (finding)"),
    ("39579001", "Anaphylaxis (disorder)"),
)
FOOD_ALLERGY_SHARE = 0.05
DRUG_ALLERGY_SHARE = 0.06
