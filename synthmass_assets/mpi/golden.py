"""Golden records: one per cluster, each field resolved from the cluster's source records.

Per field the values are grouped by a normalised key ("12 Main Street" and "12 MAIN ST." vote
together) and the key with most votes wins; a missing value never votes, so a present value
always beats a missing one. Ties go to the most complete source record (names, identifiers) or to
the most recently seen record (address fields), then to the longer form. The winning key is
shown in its longest original form. Provenance keeps, per field, the value, its votes, how many
distinct values competed, and the records and facilities that gave it.
"""

from __future__ import annotations

import polars as pl

from synthmass_assets.resolution.normalize import STREET_SUFFIXES

FIELDS = (
    "first_name", "middle_name", "last_name", "maiden_name", "suffix", "birthdate", "gender",
    "ssn", "national_id", "address", "city", "state", "zip", "phone",
)  # fmt: skip
ADDRESS_FIELDS = ("address", "city", "state", "zip")
DIGIT_FIELDS = ("ssn", "phone")
ALPHANUMERIC_FIELDS = ("national_id", "zip")


def _key(field: str) -> pl.Expr:
    """Normalised comparison key of one field's values."""
    value = pl.col("value")
    if field in DIGIT_FIELDS:
        return value.str.replace_all(r"\D", "")
    if field in ALPHANUMERIC_FIELDS:
        return value.str.to_uppercase().str.replace_all(r"[^\p{L}\p{N}]", "")
    if field == "address":
        words = (
            value.str.to_lowercase()
            .str.replace_all(r"[.,#]", " ")
            .str.split(" ")
            .list.eval(pl.element().filter(pl.element() != "").replace(STREET_SUFFIXES))
        )
        return words.list.join(" ")
    return value.str.to_lowercase().str.replace_all(r"[^\p{L}\p{N}]", "")


def _long(
    records: pl.DataFrame, links: pl.DataFrame, last_seen: pl.DataFrame | None
) -> pl.DataFrame:
    """One row per present (record, field) value with its key and the record's tie-breakers."""
    fields = [f for f in FIELDS if f in records.columns]
    completeness = pl.sum_horizontal(pl.col(f).is_not_null().cast(pl.Int32) for f in fields)
    facility = pl.col("facility_id") if "facility_id" in records.columns else pl.lit(None)
    base = records.with_columns(
        completeness=completeness, facility_id=facility.cast(pl.String)
    ).join(links, on="record_id")
    seen = pl.lit(None, dtype=pl.Int64)
    if last_seen is not None:
        base = base.join(last_seen, on="record_id", how="left")
        seen = pl.col("last_seen").cast(pl.Datetime("us")).dt.epoch("s")
    parts = [
        base.select(
            "golden_id",
            "record_id",
            "facility_id",
            "completeness",
            last_seen=seen,
            field=pl.lit(f),
            value=pl.col(f).cast(pl.String).str.strip_chars(),
        )
        .filter(pl.col("value").str.len_chars() > 0)
        .with_columns(key=_key(f))
        for f in fields
    ]
    return pl.concat(parts).filter(pl.col("key").str.len_chars() > 0)


def resolve_fields(
    records: pl.DataFrame, links: pl.DataFrame, last_seen: pl.DataFrame | None = None
) -> pl.DataFrame:
    """The winning value of every (golden record, field) with its provenance.

    Args:
        records: ``facility_records`` (``record_id``, ``facility_id``, the fields).
        links: ``record_id`` → ``golden_id``.
        last_seen: ``record_id`` → ``last_seen`` (latest encounter), for the address tie-break.

    Returns:
        ``golden_id``, ``field``, ``value``, ``votes``, ``candidates``, ``record_ids``,
        ``facility_ids``.
    """
    values = _long(records, links, last_seen).with_columns(
        form_count=pl.len().over("golden_id", "field", "key", "value"),
        form_length=pl.col("value").str.len_chars(),
    )
    votes = values.group_by("golden_id", "field", "key").agg(
        # Display form: the most common spelling, then the longest, then the first in order.
        value=pl.col("value")
        .sort_by("form_count", "form_length", "value", descending=[True, True, False])
        .first(),
        votes=pl.len(),
        completeness=pl.col("completeness").max(),
        last_seen=pl.col("last_seen").max(),
        record_ids=pl.col("record_id").sort(),
        facility_ids=pl.col("facility_id").drop_nulls().unique().sort(),
    )
    is_address = pl.col("field").is_in(ADDRESS_FIELDS)
    seen = pl.col("last_seen").fill_null(-(2**62)).cast(pl.Float64)
    complete = pl.col("completeness").cast(pl.Float64)
    ranked = votes.with_columns(
        candidates=pl.len().over("golden_id", "field"),
        length=pl.col("value").str.len_chars(),
        first_tie=pl.when(is_address).then(seen).otherwise(complete),
        second_tie=pl.when(is_address).then(complete).otherwise(seen),
    ).sort(
        ["votes", "first_tie", "length", "second_tie", "key"],
        descending=[True, True, True, True, False],
    )
    return (
        ranked.group_by("golden_id", "field", maintain_order=True)
        .first()
        .select("golden_id", "field", "value", "votes", "candidates", "record_ids", "facility_ids")
    )


def golden_records(
    records: pl.DataFrame, links: pl.DataFrame, last_seen: pl.DataFrame | None = None
) -> pl.DataFrame:
    """One row per golden id: resolved fields, source records and facilities, provenance.

    Columns: ``golden_id``, ``record_count``, ``record_ids``, ``facility_ids``, every field of
    ``FIELDS`` present in ``records`` (``birthdate`` as a date), ``conflicting_fields`` (fields
    whose sources disagreed) and ``provenance`` (a list of per-field structs).
    """
    fields = [f for f in FIELDS if f in records.columns]
    chosen = resolve_fields(records, links, last_seen)
    wide = chosen.pivot(on="field", index="golden_id", values="value")
    provenance = chosen.group_by("golden_id").agg(
        conflicting_fields=(pl.col("candidates") > 1).sum(),
        provenance=pl.struct(
            "field", "value", "votes", "candidates", "record_ids", "facility_ids"
        ).sort_by("field"),
    )
    facility = pl.col("facility_id") if "facility_id" in records.columns else pl.lit(None)
    members = (
        links.join(
            records.select("record_id", facility_id=facility.cast(pl.String)), on="record_id"
        )
        .group_by("golden_id")
        .agg(
            record_count=pl.len(),
            record_ids=pl.col("record_id").sort(),
            facility_ids=pl.col("facility_id").drop_nulls().unique().sort(),
        )
    )
    golden = members.join(wide, on="golden_id", how="left").join(
        provenance, on="golden_id", how="left"
    )
    missing = [f for f in fields if f not in golden.columns]
    golden = golden.with_columns(pl.lit(None, dtype=pl.String).alias(f) for f in missing)
    if "birthdate" in fields:
        golden = golden.with_columns(pl.col("birthdate").str.to_date("%Y-%m-%d", strict=False))
    return golden.select(
        "golden_id",
        "record_count",
        "record_ids",
        "facility_ids",
        *fields,
        pl.col("conflicting_fields").fill_null(0),
        pl.col("provenance").fill_null(pl.lit([], dtype=golden.schema["provenance"])),
    ).sort("golden_id")


def last_seen(encounter_facilities: pl.DataFrame) -> pl.DataFrame:
    """``record_id`` → ``last_seen``: the start of each record's latest encounter."""
    return encounter_facilities.group_by("record_id").agg(last_seen=pl.col("encounter_start").max())


def conflict_shares(golden: pl.DataFrame) -> pl.DataFrame:
    """Per field: golden records whose sources disagreed, among those with 2+ sources."""
    multi = golden.filter(pl.col("record_count") > 1).select("golden_id", "provenance")
    fields = multi.explode("provenance").unnest("provenance")
    return (
        fields.group_by("field")
        .agg(golden=pl.len(), conflicting=(pl.col("candidates") > 1).sum())
        .with_columns(share=(pl.col("conflicting") / pl.col("golden")).round(4))
        .sort("field")
    )
