"""Score fusion: base-rate estimation without labels, prior correction, calibration."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit, logit

from synthmass_assets.mpi.config import FusionConfig
from synthmass_assets.mpi.fusion import (
    FusionParams,
    TrackPrior,
    base_rate,
    best_f1_threshold,
    calibrate,
    estimate_base_rate,
    fused_log_odds,
    splink_log_odds,
    track_prior,
)

SIGMA = 4.0  # class-conditional N(±σ²/2, σ) logits are calibrated at a 50% training rate


def synthetic_scores(
    rate: float, n: int = 4000, seed: int = 0, splink_shift: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels, calibrated classifier logits and (noisy, informative) Splink log-odds; a
    negative ``splink_shift`` mimics a protocol with more registration errors."""
    rng = np.random.default_rng(seed)
    labels = (rng.random(n) < rate).astype(int)
    classifier = np.where(labels == 1, 1, -1) * SIGMA**2 / 2 + rng.normal(0, SIGMA, n)
    splink = np.where(labels == 1, 1.0, -1.0) + rng.normal(0, 2.0, n) + splink_shift
    return labels, classifier, splink


@pytest.mark.parametrize("rate", [0.05, 0.2, 0.5, 0.8])
def test_em_recovers_the_base_rate_without_labels(rate: float) -> None:
    labels, classifier, _ = synthetic_scores(rate)
    assert estimate_base_rate(classifier) == pytest.approx(labels.mean(), abs=0.02)


def test_splink_mean_estimator_is_the_mean_probability() -> None:
    assert base_rate("splink_mean", np.zeros(3), np.array([0.1, 0.2, 0.6])) == pytest.approx(0.3)


def test_prior_correction_turns_the_balanced_logit_into_a_posterior() -> None:
    rate = 0.1
    labels, classifier, splink = synthetic_scores(rate, n=20_000)
    corrected = fused_log_odds(splink, classifier, TrackPrior(rate, 0.0), FusionParams())

    def log_loss(z: np.ndarray) -> float:
        return float(np.mean(np.logaddexp(0.0, z) - labels * z))

    # Calibration in the large: mean posterior ≈ base rate; and a better log loss.
    assert expit(corrected).mean() == pytest.approx(labels.mean(), abs=0.01)
    assert expit(classifier).mean() > labels.mean() + 0.02
    assert log_loss(corrected) < 0.8 * log_loss(classifier)


def test_fused_log_odds_is_linear_in_both_scores() -> None:
    params = FusionParams(splink_weight=0.5, classifier_weight=2.0, bias=-1.0, training_rate=0.5)
    fused = fused_log_odds(np.array([2.0]), np.array([1.5]), TrackPrior(0.25, 0.5), params)
    assert fused[0] == pytest.approx(0.5 * (2.0 - 0.5) + 2.0 * 1.5 + logit(0.25) - 1.0)


def test_track_prior_reads_no_labels() -> None:
    weights = np.array([-3.0, 1.0, 5.0])
    prior = track_prior("splink_mean", np.zeros(3), np.array([0.1, 0.5, 0.9]), weights)
    assert prior.base_rate == pytest.approx(0.5)
    assert prior.splink_center == pytest.approx(splink_log_odds(weights)[1])


def test_calibration_weights_both_scores_and_transfers_to_another_protocol() -> None:
    train_labels, train_clf, train_splink = synthetic_scores(0.2, seed=1)
    prior = TrackPrior(estimate_base_rate(train_clf), float(np.median(train_splink)))
    params, summary = calibrate(train_splink, train_clf, train_labels, prior)
    assert params.splink_weight > 0.1 and params.classifier_weight > 0.5
    assert summary["positives"] == train_labels.sum() and summary["f1_at_threshold"] > 0.9

    # Another base rate and Splink scores shifted down by more registration errors.
    labels, clf, splink = synthetic_scores(0.8, seed=2, splink_shift=-3.0)
    target = TrackPrior(estimate_base_rate(clf), float(np.median(splink)))
    fused = fused_log_odds(splink, clf, target, params)
    accepted = fused >= params.threshold
    hits = (accepted & (labels == 1)).sum()
    f1 = 2 * hits / (accepted.sum() + labels.sum())
    classifier_alone = (clf >= 0).astype(int)
    f1_alone = 2 * (classifier_alone & labels).sum() / (classifier_alone.sum() + labels.sum())
    assert f1 > 0.95 and f1 >= f1_alone


def test_calibration_needs_both_classes() -> None:
    with pytest.raises(ValueError, match="matching and non-matching"):
        calibrate(np.zeros(3), np.zeros(3), np.ones(3), TrackPrior(0.5, 0.0))


def test_best_threshold_keeps_ties_together() -> None:
    scores = np.array([3.0, 2.0, 2.0, 1.0, 0.0])
    labels = np.array([1, 1, 0, 0, 0])
    threshold, f1 = best_f1_threshold(scores, labels)
    assert 2.0 < threshold < 3.0 or 1.0 < threshold < 2.0
    accepted = scores >= threshold
    assert f1 == pytest.approx(2 * (accepted & (labels == 1)).sum() / (accepted.sum() + 2))


def calibrated_splink(labels: np.ndarray, seed: int, sigma: float = 3.0) -> np.ndarray:
    """Splink log-odds that are calibrated log likelihood ratios, independent of the classifier."""
    rng = np.random.default_rng(seed)
    return np.where(labels == 1, 1, -1) * sigma**2 / 2 + rng.normal(0, sigma, labels.size)


def test_naive_bayes_clips_splink_where_look_alikes_fool_it() -> None:
    # A tenth of the non-matches are look-alikes Splink is sure of (+15); the classifier is not.
    labels, classifier, _ = synthetic_scores(0.5, seed=3)
    look_alike = (labels == 0) & (np.random.default_rng(99).random(labels.size) < 0.1)
    splink = np.where(look_alike, 15.0, calibrated_splink(labels, seed=3))
    params, summary = calibrate(
        splink, classifier, labels, TrackPrior(0.5, 0.0), method="naive_bayes"
    )
    assert np.isfinite(params.splink_clip) and params.splink_clip < 15
    assert summary["log_loss"] < summary["log_loss_unclipped"]
    fused = fused_log_odds(splink, classifier, TrackPrior(0.5, 0.0), params)
    unclipped = fused_log_odds(splink, classifier, TrackPrior(0.5, 0.0), FusionParams(1, 1, 0, 0))
    assert look_alike.sum() > 100
    assert (fused[look_alike] < 0).mean() > (unclipped[look_alike] < 0).mean() + 0.3


def test_naive_bayes_barely_clips_calibrated_independent_evidence() -> None:
    labels, classifier, _ = synthetic_scores(0.5, seed=4)
    splink = calibrated_splink(labels, seed=4)
    params, summary = calibrate(
        splink, classifier, labels, TrackPrior(0.5, 0.0), method="naive_bayes"
    )
    # Clipping may pick a bound past most of Splink's scores, but buys almost nothing.
    assert params.splink_clip >= 5
    assert summary["log_loss"] == pytest.approx(summary["log_loss_unclipped"], rel=0.02)
    clipped = FusionParams(splink_weight=1.0, base_rate_offset=0.0, splink_clip=2.0)
    fused = fused_log_odds(np.array([-9.0, 9.0]), np.zeros(2), TrackPrior(0.5, 0.0), clipped)
    assert fused.tolist() == [-2.0, 2.0]


def test_run_config_keeps_the_calibrated_clip_unless_set() -> None:
    calibrated = FusionParams(1.0, 1.0, 0.0, -0.5, 0.5, 0.0, splink_clip=6.0)
    assert FusionConfig().overrides(calibrated) == calibrated
    assert FusionConfig(splink_clip=3.0).overrides(calibrated).splink_clip == 3.0
