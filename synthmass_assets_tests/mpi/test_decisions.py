"""Match decisions and the resolution_metrics rows on small inline frames."""

from __future__ import annotations

import polars as pl
import pytest
from scipy.special import logit

from synthmass_assets.mpi.decisions import DecisionRules, decide_pairs
from synthmass_assets.mpi.evaluation import SYNTHMASS, metrics_table, precision_by_source
from synthmass_assets.mpi.fusion import FusionParams, TrackPrior

RECORDS = pl.DataFrame(
    {
        "record_id": ["a1", "a2", "a3", "b1", "b2", "c1"],
        "facility_id": ["F1", "F2", "F3", "F1", "F2", "F1"],
    }
)
TRUTH = pl.DataFrame(
    {"record_id": RECORDS["record_id"], "patient_id": ["A", "A", "A", "B", "B", "C"]}
)
SCORED = pl.DataFrame(
    {
        "record_id_l": ["a1", "a2", "b1", "a1", "a3", "c1"],
        "record_id_r": ["a2", "a3", "b2", "b1", "b2", "b2"],
        "match_probability": [0.999, 0.6, 0.4, 0.995, 0.3, 0.001],
        "tier": ["auto_match", "gray_zone", "gray_zone", "auto_match", "gray_zone", "auto_reject"],
    }
).with_columns(
    match_weight=(pl.col("match_probability") / (1 - pl.col("match_probability"))).log(2)
)
PREDICTIONS = pl.DataFrame(
    {
        "record_id_l": ["a2", "a3"],
        "record_id_r": ["a3", "b2"],
        "probability": [0.9, 0.7],
        "logit": [logit(0.9), logit(0.7)],
    }
)


def decide(rules: DecisionRules | None = None) -> pl.DataFrame:
    rules = rules or DecisionRules()
    return decide_pairs(SCORED, RECORDS, rules, PREDICTIONS, FusionParams(), TrackPrior(0.2, 0.0))


def test_every_pair_gets_a_source_and_a_verdict() -> None:
    decisions = decide()
    got = {(r["record_id_l"], r["record_id_r"]): r for r in decisions.iter_rows(named=True)}
    assert got["a1", "a2"]["decision_source"] == "splink_auto" and got["a1", "a2"]["accepted"]
    assert got["a1", "b1"]["decision_source"] == "same_facility" and not got["a1", "b1"]["accepted"]
    assert got["b1", "b2"]["decision_source"] == "splink_only" and not got["b1", "b2"]["accepted"]
    assert got["c1", "b2"]["decision_source"] == "splink_reject"
    # Classifier at 0.9 → posterior at a 20% base rate: logit(0.9) + logit(0.2) > 0: accepted.
    assert got["a2", "a3"]["decision_source"] == "classifier" and got["a2", "a3"]["accepted"]
    assert got["a2", "a3"]["fused_log_odds"] == pytest.approx(logit(0.9) + logit(0.2))
    # 0.7 at 20%: rejected, although the classifier alone would have said yes.
    assert not got["a3", "b2"]["accepted"]
    assert got["a3", "b2"]["classifier_probability"] == pytest.approx(0.7)


def test_rules_are_configurable() -> None:
    decisions = decide(DecisionRules(splink_only_threshold=0.3, distinct_within_facility=False))
    accepted = set(decisions.filter("accepted").select("record_id_l", "record_id_r").iter_rows())
    assert {("a1", "b1"), ("b1", "b2")} <= accepted


def test_predictions_need_fusion_parameters() -> None:
    with pytest.raises(ValueError, match="fusion params"):
        decide_pairs(SCORED, RECORDS, DecisionRules(), PREDICTIONS)


def test_without_predictions_splink_decides_with_its_own_score() -> None:
    decisions = decide_pairs(SCORED, RECORDS, DecisionRules())
    assert "classifier" not in decisions["decision_source"].to_list()
    auto = decisions.filter(pl.col("decision_source") == "splink_auto")
    assert auto["fused_score"].to_list() == pytest.approx(auto["match_probability"].to_list())


def test_metrics_rows_hold_every_design_metric() -> None:
    resolved = decide().filter("accepted")
    links = pl.DataFrame(
        {"record_id": RECORDS["record_id"], "golden_id": ["gA", "gA", "gA", "gB", "gB2", "gC"]}
    )
    table = metrics_table(SCORED, resolved, links, TRUTH, None)
    assert table["method"].to_list() == ["splink_at_0.99", "splink_best_threshold", SYNTHMASS]
    design = {
        "pair_precision",
        "pair_recall",
        "pair_f1",
        "cluster_pair_f1",
        "split_patients",
        "fragmentation_rate",
        "completeness",
        "purity",
        "perfect_resolution_rate",
    }
    assert design <= set(table.columns)
    ours = table.filter(pl.col("method") == SYNTHMASS).row(0, named=True)
    # Resolved: a1–a2, a2–a3 (both true) of 4 true pairs; B is split in the links.
    assert ours["pair_precision"] == 1.0 and ours["pair_recall"] == pytest.approx(0.5)
    assert ours["split_patients"] == 1 and ours["fragmentation_rate"] == pytest.approx(0.5)
    by_source = precision_by_source(resolved, TRUTH)
    assert dict(by_source.select("decision_source", "precision").iter_rows()) == {
        "classifier": 1.0,
        "splink_auto": 1.0,
    }


def test_a_record_keeps_only_its_strongest_match_at_each_other_facility() -> None:
    # a1 (F1) is accepted with a2 and with b2, both at F2: only the stronger survives.
    scored = pl.DataFrame(
        {
            "record_id_l": ["a1", "a1", "a2"],
            "record_id_r": ["a2", "b2", "a3"],
            "match_probability": [0.5, 0.5, 0.5],
            "match_weight": [0.0, 0.0, 0.0],
            "tier": ["gray_zone"] * 3,
        }
    )
    predictions = pl.DataFrame(
        {
            "record_id_l": ["a1", "a1", "a2"],
            "record_id_r": ["a2", "b2", "a3"],
            "probability": [0.95, 0.8, 0.9],
            "logit": [logit(0.95), logit(0.8), logit(0.9)],
        }
    )
    prior = TrackPrior(0.5, 0.0)
    kept = decide_pairs(scored, RECORDS, DecisionRules(), predictions, FusionParams(), prior)
    got = {(r["record_id_l"], r["record_id_r"]): r for r in kept.iter_rows(named=True)}
    assert got["a1", "a2"]["accepted"] and got["a2", "a3"]["accepted"]
    assert got["a1", "b2"]["decision_source"] == "outranked" and not got["a1", "b2"]["accepted"]
    plain = DecisionRules(best_per_facility=False)
    both = decide_pairs(scored, RECORDS, plain, predictions, FusionParams(), prior)
    assert both.get_column("accepted").all()
