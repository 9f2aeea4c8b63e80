"""Stable golden ids for a living index, with HAPI FHIR MDM semantics.

A batch re-clusters the part of the index it touches; this module turns those clusters back into
golden ids so that an id moves only when the evidence about its person changed:

- a cluster holding no previous golden id gets a new one (``create``);
- a cluster holding one keeps it: the batch's records in it ``link`` to that id;
- a cluster holding several merges them: the oldest id survives (``merge``), every other is
  ``redirect``-ed to it (FHIR ``Patient.link`` replaced-by / replaces);
- a previous golden id whose records now lie in several clusters stays with the records about
  whose person nothing new arrived: the cluster without a record of this batch, then the one
  with most of its records, then the one whose newest record arrived earliest (the records
  that have held the id longest), then the one holding its smallest record id; the others
  ``split`` off to their own cluster's id, so the id moves only with the records the new
  evidence is about.

Links a steward made (``link_source`` MANUAL) are never changed: the record keeps its golden id
and state, and a golden id holding a MANUAL link is never retired by a merge.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import polars as pl

from synthmass_assets.mpi.clustering import GOLDEN_NAMESPACE

MATCH, POSSIBLE_MATCH, NO_MATCH = "MATCH", "POSSIBLE_MATCH", "NO_MATCH"
AUTO, MANUAL = "AUTO", "MANUAL"
EVENTS = ("create", "link", "merge", "split", "redirect")

LINKS_SCHEMA: dict[str, pl.DataType] = {
    "record_id": pl.String(),
    "golden_id": pl.String(),
    "link_state": pl.String(),
    "link_source": pl.String(),
    "batch_id": pl.String(),
    "score": pl.Float64(),
}
EVENTS_SCHEMA: dict[str, pl.DataType] = {
    "event": pl.String(),
    "golden_id": pl.String(),
    "other_golden_id": pl.String(),
    "record_id": pl.String(),
    "batch_id": pl.String(),
    "reason": pl.String(),
    "at": pl.Datetime("us", "UTC"),
}


def empty_links() -> pl.DataFrame:
    return pl.DataFrame(schema=LINKS_SCHEMA)


def empty_events() -> pl.DataFrame:
    return pl.DataFrame(schema=EVENTS_SCHEMA)


def new_golden_id(batch_id: str, anchor: str) -> str:
    """A golden id named after the batch and the record that founded it: the same batch gives
    the same ids in every run, and a record founds at most one golden id per batch."""
    return str(uuid.uuid5(GOLDEN_NAMESPACE, f"{batch_id}/{anchor}"))


@dataclass(frozen=True)
class Assignment:
    """Golden id of every record of the touched part of the index, and what happened."""

    golden: pl.DataFrame
    events: pl.DataFrame


def _homes(previous: pl.DataFrame, fresh: pl.Series) -> pl.DataFrame:
    """Each previous golden id's home cluster: one without a ``fresh`` (this batch's) record
    first, then the one holding most of its AUTO records, then the one whose newest record
    arrived earliest."""
    return (
        previous.group_by("old_golden", "cluster")
        .agg(n=pl.len(), latest=pl.col("arrived").max(), first=pl.col("record_id").min())
        .with_columns(quiet=~pl.col("cluster").is_in(fresh.implode()))
        .sort(
            ["old_golden", "quiet", "n", "latest", "first"],
            descending=[False, True, True, False, False],
        )
        .group_by("old_golden", maintain_order=True)
        .first()
        .select("old_golden", home="cluster")
    )


def assign_golden_ids(
    clusters: pl.DataFrame,
    previous: pl.DataFrame,
    ages: pl.DataFrame,
    batch_id: str,
    at: datetime,
) -> Assignment:
    """Golden ids for the re-clustered records of one batch.

    Args:
        clusters: ``record_id`` → ``cluster`` for every record the batch touched (its new
            records and every record of the golden ids they reached).
        previous: ``mpi_links`` rows of those records that were indexed before (``record_id``,
            ``golden_id``, ``link_source``; optionally ``arrived``, when each was indexed).
        ages: ``golden_id`` → ``age`` (smaller is older) for the previous golden ids.
        batch_id: The batch (names new ids and events).
        at: Event time.

    Returns:
        ``golden`` (``record_id``, ``golden_id``) for every record of ``clusters``, and the
        events (see the module docstring).
    """
    text = pl.col("record_id", "golden_id", "link_source").cast(pl.String)
    arrived = pl.col("arrived") if "arrived" in previous.columns else pl.lit(None, pl.Datetime)
    rows = clusters.select("record_id", "cluster").join(
        previous.select(text, arrived.alias("arrived")).rename(
            {"golden_id": "old_golden", "link_source": "source"}
        ),
        on="record_id",
        how="left",
    )
    pinned = rows.filter(pl.col("source") == MANUAL).get_column("old_golden").unique()
    auto = rows.filter(pl.col("old_golden").is_not_null() & (pl.col("source") != MANUAL))
    new_records = rows.filter(pl.col("old_golden").is_null())
    homes = _homes(auto, new_records.get_column("cluster").unique())
    claims = (
        homes.join(
            ages.select(old_golden=pl.col("golden_id").cast(pl.String), age="age"),
            on="old_golden",
            how="left",
        )
        .with_columns(pinned=pl.col("old_golden").is_in(pinned.implode()))
        .sort(["home", "pinned", "age", "old_golden"], descending=[False, True, False, False])
    )
    survivors = claims.group_by("home", maintain_order=True).agg(
        survivor=pl.col("old_golden").first()
    )
    anchors = rows.group_by("cluster").agg(
        anchor=pl.col("record_id").filter(pl.col("source").fill_null(AUTO) != MANUAL).min(),
        bridge=pl.col("record_id").filter(pl.col("old_golden").is_null()).min(),
    )
    cluster_ids = anchors.join(survivors, left_on="cluster", right_on="home", how="left")
    cluster_ids = cluster_ids.with_columns(
        founded=pl.col("survivor").is_null() & pl.col("anchor").is_not_null(),
        cluster_golden=pl.coalesce(
            "survivor",
            pl.col("anchor").map_elements(
                lambda anchor: new_golden_id(batch_id, anchor), return_dtype=pl.String
            ),
        ),
    )
    # Pinned goldens that lost survivorship keep their own records instead of being merged.
    kept = claims.join(survivors, on="home").filter(
        pl.col("pinned") & (pl.col("old_golden") != pl.col("survivor"))
    )
    golden = rows.join(cluster_ids.select("cluster", "cluster_golden"), on="cluster").with_columns(
        golden_id=pl.when(
            (pl.col("source") == MANUAL)
            | pl.col("old_golden").is_in(kept.get_column("old_golden").implode())
        )
        .then("old_golden")
        .otherwise("cluster_golden")
    )
    events = _events(golden, claims, survivors, kept, cluster_ids, new_records, batch_id, at)
    return Assignment(golden.select("record_id", "golden_id").sort("record_id"), events)


def _events(
    golden: pl.DataFrame,
    claims: pl.DataFrame,
    survivors: pl.DataFrame,
    kept: pl.DataFrame,
    cluster_ids: pl.DataFrame,
    new_records: pl.DataFrame,
    batch_id: str,
    at: datetime,
) -> pl.DataFrame:
    """create / link / merge / redirect / split events of one assignment."""
    null = pl.lit(None, dtype=pl.String)
    founded = cluster_ids.filter("founded")
    creates = founded.select(
        event=pl.lit("create"),
        golden_id="cluster_golden",
        other_golden_id=null,
        record_id="anchor",
        reason=pl.when(pl.col("anchor") == pl.col("bridge"))
        .then(pl.lit("no match in the index"))
        .otherwise(pl.lit("split off a golden record")),
    )
    founders = founded.get_column("anchor").implode()
    links = (
        new_records.join(golden.select("record_id", "golden_id"), on="record_id")
        .filter(~pl.col("record_id").is_in(founders))
        .select(
            event=pl.lit("link"),
            golden_id="golden_id",
            other_golden_id=null,
            record_id="record_id",
            reason=pl.lit("matched"),
        )
    )
    retired = (
        claims.join(survivors, on="home")
        .filter(pl.col("old_golden") != pl.col("survivor"))
        .join(kept.select("old_golden"), on="old_golden", how="anti")
        .join(cluster_ids.select("cluster", "bridge"), left_on="home", right_on="cluster")
    )
    merges = retired.select(
        event=pl.lit("merge"),
        golden_id="survivor",
        other_golden_id="old_golden",
        record_id="bridge",
        reason=pl.lit("a record matches both golden records; the older id survives"),
    )
    redirects = retired.select(
        event=pl.lit("redirect"),
        golden_id="old_golden",
        other_golden_id="survivor",
        record_id=null,
        reason=pl.lit("replaced-by the surviving golden record"),
    )
    moved = (
        golden.filter(pl.col("old_golden").is_not_null() & (pl.col("source") != MANUAL))
        .join(claims.select("old_golden", "home"), on="old_golden")
        .filter(pl.col("cluster") != pl.col("home"))
    )
    splits = (
        moved.group_by("old_golden", "golden_id")
        .agg(record_id=pl.col("record_id").min())
        .select(
            event=pl.lit("split"),
            golden_id="old_golden",
            other_golden_id="golden_id",
            record_id="record_id",
            reason=pl.lit("evidence separates these records from the golden record"),
        )
    )
    frames = [creates, links, merges, redirects, splits]
    events = pl.concat([f.select(sorted(f.columns)) for f in frames], how="vertical_relaxed")
    return events.with_columns(batch_id=pl.lit(batch_id), at=pl.lit(at)).select(
        [pl.col(c).cast(t) for c, t in EVENTS_SCHEMA.items()]
    )
