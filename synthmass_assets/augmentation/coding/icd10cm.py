"""SNOMED CT → ICD-10-CM for the conditions our generator writes, with official descriptions.

The map follows the NLM SNOMED CT to ICD-10-CM Map (the US Edition's extended map, default
target of each concept's first map group, without the "initial encounter" advice rules
spelled out) for every condition in `population.modules` and the social findings of
`population.codes`; rows marked † follow the ICD-10-CM Tabular List's inclusion terms where
the map gives the concept no target of its own:

==============  ===========================================  ========
SNOMED CT       concept                                      ICD-10-CM
==============  ===========================================  ========
55822004        Hyperlipidemia                               E78.5
59621000        Essential hypertension                       I10
15777000        Prediabetes                                  R73.03
44054006        Diabetes mellitus type 2                     E11.9
433144002       Chronic kidney disease stage 3               N18.30
195967001       Asthma                                       J45.909
185086009       Chronic obstructive bronchitis               J44.9
36923009        Major depression, single episode             F32.9
21897009        Generalized anxiety disorder                 F41.1
239873007       Osteoarthritis of knee                       M17.9
53741008        Coronary heart disease                       I25.10
49436004        Atrial fibrillation                          I48.91
40930008        Hypothyroidism                               E03.9
235595009       Gastroesophageal reflux disease              K21.9
232353008       Perennial allergic rhinitis (seasonal var.)  J30.89 †
271737000       Anemia                                       D64.9
444814009       Viral sinusitis                              J01.90
195662009       Acute viral pharyngitis                      J02.9
43878008        Streptococcal sore throat                    J02.0
10509002        Acute bronchitis                             J20.9
65363002        Otitis media                                 H66.90
38822007        Cystitis                                     N30.90
44465007        Sprain of ankle                              S93.409A
65966004        Fracture of forearm                          S52.90XA
359817006       Closed fracture of hip                       S72.009A
72892002        Normal pregnancy                             Z34.90
162864005       Body mass index 30+ - obesity                E66.9
73438004        Unemployed                                   Z56.0
73595000        Stress                                       Z73.3
422650009       Social isolation                             Z60.4 †
==============  ===========================================  ========

Every target is a billable code of the shipped ICD-10-CM release (a test checks it); the map
file itself needs a UMLS licence, so the rows were written from it by hand, not loaded.

Full-time and part-time employment, "not in labor force" and limited social contact have no
ICD-10-CM code (they are not problems); an ICD-10-CM facility writes them, like every other
concept outside this map, as display text only. Childbirth (66348005) is a procedure in our
generator, so it is not a condition to recode. Descriptions come from the ICD-10-CM data that
the ``simple-icd-10-cm`` package ships (no download at run time); the package is imported on
first use, since loading its tables takes seconds.
"""

from __future__ import annotations

import functools
from types import ModuleType

ICD10CM_OF_SNOMED: dict[str, str] = {
    "55822004": "E78.5",
    "59621000": "I10",
    "15777000": "R73.03",
    "44054006": "E11.9",
    "433144002": "N18.30",
    "195967001": "J45.909",
    "185086009": "J44.9",
    "36923009": "F32.9",
    "21897009": "F41.1",
    "239873007": "M17.9",
    "53741008": "I25.10",
    "49436004": "I48.91",
    "40930008": "E03.9",
    "235595009": "K21.9",
    "232353008": "J30.89",
    "271737000": "D64.9",
    "444814009": "J01.90",
    "195662009": "J02.9",
    "43878008": "J02.0",
    "10509002": "J20.9",
    "65363002": "H66.90",
    "38822007": "N30.90",
    "44465007": "S93.409A",
    "65966004": "S52.90XA",
    "359817006": "S72.009A",
    "72892002": "Z34.90",
    "162864005": "E66.9",
    "73438004": "Z56.0",
    "73595000": "Z73.3",
    "422650009": "Z60.4",
}
# The reverse map, for reading ICD-10-CM back as SNOMED CT (the map is one-to-one).
SNOMED_OF_ICD10CM: dict[str, str] = {icd: snomed for snomed, icd in ICD10CM_OF_SNOMED.items()}


@functools.cache
def _package() -> ModuleType:
    import simple_icd_10_cm

    return simple_icd_10_cm


def icd10cm_description(code: str) -> str:
    """The official ICD-10-CM description of a code (``E11.9`` or ``E119``).

    Raises:
        ValueError: The code is not in the shipped ICD-10-CM release.
    """
    package = _package()
    if not package.is_valid_item(code):
        raise ValueError(f"{code} is not an ICD-10-CM code of simple-icd-10-cm's release")
    return str(package.get_description(code))


@functools.cache
def mapped_descriptions() -> dict[str, str]:
    """ICD-10-CM code → official description for every target of `ICD10CM_OF_SNOMED`."""
    return {icd: icd10cm_description(icd) for icd in ICD10CM_OF_SNOMED.values()}


@functools.cache
def all_descriptions() -> dict[str, str]:
    """Every billable ICD-10-CM code (with its dot) → its official description."""
    package = _package()
    return {
        code: str(package.get_description(code))
        for code in package.get_all_codes(True)
        if package.is_leaf(code)
    }
