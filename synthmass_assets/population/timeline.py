"""Vectorized helpers to expand per-patient counts into rows and place them in time."""

from __future__ import annotations

import numpy as np


def expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row index per patient and rank within the patient, for ``counts[i]`` rows of patient i."""
    counts = np.maximum(counts, 0).astype(np.int64)
    patient = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    rank = np.arange(len(patient)) - np.repeat(starts, counts)
    return patient, rank


def periodic(
    first: np.ndarray,
    last: np.ndarray,
    every_days: float,
    jitter_days: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Rows every ``every_days`` from ``first`` (inclusive) to ``last`` (exclusive) per patient.

    Returns (patient index, day) pairs; patients with ``last <= first`` get none.
    """
    span = np.where(np.isfinite(last - first), last - first, 0.0)
    counts = np.where(span > 0, np.ceil(span / every_days), 0).astype(np.int64)
    patient, rank = expand(counts)
    day = first[patient] + rank * every_days
    day = day + rng.uniform(-jitter_days, jitter_days, len(day))
    keep = (day >= first[patient]) & (day < last[patient])
    return patient[keep], np.floor(day[keep])
