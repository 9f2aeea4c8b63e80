"""Fusion of Splink's and the classifier's evidence into one log-odds per pair.

The classifier is trained on balanced pairs, so its logit is (up to ``logit(training_rate)``) a
log likelihood ratio of the clinical evidence. The pairs it scores here (the gray zone) match at
another, unknown base rate ``π``, estimated without labels (:func:`estimate_base_rate`). The
fused log-odds of a pair are::

    splink_weight · (s − s̃) + classifier_weight · (c − logit(training_rate)) + logit(π) + bias

with ``c`` the classifier logit, ``s`` Splink's natural log-odds (``match_weight · ln 2``) and
``s̃`` their median over the scored pairs. Both ``π`` and ``s̃`` are label-free statistics
of the track (:class:`TrackPrior`): the fit carries over from the training protocol to one with
another base rate and more registration errors, which shift Splink's scores downwards. With the
weights (0, 1, 0) the fused score is the classifier's posterior at the track's base rate.
:func:`calibrate` fits weights and bias by logistic regression with ``logit(π)`` as a fixed
offset and sets the threshold where calibrated posteriors maximise F1.

Two fusion methods (:data:`FusionMethod`):

- ``naive_bayes`` (default): Splink's posterior is the pair's prior and the classifier's log
  likelihood ratio the clinical evidence on top, ``clip(s, ±k) + (c − logit(training_rate))``
  — Bayes' rule with demographic and clinical evidence independent given the match status.
  Splink's log-odds are clipped to ``±k`` (``splink_clip``): past it, agreeing demographics
  (twins, a parent and child of one name) or disagreeing ones (many registration errors) no
  longer outweigh the clinical evidence. Only ``k`` (by held-out log loss) and the threshold
  are fitted, so it carries over between tracks whose Splink models and error rates differ
  (``base_rate_offset = 0``).
- ``logistic``: the weighted, track-centred form above with weights and bias fitted on
  held-out pairs (``base_rate_offset = 1``); best when the calibration pairs look like the
  pairs it is applied to.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, logit

from synthmass_assets.classifier.metrics import log_loss

logger = logging.getLogger(__name__)

BaseRateEstimator = Literal["em", "splink_mean"]
FusionMethod = Literal["naive_bayes", "logistic"]
RATE_FLOOR = 1e-4
SPLINK_CLIPS = (2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 15.0, 20.0)
"""Clips of Splink's log-odds the ``naive_bayes`` calibration tries besides no clip."""


@dataclass(frozen=True)
class FusionParams:
    """Linear fusion weights and the acceptance threshold on the fused log-odds."""

    splink_weight: float = 0.0
    classifier_weight: float = 1.0
    bias: float = 0.0
    threshold: float = 0.0
    training_rate: float = 0.5
    base_rate_offset: float = 1.0
    """1: Splink centred on the track median plus ``logit(π)``; 0: Splink's own posterior."""
    splink_clip: float = math.inf
    """Splink's (centred) log-odds are clipped to ``±splink_clip`` before they are weighted."""


@dataclass(frozen=True)
class TrackPrior:
    """Label-free statistics of the pairs the classifier scored on one track.

    Attributes:
        base_rate: Estimated share of matching pairs.
        splink_center: Median Splink log-odds of those pairs.
    """

    base_rate: float
    splink_center: float


def splink_log_odds(match_weight: np.ndarray) -> np.ndarray:
    """Natural log-odds from Splink's base-2 match weight (finite where probability rounds to 1)."""
    return np.asarray(match_weight, dtype=float) * math.log(2)


def estimate_base_rate(
    classifier_logit: np.ndarray,
    training_rate: float = 0.5,
    tolerance: float = 1e-7,
    max_iterations: int = 500,
) -> float:
    """Share of matching pairs among the scored pairs, from classifier outputs alone.

    Expectation-maximisation of the prior under label shift (Saerens, Latinne & Decaestecker,
    2002): posteriors are re-weighted to the current prior, the prior is their mean, repeat.

    Args:
        classifier_logit: Logits of a classifier trained at ``training_rate``.
        training_rate: Match rate of the classifier's training pairs.
        tolerance: Stop when the estimate moves less than this.
        max_iterations: Cap on EM steps.

    Returns:
        The estimated base rate, clipped to ``[RATE_FLOOR, 1 − RATE_FLOOR]``.
    """
    llr = np.asarray(classifier_logit, dtype=float) - logit(training_rate)
    if llr.size == 0:
        return 0.5
    rate = 0.5
    for _ in range(max_iterations):
        updated = float(expit(llr + logit(rate)).mean())
        updated = min(max(updated, RATE_FLOOR), 1 - RATE_FLOOR)
        if abs(updated - rate) < tolerance:
            return updated
        rate = updated
    logger.warning("Base-rate EM stopped at its cap of %d steps (%.4f)", max_iterations, rate)
    return rate


def base_rate(
    estimator: BaseRateEstimator,
    classifier_logit: np.ndarray,
    match_probability: np.ndarray,
    training_rate: float = 0.5,
) -> float:
    """The scored pairs' base rate by EM on classifier outputs or as Splink's mean probability."""
    if estimator == "em":
        return estimate_base_rate(classifier_logit, training_rate)
    mean = float(np.mean(match_probability)) if len(match_probability) else 0.5
    return min(max(mean, RATE_FLOOR), 1 - RATE_FLOOR)


def track_prior(
    estimator: BaseRateEstimator,
    classifier_logit: np.ndarray,
    match_probability: np.ndarray,
    match_weight: np.ndarray,
    training_rate: float = 0.5,
) -> TrackPrior:
    """The base rate and Splink median of a track's scored pairs (no labels read)."""
    splink = splink_log_odds(match_weight)
    center = float(np.median(splink)) if splink.size else 0.0
    rate = base_rate(estimator, classifier_logit, match_probability, training_rate)
    return TrackPrior(base_rate=rate, splink_center=center)


def fused_log_odds(
    splink: np.ndarray, classifier_logit: np.ndarray, prior: TrackPrior, params: FusionParams
) -> np.ndarray:
    """Fused log-odds of each pair (see the module docstring)."""
    llr = np.asarray(classifier_logit, dtype=float) - logit(params.training_rate)
    offset = params.base_rate_offset
    centered = np.asarray(splink, dtype=float) - offset * prior.splink_center
    centered = np.clip(centered, -params.splink_clip, params.splink_clip)
    return (
        params.splink_weight * centered
        + params.classifier_weight * llr
        + offset * logit(prior.base_rate)
        + params.bias
    )


def best_f1_threshold(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """Threshold (midway between neighbouring scores) that maximises F1: (threshold, F1)."""
    order = np.argsort(-scores)
    ranked, truth = scores[order], labels[order].astype(bool)
    hits = np.cumsum(truth)
    accepted = np.arange(1, len(ranked) + 1)
    f1 = 2 * hits / (accepted + truth.sum())
    # Only cut where the next score differs, so ties are accepted or rejected together.
    cut = np.append(ranked[1:] < ranked[:-1], True)
    best = int(np.argmax(np.where(cut, f1, -1.0)))
    below = ranked[best + 1] if best + 1 < len(ranked) else ranked[best] - 1.0
    return float((ranked[best] + below) / 2), float(f1[best])


def calibrate(
    splink: np.ndarray,
    classifier_logit: np.ndarray,
    labels: np.ndarray,
    prior: TrackPrior,
    training_rate: float = 0.5,
    l2: float = 1e-3,
    method: FusionMethod = "logistic",
    splink_clips: Sequence[float] = SPLINK_CLIPS,
) -> tuple[FusionParams, dict[str, float]]:
    """Fit fusion weights, bias and threshold on labelled held-out pairs.

    ``naive_bayes`` keeps weights (1, 1), no bias and no track offset, and fits the clip of
    Splink's log-odds (the one of ``splink_clips``, or none, with the least log loss) and the
    threshold.
    ``logistic``: logistic regression of the labels on centred Splink log-odds and the
    classifier's log likelihood ratio, with ``logit(base rate)`` as a fixed offset and a small
    L2 penalty on the weights. The threshold is the log-odds of half the best F1 reached on the
    same pairs.

    Args:
        splink: Splink natural log-odds per pair.
        classifier_logit: Classifier logits per pair.
        labels: 1 where the pair is a true match.
        prior: Label-free statistics of these pairs (:func:`track_prior`).
        training_rate: Match rate of the classifier's training pairs.
        l2: Penalty on the two weights (keeps the fit stable on small, separable sets).
        method: ``naive_bayes`` or ``logistic`` (see the module docstring).
        splink_clips: Clips of Splink's log-odds ``naive_bayes`` tries besides no clip.

    Returns:
        The fitted parameters and a summary (pairs, positives, log loss, F1 at the threshold).

    Raises:
        ValueError: without both classes among the labels.
    """
    y = np.asarray(labels, dtype=float)
    if y.min(initial=1.0) == y.max(initial=0.0):
        raise ValueError(
            "Calibration needs matching and non-matching held-out pairs; score more held-out "
            "pairs (more tiers or a larger held-out split)"
        )
    s = np.asarray(splink, dtype=float)
    llr = np.asarray(classifier_logit, dtype=float) - logit(training_rate)
    x = np.column_stack([s - prior.splink_center, llr])
    offset = logit(prior.base_rate)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = x @ theta[:2] + theta[2] + offset
        p = expit(z)
        nll = log_loss(y, z) + l2 * float(theta[:2] @ theta[:2])
        residual = (p - y) / len(y)
        grad = np.append(x.T @ residual + 2 * l2 * theta[:2], residual.sum())
        return nll, grad

    clip, extra = math.inf, dict[str, float]()
    if method == "naive_bayes":
        w_splink, w_classifier, bias, offset_weight = 1.0, 1.0, 0.0, 0.0
        losses = {k: log_loss(y, np.clip(s, -k, k) + llr) for k in (*splink_clips, math.inf)}
        clip = min(losses, key=lambda k: (losses[k], -k))
        fit_loss = losses[clip]
        extra = {"log_loss_unclipped": losses[math.inf]}
    else:
        fit = minimize(loss, np.array([0.0, 1.0, 0.0]), jac=True, method="L-BFGS-B")
        w_splink, w_classifier, bias = (float(v) for v in fit.x)
        offset_weight, fit_loss = 1.0, float(fit.fun)
    params = FusionParams(w_splink, w_classifier, bias, 0.0, training_rate, offset_weight, clip)
    scores = fused_log_odds(splink, classifier_logit, prior, params)
    sweep_threshold, best_f1 = best_f1_threshold(scores, y)
    # On calibrated posteriors the F1-optimal cut is at probability F1*/2 (Lipton, Elkan &
    # Narayanaswamy, 2014): steadier on a few held-out positives than the sweep's own cut.
    threshold = float(logit(best_f1 / 2)) if best_f1 > 0 else 0.0
    accepted = scores >= threshold
    summary = {
        "pairs": float(len(y)),
        "positives": float(y.sum()),
        "base_rate": prior.base_rate,
        "splink_center": prior.splink_center,
        "log_loss": fit_loss,
        **extra,
        "best_f1": best_f1,
        "sweep_threshold": sweep_threshold,
        "f1_at_threshold": float(2 * (accepted & (y == 1)).sum() / (accepted.sum() + y.sum())),
    }
    return replace(params, threshold=threshold), summary
