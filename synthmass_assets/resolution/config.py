"""Run configuration of the resolution stage."""

from __future__ import annotations

from enum import Enum

import dagster as dg
from pydantic import Field

from synthmass_assets.resolution.engines import Engine
from synthmass_assets.resolution.linkage import ClosureParams, TrainingParams

ENGINE_HELP = (
    "Where Splink runs: duckdb on this machine, or spark on the session of the spark resource "
    "(needs the spark extra and Java 17). The model JSON is the same either way, so a model "
    "trained on one engine scores on the other."
)


class SplinkTrainingConfig(dg.Config):
    """How the Splink model is trained without labels."""

    engine: Engine = Field(default=Engine.duckdb, description=ENGINE_HELP)
    seed: int = Field(default=42, description="Seed of the random sampling that estimates u.")
    deterministic_recall: float = Field(
        default=0.3,
        gt=0,
        le=1,
        description=(
            "Assumed recall of the deterministic rules (SSN + birth year; names + birth year) "
            "used to estimate λ, the prior probability that two records match."
        ),
    )
    u_max_pairs: float = Field(
        default=2e6, gt=0, description="Random record pairs sampled to estimate u probabilities."
    )
    em_max_iterations: int = Field(
        default=40, ge=1, description="Iteration cap of each expectation-maximisation pass."
    )
    em_convergence: float = Field(
        default=1e-4, gt=0, description="EM stops when no parameter moves by more than this."
    )
    max_comparisons_per_record: float = Field(
        default=120.0,
        gt=0,
        description="Comparison budget per record: broad blocking rules are added only while "
        "the blocked pairs stay within it.",
    )
    max_comparisons_total: float = Field(
        default=20e6, gt=0, description="Cap on blocked pairs whatever the dataset size."
    )
    min_records_for_em: int = Field(
        default=1000,
        ge=0,
        description="With fewer records EM is not run: m probabilities come from the fallback "
        "model (when there is one); λ and u are still estimated from these records.",
    )
    fallback_model: str = Field(
        default="training",
        description="Where m probabilities come from when the data are too few for EM or an EM "
        "pass finds no pairs: a track whose published Splink model is used (default the "
        "training track, when it has been materialized), or the path of a Splink model JSON "
        "file; empty for none.",
    )

    def to_params(self) -> TrainingParams:
        return TrainingParams(
            seed=self.seed,
            deterministic_recall=self.deterministic_recall,
            u_max_pairs=self.u_max_pairs,
            em_max_iterations=self.em_max_iterations,
            em_convergence=self.em_convergence,
            max_comparisons_per_record=self.max_comparisons_per_record,
            max_comparisons_total=self.max_comparisons_total,
            min_records_for_em=self.min_records_for_em,
        )


class ScoringConfig(dg.Config):
    """How blocked pairs are scored and split into tiers."""

    engine: Engine = Field(default=Engine.duckdb, description=ENGINE_HELP)
    auto_match_threshold: float = Field(
        default=0.99, gt=0, le=1, description="Pairs with match probability ≥ this are matches."
    )
    auto_reject_threshold: float = Field(
        default=0.01,
        ge=0,
        lt=1,
        description="Pairs below this are non-matches; between: gray zone.",
    )
    closure_probability: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="Second blocking pass: pairs at or above this are likely matches; records "
        "that share a likely match are scored against each other too.",
    )
    closure_neighbours: int = Field(
        default=5,
        ge=2,
        description="Second blocking pass: only each record's this many best likely matches are "
        "paired with one another.",
    )

    def closure(self) -> ClosureParams:
        return ClosureParams(self.closure_probability, self.closure_neighbours)


class LinkType(Enum):
    """Splink's link types."""

    dedupe_only = "dedupe_only"
    link_only = "link_only"
    link_and_dedupe = "link_and_dedupe"


class SourcesConfig(dg.Config):
    """Which record pairs are compared, and which sources register each person once."""

    link_type: LinkType = Field(
        default=LinkType.link_and_dedupe,
        description="dedupe_only: duplicates within each source; link_only: records across "
        "sources only; link_and_dedupe: both (Splink's link types).",
    )
    duplicate_free_sources: list[str] = Field(
        default_factory=list,
        description="Sources known to register each person once ('*': all; Splink's "
        "duplicate_free_datasets). Only there is a record never matched to a second record of "
        "the source; elsewhere two records of one source share a cluster only through a direct "
        "match. The synthetic protocol registers some patients twice at one facility "
        "(within_facility_duplicates), so none is declared by default.",
    )

    def link_type_name(self) -> str:
        return LinkType(self.link_type).value
