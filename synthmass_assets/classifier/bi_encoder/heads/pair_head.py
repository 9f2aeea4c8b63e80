"""The pair head: scores a pair from two record encodings and the structured pair features.

Inputs are ``[u, v, |u − v|, u * v]`` of the encodings ``u`` and ``v``, the standardised
structured features and the semantic item matches (`evidence.semantic`, read by the encoder).
Ablation variants read only one side: ``text_only`` (what the encoder read: encodings and
semantic matches) or ``structured_only`` (the structured features); ``full`` reads both and
is the served model. Every variant also reads the profile features.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

VARIANTS = {"full": (True, True), "structured_only": (False, True), "text_only": (True, False)}


def variant_columns(variant: str, n_features: int, n_semantic: int, n_profile: int) -> np.ndarray:
    """Columns of ``[structured, semantic, profile]`` evidence that ``variant`` reads."""
    use_text, use_features = VARIANTS[variant]
    parts = []
    if use_features:
        parts.append(np.arange(n_features))
    if use_text:
        parts.append(np.arange(n_features, n_features + n_semantic))
    parts.append(np.arange(n_features + n_semantic, n_features + n_semantic + n_profile))
    return np.concatenate(parts).astype(np.int64)


@dataclass(frozen=True)
class HeadShape:
    """Sizes of a pair head; stored beside its weights.

    ``features`` passed to the head hold ``n_features`` structured pair features, then
    ``n_semantic`` semantic item matches, then ``n_profile`` profile features (birth-year and
    sex agreement of the two records).
    """

    text_dim: int
    n_features: int
    n_profile: int = 0
    hidden: int = 256
    text_hidden: int = 64
    dropout: float = 0.1
    variant: str = "full"
    n_semantic: int = 0


class ScaledHead(nn.Module):
    """A head that standardises its feature inputs with statistics of the training split."""

    feature_mean: torch.Tensor
    feature_std: torch.Tensor

    def __init__(self, n_features: int) -> None:
        super().__init__()
        self.register_buffer("feature_mean", torch.zeros(n_features))
        self.register_buffer("feature_std", torch.ones(n_features))

    def fit_scaler(self, features: np.ndarray) -> None:
        """Standardise features with the training split's mean and spread."""
        self.feature_mean.copy_(torch.from_numpy(features.mean(0)))
        self.feature_std.copy_(torch.from_numpy(features.std(0)).clamp(min=1e-3))

    def scaled(self, features: torch.Tensor) -> torch.Tensor:
        return (features - self.feature_mean) / self.feature_std


class PairHead(ScaledHead):
    """Small MLP producing one logit per pair (positive: same patient).

    The text part ``[u, v, |u − v|, u * v]`` is first projected to ``text_hidden`` units, so
    that the 4 × 384 encoding inputs do not drown the few structured features.
    """

    text: nn.Sequential
    net: nn.Sequential

    def __init__(self, shape: HeadShape) -> None:
        super().__init__(shape.n_features + shape.n_semantic + shape.n_profile)
        self.shape = shape
        self.use_text, self.use_features = VARIANTS[shape.variant]
        self.columns = torch.from_numpy(
            variant_columns(shape.variant, shape.n_features, shape.n_semantic, shape.n_profile)
        )
        width = (shape.text_hidden if self.use_text else 0) + len(self.columns)
        self.text = (
            nn.Sequential(
                nn.Dropout(shape.dropout),
                nn.Linear(4 * shape.text_dim, shape.text_hidden),
                nn.GELU(),
            )
            if self.use_text
            else nn.Sequential()
        )
        self.net = nn.Sequential(
            nn.Linear(width, shape.hidden),
            nn.GELU(),
            nn.Dropout(shape.dropout),
            nn.Linear(shape.hidden, shape.hidden // 4),
            nn.GELU(),
            nn.Linear(shape.hidden // 4, 1),
        )

    def forward(self, u: torch.Tensor, v: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
        parts = [self.scaled(features)[:, self.columns]]
        if self.use_text:
            parts.append(self.text(torch.cat([u, v, (u - v).abs(), u * v], dim=-1)))
        return self.net(torch.cat(parts, dim=-1)).squeeze(-1)


def cosine(step: int, total: int, floor: float = 0.05) -> float:
    """Learning-rate factor: cosine decay from 1 to ``floor`` over ``total`` steps."""
    progress = min(step / max(total, 1), 1.0)
    return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))
