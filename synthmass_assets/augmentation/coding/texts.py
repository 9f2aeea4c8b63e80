"""What facilities write instead of codes: condition wordings, drug names and local lab names.

Hand-written tables, keyed by the canonical code our generator writes:

* `CONDITION_WORDINGS`: a few abbreviations and synonyms per condition, as clinicians type
  them into a problem list (``HTN``, ``T2DM``, ``GORD``, ``AF``). A text-only facility picks
  one wording per concept and keeps it.
* `BRAND_NAMES`: the brand name with strength and form of each drug in `population.drugs`
  (``Zestril 10 MG Oral Tablet``); `FREE_TEXT_NAMES`: the prescriber's lower-case shorthand
  (``lisinopril 10mg tab``). Neither carries an RxNorm code: we do not invent RxCUIs.
* `LOCAL_LAB_NAMES`: a laboratory's short test names (``Gluc``, ``Creat``, ``LDL-C``).
"""

from __future__ import annotations

from synthmass_assets.population import codes as c

CONDITION_WORDINGS: dict[str, tuple[str, ...]] = {
    "55822004": ("Hyperlipidaemia", "HLD", "High cholesterol", "Dyslipidemia"),
    "59621000": ("HTN", "High blood pressure", "Hypertension", "Essential HTN"),
    "15777000": ("Pre-diabetes", "Borderline diabetes", "PreDM", "Impaired fasting glucose"),
    "44054006": ("T2DM", "Type II diabetes mellitus without complications", "DM2", "NIDDM"),
    "433144002": ("CKD 3", "CKD stage III", "Chronic renal insufficiency stage 3"),
    "195967001": ("Asthma NOS", "Bronchial asthma", "Reactive airway disease"),
    "185086009": ("COPD", "Chronic obstructive pulmonary disease", "Chronic bronchitis w/ COPD"),
    "36923009": ("MDD", "Depression", "Major depressive disorder, single episode"),
    "21897009": ("GAD", "Generalised anxiety disorder", "Anxiety disorder, generalized"),
    "239873007": ("OA knee", "Knee osteoarthritis", "DJD of knee", "Osteoarthrosis of knee"),
    "53741008": ("CAD", "Coronary artery disease", "CHD", "IHD"),
    "49436004": ("AF", "AFib", "A-fib", "Atrial fibrillation NOS"),
    "40930008": ("Hypothyroid", "Underactive thyroid", "Hypothyroidism NOS"),
    "235595009": ("GORD", "GERD", "Acid reflux", "Gastro-oesophageal reflux"),
    "232353008": ("Hay fever", "Allergic rhinitis", "Seasonal allergies"),
    "271737000": ("Anaemia", "Low Hb", "Anemia NOS"),
    "444814009": ("Sinusitis", "Acute viral sinusitis", "Rhinosinusitis"),
    "195662009": ("Sore throat", "Viral pharyngitis", "Pharyngitis"),
    "43878008": ("Strep throat", "Strep pharyngitis", "GAS pharyngitis"),
    "10509002": ("Bronchitis", "Chest infection", "Acute bronchitis NOS"),
    "65363002": ("AOM", "Ear infection", "OM"),
    "38822007": ("UTI", "Bladder infection", "Cystitis NOS"),
    "44465007": ("Ankle sprain", "Sprained ankle", "Sprain, ankle"),
    "65966004": ("Fx forearm", "Broken arm", "Forearm fracture"),
    "359817006": ("Hip fx", "Fractured hip", "Fractured neck of femur"),
    "72892002": ("Pregnancy", "Pregnant", "Intrauterine pregnancy"),
    "162864005": ("Obesity", "Obese", "BMI 30+"),
    "160903007": ("Employed full time", "Works full-time"),
    "160904001": ("Employed part time", "Part-time work"),
    "73438004": ("Unemployed", "Out of work", "Jobless"),
    "741062008": ("Not in labour force", "Not in workforce"),
    "73595000": ("Stress", "Stressed", "Psychosocial stress"),
    "422650009": ("Socially isolated", "Isolation", "Lives in isolation"),
    "423315002": ("Few social contacts", "Limited social network"),
}

# RxNorm code → (brand name with strength and form, prescriber's free text).
_DRUG_NAMES: dict[str, tuple[str, str]] = {
    "314076": ("Zestril 10 MG Oral Tablet", "lisinopril 10mg tab"),
    "310798": ("HydroDIURIL 25 MG Oral Tablet", "hctz 25mg tab"),
    "308136": ("Norvasc 2.5 MG Oral Tablet", "amlodipine 2.5mg tab"),
    "314231": ("Zocor 10 MG Oral Tablet", "simvastatin 10mg tab"),
    "259255": ("Lipitor 80 MG Oral Tablet", "atorvastatin 80mg tab"),
    "860975": ("Glucophage XR 500 MG", "metformin ER 500mg"),
    "2123111": ("ProAir HFA 90 MCG/ACTUAT Inhaler", "albuterol HFA inhaler 90mcg"),
    "895994": ("Flovent HFA 44 MCG/ACTUAT Inhaler", "fluticasone 44mcg inhaler"),
    "896209": ("Advair Diskus 250/50", "fluticasone-salmeterol 250/50 diskus"),
    "310385": ("Prozac 20 MG Oral Capsule", "fluoxetine 20mg cap"),
    "312940": ("Zoloft 50 MG Oral Tablet", "sertraline 50mg tab"),
    "849574": ("Aleve 220 MG Oral Tablet", "naproxen 220mg tab"),
    "313782": ("Tylenol 325 MG Oral Tablet", "apap 325mg tab"),
    "309362": ("Plavix 75 MG Oral Tablet", "clopidogrel 75mg tab"),
    "705129": ("Nitrolingual 0.4 MG/ACTUAT Spray", "ntg spray 0.4mg"),
    "855332": ("Coumadin 5 MG Oral Tablet", "warfarin 5mg tab"),
    "966222": ("Synthroid 75 MCG", "levothyroxine 75mcg tab"),
    "198053": ("Prilosec 20 MG Delayed Release Capsule", "omeprazole 20mg cap"),
    "665078": ("Claritin 5 MG Chewable Tablet", "loratadine 5mg chew tab"),
    "997488": ("Allegra 30 MG Oral Tablet", "fexofenadine 30mg tab"),
    "310325": ("Feosol 325 MG Oral Tablet", "feso4 325mg tab"),
    "308182": ("Amoxil 250 MG Oral Capsule", "amoxicillin 250mg cap"),
    "562251": ("Augmentin 250 MG / 125 MG Oral Tablet", "amox-clav 250/125mg tab"),
    "834061": ("Veetids 250 MG Oral Tablet", "pen vk 250mg tab"),
    "309309": ("Cipro 500 MG Oral Tablet", "ciprofloxacin 500mg tab"),
    "198405": ("Motrin 100 MG Oral Tablet", "ibuprofen 100mg tab"),
    "1049625": ("Percocet 10 MG / 325 MG Oral Tablet", "oxycodone-apap 10/325mg tab"),
    "1870230": ("EpiPen 0.3 MG Auto-Injector", "epinephrine 0.3mg auto-injector"),
}
BRAND_NAMES: dict[str, str] = {code: names[0] for code, names in _DRUG_NAMES.items()}
FREE_TEXT_NAMES: dict[str, str] = {code: names[1] for code, names in _DRUG_NAMES.items()}

LOCAL_LAB_NAMES: dict[str, str] = {
    c.A1C.code: "HbA1c",
    c.GLUCOSE.code: "Gluc",
    c.CREATININE.code: "Creat",
    c.EGFR.code: "eGFR",
    c.CHOLESTEROL.code: "Chol total",
    c.LDL.code: "LDL-C",
    c.HDL.code: "HDL-C",
    c.TRIGLYCERIDES.code: "Trig",
    c.TSH.code: "TSH",
    c.HEMOGLOBIN.code: "Hgb",
    c.FEV1_FVC.code: "FEV1/FVC",
}
