"""Run config of the steward assets (shown in the Launchpad)."""

from __future__ import annotations

import dagster as dg
from pydantic import Field

from synthmass_assets.mpi.config import FusionConfig
from synthmass_assets.steward.dashboards import DashboardParams
from synthmass_assets.steward.review import ReviewBand


class DashboardConfig(dg.Config):
    """How much of the track Splink's views show."""

    pairs_per_tier: int = Field(
        default=2000, description="Scored pairs sampled per tier for the comparison viewer."
    )
    clusters: int = Field(
        default=8, description="Golden records in cluster studio: half largest, half least dense."
    )
    example_rows: int = Field(default=3, description="Example pairs per comparison vector.")
    seed: int = Field(default=0, description="Seed of the pair sample.")

    def to_params(self) -> DashboardParams:
        return DashboardParams(self.pairs_per_tier, self.clusters, self.example_rows, self.seed)


class ReviewQueueConfig(dg.Config):
    """The review band and the fusion that scores it."""

    low: float = Field(default=0.2, description="Lowest fused score queued for review.")
    high: float = Field(default=0.8, description="Highest fused score queued for review.")
    limit: int = Field(default=500, description="Most pairs in the queue (highest priority).")
    fusion: FusionConfig = Field(
        default_factory=FusionConfig,
        description="The fusion overrides resolved_matches ran with (unset: calibrated).",
    )

    def band(self) -> ReviewBand:
        return ReviewBand(self.low, self.high, self.limit)


class StewardDecisionsConfig(dg.Config):
    """Where the steward's decision files are."""

    path: str = Field(
        default="",
        description="A decisions file (CSV or Parquet: record_id_l, record_id_r, decision "
        "MATCH | NO_MATCH, reviewer, decided_at) or a folder of them; empty: "
        "$SYNTHMASS_HOME/steward/<track>/.",
    )
