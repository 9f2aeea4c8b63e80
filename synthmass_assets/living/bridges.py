"""Merges of golden records need a confident bridge.

Two golden records of the index were kept apart by every earlier batch. A new record whose
accepted pairs reach both would merge them (the older id survives); in the replay most such
bridges through a weak pair join two different people, because a new record's best match is
usually right and its second-best one is a look-alike. So a new pair that would join two
previous golden records is accepted only at or above ``merge_floor`` (fused score); a weaker
one is rejected (``weak_bridge``) and, in the review band, leaves a POSSIBLE_MATCH for a
steward, the way HAPI MDM flags possible duplicates of golden resources instead of merging
them. Pairs are taken strongest first, so a record joins its best golden record.
"""

from __future__ import annotations

import polars as pl

KEYS = ["record_id_l", "record_id_r"]


def reject_weak_bridges(
    decisions: pl.DataFrame, previous: pl.DataFrame, new_ids: pl.Series, merge_floor: float
) -> pl.DataFrame:
    """``decisions`` with the accepted new pairs that would merge two previous golden records
    below ``merge_floor`` rejected (source ``weak_bridge``).

    Args:
        decisions: The region's decided pairs (``fused_score``, ``fused_log_odds``,
            ``accepted``, ``decision_source``).
        previous: ``record_id`` → ``golden_id`` of the region's indexed records.
        new_ids: Record ids of this batch.
        merge_floor: Fused score a pair needs to join two previous golden records.
    """
    parent: dict[str, str] = dict(previous.select("record_id", "golden_id").iter_rows())
    holds_golden = {golden: True for golden in parent.values()}
    fresh = pl.col("record_id_l").is_in(new_ids.implode()) | pl.col("record_id_r").is_in(
        new_ids.implode()
    )
    edges = decisions.filter(pl.col("accepted") & fresh).sort("fused_log_odds", descending=True)

    def root(node: str) -> str:
        path = []
        while parent.get(node, node) != node:
            path.append(node)
            node = parent[node]
        for step in path:
            parent[step] = node
        return node

    weak = []
    for left, right, score in edges.select(*KEYS, "fused_score").iter_rows():
        a, b = root(left), root(right)
        if a == b:
            continue
        if holds_golden.get(a) and holds_golden.get(b) and score < merge_floor:
            weak.append((left, right))
            continue
        parent[b] = a
        parent.setdefault(a, a)
        holds_golden[a] = holds_golden.get(a, False) or holds_golden.get(b, False)
    return reject_pairs(decisions, pl.DataFrame(weak, schema=KEYS, orient="row"), "weak_bridge")


def reject_pairs(decisions: pl.DataFrame, pairs: pl.DataFrame, source: str) -> pl.DataFrame:
    """``decisions`` with ``pairs`` (record ids) rejected, their decision source ``source``."""
    if pairs.is_empty():
        return decisions
    hit = pl.col("_hit").fill_null(False)
    return (
        decisions.join(pairs.select(KEYS).with_columns(_hit=pl.lit(True)), on=KEYS, how="left")
        .with_columns(
            decision_source=pl.when(hit).then(pl.lit(source)).otherwise("decision_source"),
            accepted=pl.col("accepted") & ~hit,
        )
        .drop("_hit")
    )
