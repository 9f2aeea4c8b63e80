"""LoRA fine-tuning of the record encoder, end to end through two auxiliary heads.

Each step samples train pairs, encodes both records with gradients and adds up to four
losses: the class-balanced pair loss of a pair head on ``[u, v, |u − v|, u * v]``, an in-batch
contrastive loss (`contrastive_loss`), the profile loss (birth year, sex) of each encoded
record, and the item objective (`item_tuning`: the items of one person's records should read
alike). The heads are only scaffolding for the adapter; the served heads are fitted afterwards
on cached encodings.
"""

from __future__ import annotations

import logging

import numpy as np
import torch
from peft import PeftModel
from torch import nn

from synthmass_assets.classifier.bi_encoder import encoder as enc
from synthmass_assets.classifier.bi_encoder.head_training import PairTensors, balanced_loss
from synthmass_assets.classifier.bi_encoder.heads.pair_head import HeadShape, PairHead
from synthmass_assets.classifier.bi_encoder.heads.profile import (
    ProfileHead,
    ProfileShape,
    profile_loss,
)
from synthmass_assets.classifier.bi_encoder.item_tuning import (
    ItemScore,
    RecordItems,
    item_agreement,
)
from synthmass_assets.classifier.settings import PairClassifierSettings

logger = logging.getLogger(__name__)


CONTRASTIVE_TEMPERATURE = 0.05


def contrastive_loss(u: torch.Tensor, v: torch.Tensor, positive: torch.Tensor) -> torch.Tensor:
    """In-batch contrastive loss (sentence-transformers' MultipleNegativesRankingLoss, both
    ways): each positive pair's left record must find its right record among all the batch's
    right records, and the other way round."""
    if int(positive.sum()) < 2:
        return u.new_zeros(())
    similarity = u[positive] @ v.T / CONTRASTIVE_TEMPERATURE
    target = torch.nonzero(positive).squeeze(1)
    reverse = v[positive] @ u.T / CONTRASTIVE_TEMPERATURE
    return (
        nn.functional.cross_entropy(similarity, target)
        + nn.functional.cross_entropy(reverse, target)
    ) / 2


def tune_encoder(
    model: PeftModel,
    ids: list[list[int]],
    pad_id: int,
    train: PairTensors,
    labels: tuple[torch.Tensor, torch.Tensor],
    settings: PairClassifierSettings,
    items: RecordItems | None = None,
) -> list[float]:
    """Run ``settings.max_steps`` optimizer steps; returns the loss of each step.

    Args:
        model: The encoder with LoRA adapters (only they are trainable).
        ids: Token ids of every record; ``train.left``/``train.right`` index into them.
        pad_id: Padding token id.
        train: The train pairs with their structured features and labels.
        labels: Birth year and female (0/1) of every record, aligned with ``ids``.
        settings: Steps, batch size, accumulation, learning rates, seed, item weight.
        items: Every record's items; with them (and ``settings.item_weight`` > 0) each step
            also adds the item objective (`item_tuning`).
    """
    text_dim = int(model.config.hidden_size)
    # The scaffolding pair head reads the encodings only: with the structured features beside
    # them it would solve the pairs without the text, and the adapter would learn little.
    pair_head = PairHead(HeadShape(text_dim, train.features.shape[1], variant="text_only"))
    profile_head = ProfileHead(ProfileShape(text_dim, 0, variant="text_only"))
    item_score = ItemScore()
    use_items = items is not None and settings.item_weight > 0
    optimizer = torch.optim.AdamW(
        [
            {
                "params": [p for p in model.parameters() if p.requires_grad],
                "lr": settings.learning_rate,
            },
            {
                "params": [
                    *pair_head.parameters(),
                    *profile_head.parameters(),
                    *item_score.parameters(),
                ],
                "lr": settings.head_learning_rate,
            },
        ]
    )
    birth_year, female = labels
    rng = np.random.default_rng(settings.seed)
    pair_loss = balanced_loss(train.labels)
    losses: list[float] = []
    for module in (model, pair_head, profile_head):
        module.train()
    for _ in range(settings.max_steps):
        total = 0.0
        for _ in range(settings.gradient_accumulation_steps):
            rows = rng.choice(len(train.labels), size=min(settings.batch_size, len(train.labels)))
            records, inverse = np.unique(
                np.concatenate([train.left[rows], train.right[rows]]), return_inverse=True
            )
            encoded = enc.pooled(model, enc.collate([ids[i] for i in records], pad_id))
            u, v = encoded[inverse[: len(rows)]], encoded[inverse[len(rows) :]]
            loss = pair_loss(pair_head(u, v, train.features[rows]), train.labels[rows])
            loss = loss + settings.contrastive_weight * contrastive_loss(
                u, v, train.labels[rows] > 0.5
            )
            index = torch.from_numpy(records)
            empty = torch.zeros((len(records), 0))
            loss = loss + profile_loss(
                profile_head(encoded, empty), birth_year[index], female[index]
            )
            if use_items and items is not None:
                agreement, comparable = item_agreement(
                    model, items, train.left[rows], train.right[rows], pad_id
                )
                if bool(comparable.any()):
                    loss = loss + settings.item_weight * pair_loss(
                        item_score(agreement[comparable]), train.labels[rows][comparable]
                    )
            (loss / settings.gradient_accumulation_steps).backward()
            total += loss.item() / settings.gradient_accumulation_steps
        optimizer.step()
        optimizer.zero_grad()
        losses.append(round(total, 5))
        if len(losses) % 10 == 0:
            logger.info("LoRA step %d/%d: loss %.4f", len(losses), settings.max_steps, total)
    if losses:
        logger.info("LoRA tuning: %d steps, loss %.4f → %.4f", len(losses), losses[0], losses[-1])
    return losses
