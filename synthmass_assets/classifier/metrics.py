"""Binary classification metrics of pair predictions (numpy only)."""

from __future__ import annotations

import numpy as np

METRIC_NAMES = ("precision", "recall", "f1", "accuracy", "roc_auc")
COUNT_NAMES = ("tp", "fp", "tn", "fn")


def log_loss(labels: np.ndarray, logits: np.ndarray) -> float:
    """Mean binary cross-entropy of logits (log-odds)."""
    return float(np.mean(np.logaddexp(0.0, logits) - labels * logits))


def negatives_per_positive(labels: np.ndarray) -> float:
    """How many negatives the labels hold per positive (at least one of each counted); the
    weight that makes positives count as much as negatives in a loss."""
    positives = max(float(np.sum(labels)), 1.0)
    return max(float(len(labels)) - positives, 1.0) / positives


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve (Mann–Whitney U, ties counted half); NaN with one class only."""
    labels = np.asarray(labels).astype(bool)
    n_pos, n_neg = int(labels.sum()), int((~labels).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    # Average 1-based rank of each distinct score value.
    upper = np.cumsum(counts)
    mean_rank = upper - (counts - 1) / 2.0
    rank_sum = mean_rank[inverse][labels].sum()
    return float((rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def binary_metrics(
    labels: np.ndarray, probabilities: np.ndarray, threshold: float = 0.5
) -> dict[str, float]:
    """Precision, recall, F1, accuracy, ROC AUC and confusion counts at ``threshold``.

    Args:
        labels: 1 for same patient, 0 otherwise.
        probabilities: Predicted probability of the same patient.
        threshold: Probabilities at or above it are predicted matches.

    Returns:
        `METRIC_NAMES` and `COUNT_NAMES` (counts as floats) plus ``n``.
    """
    truth = np.asarray(labels).astype(bool)
    predicted = np.asarray(probabilities) >= threshold
    tp = int((predicted & truth).sum())
    fp = int((predicted & ~truth).sum())
    fn = int((~predicted & truth).sum())
    tn = int((~predicted & ~truth).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "accuracy": (tp + tn) / max(len(truth), 1),
        "roc_auc": roc_auc(truth, np.asarray(probabilities)),
        "tp": float(tp),
        "fp": float(fp),
        "tn": float(tn),
        "fn": float(fn),
        "n": float(len(truth)),
    }
