"""Record profiles: birth year and sex estimated from one record's clinical history.

A well-child visit, a vaccine given at two months, a pregnancy or a growth curve says much
about who a record belongs to. A small head learns, on the training track's records, to
estimate the birth year (with its uncertainty) and the sex from a record's encoding and/or its
fact vector; two records whose estimates disagree are unlikely to be one person. Estimates for
training records are cross-fitted (each fold predicted by a head that did not see it), so the
pair heads learn how far the estimates can be trusted on unseen records.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from synthmass_assets.classifier.bi_encoder.heads.pair_head import VARIANTS, ScaledHead, cosine

BIRTH_ORIGIN, BIRTH_SCALE = 1970.0, 30.0
PROFILE_FEATURES = (
    "birth_gap", "birth_z", "birth_sd", "same_sex", "sex_gap",
    "birth_earlier", "birth_later", "sd_smaller", "sd_larger", "female_lower", "female_higher",
)  # fmt: skip
BATCH = 256


@dataclass(frozen=True)
class ProfileShape:
    """Sizes of a profile head; stored beside its weights."""

    text_dim: int
    record_dim: int
    hidden: int = 256
    dropout: float = 0.1
    variant: str = "full"


class ProfileHead(ScaledHead):
    """MLP from a record's encoding and/or fact vector to (birth mean, log variance, sex logit)."""

    net: nn.Sequential

    def __init__(self, shape: ProfileShape) -> None:
        super().__init__(shape.record_dim)
        self.shape = shape
        self.use_text, self.use_features = VARIANTS[shape.variant]
        width = (shape.text_dim if self.use_text else 0) + (
            shape.record_dim if self.use_features else 0
        )
        self.net = nn.Sequential(
            nn.Linear(width, shape.hidden),
            nn.GELU(),
            nn.Dropout(shape.dropout),
            nn.Linear(shape.hidden, 3),
        )

    def forward(self, encoding: torch.Tensor, facts: torch.Tensor) -> torch.Tensor:
        parts = []
        if self.use_text:
            parts.append(encoding)
        if self.use_features:
            parts.append(self.scaled(facts))
        return self.net(torch.cat(parts, dim=-1))


def profile_loss(
    output: torch.Tensor, birth_year: torch.Tensor, female: torch.Tensor
) -> torch.Tensor:
    """Gaussian negative log-likelihood of the birth year plus cross-entropy of the sex."""
    mean, log_var = output[:, 0], output[:, 1].clamp(-8, 4)
    target = (birth_year - BIRTH_ORIGIN) / BIRTH_SCALE
    nll = 0.5 * (log_var + (target - mean) ** 2 / log_var.exp())
    sex = nn.functional.binary_cross_entropy_with_logits(output[:, 2], female)
    return nll.mean() + sex


def fit_profile(
    head: ProfileHead,
    encodings: torch.Tensor,
    facts: torch.Tensor,
    labels: tuple[torch.Tensor, torch.Tensor],
    epochs: int,
    learning_rate: float,
    seed: int,
) -> ProfileHead:
    """Train ``head`` for ``epochs`` epochs on records with ``labels`` (birth year, female)."""
    birth_year, female = labels
    head.fit_scaler(facts.numpy())
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(head.parameters(), lr=learning_rate, weight_decay=1e-4)
    steps = epochs * -(-len(facts) // BATCH)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: cosine(step, steps))
    head.train()
    for _ in range(epochs):
        order = torch.randperm(len(facts), generator=generator)
        for start in range(0, len(order), BATCH):
            rows = order[start : start + BATCH]
            loss = profile_loss(head(encodings[rows], facts[rows]), birth_year[rows], female[rows])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
    return head.eval()


def estimate(head: ProfileHead, encodings: torch.Tensor, facts: torch.Tensor) -> np.ndarray:
    """Per record: estimated birth year, its standard deviation (years), P(female)."""
    head.eval()
    with torch.inference_mode():
        output = (
            torch.cat(
                [
                    head(encodings[i : i + 8_192], facts[i : i + 8_192])
                    for i in range(0, len(facts), 8_192)
                ]
            )
            if len(facts)
            else torch.zeros((0, 3))
        )
    year = output[:, 0] * BIRTH_SCALE + BIRTH_ORIGIN
    sd = (0.5 * output[:, 1].clamp(-8, 4)).exp() * BIRTH_SCALE
    return torch.stack([year, sd, torch.sigmoid(output[:, 2])], dim=1).numpy()


def pair_profile_features(estimates: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """`PROFILE_FEATURES` of each pair from both records' estimates (symmetric)."""
    year, sd, female = estimates[:, 0], estimates[:, 1], estimates[:, 2]
    gap = np.abs(year[left] - year[right])
    spread = np.sqrt(sd[left] ** 2 + sd[right] ** 2)
    same_sex = female[left] * female[right] + (1 - female[left]) * (1 - female[right])
    scaled = (year - BIRTH_ORIGIN) / BIRTH_SCALE
    columns = [
        gap / 10, gap / np.maximum(spread, 0.5), spread / 10, same_sex,
        np.abs(female[left] - female[right]),
        np.minimum(scaled[left], scaled[right]), np.maximum(scaled[left], scaled[right]),
        np.minimum(sd[left], sd[right]) / 10, np.maximum(sd[left], sd[right]) / 10,
        np.minimum(female[left], female[right]), np.maximum(female[left], female[right]),
    ]  # fmt: skip
    return np.column_stack(columns).astype(np.float32)
