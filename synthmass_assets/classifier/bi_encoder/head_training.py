"""Fitting and applying pair heads on cached record encodings (no transformer involved)."""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import polars as pl
import torch
from torch import nn

from synthmass_assets.classifier.bi_encoder.heads.boosting import (
    Boosting,
    TreeHead,
    TreeShape,
    fit_trees,
    tree_inputs,
)
from synthmass_assets.classifier.bi_encoder.heads.pair_head import PairHead, cosine
from synthmass_assets.classifier.bi_encoder.heads.profile import pair_profile_features
from synthmass_assets.classifier.metrics import binary_metrics, negatives_per_positive
from synthmass_assets.classifier.settings import PairClassifierSettings

logger = logging.getLogger(__name__)
HEAD_BATCH = 256
SCORE_BATCH = 8_192


@dataclass(frozen=True)
class PairTensors:
    """One split's pairs: rows of both records in the encoding matrix, features, labels."""

    left: np.ndarray
    right: np.ndarray
    features: torch.Tensor
    labels: torch.Tensor

    @classmethod
    def build(
        cls, pairs: pl.DataFrame, features: np.ndarray, row_of: dict[str, int]
    ) -> PairTensors:
        left = np.array(
            [row_of[r] for r in pairs.get_column("record_id_l").to_list()], dtype=np.int64
        )
        right = np.array(
            [row_of[r] for r in pairs.get_column("record_id_r").to_list()], dtype=np.int64
        )
        labels = (
            pairs.get_column("label").to_numpy()
            if "label" in pairs.columns
            else np.zeros(len(left))
        )
        return cls(
            left, right, torch.from_numpy(features), torch.from_numpy(labels.astype(np.float32))
        )

    def with_columns(self, extra: np.ndarray) -> PairTensors:
        """The same pairs with ``extra`` feature columns appended."""
        features = torch.cat([self.features, torch.from_numpy(extra.astype(np.float32))], dim=1)
        return PairTensors(self.left, self.right, features, self.labels)

    def with_profiles(self, estimates: np.ndarray) -> PairTensors:
        """The same pairs with the profile features of both records appended."""
        extra = torch.from_numpy(pair_profile_features(estimates, self.left, self.right))
        features = torch.cat([self.features, extra], dim=1)
        return PairTensors(self.left, self.right, features, self.labels)


@dataclass
class HeadFit:
    """Training losses and validation metrics per epoch (MLP) or per checkpoint of boosting
    (trees); ``best_epoch`` is the epoch, or the number of trees, kept."""

    train_losses: list[float] = field(default_factory=list)
    validation: list[dict[str, float]] = field(default_factory=list)
    best_epoch: int = 0


@contextmanager
def single_thread() -> Iterator[None]:
    """Run torch on one thread: small head matrices gain nothing from more, and lose much
    when the cores are shared."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def balanced_loss(labels: torch.Tensor) -> nn.BCEWithLogitsLoss:
    """Binary cross-entropy weighting positives by the negatives-to-positives ratio, so both
    classes count the same however many negatives were drawn."""
    return nn.BCEWithLogitsLoss(pos_weight=torch.tensor(negatives_per_positive(labels.numpy())))


def score_head(
    head: nn.Module, encodings: torch.Tensor, pairs: PairTensors
) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities and logits of every pair, in batches."""
    head.eval()
    logits = []
    with torch.inference_mode():
        for start in range(0, len(pairs.left), SCORE_BATCH):
            part = slice(start, start + SCORE_BATCH)
            u = encodings[torch.from_numpy(pairs.left[part])]
            v = encodings[torch.from_numpy(pairs.right[part])]
            logits.append(head(u, v, pairs.features[part]))
    logit = torch.cat(logits).numpy() if logits else np.zeros(0, dtype=np.float32)
    return 1.0 / (1.0 + np.exp(-logit)), logit


def fit_head(
    head: PairHead,
    encodings: torch.Tensor,
    train: PairTensors,
    validation: PairTensors,
    settings: PairClassifierSettings,
) -> HeadFit:
    """Train ``head`` for ``settings.epochs`` epochs (cosine decay, classes balanced); keep the
    epoch best on validation."""
    generator = torch.Generator().manual_seed(settings.seed)
    optimizer = torch.optim.AdamW(
        head.parameters(), lr=settings.head_learning_rate, weight_decay=1e-4
    )
    steps = settings.epochs * -(-len(train.left) // HEAD_BATCH)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: cosine(step, steps))
    loss_fn, validation_loss = balanced_loss(train.labels), nn.BCEWithLogitsLoss()
    fit, best_loss, best_state = HeadFit(), float("inf"), copy.deepcopy(head.state_dict())
    for epoch in range(settings.epochs):
        head.train()
        order = torch.randperm(len(train.left), generator=generator).numpy()
        total = 0.0
        for start in range(0, len(order), HEAD_BATCH):
            rows = order[start : start + HEAD_BATCH]
            u = encodings[torch.from_numpy(train.left[rows])]
            v = encodings[torch.from_numpy(train.right[rows])]
            loss = loss_fn(head(u, v, train.features[rows]), train.labels[rows])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            total += loss.item() * len(rows)
        fit.train_losses.append(round(total / max(len(order), 1), 5))
        probabilities, logits = score_head(head, encodings, validation)
        labels = validation.labels.numpy()
        val_loss = float(validation_loss(torch.from_numpy(logits), torch.from_numpy(labels)))
        metrics = {
            "epoch": float(epoch + 1),
            "loss": val_loss,
            **binary_metrics(labels, probabilities),
        }
        fit.validation.append({k: round(v, 5) for k, v in metrics.items()})
        if val_loss < best_loss:
            best_loss, fit.best_epoch = val_loss, epoch + 1
            best_state = copy.deepcopy(head.state_dict())
    head.load_state_dict(best_state)
    head.eval()
    best = fit.validation[fit.best_epoch - 1] if fit.validation else {}
    logger.info(
        "%s head: best epoch %d, validation loss %.4f, F1 %.4f",
        head.shape.variant, fit.best_epoch, best.get("loss", 0.0), best.get("f1", 0.0),
    )  # fmt: skip
    return fit


def _tree_inputs(shape: TreeShape, encodings: torch.Tensor, pairs: PairTensors) -> np.ndarray:
    parts = [
        tree_inputs(
            shape,
            encodings[torch.from_numpy(pairs.left[start : start + SCORE_BATCH])],
            encodings[torch.from_numpy(pairs.right[start : start + SCORE_BATCH])],
            pairs.features[start : start + SCORE_BATCH],
        ).numpy()
        for start in range(0, len(pairs.left), SCORE_BATCH)
    ]
    return np.concatenate(parts) if parts else np.zeros((0, 0), dtype=np.float32)


def fit_tree_head(
    shape: TreeShape,
    encodings: torch.Tensor,
    train: PairTensors,
    validation: PairTensors,
    settings: PairClassifierSettings,
) -> tuple[TreeHead, HeadFit]:
    """Boost a tree head (`fit_trees`) on the pairs' inputs; its curves as a `HeadFit`."""
    boosting = Boosting(
        settings.trees, settings.tree_leaves, settings.tree_learning_rate, settings.seed
    )
    head, curve = fit_trees(
        (_tree_inputs(shape, encodings, train), train.labels.numpy()),
        (_tree_inputs(shape, encodings, validation), validation.labels.numpy()),
        boosting,
        shape,
    )
    fit = HeadFit(
        train_losses=[round(point["train_loss"], 5) for point in curve],
        validation=[{k: round(v, 5) for k, v in point.items()} for point in curve],
        best_epoch=head.shape.trees,
    )
    return head, fit
