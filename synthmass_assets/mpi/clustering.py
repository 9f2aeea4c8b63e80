"""Clusters of accepted pairs, guarded against chaining different people together.

Connected components are the transitive closure of the accepted pairs, so one wrong edge can
join two people. Guards name what cannot be one patient:

- ``facility``: two records of one facility that registers each patient once; at a facility
  that may hold a patient twice (``registers_once`` false, see ``resolution.sources``), its
  records join one cluster only through a direct match between them, never through a chain
  over other facilities;
- ``identity``: two records whose national identifiers (SSNs) and birthdates both differ
  (both present).

Components that break a guard are rebuilt greedily: their edges are added strongest first and an
edge is skipped when it would join a conflicting pair, so the weakest links are the ones cut.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import polars as pl

from synthmass_assets.resolution.metrics import clusters
from synthmass_assets.resolution.normalize import identifier_column
from synthmass_assets.resolution.value_forms import alphanumeric

logger = logging.getLogger(__name__)

Guard = Literal["facility", "identity"]
GOLDEN_NAMESPACE = uuid.UUID("5b6f2c1e-8a7d-4f3e-9c2b-1d0e6a4b7c95")


@dataclass
class GuardReport:
    """What the guard changed: conflicted components, edges cut, clusters before and after."""

    conflicted_components: int = 0
    edges_cut: int = 0
    clusters_before: int = 0
    clusters_after: int = 0
    cut_edges: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _Group:
    facilities: dict[str, set[str]]
    identities: list[tuple[str, object]]


def _conflict(
    a: _Group, b: _Group, guards: Iterable[Guard], once: dict[str, bool], linked: set[frozenset]
) -> bool:
    if "facility" in guards:
        for facility in a.facilities.keys() & b.facilities.keys():
            if once.get(facility, True):
                return True
            pairs = ((x, y) for x in a.facilities[facility] for y in b.facilities[facility])
            if not any(frozenset(pair) in linked for pair in pairs):
                return True
    if "identity" in guards:
        return any(sa != sb and da != db for sa, da in a.identities for sb, db in b.identities)
    return False


def _guard_frame(records: pl.DataFrame) -> pl.DataFrame:
    """``record_id`` with ``facility_id`` and the cleaned SSN and birthdate (null when absent)."""
    columns = set(records.columns)
    null = pl.lit(None, dtype=pl.String)
    identifier = identifier_column(columns)
    ssn = alphanumeric(pl.col(identifier)) if identifier else null
    return records.select(
        "record_id",
        facility=pl.col("facility_id").cast(pl.String) if "facility_id" in columns else null,
        once=pl.col("registers_once") if "registers_once" in columns else pl.lit(True),
        ssn=pl.when(ssn.str.len_chars() > 0).then(ssn),
        birthdate=pl.col("birthdate").cast(pl.String) if "birthdate" in columns else null,
    )


def _conflicted(
    labelled: pl.DataFrame, guards: Iterable[Guard], matches: pl.DataFrame
) -> pl.Series:
    """Cluster labels of components that break a guard."""
    bad: list[pl.Series] = []
    if "facility" in guards:
        located = labelled.drop_nulls("facility")
        per = located.group_by("cluster", "facility").agg(n=pl.len(), once=pl.col("once").all())
        shared = per.filter(pl.col("n") > 1)
        bad.append(shared.filter("once").get_column("cluster"))
        twice = located.join(shared.filter(~pl.col("once")), on=["cluster", "facility"])
        direct = matches.select("record_id_l", "record_id_r")
        ends = pl.concat(
            [direct, direct.select(record_id_l="record_id_r", record_id_r="record_id_l")]
        )
        facility = twice.select("record_id", "cluster", "facility")
        inside = (
            ends.join(facility, left_on="record_id_l", right_on="record_id")
            .join(facility, left_on="record_id_r", right_on="record_id", suffix="_r")
            .filter(
                (pl.col("cluster") == pl.col("cluster_r"))
                & (pl.col("facility") == pl.col("facility_r"))
            )
        )
        unlinked = facility.join(inside, left_on="record_id", right_on="record_id_l", how="anti")
        bad.append(unlinked.get_column("cluster"))
    if "identity" in guards:
        known = labelled.drop_nulls(["ssn", "birthdate"]).select("cluster", "ssn", "birthdate")
        sizes = labelled.group_by("cluster").len().filter(pl.col("len") > 1)
        known = known.join(sizes.select("cluster"), on="cluster")
        pairs = known.join(known, on="cluster", suffix="_r").filter(
            (pl.col("ssn") != pl.col("ssn_r")) & (pl.col("birthdate") != pl.col("birthdate_r"))
        )
        bad.append(pairs.get_column("cluster"))
    return pl.concat(bad).unique() if bad else pl.Series("cluster", [], dtype=pl.Int64)


def guarded_clusters(
    records: pl.DataFrame, matches: pl.DataFrame, guards: Iterable[Guard], strength: str
) -> tuple[pl.DataFrame, GuardReport]:
    """``record_id`` → ``cluster`` for every record, with guarded components rebuilt.

    Args:
        records: ``facility_records`` (``record_id``; ``facility_id``, ``ssn``, ``birthdate``
            when present).
        matches: Accepted pairs with a ``strength`` column (higher: more certain).
        guards: Guards to enforce; empty for plain connected components.
        strength: Column of ``matches`` ordering the edges.

    Returns:
        The cluster of each record and a report of what the guard cut.
    """
    guards = tuple(guards)
    record_ids = records.get_column("record_id")
    labelled = clusters(record_ids, matches).join(_guard_frame(records), on="record_id")
    report = GuardReport(clusters_before=labelled.get_column("cluster").n_unique())
    bad = _conflicted(labelled, guards, matches)
    report.conflicted_components = len(bad)
    if not len(bad):
        report.clusters_after = report.clusters_before
        return labelled.select("record_id", "cluster"), report

    members = labelled.filter(pl.col("cluster").is_in(bad.implode()))
    groups: dict[str, _Group] = {}
    parent: dict[str, str] = {}
    once: dict[str, bool] = {}
    for rid, facility, registers_once, ssn, birthdate in members.select(
        "record_id", "facility", "once", "ssn", "birthdate"
    ).iter_rows():
        parent[rid] = rid
        identity = [(ssn, birthdate)] if ssn is not None and birthdate is not None else []
        groups[rid] = _Group({facility: {rid}} if facility is not None else {}, identity)
        if facility is not None:
            once[facility] = bool(registers_once)

    def root(rid: str) -> str:
        while parent[rid] != rid:
            parent[rid] = parent[parent[rid]]
            rid = parent[rid]
        return rid

    edges = matches.filter(pl.col("record_id_l").is_in(members.get_column("record_id").implode()))
    linked = {frozenset(pair) for pair in edges.select("record_id_l", "record_id_r").iter_rows()}
    for left, right in (
        edges.sort(strength, descending=True).select("record_id_l", "record_id_r").iter_rows()
    ):
        a, b = root(left), root(right)
        if a == b:
            continue
        if _conflict(groups[a], groups[b], guards, once, linked):
            report.cut_edges.append((left, right))
            continue
        parent[b] = a
        for facility, records_there in groups[b].facilities.items():
            groups[a].facilities.setdefault(facility, set()).update(records_there)
        groups[a].identities += groups[b].identities

    rebuilt = {rid: root(rid) for rid in parent}
    offset = int(labelled.get_column("cluster").max() or 0) + 1  # type: ignore[arg-type]
    roots = {r: offset + i for i, r in enumerate(sorted(set(rebuilt.values())))}
    relabel = pl.DataFrame(
        {"record_id": list(rebuilt), "new": np.array([roots[r] for r in rebuilt.values()])}
    )
    result = labelled.join(relabel, on="record_id", how="left").select(
        "record_id", cluster=pl.coalesce("new", "cluster")
    )
    report.edges_cut = len(report.cut_edges)
    report.clusters_after = result.get_column("cluster").n_unique()
    logger.info(
        "Guard %s: %d conflicted components, %d edges cut, clusters %d → %d",
        guards,
        report.conflicted_components,
        report.edges_cut,
        report.clusters_before,
        report.clusters_after,
    )
    return result, report


def reject_guard_cuts(
    decisions: pl.DataFrame, records: pl.DataFrame, guards: Iterable[Guard], strength: str
) -> tuple[pl.DataFrame, GuardReport]:
    """Reject the accepted pairs that the guarded clustering cuts (source ``guard_cut``).

    An accepted pair whose two records cannot share a cluster without breaking a guard (the
    pair would chain two records of one facility into one patient, through stronger pairs) is
    a wrong match as a pair too, so it leaves the accepted matches; the clusters of what is
    left are the guarded clusters.

    Args:
        decisions: Every scored pair with ``accepted``, ``decision_source`` and ``strength``.
        records: ``facility_records``.
        guards: Guards to enforce (none: nothing is rejected).
        strength: Column ordering the edges (higher: more certain).

    Returns:
        ``decisions`` with the cut pairs rejected, and the guard's report.
    """
    guards = tuple(guards)
    accepted = decisions.filter("accepted")
    _, report = guarded_clusters(records, accepted, guards, strength)
    if not report.cut_edges:
        return decisions, report
    cut = pl.DataFrame(
        report.cut_edges, schema=["record_id_l", "record_id_r"], orient="row"
    ).with_columns(_cut=pl.lit(True))
    marked = decisions.join(cut, on=["record_id_l", "record_id_r"], how="left")
    hit = pl.col("_cut").fill_null(False)
    return (
        marked.with_columns(
            decision_source=pl.when(hit).then(pl.lit("guard_cut")).otherwise("decision_source"),
            accepted=pl.col("accepted") & ~hit,
        ).drop("_cut"),
        report,
    )


def golden_ids(links: pl.DataFrame) -> pl.DataFrame:
    """``record_id`` → ``golden_id``: a UUID named after the cluster's smallest record id, so
    the same cluster gets the same id in every run."""
    first = links.group_by("cluster").agg(anchor=pl.col("record_id").min())
    first = first.with_columns(
        golden_id=pl.col("anchor").map_elements(
            lambda anchor: str(uuid.uuid5(GOLDEN_NAMESPACE, anchor)), return_dtype=pl.String
        )
    )
    return links.join(first, on="cluster").select("record_id", "golden_id").sort("record_id")
