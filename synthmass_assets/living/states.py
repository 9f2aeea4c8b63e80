"""Link state and score of each record of a re-clustered part of the index.

- ``MATCH``: the record shares its golden id with other records (score: its strongest accepted
  pair's fused score);
- ``POSSIBLE_MATCH``: alone, but a rejected pair's fused score lies in the review band (at or
  above ``review_floor``): a steward should look (score: that pair's fused score);
- ``NO_MATCH``: alone, nothing close (score: its best pair's fused score, null without pairs).

Rows a steward set (``link_source`` MANUAL) come back as they were.
"""

from __future__ import annotations

import polars as pl

from synthmass_assets.living.identity import (
    AUTO,
    LINKS_SCHEMA,
    MANUAL,
    MATCH,
    NO_MATCH,
    POSSIBLE_MATCH,
)


def _best_scores(decisions: pl.DataFrame) -> pl.DataFrame:
    """Per record: best accepted and best rejected fused score over its pairs."""
    pairs = decisions.select("record_id_l", "record_id_r", "fused_score", "accepted")
    sides = pl.concat(
        [
            pairs.select(record_id="record_id_l", score="fused_score", accepted="accepted"),
            pairs.select(record_id="record_id_r", score="fused_score", accepted="accepted"),
        ]
    )
    return sides.group_by("record_id").agg(
        accepted_score=pl.col("score").filter("accepted").max(),
        rejected_score=pl.col("score").filter(~pl.col("accepted")).max(),
    )


def region_links(
    golden: pl.DataFrame,
    decisions: pl.DataFrame,
    previous: pl.DataFrame,
    batch_id: str,
    review_floor: float,
) -> pl.DataFrame:
    """``mpi_links`` rows of every re-clustered record.

    Args:
        golden: ``record_id`` → ``golden_id`` (see ``identity.assign_golden_ids``).
        decisions: The decided pairs among those records (``fused_score``, ``accepted``).
        previous: Their ``mpi_links`` rows from before the batch (records indexed earlier).
        batch_id: The batch; records without a previous row arrived in it.
        review_floor: Lowest fused score of the review band (POSSIBLE_MATCH).
    """
    sizes = golden.group_by("golden_id").agg(members=pl.len())
    frame = (
        golden.join(sizes, on="golden_id")
        .join(_best_scores(decisions), on="record_id", how="left")
        .join(
            previous.select("record_id", old_batch="batch_id", old_source="link_source"),
            on="record_id",
            how="left",
        )
    )
    in_band = pl.col("rejected_score") >= review_floor
    frame = frame.with_columns(
        link_state=pl.when(pl.col("members") > 1)
        .then(pl.lit(MATCH))
        .when(in_band)
        .then(pl.lit(POSSIBLE_MATCH))
        .otherwise(pl.lit(NO_MATCH)),
        score=pl.when(pl.col("members") > 1)
        .then(pl.coalesce("accepted_score", "rejected_score"))
        .otherwise("rejected_score"),
        link_source=pl.lit(AUTO),
        batch_id=pl.coalesce("old_batch", pl.lit(batch_id)),
    )
    links = frame.select([pl.col(c).cast(t) for c, t in LINKS_SCHEMA.items()])
    manual = previous.filter(pl.col("link_source") == MANUAL).select(list(LINKS_SCHEMA))
    return pl.concat(
        [
            links.join(manual.select("record_id"), on="record_id", how="anti"),
            manual.select([pl.col(c).cast(t) for c, t in LINKS_SCHEMA.items()]),
        ]
    ).sort("record_id")
