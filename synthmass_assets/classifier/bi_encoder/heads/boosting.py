"""Gradient-boosted trees as a pair head: fitted with scikit-learn, served as tensors.

Pair evidence is a set of thresholds and flags that matter only in combination (a growth
misfit counts when both records were measured, a follow-up gap when the condition is
followed up at all), which trees pick up better than a small MLP. The trees of scikit-learn's
``HistGradientBoostingClassifier`` are copied into flat per-node arrays (split feature,
threshold, children, leaf value) held as buffers of a torch module: they are saved in the
heads' safetensors file beside the other heads and scored without scikit-learn or pickles.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch
from torch import nn

from synthmass_assets.classifier.bi_encoder.heads.pair_head import VARIANTS, variant_columns
from synthmass_assets.classifier.metrics import binary_metrics, log_loss, negatives_per_positive

logger = logging.getLogger(__name__)
L2_REGULARIZATION = 3.0
CHECKPOINTS = 10


@dataclass(frozen=True)
class TreeShape:
    """Sizes of a tree head; stored beside its arrays.

    ``features`` passed to the head hold ``n_features`` structured pair features, then
    ``n_semantic`` semantic item matches, then ``n_profile`` profile features; the variants
    that read text also read the cosine similarity of the two record encodings.
    """

    text_dim: int
    n_features: int
    n_profile: int
    trees: int
    nodes: int
    depth: int
    variant: str = "full"
    n_semantic: int = 0


def tree_inputs(
    shape: TreeShape, u: torch.Tensor, v: torch.Tensor, features: torch.Tensor
) -> torch.Tensor:
    """The columns a tree head of ``shape.variant`` splits on."""
    columns = variant_columns(shape.variant, shape.n_features, shape.n_semantic, shape.n_profile)
    chosen = features[:, torch.from_numpy(columns)]
    if not VARIANTS[shape.variant][0]:
        return chosen
    similarity = nn.functional.cosine_similarity(u, v, dim=-1).unsqueeze(-1)
    return torch.cat([chosen, similarity.to(features.dtype)], dim=-1)


class TreeHead(nn.Module):
    """Boosted regression trees producing one logit per pair (positive: same patient)."""

    feature: torch.Tensor
    threshold: torch.Tensor
    left: torch.Tensor
    right: torch.Tensor
    value: torch.Tensor
    leaf: torch.Tensor
    missing_left: torch.Tensor
    baseline: torch.Tensor

    def __init__(self, shape: TreeShape) -> None:
        super().__init__()
        self.shape = shape
        size = (shape.trees, shape.nodes)
        for name in ("feature", "left", "right"):
            self.register_buffer(name, torch.zeros(size, dtype=torch.long))
        for name in ("threshold", "value"):
            self.register_buffer(name, torch.zeros(size, dtype=torch.float64))
        for name in ("leaf", "missing_left"):
            self.register_buffer(name, torch.ones(size, dtype=torch.bool))
        self.register_buffer("baseline", torch.zeros(1, dtype=torch.float64))

    def forward(self, u: torch.Tensor, v: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
        """Walk every pair down every tree at once, on flat node arrays: node ids are global
        (tree × nodes + node), leaves point to themselves, and float32 inputs are compared
        with each threshold rounded down to float32 (exactly scikit-learn's float64 test)."""
        x = tree_inputs(self.shape, u, v, features)
        trees, width = self.shape.trees, self.shape.nodes
        first = torch.arange(trees) * width
        own = torch.arange(trees * width)
        leaf = self.leaf.flatten()
        left = torch.where(leaf, own, (self.left + first[:, None]).flatten())
        right = torch.where(leaf, own, (self.right + first[:, None]).flatten())
        feature, missing_left = self.feature.flatten(), self.missing_left.flatten()
        if x.dtype == torch.float32:
            threshold = _at_most_float32(self.threshold.flatten())
        else:
            x, threshold = x.double(), self.threshold.flatten()
        node = first.expand(x.shape[0], trees).contiguous()
        for _ in range(self.shape.depth):
            value = x.gather(1, feature[node])
            go_left = torch.where(value.isnan(), missing_left[node], value <= threshold[node])
            node = torch.where(go_left, left[node], right[node])
        return (self.baseline + self.value.flatten()[node].sum(dim=1)).float()


def _at_most_float32(threshold: torch.Tensor) -> torch.Tensor:
    """The largest float32 at or below each float64 threshold: for a float32 value ``x``,
    ``x <= t`` holds exactly when ``x <= _at_most_float32(t)``."""
    rounded = threshold.float()
    above = rounded.double() > threshold
    return torch.where(above, torch.nextafter(rounded, torch.tensor(-torch.inf)), rounded)


def _node_arrays(model: Any, count: int) -> list[np.ndarray]:
    """The node records of the first ``count`` trees of a fitted binary classifier.

    scikit-learn keeps them in ``_predictors`` (no public accessor); the tests check that
    the copied trees reproduce its ``decision_function``.
    """
    return [model._predictors[i][0].nodes for i in range(count)]


def from_sklearn(model: Any, count: int, shape: TreeShape, shift: float = 0.0) -> TreeHead:
    """A `TreeHead` holding the first ``count`` trees of a fitted
    ``HistGradientBoostingClassifier`` (numeric features, binary target), its logits moved
    by ``shift``."""
    nodes = _node_arrays(model, count)
    width = max(len(n) for n in nodes)
    depth = int(max(n["depth"].max() for n in nodes))
    head = TreeHead(replace(shape, trees=count, nodes=width, depth=depth))
    for t, tree in enumerate(nodes):
        k = len(tree)
        head.feature[t, :k] = torch.from_numpy(tree["feature_idx"].astype(np.int64))
        head.threshold[t, :k] = torch.from_numpy(tree["num_threshold"].astype(np.float64))
        head.left[t, :k] = torch.from_numpy(tree["left"].astype(np.int64))
        head.right[t, :k] = torch.from_numpy(tree["right"].astype(np.int64))
        head.value[t, :k] = torch.from_numpy(tree["value"].astype(np.float64))
        head.leaf[t, :k] = torch.from_numpy(tree["is_leaf"].astype(bool))
        head.missing_left[t, :k] = torch.from_numpy(tree["missing_go_to_left"].astype(bool))
    head.baseline.fill_(float(np.ravel(model._baseline_prediction)[0]) + shift)
    return head.eval()


@dataclass(frozen=True)
class Boosting:
    """How many trees, how large, how fast; the seed."""

    trees: int
    leaves: int
    learning_rate: float
    seed: int


def fit_trees(
    train: tuple[np.ndarray, np.ndarray],
    validation: tuple[np.ndarray, np.ndarray],
    boosting: Boosting,
    shape: TreeShape,
) -> tuple[TreeHead, list[dict[str, float]]]:
    """Boost on the train inputs; keep the number of trees best on validation.

    The trees learn the train split's class frequencies (sample weights would slow
    scikit-learn's binning twentyfold); their logits are moved by the log of the
    negatives-to-positives ratio to read as balanced classes, like validation and test.

    Args:
        train: Inputs (`tree_inputs`) and labels of the train pairs.
        validation: The same for the validation pairs.
        boosting: Trees, leaves, learning rate, seed.
        shape: Sizes of the head (trees, nodes and depth are filled in).

    Returns:
        The head and, at `CHECKPOINTS` numbers of trees, the train loss (at the train split's
        class frequencies) and the validation loss and metrics.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits

    model = HistGradientBoostingClassifier(
        max_iter=boosting.trees,
        learning_rate=boosting.learning_rate,
        max_leaf_nodes=boosting.leaves,
        l2_regularization=L2_REGULARIZATION,
        early_stopping=False,
        random_state=boosting.seed,
    )
    shift = float(np.log(negatives_per_positive(train[1])))
    with threadpool_limits(2):  # two threads halve the boosting time on 2 cores (measured)
        model.fit(*train)
        staged = [logits + shift for logits in model.staged_decision_function(validation[0])]
        every = max(len(staged) // CHECKPOINTS, 1)
        fitted = list(model.staged_decision_function(train[0]))[every - 1 :: every]
    losses = [log_loss(validation[1], logits) for logits in staged]
    best = int(np.argmin(losses)) + 1 if losses else 1
    curve = [
        {
            "trees": float(k),
            "train_loss": log_loss(train[1], logits),
            "loss": losses[k - 1],
            **binary_metrics(validation[1], 1 / (1 + np.exp(-staged[k - 1]))),
        }
        for k, logits in zip(range(every, len(staged) + 1, every), fitted, strict=False)
    ]
    logger.info(
        "%s trees: %d of %d kept, validation loss %.4f",
        shape.variant, best, len(staged), losses[best - 1] if losses else float("nan"),
    )  # fmt: skip
    return from_sklearn(model, best, shape, shift), curve
