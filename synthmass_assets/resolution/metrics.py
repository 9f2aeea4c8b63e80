"""Resolution quality against ground truth: pair metrics, cluster metrics, threshold sweeps.

Definitions (DESIGN.md): true pairs are two different records of the same patient. Cluster
metrics use the connected components of the accepted pairs (transitive closure).
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def ordered(pairs: pl.DataFrame) -> pl.DataFrame:
    """Pairs with ``record_id_l < record_id_r`` and no duplicates."""
    return pairs.select(
        record_id_l=pl.min_horizontal("record_id_l", "record_id_r"),
        record_id_r=pl.max_horizontal("record_id_l", "record_id_r"),
    ).unique()


def true_pairs(ground_truth: pl.DataFrame) -> pl.DataFrame:
    """All pairs of different records of the same true patient."""
    truth = ground_truth.select("record_id", "patient_id")
    return (
        truth.join(truth, on="patient_id", suffix="_r")
        .filter(pl.col("record_id") < pl.col("record_id_r"))
        .select(record_id_l="record_id", record_id_r="record_id_r")
    )


def _prf(hits: int, predicted: int, actual: int) -> dict[str, float]:
    precision = hits / predicted if predicted else 0.0
    recall = hits / actual if actual else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"pair_precision": precision, "pair_recall": recall, "pair_f1": f1}


def pair_metrics(predicted: pl.DataFrame, truth: pl.DataFrame) -> dict[str, float]:
    """Precision, recall and F1 of predicted matching pairs against the true pairs."""
    predicted = ordered(predicted)
    hits = predicted.join(truth, on=["record_id_l", "record_id_r"]).height
    return _prf(hits, predicted.height, truth.height)


def clusters(record_ids: pl.Series, matches: pl.DataFrame) -> pl.DataFrame:
    """Connected components of the accepted pairs: ``record_id`` → ``cluster`` (int)."""
    index = pl.DataFrame({"record_id": record_ids, "i": np.arange(len(record_ids))})
    edges = (
        matches.join(index, left_on="record_id_l", right_on="record_id")
        .join(index, left_on="record_id_r", right_on="record_id", suffix="_r")
        .select("i", "i_r")
    )
    n = len(record_ids)
    graph = coo_matrix((np.ones(edges.height), (edges["i"], edges["i_r"])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return pl.DataFrame({"record_id": record_ids, "cluster": labels})


def cluster_metrics(links: pl.DataFrame, ground_truth: pl.DataFrame) -> dict[str, float]:
    """Cluster pair F1, split patients, fragmentation, completeness, purity, perfect rate.

    Args:
        links: ``record_id`` → ``cluster`` for every record.
        ground_truth: ``record_id`` → ``patient_id``.
    """
    joined = ground_truth.select("record_id", "patient_id").join(links, on="record_id")
    in_cluster = joined.select("record_id", "cluster")
    cluster_pairs = (
        in_cluster.join(in_cluster, on="cluster", suffix="_r")
        .filter(pl.col("record_id") < pl.col("record_id_r"))
        .select(record_id_l="record_id", record_id_r="record_id_r")
    )
    truth = true_pairs(ground_truth)
    hits = cluster_pairs.join(truth, on=["record_id_l", "record_id_r"]).height
    scores = _prf(hits, cluster_pairs.height, truth.height)
    per_patient = joined.group_by("patient_id").agg(
        records=pl.len(), clusters=pl.col("cluster").n_unique(), cluster=pl.col("cluster").first()
    )
    cluster_size = joined.group_by("cluster").agg(
        size=pl.len(), patients=pl.col("patient_id").n_unique()
    )
    multi = per_patient.filter(pl.col("records") > 1).join(cluster_size, on="cluster")
    split = int((multi["clusters"] > 1).sum())
    perfect = int(((multi["clusters"] == 1) & (multi["size"] == multi["records"])).sum())
    populated = cluster_size.filter(pl.col("size") > 1)
    n_multi = max(multi.height, 1)
    return {
        "cluster_pair_precision": scores["pair_precision"],
        "cluster_pair_recall": scores["pair_recall"],
        "cluster_pair_f1": scores["pair_f1"],
        "split_patients": float(split),
        "fragmentation_rate": split / n_multi,
        "completeness": 1 - split / n_multi,
        "purity": float((populated["patients"] == 1).mean()) if populated.height else 1.0,  # type: ignore[arg-type]
        "perfect_resolution_rate": perfect / n_multi,
    }


def labelled_pairs(scored: pl.DataFrame, truth: pl.DataFrame, column: str) -> pl.DataFrame:
    """Each distinct pair (either order) with its highest ``column`` and ``true``: whether it is
    a true pair (``truth`` from :func:`true_pairs`)."""
    return (
        scored.with_columns(
            record_id_l=pl.min_horizontal("record_id_l", "record_id_r"),
            record_id_r=pl.max_horizontal("record_id_l", "record_id_r"),
        )
        .group_by("record_id_l", "record_id_r")
        .agg(pl.col(column).max())
        .join(truth.with_columns(true=pl.lit(True)), on=["record_id_l", "record_id_r"], how="left")
        .with_columns(pl.col("true").fill_null(False))
    )


def threshold_sweep(
    scored: pl.DataFrame, truth: pl.DataFrame, column: str = "match_probability", steps: int = 200
) -> pl.DataFrame:
    """Pair precision/recall/F1 of accepting pairs with ``column`` ≥ each threshold."""
    labelled = labelled_pairs(scored, truth, column)
    thresholds = np.unique(np.quantile(labelled[column].to_numpy(), np.linspace(0, 1, steps)))
    values = labelled[column].to_numpy()
    is_true = labelled["true"].to_numpy()
    order = np.argsort(-values)
    cum_true = np.cumsum(is_true[order])
    sorted_values = values[order]
    rows = []
    for threshold in thresholds:
        accepted = int(np.searchsorted(-sorted_values, -threshold, side="right"))
        hits = int(cum_true[accepted - 1]) if accepted else 0
        rows.append({"threshold": float(threshold), **_prf(hits, accepted, truth.height)})
    return pl.DataFrame(rows)
