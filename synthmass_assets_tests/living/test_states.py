"""Link states from the decided pairs of a re-clustered region; MANUAL rows kept."""

from __future__ import annotations

import polars as pl

from synthmass_assets.living.identity import MANUAL
from synthmass_assets.living.states import region_links

PREVIOUS = pl.DataFrame(
    {
        "record_id": ["r1", "r9"],
        "golden_id": ["G1", "G9"],
        "link_state": ["MATCH", "NO_MATCH"],
        "link_source": ["AUTO", MANUAL],
        "batch_id": ["b1", "b1"],
        "score": [0.99, None],
    }
)


def test_states_follow_clusters_and_review_band() -> None:
    golden = pl.DataFrame(
        {"record_id": ["r1", "n1", "n2", "n3", "r9"], "golden_id": ["G1", "G1", "N2", "N3", "G1"]}
    )
    decisions = pl.DataFrame(
        {
            "record_id_l": ["n1", "n2", "n3"],
            "record_id_r": ["r1", "r1", "r1"],
            "fused_score": [0.97, 0.35, 0.05],
            "accepted": [True, False, False],
        }
    )
    links = region_links(golden, decisions, PREVIOUS, "b2", review_floor=0.2)
    rows = {r["record_id"]: r for r in links.iter_rows(named=True)}
    assert rows["n1"]["link_state"] == "MATCH" and rows["n1"]["score"] == 0.97
    assert rows["n2"]["link_state"] == "POSSIBLE_MATCH" and rows["n2"]["score"] == 0.35
    assert rows["n3"]["link_state"] == "NO_MATCH"
    assert rows["r1"]["batch_id"] == "b1" and rows["n1"]["batch_id"] == "b2"
    # The steward's row comes back untouched although the engine put r9 with G1.
    assert rows["r9"] == PREVIOUS.row(1, named=True)
    assert links["link_source"].to_list().count("AUTO") == 4
