"""The synthetic tracks: one asset factory, different defaults per track."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TrackSpec:
    """Defaults of one synthetic track (asset key prefix and DuckDB schema)."""

    name: str
    description: str
    population: int
    seed: int


EVALUATION = TrackSpec(
    name="evaluation",
    description="Adversarial benchmark population resolved into the master patient index.",
    population=2_500,
    seed=20_251,
)
TRAINING = TrackSpec(
    name="training",
    description="Separate population from which the pair classifier is trained.",
    population=10_000,
    seed=70_313,
)
SYNTHETIC_TRACKS: tuple[TrackSpec, ...] = (EVALUATION, TRAINING)
