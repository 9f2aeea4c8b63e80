"""Golden id assignment on hand-made clusters: create, link, merge, split, MANUAL, re-runs."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from synthmass_assets.living.identity import (
    AUTO,
    MANUAL,
    assign_golden_ids,
    new_golden_id,
)

AT = datetime(2026, 1, 1, tzinfo=UTC)


def _clusters(**members: list[str]) -> pl.DataFrame:
    rows = [(rid, i) for i, ids in enumerate(members.values()) for rid in ids]
    return pl.DataFrame(rows, schema=["record_id", "cluster"], orient="row")


def _previous(links: dict[str, str], manual: tuple[str, ...] = ()) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "record_id": list(links),
            "golden_id": list(links.values()),
            "link_source": [MANUAL if r in manual else AUTO for r in links],
        }
    )


def _ages(*goldens: str) -> pl.DataFrame:
    return pl.DataFrame({"golden_id": list(goldens), "age": list(range(len(goldens)))})


def _golden(result) -> dict[str, str]:
    return dict(result.golden.iter_rows())


def _events(result) -> list[tuple]:
    return sorted(
        result.events.select("event", "golden_id", "other_golden_id", "record_id").iter_rows(),
        key=str,
    )


def test_unmatched_record_founds_a_new_golden_id() -> None:
    result = assign_golden_ids(_clusters(a=["n1"]), _previous({}), _ages(), "b1", AT)
    created = new_golden_id("b1", "n1")
    assert _golden(result) == {"n1": created}
    assert _events(result) == [("create", created, None, "n1")]


def test_new_records_of_one_cluster_share_one_new_id() -> None:
    result = assign_golden_ids(_clusters(a=["n1", "n2"]), _previous({}), _ages(), "b1", AT)
    created = new_golden_id("b1", "n1")
    assert set(_golden(result).values()) == {created}
    assert _events(result) == [("create", created, None, "n1"), ("link", created, None, "n2")]


def test_record_matching_one_golden_joins_it_unchanged() -> None:
    previous = _previous({"r1": "G1", "r2": "G1"})
    result = assign_golden_ids(_clusters(a=["r1", "r2", "n1"]), previous, _ages("G1"), "b2", AT)
    assert _golden(result) == {"r1": "G1", "r2": "G1", "n1": "G1"}
    assert _events(result) == [("link", "G1", None, "n1")]


def test_bridging_record_merges_and_the_older_id_survives() -> None:
    previous = _previous({"r1": "G_new", "r2": "G_old"})
    result = assign_golden_ids(
        _clusters(a=["r1", "r2", "n1"]), previous, _ages("G_old", "G_new"), "b2", AT
    )
    assert set(_golden(result).values()) == {"G_old"}
    assert _events(result) == [
        ("link", "G_old", None, "n1"),
        ("merge", "G_old", "G_new", "n1"),
        ("redirect", "G_new", "G_old", None),
    ]


def test_separating_evidence_splits_the_minority_off() -> None:
    previous = _previous({"r1": "G1", "r2": "G1", "r3": "G1"})
    result = assign_golden_ids(
        _clusters(a=["r1", "r2"], b=["r3", "n1"]), previous, _ages("G1"), "b2", AT
    )
    split_id = new_golden_id("b2", "n1")
    assert _golden(result) == {"r1": "G1", "r2": "G1", "r3": split_id, "n1": split_id}
    assert ("split", "G1", split_id, "r3") in _events(result)
    assert ("create", split_id, None, "n1") in _events(result)


def test_a_split_id_stays_with_the_records_nothing_new_arrived_for() -> None:
    previous = _previous({"r1": "G1", "r2": "G1", "r3": "G1"})
    result = assign_golden_ids(
        _clusters(a=["r1", "r2", "n1"], b=["r3"]), previous, _ages("G1"), "b2", AT
    )
    split_id = new_golden_id("b2", "n1")
    assert _golden(result) == {"r1": split_id, "r2": split_id, "r3": "G1", "n1": split_id}
    assert ("split", "G1", split_id, "r1") in _events(result)


def test_of_equal_quiet_parts_the_one_holding_the_id_longest_keeps_it() -> None:
    previous = _previous({"r1": "G1", "r2": "G1", "r3": "G1", "r4": "G1"})
    day = [datetime(2026, 1, d, tzinfo=UTC) for d in (1, 1, 1, 2)]
    previous = previous.with_columns(arrived=pl.Series(day[::-1]))  # r1 arrived last
    result = assign_golden_ids(
        _clusters(a=["r1", "r2"], b=["r3", "r4"]), previous, _ages("G1"), "b2", AT
    )
    split_id = new_golden_id("b2", "r1")
    assert _golden(result) == {"r1": split_id, "r2": split_id, "r3": "G1", "r4": "G1"}


def test_untouched_ids_stay_when_nothing_changed() -> None:
    previous = _previous({"r1": "G1", "r2": "G1", "r3": "G2"})
    result = assign_golden_ids(
        _clusters(a=["r1", "r2"], b=["r3"]), previous, _ages("G1", "G2"), "b2", AT
    )
    assert _golden(result) == {"r1": "G1", "r2": "G1", "r3": "G2"}
    assert result.events.is_empty()


def test_manual_link_is_never_overridden() -> None:
    previous = _previous({"r1": "G1", "r2": "G2"}, manual=("r2",))
    # The engine would put r2 with r1; the steward's link keeps it at G2.
    result = assign_golden_ids(
        _clusters(a=["r1", "r2", "n1"]), previous, _ages("G1", "G2"), "b2", AT
    )
    golden = _golden(result)
    assert golden["r2"] == "G2"
    assert golden["n1"] == golden["r1"] == "G1"


def test_golden_holding_a_manual_link_survives_a_merge() -> None:
    previous = _previous({"r1": "G_old", "r2": "G_pinned", "r3": "G_pinned"}, manual=("r2",))
    result = assign_golden_ids(
        _clusters(a=["r1", "r3", "n1"], b=["r2"]),
        previous,
        _ages("G_old", "G_pinned"),
        "b2",
        AT,
    )
    assert set(_golden(result).values()) == {"G_pinned"}
    assert ("merge", "G_pinned", "G_old", "n1") in _events(result)


@pytest.mark.parametrize("batch", ["b1", "b2"])
def test_assignment_is_deterministic(batch: str) -> None:
    clusters = _clusters(a=["n2", "n1"], b=["n3"])
    first = assign_golden_ids(clusters, _previous({}), _ages(), batch, AT)
    again = assign_golden_ids(clusters.reverse(), _previous({}), _ages(), batch, AT)
    assert first.golden.equals(again.golden)
    assert first.events.sort("record_id").equals(again.events.sort("record_id"))
