"""A new record merges two golden records only through a confident pair."""

from __future__ import annotations

import polars as pl
import pytest

from synthmass_assets.living.bridges import reject_weak_bridges

PREVIOUS = pl.DataFrame({"record_id": ["a1", "a2", "b1"], "golden_id": ["GA", "GA", "GB"]})


def _pairs(*rows: tuple[str, str, float]) -> pl.DataFrame:
    frame = pl.DataFrame(rows, schema=["record_id_l", "record_id_r", "fused_score"], orient="row")
    return frame.with_columns(
        fused_log_odds=(pl.col("fused_score") / (1 - pl.col("fused_score"))).log(),
        accepted=pl.lit(True),
        decision_source=pl.lit("classifier"),
    )


@pytest.mark.parametrize(("weaker", "merged"), [(0.995, True), (0.9, False)])
def test_the_weaker_bridge_needs_the_merge_floor(weaker: float, merged: bool) -> None:
    pairs = _pairs(("a1", "n1", 0.9999), ("b1", "n1", weaker), ("a1", "a2", 0.5))
    out = reject_weak_bridges(pairs, PREVIOUS, pl.Series(["n1"]), 0.99)
    bridge = out.filter(pl.col("record_id_l") == "b1").row(0, named=True)
    assert bridge["accepted"] is merged
    assert bridge["decision_source"] == ("classifier" if merged else "weak_bridge")
    # The strongest golden record keeps the new record; old pairs are never touched.
    assert out.filter(pl.col("record_id_l") == "a1")["accepted"].all()


def test_new_records_join_each_other_and_one_golden_freely() -> None:
    pairs = _pairs(("n1", "n2", 0.6), ("a1", "n2", 0.7))
    out = reject_weak_bridges(pairs, PREVIOUS, pl.Series(["n1", "n2"]), 0.99)
    assert out["accepted"].all()


def test_a_bridge_through_another_new_record_is_caught() -> None:
    pairs = _pairs(("a1", "n1", 0.999), ("n1", "n2", 0.998), ("b1", "n2", 0.8))
    out = reject_weak_bridges(pairs, PREVIOUS, pl.Series(["n1", "n2"]), 0.99)
    assert out.filter(pl.col("record_id_l") == "b1")["decision_source"].to_list() == ["weak_bridge"]
