"""Clustering guard on hand-made chains; golden ids."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from synthmass_assets.mpi.clustering import golden_ids, guarded_clusters, reject_guard_cuts

RECORDS = pl.DataFrame(
    {
        "record_id": ["a1", "a2", "b1", "b2", "c1"],
        "facility_id": ["F1", "F2", "F1", "F3", "F4"],
        "ssn": ["111-11-1111", "111111111", "222-22-2222", None, "333-33-3333"],
        "birthdate": [dt.date(1990, 1, 1)] * 2 + [dt.date(1960, 5, 5)] * 2 + [dt.date(1970, 1, 1)],
    }
)
# Patient A (a1, a2) and B (b1, b2) chained by one weak wrong edge a2–b2.
CHAIN = pl.DataFrame(
    {
        "record_id_l": ["a1", "a2", "b2"],
        "record_id_r": ["a2", "b2", "b1"],
        "fused_log_odds": [6.0, 0.5, 4.0],
    }
)


def groups(links: pl.DataFrame) -> set[frozenset[str]]:
    return {
        frozenset(members)
        for members in links.group_by("cluster").agg("record_id").get_column("record_id")
    }


def test_without_guard_the_chain_joins_two_people() -> None:
    links, report = guarded_clusters(RECORDS, CHAIN, [], "fused_log_odds")
    assert frozenset({"a1", "a2", "b1", "b2"}) in groups(links)
    assert report.edges_cut == 0


def test_facility_guard_cuts_the_weakest_link_of_the_chain() -> None:
    links, report = guarded_clusters(RECORDS, CHAIN, ["facility"], "fused_log_odds")
    assert groups(links) == {
        frozenset({"a1", "a2"}),
        frozenset({"b1", "b2"}),
        frozenset({"c1"}),
    }
    assert report.conflicted_components == 1 and report.cut_edges == [("a2", "b2")]
    assert report.clusters_before == 2 and report.clusters_after == 3


def test_strongest_edges_win_when_the_weak_edge_is_the_true_one() -> None:
    # a2–b2 is now strong and b2–b1 weak: the guard keeps the strong edges, cuts b2–b1.
    chain = CHAIN.with_columns(fused_log_odds=pl.Series([6.0, 5.0, 0.1]))
    links, report = guarded_clusters(RECORDS, chain, ["facility"], "fused_log_odds")
    assert frozenset({"a1", "a2", "b2"}) in groups(links)
    assert report.cut_edges == [("b2", "b1")]


@pytest.mark.parametrize(
    ("ssn", "birthdate", "cut"),
    [
        ("999-99-9999", dt.date(1971, 2, 2), True),  # both differ: two people
        ("999-99-9999", dt.date(1970, 1, 1), False),  # same birthdate: maybe an SSN typo
        ("333333333", dt.date(1971, 2, 2), False),  # same SSN once cleaned
        (None, dt.date(1971, 2, 2), False),  # missing SSN never conflicts
    ],
)
def test_identity_guard_needs_both_ssn_and_birthdate_to_differ(
    ssn: str | None, birthdate: dt.date, cut: bool
) -> None:
    records = pl.concat(
        [
            RECORDS,
            pl.DataFrame(
                {"record_id": ["c2"], "facility_id": ["F5"], "ssn": [ssn], "birthdate": [birthdate]}
            ),
        ]
    )
    edge = pl.DataFrame({"record_id_l": ["c1"], "record_id_r": ["c2"], "fused_log_odds": [1.0]})
    links, report = guarded_clusters(records, edge, ["identity"], "fused_log_odds")
    assert (frozenset({"c1", "c2"}) not in groups(links)) == cut
    assert report.edges_cut == int(cut)


def test_records_without_facility_never_conflict() -> None:
    records = RECORDS.drop("facility_id")
    links, report = guarded_clusters(records, CHAIN, ["facility"], "fused_log_odds")
    assert frozenset({"a1", "a2", "b1", "b2"}) in groups(links) and report.edges_cut == 0


def test_golden_ids_are_stable_across_cluster_labels() -> None:
    first = pl.DataFrame({"record_id": ["x", "y", "z"], "cluster": [0, 0, 1]})
    second = pl.DataFrame({"record_id": ["z", "y", "x"], "cluster": [7, 3, 3]})
    assert golden_ids(first).equals(golden_ids(second))
    ids = golden_ids(first)
    assert ids.get_column("golden_id").n_unique() == 2


def test_pairs_the_guard_cuts_are_rejected_as_matches() -> None:
    decisions = CHAIN.with_columns(accepted=pl.lit(True), decision_source=pl.lit("classifier"))
    kept, report = reject_guard_cuts(decisions, RECORDS, ["facility"], "fused_log_odds")
    cut = kept.filter(~pl.col("accepted"))
    assert cut.select("record_id_l", "record_id_r").rows() == [("a2", "b2")]
    assert cut.get_column("decision_source").to_list() == ["guard_cut"]
    assert kept.filter("accepted").height == 2 and report.edges_cut == 1
    unguarded, _ = reject_guard_cuts(decisions, RECORDS, [], "fused_log_odds")
    assert unguarded.get_column("accepted").all()
