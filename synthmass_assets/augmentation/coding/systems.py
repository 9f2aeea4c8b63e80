"""Which code system a code belongs to, told from the code itself.

Synthea's tables have no code-system column (allergies aside). Once facilities write their
own coding, a conditions row may hold SNOMED CT or ICD-10-CM, and a laboratory result LOINC or
a facility's local code. The shapes never overlap: SNOMED CT ids are digits only, ICD-10-CM
codes start with a letter (``E11.9``, ``S52.90XA``), LOINC codes are digits, a hyphen and a
check digit (``4548-4``).
"""

from __future__ import annotations

import polars as pl

ICD10CM_CODE = r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$"
LOINC_CODE = r"^[0-9]{1,7}-[0-9]$"
LAB_CATEGORY = "laboratory"


def is_icd10cm(code: pl.Expr) -> pl.Expr:
    """Whether each code has the shape of an ICD-10-CM code (null codes: false)."""
    return code.str.contains(ICD10CM_CODE).fill_null(False)


def is_local_lab(code: pl.Expr, category: pl.Expr) -> pl.Expr:
    """Whether each observation is a laboratory result under a code that is not LOINC."""
    lab = (category == LAB_CATEGORY).fill_null(False)
    return lab & code.is_not_null() & ~code.str.contains(LOINC_CODE).fill_null(False)
