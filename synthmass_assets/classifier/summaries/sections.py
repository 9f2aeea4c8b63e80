"""The text sections of a clinical summary and the measures beside them.

Each function returns one row per record (``record_id``) with a section's text and the facts it
was written from. Display names drop SNOMED semantic tags; Synthea's double spaces (commas in
the original descriptions) become commas again.
"""

from __future__ import annotations

import polars as pl

from synthmass_assets.augmentation.coding.systems import is_local_lab
from synthmass_assets.population import codes as c

SEMANTIC_TAG = r"\s*\((finding|disorder|procedure|situation|substance|organism|product|person)\)$"
VITALS: dict[str, tuple[str, str]] = {
    c.HEIGHT.code: ("height_cm", "height {} cm"),
    c.WEIGHT.code: ("weight_kg", "weight {} kg"),
    c.BMI.code: ("bmi", "BMI {}"),
    c.SYSTOLIC.code: ("systolic_bp", "BP {}"),
    c.DIASTOLIC.code: ("diastolic_bp", "/{}"),
}
LABS: dict[str, tuple[str, str]] = {
    c.A1C.code: ("hba1c", "HbA1c {} %"),
    c.GLUCOSE.code: ("glucose", "glucose {} mg/dL"),
    c.CHOLESTEROL.code: ("cholesterol", "cholesterol {} mg/dL"),
    c.LDL.code: ("ldl", "LDL {} mg/dL"),
    c.HDL.code: ("hdl", "HDL {} mg/dL"),
    c.TRIGLYCERIDES.code: ("triglycerides", "triglycerides {} mg/dL"),
    c.CREATININE.code: ("creatinine", "creatinine {} mg/dL"),
    c.TSH.code: ("tsh", "TSH {} mIU/L"),
    c.HEMOGLOBIN.code: ("hemoglobin", "hemoglobin {} g/dL"),
}
CODE_SETS = ("condition", "medication", "allergy", "procedure", "immunization")
VITAL_COLUMNS = tuple(column for column, _ in VITALS.values())
GROWTH_COLUMNS = (
    "first_height", "first_height_date", "height_date", "first_bmi", "first_bmi_date", "bmi_date",
)  # fmt: skip
LAB_COLUMNS = tuple(column for column, _ in LABS.values())


def _short(description: str = "DESCRIPTION") -> pl.Expr:
    """Display text without SNOMED semantic tags; Synthea's double spaces stand for commas."""
    return pl.col(description).str.replace(SEMANTIC_TAG, "").str.replace_all("  ", ", ")


def at_records(frame: pl.DataFrame, visits: pl.DataFrame) -> pl.DataFrame:
    """Clinical rows with the ``record_id`` of the facility visit they were made at."""
    return frame.join(visits, left_on="ENCOUNTER", right_on="encounter_id", how="inner")


def _joined(items: pl.DataFrame, sort_by: list[str], label: str) -> pl.DataFrame:
    """One ``label`` column per record: its ``item`` strings in ``sort_by`` order, ``; ``-joined."""
    return (
        items.sort(["record_id", *sort_by])
        .group_by("record_id", maintain_order=True)
        .agg(pl.col("item").str.join("; ").alias(label))
    )


def _years(first: pl.Expr, last: pl.Expr, count: pl.Expr) -> pl.Expr:
    """``2016``, or ``2016–2024 (9x)`` for repeated events."""
    span = pl.format("{}–{} ({}x)", first, last, count)
    return pl.when(count > 1).then(span).otherwise(first.cast(pl.String))


def text_sections(tables: dict[str, pl.DataFrame], visits: pl.DataFrame) -> list[pl.DataFrame]:
    """Per-record text sections (conditions, medications, ..., immunizations) and code sets."""
    diagnosed = (
        at_records(tables["conditions"], visits)
        .group_by("record_id", "CODE", name=_short())
        .agg(onset=pl.col("START").dt.year().min(), ongoing=pl.col("STOP").is_null().any())
        .with_columns(
            item=pl.format("{} {}", "onset", "name")
            + pl.when("ongoing").then(pl.lit(" (ongoing)")).otherwise(pl.lit(""))
        )
    )
    conditions = pl.concat(
        [diagnosed.drop("ongoing"), care_reasons(tables, visits, diagnosed)],
        how="vertical_relaxed",
    )
    medications = (
        at_records(tables["medications"], visits)
        .group_by("record_id", "CODE", name=_short())
        .agg(
            first=pl.col("START").dt.year().min(),
            last=pl.col("STOP").dt.year().max(),
            ongoing=pl.col("STOP").is_null().any(),
        )
        .with_columns(
            item=pl.format(
                "{} {}–{}",
                "name",
                "first",
                pl.when("ongoing").then(pl.lit("now")).otherwise(pl.col("last").cast(pl.String)),
            )
        )
    )
    allergies = (
        at_records(tables["allergies"], visits)
        .group_by("record_id", "CODE", name=_short())
        .agg(onset=pl.col("START").dt.year().min())
        .with_columns(item=pl.col("name"))
    )
    procedures, immunizations = (
        at_records(tables[table], visits)
        .group_by("record_id", "CODE", name=_short())
        .agg(first=pl.col(time).dt.year().min(), last=pl.col(time).dt.year().max(), n=pl.len())
        .with_columns(
            item=pl.format("{} {}", "name", _years(pl.col("first"), pl.col("last"), pl.col("n")))
        )
        for table, time in (("procedures", "START"), ("immunizations", "DATE"))
    )
    sections = []
    for name, items, order in (
        ("condition", conditions, ["onset", "name"]),
        ("medication", medications, ["first", "name"]),
        ("allergy", allergies, ["name"]),
        ("procedure", procedures, ["first", "name"]),
        ("immunization", immunizations, ["first", "name"]),
    ):
        text = _joined(items, order, f"{name}_text")
        codes = items.group_by("record_id").agg(
            pl.col("CODE").unique().sort().alias(f"{name}_codes")
        )
        sections.append(text.join(codes, on="record_id"))
    return sections


def care_reasons(
    tables: dict[str, pl.DataFrame], visits: pl.DataFrame, diagnosed: pl.DataFrame
) -> pl.DataFrame:
    """Conditions a facility treats (visit and prescription reasons) but did not diagnose.

    Chronic conditions are diagnosed once, at one facility; the follow-up visits and refills
    at the others name them only as their reason.
    """
    reasons = pl.concat(
        [
            at_records(
                tables["encounters"]
                .rename({"Id": "ENCOUNTER"})
                .with_columns(DAY=pl.col("START").dt.date()),
                visits,
            ).select("record_id", "REASONCODE", "REASONDESCRIPTION", "DAY"),
            at_records(tables["medications"], visits).select(
                "record_id", "REASONCODE", "REASONDESCRIPTION", DAY=pl.col("START").dt.date()
            ),
        ]
    ).filter(pl.col("REASONCODE").is_not_null())
    return (
        reasons.rename({"REASONCODE": "CODE"})
        .join(diagnosed.select("record_id", "CODE"), on=["record_id", "CODE"], how="anti")
        .group_by("record_id", "CODE", name=_short("REASONDESCRIPTION"))
        .agg(onset=pl.col("DAY").dt.year().min())
        .with_columns(item=pl.format("{} {} (follow-up)", "onset", "name"))
    )


def latest_measures(observations: pl.DataFrame, visits: pl.DataFrame) -> pl.DataFrame:
    """Each record's latest value of every key vital and lab, with the latest vitals date."""
    keys = [*VITALS, *LABS]
    latest = (
        at_records(observations.filter(pl.col("CODE").is_in(keys)), visits)
        .sort("DATE", "CODE")
        .group_by("record_id", "CODE")
        .agg(pl.col("VALUE").last().str.replace(r"\.0$", ""), pl.col("DATE").last())
    )
    wide = latest.pivot(on="CODE", index="record_id", values="VALUE")
    for code in keys:
        if code not in wide.columns:
            wide = wide.with_columns(pl.lit(None, dtype=pl.String).alias(code))
    vitals_date = (
        latest.filter(pl.col("CODE").is_in(list(VITALS)))
        .group_by("record_id")
        .agg(vitals_date=pl.col("DATE").max().dt.date())
    )
    growth = [
        _first_and_latest(observations, visits, code, name)
        for code, name in ((c.HEIGHT.code, "height"), (c.BMI.code, "bmi"))
    ]
    vitals_text = pl.concat_str(
        [pl.format(template, pl.col(code)) for code, (_, template) in VITALS.items()],
        separator=" ",
        ignore_nulls=True,
    ).str.replace_all(r" /", "/")
    labs_text = pl.concat_str(
        [pl.format(template, pl.col(code)) for code, (_, template) in LABS.items()],
        separator=", ",
        ignore_nulls=True,
    )
    return (
        wide.join(vitals_date, on="record_id", how="left")
        .join(growth[0], on="record_id", how="left")
        .join(growth[1], on="record_id", how="left")
        .with_columns(
            vitals_text=pl.when(pl.col("vitals_date").is_not_null()).then(vitals_text),
            labs_text=pl.when(labs_text != "").then(labs_text),
            **{
                column: pl.col(code).cast(pl.Float64)
                for code, (column, _) in [*VITALS.items(), *LABS.items()]
            },
        )
        .select(
            "record_id",
            "vitals_text",
            "labs_text",
            *VITAL_COLUMNS,
            "vitals_date",
            *LAB_COLUMNS,
            *GROWTH_COLUMNS,
        )  # fmt: skip
    )


def other_results(observations: pl.DataFrame, visits: pl.DataFrame) -> pl.DataFrame:
    """Each record's latest value of every laboratory test under a facility's own (non-LOINC)
    code, as ``other_results_text`` (``Gluc 105 mg/dL, Creat 1.1 mg/dL``): `latest_measures`
    reads LOINC codes only, and the text encoder must still see these results."""
    local = observations.filter(is_local_lab(pl.col("CODE"), pl.col("CATEGORY")))
    latest = (
        at_records(local, visits)
        .sort("DATE")
        .group_by("record_id", "CODE")
        .agg(
            name=pl.col("DESCRIPTION").last(),
            value=pl.col("VALUE").last().str.replace(r"\.0$", ""),
            units=pl.col("UNITS").last(),
        )
    )
    return (
        latest.with_columns(
            item=pl.concat_str(["name", "value", "units"], separator=" ", ignore_nulls=True)
        )
        .sort("record_id", "name", "CODE")
        .group_by("record_id", maintain_order=True)
        .agg(other_results_text=pl.col("item").str.join(", "))
    )


def _first_and_latest(
    observations: pl.DataFrame, visits: pl.DataFrame, code: str, name: str
) -> pl.DataFrame:
    """A measure's first value and date and its latest date per record (growth and BMI
    trajectories are checked between records with them)."""
    return (
        at_records(observations.filter(pl.col("CODE") == code), visits)
        .sort("DATE")
        .group_by("record_id")
        .agg(
            pl.col("VALUE").first().cast(pl.Float64, strict=False).alias(f"first_{name}"),
            pl.col("DATE").first().dt.date().alias(f"first_{name}_date"),
            pl.col("DATE").last().dt.date().alias(f"{name}_date"),
        )
    )
