"""Run configuration of the classifier stage, shown in the Launchpad.

``PairClassifierConfig`` is generated from the fields of `PairClassifierSettings`, so the
Launchpad shows the training script's own defaults and help texts.
"""

from __future__ import annotations

from dataclasses import MISSING, fields
from typing import TYPE_CHECKING, Any

import dagster as dg
from pydantic import Field, create_model

from synthmass_assets.classifier.dataset.pair_dataset import PairSampling
from synthmass_assets.classifier.settings import PairClassifierSettings


class PairDatasetConfig(dg.Config):
    """How labelled pairs are drawn from the training track."""

    validation_share: float = Field(
        default=0.15,
        ge=0,
        lt=1,
        description="Share of patients (whole look-alike groups) in validation.",
    )
    test_share: float = Field(
        default=0.15, gt=0, lt=1, description="Share of patients in the held-out test split."
    )
    random_negative_share: float = Field(
        default=0.3,
        ge=0,
        le=1,
        description="Share of negatives drawn as random record pairs (at least); the others "
        "are Splink blocking candidates of different patients, look-alikes first.",
    )
    max_positive_pairs: int = Field(
        default=0, ge=0, description="Cap on positive pairs per split before balancing (0: none)."
    )
    train_negatives_per_positive: float = Field(
        default=1.0,
        ge=1,
        description="Negatives per positive in the train split (1: balanced like validation "
        "and test); above 1, training weighs the classes back to balance.",
    )
    seed: int = Field(default=0, description="Seed of the patient split and of every sample.")

    def to_sampling(self) -> PairSampling:
        return PairSampling(**self.model_dump())


class _PairClassifierConfigBase(dg.Config):
    def to_settings(self) -> PairClassifierSettings:
        return PairClassifierSettings(**self.model_dump())


def _settings_fields() -> dict[str, Any]:
    definitions: dict[str, Any] = {}
    for item in fields(PairClassifierSettings):
        factory = item.default_factory
        default = factory() if item.default is MISSING and callable(factory) else item.default
        kind = list[str] if isinstance(default, list) else type(default)
        definitions[item.name] = (kind, Field(default=default, description=item.metadata["help"]))
    return definitions


if TYPE_CHECKING:
    PairClassifierConfig = _PairClassifierConfigBase
else:
    PairClassifierConfig = create_model(
        "PairClassifierConfig", __base__=_PairClassifierConfigBase, **_settings_fields()
    )
    PairClassifierConfig.__doc__ = (
        "Model family, LoRA, quantization and optimisation of the pair classifier."
    )


class ClassifierQualityConfig(dg.Config):
    """The bar a trained classifier must clear before it flows downstream."""

    f1_floor: float = Field(
        default=0.95, ge=0, le=1, description="Minimum held-out test F1 of the full model."
    )


class MergeConfig(dg.Config):
    """How strictly the merged model must reproduce the trained model's test metrics."""

    tolerance: float = Field(
        default=0.005,
        ge=0,
        description="Largest allowed difference between merged and trained test F1/accuracy.",
    )
