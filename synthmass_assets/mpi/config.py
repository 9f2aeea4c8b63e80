"""Run configuration of the mpi stage (shown with its help texts in the Launchpad)."""

from __future__ import annotations

from enum import Enum

import dagster as dg
from pydantic import Field

from synthmass_assets.mpi.clustering import Guard
from synthmass_assets.mpi.decisions import DecisionRules
from synthmass_assets.mpi.fusion import BaseRateEstimator, FusionMethod, FusionParams


class Tier(Enum):
    """Splink tiers (``scored_pairs.tier``)."""

    auto_match = "auto_match"
    gray_zone = "gray_zone"
    auto_reject = "auto_reject"


class BaseRateMethod(Enum):
    """Label-free estimators of the scored pairs' match rate."""

    em = "em"
    splink_mean = "splink_mean"


class GuardName(Enum):
    """Clustering guards (see ``clustering``)."""

    facility = "facility"
    identity = "identity"


class PairPredictionConfig(dg.Config):
    """Which pairs the classifier scores, and in what batches."""

    tiers: list[Tier] = Field(
        # Dagster's config schema takes enum defaults by name, not as members.
        default_factory=lambda: ["auto_match", "gray_zone", "auto_reject"],  # type: ignore[arg-type]
        description="Splink tiers whose pairs the classifier scores (both records need clinical "
        "history). Pairs of other tiers keep Splink's decision. Scoring auto-matches lets the "
        "clinical histories veto look-alikes (twins share every demographic field but one); "
        "scoring auto-rejects above min_match_probability rescues badly damaged records.",
    )
    min_match_probability: float = Field(
        default=1e-6,
        ge=0,
        le=1,
        description="Pairs below this Splink probability are not scored and stay rejected. "
        "A compute floor: on the default draw 1e-6 scores 48% of the blocked pairs with "
        "history (1e-5: 34%, 0: all), and against 1e-5 it raised pair F1 and lowered "
        "fragmentation on every draw measured (default, seed 1, Texas, 4,000 patients).",
    )
    batch_size: int = Field(
        default=20_000, gt=0, description="Pairs per scorer call; progress is logged per batch."
    )

    def tier_names(self) -> list[str]:
        return [Tier(tier).value for tier in self.tiers]


class FusionMethodName(Enum):
    """Fusion methods (see ``fusion``)."""

    naive_bayes = "naive_bayes"
    logistic = "logistic"


class CalibrationConfig(dg.Config):
    """How fusion weights and threshold are fitted on training-track held-out pairs."""

    method: FusionMethodName = Field(
        default=FusionMethodName.naive_bayes,
        description="naive_bayes: Splink's posterior log-odds plus the classifier's log "
        "likelihood ratio (weights 1 and 1, only the threshold is fitted; carries over between "
        "tracks with different error rates). logistic: weights and bias fitted on the "
        "held-out pairs around the track's estimated base rate.",
    )

    base_rate_estimator: BaseRateMethod = Field(
        default=BaseRateMethod.em,
        description="Base rate of the scored pairs without labels: em (prior EM on classifier "
        "outputs, Saerens et al. 2002) or splink_mean (mean Splink probability).",
    )
    training_match_rate: float = Field(
        default=0.5, gt=0, lt=1, description="Match rate of the classifier's training pairs."
    )
    l2: float = Field(
        default=1e-3, ge=0, description="L2 penalty on the weights of the logistic fit."
    )
    best_per_facility: bool = Field(
        default=True,
        description="Choose the threshold with the best-per-facility rule applied, as "
        "resolved_matches applies it (keep equal to its best_per_facility).",
    )

    def estimator(self) -> BaseRateEstimator:
        return BaseRateMethod(self.base_rate_estimator).value

    def fusion_method(self) -> FusionMethod:
        return FusionMethodName(self.method).value


class LinkConfig(dg.Config):
    """Guards of the clustering against chaining different people together."""

    guards: list[GuardName] = Field(
        default_factory=lambda: ["facility"],  # type: ignore[arg-type]
        description="facility: a cluster holds at most one record of a source declared "
        "duplicate-free, and two records of any other source only through a direct match "
        "between them; identity: no two records whose national ids (SSNs) and birthdates both "
        "differ. Conflicting clusters are rebuilt strongest edge first, cutting the weakest "
        "links.",
    )

    def guard_names(self) -> list[Guard]:
        return [GuardName(guard).value for guard in self.guards]


class DecisionConfig(LinkConfig):
    """How pairs without a classifier prediction are decided, and the guards whose cuts are
    rejected (the same guards as record_links by default)."""

    splink_only_threshold: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="Gray-zone pairs without clinical history are matches at or above this "
        "Splink probability.",
    )
    distinct_within_facility: bool = Field(
        default=True,
        description="Two records of one source declared duplicate-free (its sources asset) are "
        "never one patient.",
    )
    best_per_facility: bool = Field(
        default=True,
        description="Of a record's accepted matches at one other source declared "
        "duplicate-free keep only the strongest (decision_source 'outranked' for the others); "
        "needs distinct_within_facility.",
    )

    given_name_conflicts: bool = Field(
        default=True,
        description="Twin logic: a pair Splink alone would accept is rejected when both given "
        "names are present and have nothing in common (not equal, nickname, typo, initial or "
        "swapped), unless the national identifiers agree. Pairs the classifier scores are "
        "left to the clinical evidence.",
    )

    def to_rules(self) -> DecisionRules:
        return DecisionRules(
            self.splink_only_threshold,
            self.distinct_within_facility,
            self.best_per_facility,
            self.given_name_conflicts,
        )


class FusionConfig(DecisionConfig):
    """Overrides of the calibrated fusion; unset fields take the calibrated values."""

    splink_weight: float | None = Field(
        default=None, description="Weight of Splink's log-odds (unset: calibrated)."
    )
    classifier_weight: float | None = Field(
        default=None, description="Weight of the classifier's log-odds (unset: calibrated)."
    )
    bias: float | None = Field(default=None, description="Added log-odds (unset: calibrated).")
    threshold: float | None = Field(
        default=None, description="Fused log-odds at or above which a pair matches."
    )
    splink_clip: float | None = Field(
        default=None,
        gt=0,
        description="Splink's log-odds are clipped to plus or minus this before fusing "
        "(unset: calibrated).",
    )

    def overrides(self, calibrated: FusionParams) -> FusionParams:
        """The calibrated parameters with every set field replaced."""
        return FusionParams(
            splink_weight=_pick(self.splink_weight, calibrated.splink_weight),
            classifier_weight=_pick(self.classifier_weight, calibrated.classifier_weight),
            bias=_pick(self.bias, calibrated.bias),
            threshold=_pick(self.threshold, calibrated.threshold),
            training_rate=calibrated.training_rate,
            base_rate_offset=calibrated.base_rate_offset,
            splink_clip=_pick(self.splink_clip, calibrated.splink_clip),
        )


def _pick(value: float | None, default: float) -> float:
    return default if value is None else value


class QualityFloorsConfig(dg.Config):
    """Floors of the synthmass row of resolution_metrics."""

    pair_f1_floor: float = Field(default=0.96, ge=0, le=1, description="Minimum pair F1.")
    fragmentation_ceiling: float = Field(
        default=0.02, ge=0, le=1, description="Maximum share of multi-record patients split."
    )
