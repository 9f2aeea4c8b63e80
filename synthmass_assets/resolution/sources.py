"""Which sources may hold one person twice, and which record pairs a link type compares.

Splink's link types: ``dedupe_only`` compares records within a source, ``link_only`` across
sources, ``link_and_dedupe`` both. A source declared duplicate-free registers each person once
(Splink's ``duplicate_free_datasets``): only there do the one-record-per-facility rules hold
(two of its records are never one person, a record matches at most one of its records, a
cluster holds at most one of its records).
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

LINK_TYPES = ("dedupe_only", "link_only", "link_and_dedupe")
ALL_SOURCES = "*"


def declared_sources(
    records: pl.DataFrame, duplicate_free: Sequence[str], link_type: str
) -> pl.DataFrame:
    """One row per facility of ``records``: ``facility_id``, ``records``, ``duplicate_free``
    (named in ``duplicate_free``, or every source with ``*``) and ``link_type``."""
    if link_type not in LINK_TYPES:
        raise ValueError(f"link_type {link_type!r} is not one of {', '.join(LINK_TYPES)}")
    sources = records.group_by("facility_id").agg(records=pl.len()).sort("facility_id")
    free = pl.lit(ALL_SOURCES in duplicate_free) | pl.col("facility_id").is_in(list(duplicate_free))
    return sources.with_columns(duplicate_free=free, link_type=pl.lit(link_type))


def link_type_of(sources: pl.DataFrame) -> str:
    """The link type the sources were declared with."""
    types = sources.get_column("link_type").unique().to_list()
    return str(types[0]) if types else "link_and_dedupe"


def within_link_type(pairs: pl.DataFrame, facility: pl.Series, link_type: str) -> pl.DataFrame:
    """The pairs (``record_id_l``/``record_id_r`` as row numbers of ``facility``) that
    ``link_type`` compares."""
    if link_type == "link_and_dedupe":
        return pairs
    same = facility.gather(pairs.get_column("record_id_l")) == facility.gather(
        pairs.get_column("record_id_r")
    )
    keep = same if link_type == "dedupe_only" else ~same
    return pairs.filter(keep.fill_null(link_type == "dedupe_only"))


def rule_scope(records: pl.DataFrame, sources: pl.DataFrame | None) -> pl.DataFrame:
    """``records`` with ``registers_once``: whether the record's source is declared
    duplicate-free, the form the one-record-per-facility rules and the facility guard read.
    Without declared sources the column is absent and every facility counts as duplicate-free."""
    if sources is None or "facility_id" not in records.columns:
        return records
    free = sources.filter("duplicate_free").get_column("facility_id")
    return records.with_columns(registers_once=pl.col("facility_id").is_in(free.implode()))
