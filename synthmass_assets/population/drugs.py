"""Drugs (RxNorm) the condition modules prescribe, with their monthly base cost."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Medication:
    """A drug (RxNorm) with its monthly base cost."""

    code: str
    description: str
    cost: float


LISINOPRIL = Medication("314076", "lisinopril 10 MG Oral Tablet", 7.5)
HCTZ = Medication("310798", "Hydrochlorothiazide 25 MG Oral Tablet", 5.2)
AMLODIPINE = Medication("308136", "amLODIPine 2.5 MG Oral Tablet", 6.1)
SIMVASTATIN = Medication("314231", "Simvastatin 10 MG Oral Tablet", 9.3)
ATORVASTATIN = Medication("259255", "Atorvastatin 80 MG Oral Tablet", 18.8)
METFORMIN = Medication(
    "860975", "24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet", 12.4
)
ALBUTEROL = Medication(
    "2123111", "NDA020503 200 ACTUAT Albuterol 0.09 MG/ACTUAT Metered Dose Inhaler", 48.2
)
FLUTICASONE = Medication(
    "895994", "120 ACTUAT Fluticasone propionate 0.044 MG/ACTUAT Metered Dose Inhaler", 61.5
)
FLUTICASONE_SALMETEROL = Medication(
    "896209",
    "60 ACTUAT Fluticasone propionate 0.25 MG/ACTUAT / salmeterol 0.05 MG/ACTUAT "
    "Dry Powder Inhaler",
    210.4,
)
FLUOXETINE = Medication("310385", "Fluoxetine 20 MG Oral Capsule", 8.6)
SERTRALINE = Medication("312940", "Sertraline 50 MG Oral Tablet", 7.9)
NAPROXEN = Medication("849574", "Naproxen sodium 220 MG Oral Tablet", 4.4)
ACETAMINOPHEN = Medication("313782", "Acetaminophen 325 MG Oral Tablet", 3.1)
CLOPIDOGREL = Medication("309362", "Clopidogrel 75 MG Oral Tablet", 11.2)
NITROGLYCERIN = Medication("705129", "Nitroglycerin 0.4 MG/ACTUAT Mucosal Spray", 98.1)
WARFARIN = Medication("855332", "Warfarin Sodium 5 MG Oral Tablet", 6.7)
LEVOTHYROXINE = Medication("966222", "Levothyroxine Sodium 0.075 MG Oral Tablet", 9.9)
OMEPRAZOLE = Medication("198053", "Omeprazole 20 MG Delayed Release Oral Capsule", 10.6)
LORATADINE = Medication("665078", "Loratadine 5 MG Chewable Tablet", 7.2)
FEXOFENADINE = Medication("997488", "Fexofenadine hydrochloride 30 MG Oral Tablet", 6.0)
FERROUS_SULFATE = Medication("310325", "ferrous sulfate 325 MG Oral Tablet", 2.9)
AMOXICILLIN = Medication("308182", "Amoxicillin 250 MG Oral Capsule", 8.1)
AMOX_CLAV = Medication("562251", "Amoxicillin 250 MG / Clavulanate 125 MG Oral Tablet", 14.7)
PENICILLIN_V = Medication("834061", "Penicillin V Potassium 250 MG Oral Tablet", 6.4)
CIPROFLOXACIN = Medication("309309", "Ciprofloxacin 500 MG Oral Tablet", 9.2)
IBUPROFEN = Medication("198405", "Ibuprofen 100 MG Oral Tablet", 3.3)
OXYCODONE_APAP = Medication(
    "1049625", "Acetaminophen 325 MG / Oxycodone Hydrochloride 10 MG Oral Tablet [Percocet]", 31.6
)
EPINEPHRINE = Medication("1870230", "NDA020800 0.3 ML Epinephrine 1 MG/ML Auto-Injector", 344.4)
ANTIHYPERTENSIVES = (LISINOPRIL, HCTZ, AMLODIPINE)
DIABETES_DRUGS = (METFORMIN,)
