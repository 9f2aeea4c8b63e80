"""The tree pair head: boosted with scikit-learn, served from tensors, saved as safetensors."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.ensemble import HistGradientBoostingClassifier

from synthmass_assets.classifier.bi_encoder.heads.boosting import (
    Boosting,
    TreeShape,
    fit_trees,
    from_sklearn,
    log_loss,
)
from synthmass_assets.classifier.serving.artifacts import load_heads, save_heads

SHAPE = TreeShape(text_dim=4, n_features=4, n_profile=1, trees=0, nodes=0, depth=0)


def _data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6)).astype(np.float32)
    y = ((x[:, 0] > 0.3) & (x[:, 1] < 0.5) | (x[:, 2] * x[:, 3] > 0.8)).astype(np.int64)
    return x, y


@pytest.mark.parametrize("variant", ["structured_only", "full", "text_only"])
def test_copied_trees_score_like_scikit_learn(variant: str) -> None:
    """Evidence columns: 2 structured, 2 semantic, 1 profile; each variant splits on its own
    columns, and the variants that read text also on the encodings' cosine similarity."""
    x, y = _data(600, 0)
    u, v = torch.randn(len(x), 4), torch.randn(len(x), 4)
    features = torch.from_numpy(x[:, :5])
    cosine = torch.cosine_similarity(u, v).numpy()
    shape = replace(SHAPE, n_features=2, n_semantic=2, variant=variant)
    x = {
        "structured_only": x[:, [0, 1, 4]],
        "full": np.column_stack([x[:, :5], cosine]),
        "text_only": np.column_stack([x[:, 2:5], cosine]),
    }[variant]
    model = HistGradientBoostingClassifier(max_iter=25, max_leaf_nodes=7, random_state=0)
    model.fit(x, y)
    head = from_sklearn(model, 25, shape, shift=0.5)
    logits = head(u, v, features).numpy()
    np.testing.assert_allclose(logits, model.decision_function(x) + 0.5, atol=1e-5)


def test_fewer_trees_are_kept_when_validation_says_so_and_they_round_trip(tmp_path: Path) -> None:
    train, validation = _data(800, 1), _data(400, 2)
    train, validation = (train[0][:, :5], train[1]), (validation[0][:, :5], validation[1])
    head, curve = fit_trees(train, validation, Boosting(60, 7, 0.3, 0), SHAPE)
    assert 1 <= head.shape.trees <= 60 and len(curve) == 10
    assert curve[-1]["trees"] == 60 and {"loss", "train_loss", "f1"} <= set(curve[0])
    x = torch.from_numpy(validation[0][:, :5])
    empty = torch.zeros((len(x), 4))
    kept = log_loss(validation[1], head(empty, empty, x).numpy())
    assert kept <= min(point["loss"] for point in curve) + 1e-6
    save_heads({"pair:structured_only": head}, tmp_path / "heads.safetensors")
    loaded = load_heads(tmp_path / "heads.safetensors")["pair:structured_only"]
    assert torch.equal(loaded(empty, empty, x), head(empty, empty, x))
    accuracy = ((head(empty, empty, x) > 0).numpy() == validation[1]).mean()
    assert accuracy > 0.8


def test_float32_inputs_at_thresholds_and_missing_values_go_where_scikit_learn_sends_them() -> None:
    """Values one float32 step either side of every threshold, and missing values, take
    scikit-learn's branch (its test is on float64)."""
    x, y = _data(600, 3)
    x[::7, 1] = np.nan
    model = HistGradientBoostingClassifier(max_iter=20, max_leaf_nodes=7, random_state=0)
    model.fit(x[:, :5], y)
    head = from_sklearn(model, 20, SHAPE)
    thresholds = np.concatenate([p[0].nodes["num_threshold"] for p in model._predictors])
    near = thresholds[np.isfinite(thresholds)].astype(np.float32)
    probes = np.concatenate([near, np.nextafter(near, np.float32(np.inf))])
    probes = np.concatenate([probes, np.nextafter(near, np.float32(-np.inf)), [np.nan]])
    grid = np.tile(probes[:, None], (1, 5)).astype(np.float32)
    empty = torch.zeros((len(grid), 4))
    logits = head(empty, empty, torch.from_numpy(grid)).numpy()
    np.testing.assert_allclose(logits, model.decision_function(grid.astype(np.float64)), atol=1e-6)
    # Thresholds that float32 cannot hold (a model fitted on float64): the float32 path must
    # still split exactly as the float64 one.
    head.threshold.copy_(
        torch.nextafter(head.threshold, torch.tensor(-torch.inf, dtype=torch.float64))
    )
    as64 = head(empty.double(), empty.double(), torch.from_numpy(grid).double())
    assert torch.equal(head(empty, empty, torch.from_numpy(grid)), as64)
