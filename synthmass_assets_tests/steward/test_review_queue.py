"""The review queue: pure pieces on inline frames, then the steward assets materialized with
Dagster on a tmp home holding a tiny track scored by real Splink."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from synthmass_assets.steward.clinical_words import pair_words
from synthmass_assets.steward.dashboards import cluster_profile, studio_clusters
from synthmass_assets.steward.review import ReviewBand, level_labels, queued_pairs
from synthmass_assets_tests.steward.tiny_index import TinyIndex

D = dt.date
DIABETES, BRONCHITIS, METFORMIN = "44054006", "10509002", "860975"
NAMES = {DIABETES: "Diabetes", METFORMIN: "Metformin"}


def facts(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "diagnoses": [], "treatments": [], "condition_codes": [], "wellness_dates": [],
        "visit_dates": [], "last_visit": D(2024, 1, 1),
    }  # fmt: skip
    return {**base, **overrides}


def test_review_evidence_in_words() -> None:
    diabetic = facts(
        diagnoses=[{"code": DIABETES, "day": D(2015, 1, 1), "ongoing": True}],
        condition_codes=[DIABETES],
        treatments=[{"reason": DIABETES, "drug": METFORMIN, "start": D(2016, 1, 1)}],
        wellness_dates=[D(2020, 3, 1)],
        visit_dates=[D(2020, 3, 1)],
    )
    assert pair_words(diabetic, diabetic, NAMES)[0].startswith(
        "For: both records carry the chronic condition(s) Diabetes"
    )
    other = facts(condition_codes=[BRONCHITIS], wellness_dates=[D(2020, 5, 1)])
    words = pair_words(diabetic, other, NAMES)
    assert any("record L takes Metformin for Diabetes" in w for w in words)
    assert any("check-ups 61 days apart" in w for w in words)
    assert pair_words(facts(), facts(), NAMES) == []


def test_review_queue_ranks_uncertain_pairs_of_large_clusters_first() -> None:
    decisions = pl.DataFrame(
        {
            "record_id_l": ["a1", "a1", "b1", "c1"],
            "record_id_r": ["b1", "a2", "c1", "d1"],
            "fused_score": [0.5, 0.6, 0.95, 0.5],
        }
    )
    links = pl.DataFrame(
        {
            "record_id": ["a1", "a2", "a3", "b1", "c1", "d1"],
            "golden_id": ["A", "A", "A", "B", "C", "D"],
        }
    )
    queue = queued_pairs(decisions, links, ReviewBand(0.2, 0.8))
    assert queue.select("record_id_l", "record_id_r").rows() == [
        ("a1", "b1"), ("a1", "a2"), ("c1", "d1"),
    ]  # fmt: skip
    assert queue["cluster_size"].to_list() == [4, 3, 2]
    assert queue["same_golden"].to_list() == [False, True, False]
    assert queue["rank"].to_list() == [1, 2, 3]


def test_review_level_labels_follow_splinks_gamma_numbering(tiny: TinyIndex) -> None:
    labels = level_labels(tiny.settings)
    first = tiny.settings["comparisons"][0]
    assert labels[first["output_column_name"]][-1] == "null"
    assert len(labels[first["output_column_name"]]) == len(first["comparison_levels"])


def test_dashboard_clusters_are_the_largest_and_least_dense() -> None:
    links = pl.DataFrame(
        {
            "record_id": ["a1", "a2", "a3", "b1", "b2", "c1", "c2"],
            "golden_id": ["A", "A", "A", "B", "B", "C", "C"],
        }
    )
    pairs = pl.DataFrame(
        {
            "record_id_l": ["a1", "a1", "b1"],
            "record_id_r": ["a2", "a3", "b2"],
            "match_probability": [0.9, 0.9, 0.9],
        }
    )
    profile = cluster_profile(pairs, links)
    assert studio_clusters(profile, 2) == ["A", "C"]


def test_review_queue_asset_writes_its_page(steward_home: tuple[Path, dict]) -> None:
    home, metadata = steward_home
    review = metadata["review_queue"]
    page = Path(review["page"].value)
    assert page == home / "reports" / "evaluation" / "review_queue.html"
    assert review["dagster/row_count"].value > 0
    assert "| # | fused |" in review["preview"].value
    assert "Diabetes" in page.read_text()


def test_dashboard_asset_writes_splinks_views(steward_home: tuple[Path, dict]) -> None:
    _, metadata = steward_home
    views = metadata["splink_dashboards"]
    for name in ("comparison_viewer", "cluster_studio", "match_weights_chart"):
        path = Path(views[name].value)
        assert path.is_file() and path.stat().st_size > 10_000
