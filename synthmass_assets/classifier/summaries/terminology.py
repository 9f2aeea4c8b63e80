"""Terminology facts the canonicalisation reads: official names and brand ingredients.

Only public terminology data is here, never which concept a facility's own wording stood
for:

* the official SNOMED CT display of every condition in our vocabulary (`population.modules`
  and the social findings of `population.codes`) and the official RxNorm name of every
  clinical drug in `population.drugs`;
* `BRAND_INGREDIENTS`: US brand names and their active ingredients (FDA Orange Book / RxNorm
  ``tradename_of``; Zestril and Prinivil are lisinopril, Norvasc amlodipine, Lipitor
  atorvastatin, Glucophage metformin, Advair fluticasone with salmeterol, ...);
* `CLINICAL_DRUG_INGREDIENTS`: the active ingredients (RxNorm ``has_ingredient``) of each
  clinical drug in our vocabulary, by its RxNorm code.

A brand maps to the clinical drug of our vocabulary with exactly its ingredients (RxNorm's
branded drug → clinical drug relation, reduced to the drugs we know).
"""

from __future__ import annotations

import functools
import re

from synthmass_assets.classifier.summaries.sections import SEMANTIC_TAG as SEMANTIC_TAG_PATTERN
from synthmass_assets.population import codes as c
from synthmass_assets.population import drugs as d
from synthmass_assets.population import modules as m
from synthmass_assets.population.codes import Code

BRAND_INGREDIENTS: dict[str, tuple[str, ...]] = {
    "zestril": ("lisinopril",), "prinivil": ("lisinopril",), "qbrelis": ("lisinopril",),
    "microzide": ("hydrochlorothiazide",), "hydrodiuril": ("hydrochlorothiazide",),
    "esidrix": ("hydrochlorothiazide",), "norvasc": ("amlodipine",), "katerzia": ("amlodipine",),
    "zocor": ("simvastatin",), "lipitor": ("atorvastatin",), "glucophage": ("metformin",),
    "glumetza": ("metformin",), "fortamet": ("metformin",), "proair": ("albuterol",),
    "ventolin": ("albuterol",), "proventil": ("albuterol",), "flovent": ("fluticasone",),
    "advair": ("fluticasone", "salmeterol"), "wixela": ("fluticasone", "salmeterol"),
    "prozac": ("fluoxetine",), "sarafem": ("fluoxetine",), "zoloft": ("sertraline",),
    "aleve": ("naproxen",), "naprosyn": ("naproxen",), "anaprox": ("naproxen",),
    "tylenol": ("acetaminophen",), "plavix": ("clopidogrel",),
    "nitrolingual": ("nitroglycerin",), "nitromist": ("nitroglycerin",),
    "nitrostat": ("nitroglycerin",), "coumadin": ("warfarin",), "jantoven": ("warfarin",),
    "synthroid": ("levothyroxine",), "levoxyl": ("levothyroxine",),
    "unithroid": ("levothyroxine",), "euthyrox": ("levothyroxine",),
    "prilosec": ("omeprazole",), "claritin": ("loratadine",), "alavert": ("loratadine",),
    "allegra": ("fexofenadine",), "feosol": ("ferrous sulfate",),
    "fer-in-sol": ("ferrous sulfate",), "amoxil": ("amoxicillin",),
    "augmentin": ("amoxicillin", "clavulanate"), "veetids": ("penicillin v",),
    "cipro": ("ciprofloxacin",), "motrin": ("ibuprofen",), "advil": ("ibuprofen",),
    "percocet": ("acetaminophen", "oxycodone"), "endocet": ("acetaminophen", "oxycodone"),
    "epipen": ("epinephrine",), "auvi-q": ("epinephrine",), "adrenaclick": ("epinephrine",),
}  # fmt: skip

CLINICAL_DRUG_INGREDIENTS: dict[str, tuple[str, ...]] = {
    d.LISINOPRIL.code: ("lisinopril",), d.HCTZ.code: ("hydrochlorothiazide",),
    d.AMLODIPINE.code: ("amlodipine",), d.SIMVASTATIN.code: ("simvastatin",),
    d.ATORVASTATIN.code: ("atorvastatin",), d.METFORMIN.code: ("metformin",),
    d.ALBUTEROL.code: ("albuterol",), d.FLUTICASONE.code: ("fluticasone",),
    d.FLUTICASONE_SALMETEROL.code: ("fluticasone", "salmeterol"),
    d.FLUOXETINE.code: ("fluoxetine",), d.SERTRALINE.code: ("sertraline",),
    d.NAPROXEN.code: ("naproxen",), d.ACETAMINOPHEN.code: ("acetaminophen",),
    d.CLOPIDOGREL.code: ("clopidogrel",), d.NITROGLYCERIN.code: ("nitroglycerin",),
    d.WARFARIN.code: ("warfarin",), d.LEVOTHYROXINE.code: ("levothyroxine",),
    d.OMEPRAZOLE.code: ("omeprazole",), d.LORATADINE.code: ("loratadine",),
    d.FEXOFENADINE.code: ("fexofenadine",), d.FERROUS_SULFATE.code: ("ferrous sulfate",),
    d.AMOXICILLIN.code: ("amoxicillin",), d.AMOX_CLAV.code: ("amoxicillin", "clavulanate"),
    d.PENICILLIN_V.code: ("penicillin v",), d.CIPROFLOXACIN.code: ("ciprofloxacin",),
    d.IBUPROFEN.code: ("ibuprofen",), d.OXYCODONE_APAP.code: ("acetaminophen", "oxycodone"),
    d.EPINEPHRINE.code: ("epinephrine",),
}  # fmt: skip

SEMANTIC_TAG = re.compile(SEMANTIC_TAG_PATTERN)


def normalised(text: str) -> str:
    """Lower case, no semantic tag, words only (the Python twin of `canonical.normalised`)."""
    words = SEMANTIC_TAG.sub("", text).replace("  ", ", ").lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", words).split())


def _conditions() -> list[Code]:
    chronic = [module.condition for module in m.CHRONIC_MODULES]
    acute = [module.condition for module in m.ACUTE_MODULES]
    findings = [code for code, _ in (*c.EMPLOYMENT_FINDINGS, *c.OCCASIONAL_FINDINGS)]
    return [*chronic, *acute, m.PREGNANCY, *findings]


@functools.cache
def condition_names() -> dict[str, str]:
    """Normalised official SNOMED CT display → code, for the conditions of our vocabulary."""
    return {normalised(code.description): code.code for code in _conditions()}


@functools.cache
def drug_names() -> dict[str, str]:
    """Normalised official RxNorm name → code, for the clinical drugs of our vocabulary."""
    drugs = [v for v in vars(d).values() if isinstance(v, d.Medication)]
    return {normalised(drug.description): drug.code for drug in drugs}


@functools.cache
def brand_drugs() -> dict[str, str]:
    """Normalised brand name → the RxNorm code of the one clinical drug of our vocabulary with
    exactly its ingredients (brands whose ingredients match none or several are left out)."""
    by_ingredients: dict[frozenset[str], list[str]] = {}
    for code, ingredients in CLINICAL_DRUG_INGREDIENTS.items():
        by_ingredients.setdefault(frozenset(ingredients), []).append(code)
    found = {
        normalised(brand): by_ingredients.get(frozenset(parts), [])
        for brand, parts in BRAND_INGREDIENTS.items()
    }
    return {brand: codes[0] for brand, codes in found.items() if len(codes) == 1}
