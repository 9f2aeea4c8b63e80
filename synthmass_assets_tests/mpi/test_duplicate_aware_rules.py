"""One-record-per-facility rules at facilities that may register a patient twice."""

from __future__ import annotations

import polars as pl

from synthmass_assets.mpi.clustering import guarded_clusters
from synthmass_assets.mpi.decisions import best_per_facility


def _records(once: bool) -> pl.DataFrame:
    # a1 and a2 are one facility's two records; b1 is elsewhere.
    return pl.DataFrame(
        {
            "record_id": ["a1", "a2", "b1"],
            "facility_id": ["A", "A", "B"],
            "registers_once": [once, once, True],
        }
    )


def _pairs(*edges: tuple[str, str, float]) -> pl.DataFrame:
    return pl.DataFrame(
        edges, schema=["record_id_l", "record_id_r", "fused_log_odds"], orient="row"
    )


def test_a_duplicate_pair_stays_together_only_when_matched_directly() -> None:
    linked = _pairs(("a1", "b1", 9.0), ("a2", "b1", 8.0), ("a1", "a2", 7.0))
    unlinked = _pairs(("a1", "b1", 9.0), ("a2", "b1", 8.0))
    together, _ = guarded_clusters(_records(False), linked, ["facility"], "fused_log_odds")
    assert together["cluster"].n_unique() == 1
    apart, report = guarded_clusters(_records(False), unlinked, ["facility"], "fused_log_odds")
    assert apart["cluster"].n_unique() == 2 and report.cut_edges == [("a2", "b1")]
    strict, _ = guarded_clusters(_records(True), linked, ["facility"], "fused_log_odds")
    assert strict["cluster"].n_unique() == 2


def _competing(once: bool, linked: bool) -> pl.DataFrame:
    edges = [("b1", "a1", 9.0), ("b1", "a2", 8.0)] + ([("a1", "a2", 7.0)] if linked else [])
    frame = _pairs(*edges)
    facility = {"a1": "A", "a2": "A", "b1": "B"}
    return frame.with_columns(
        facility_l=pl.col("record_id_l").replace_strict(facility),
        facility_r=pl.col("record_id_r").replace_strict(facility),
        once_l=pl.col("record_id_l").replace_strict({"a1": once, "a2": once, "b1": True}),
        once_r=pl.col("record_id_r").replace_strict({"a1": once, "a2": once, "b1": True}),
    )


def test_best_per_facility_keeps_a_weaker_match_to_the_best_ones_duplicate() -> None:
    assert best_per_facility(_competing(False, True), "fused_log_odds").to_list()[:2] == [
        True,
        True,
    ]
    assert best_per_facility(_competing(False, False), "fused_log_odds").to_list() == [True, False]
    assert best_per_facility(_competing(True, True), "fused_log_odds").to_list()[:2] == [
        True,
        False,
    ]


def test_three_registrations_at_one_facility_chain_directly() -> None:
    records = pl.DataFrame(
        {"record_id": ["a1", "a2", "a3"], "facility_id": ["A"] * 3, "registers_once": [False] * 3}
    )
    chain = _pairs(("a1", "a2", 9.0), ("a2", "a3", 8.0))
    links, report = guarded_clusters(records, chain, ["facility"], "fused_log_odds")
    assert links["cluster"].n_unique() == 1 and not report.cut_edges
