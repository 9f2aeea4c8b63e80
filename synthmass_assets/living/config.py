"""Run configuration of the living index (shown with its help texts in the Launchpad)."""

from __future__ import annotations

import dagster as dg
from pydantic import Field

from synthmass_assets.mpi.config import FusionConfig, PairPredictionConfig


class ReplayConfig(dg.Config):
    """How the evaluation records are cut into the live track's batches."""

    initial_share: float = Field(
        default=0.4, gt=0, le=1, description="Share of the records (earliest registered first) "
        "in the initial load, batch_00.",
    )  # fmt: skip
    batches: int = Field(
        default=4,
        ge=1,
        description="Batches the remaining records arrive in, by registration time.",
    )


class BatchMatchConfig(FusionConfig):
    """How a batch is matched against the index: the one-shot track's tiers, decision rules,
    guards and fusion, plus the review band of POSSIBLE_MATCH."""

    auto_match_threshold: float = Field(
        default=0.99, gt=0, le=1, description="Splink probability of the auto-match tier."
    )
    auto_reject_threshold: float = Field(
        default=0.01, ge=0, lt=1, description="Splink probability below which pairs auto-reject."
    )
    min_match_probability: float = Field(
        default=PairPredictionConfig.model_fields["min_match_probability"].default, ge=0, lt=1,
        description="Pairs below this Splink probability are not given to the classifier (as "
        "pair_predictions, whose default it shares), so they can never match: a batch keeps "
        "none of them.",
    )  # fmt: skip
    review_floor: float = Field(
        default=0.2, gt=0, lt=1, description="Lowest fused score of the review band: a record "
        "left alone with a pair at or above it is a POSSIBLE_MATCH awaiting a steward; pairs "
        "below it never touch a golden record.",
    )  # fmt: skip
    merge_floor: float = Field(
        default=0.99, gt=0, le=1, description="Fused score a new record's pair needs to merge "
        "two golden records (the older id survives); a weaker bridge is rejected and, in the "
        "review band, left as a POSSIBLE_MATCH for a steward.",
    )  # fmt: skip
