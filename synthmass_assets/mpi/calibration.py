"""Fusion calibration on held-out training-track pairs, stored as a one-row table.

The evaluation track's ground truth is never read here: weights, bias and threshold come from
training-track pairs the classifier was not fitted on, and carry over to another track through
its own label-free base-rate estimate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import polars as pl
from scipy.special import logit

from synthmass_assets.mpi.decisions import best_per_facility
from synthmass_assets.mpi.fusion import (
    BaseRateEstimator,
    FusionMethod,
    FusionParams,
    TrackPrior,
    calibrate,
    fused_log_odds,
    splink_log_odds,
    track_prior,
)
from synthmass_assets.resolution.metrics import true_pairs

PARAM_COLUMNS = (
    "splink_weight", "classifier_weight", "bias", "threshold", "training_rate", "base_rate_offset",
    "splink_clip",
)  # fmt: skip
THRESHOLD_GRID = np.round(np.arange(-8.0, 6.01, 0.25), 2)
"""Fused log-odds thresholds tried when the best-per-facility rule picks the threshold."""


def with_facilities(pairs: pl.DataFrame, ground_truth: pl.DataFrame) -> pl.DataFrame:
    """``pairs`` plus ``facility_l`` and ``facility_r`` from ``ground_truth.facility_id``."""
    facility = ground_truth.select("record_id", pl.col("facility_id").cast(pl.String))
    for side in ("l", "r"):
        pairs = pairs.join(
            facility.rename({"record_id": f"record_id_{side}", "facility_id": f"facility_{side}"}),
            on=f"record_id_{side}",
            how="left",
        )
    return pairs


def threshold_with_best_per_facility(
    pairs: pl.DataFrame, fused: np.ndarray, grid: np.ndarray = THRESHOLD_GRID
) -> tuple[float, float]:
    """Threshold on ``fused`` whose accepted pairs, after the best-per-facility rule, reach the
    best F1 on these labelled pairs: (threshold, F1). Positives count every labelled pair.

    Args:
        pairs: ``record_id_l``, ``record_id_r``, ``facility_l``, ``facility_r``, ``label``.
        fused: Fused log-odds of each pair.
        grid: Candidate thresholds.
    """
    frame = pairs.with_columns(fused=pl.Series(fused, dtype=pl.Float64))
    positives = int(frame.get_column("label").sum())
    best = (float(grid[0]), -1.0)
    for threshold in grid:
        accepted = frame.filter(pl.col("fused") >= float(threshold))
        kept = accepted.filter(best_per_facility(accepted, "fused"))
        hits = int(kept.get_column("label").sum())
        f1 = 2 * hits / (kept.height + positives) if kept.height + positives else 0.0
        if f1 > best[1]:
            best = (float(threshold), f1)
    return best


def with_labels(pairs: pl.DataFrame, ground_truth: pl.DataFrame) -> pl.DataFrame:
    """``pairs`` plus ``label`` (1 when both records belong to one true patient)."""
    truth = true_pairs(ground_truth).with_columns(label=pl.lit(1, dtype=pl.Int8))
    keyed = pairs.with_columns(
        _l=pl.min_horizontal("record_id_l", "record_id_r"),
        _r=pl.max_horizontal("record_id_l", "record_id_r"),
    )
    return (
        keyed.join(truth, left_on=["_l", "_r"], right_on=["record_id_l", "record_id_r"], how="left")
        .with_columns(pl.col("label").fill_null(0))
        .drop("_l", "_r")
    )


def fit_calibration(
    predictions: pl.DataFrame,
    ground_truth: pl.DataFrame,
    estimator: BaseRateEstimator,
    training_rate: float,
    l2: float,
    best_per_facility_rule: bool = False,
    method: FusionMethod = "logistic",
) -> pl.DataFrame:
    """One row: fitted parameters, the estimator, the base rate and fit diagnostics.

    Args:
        predictions: Held-out ``pair_predictions`` (with ``match_weight``, ``match_probability``).
        ground_truth: The same track's ``ground_truth``.
        estimator: How the base rate is estimated (the same estimator is used on other tracks).
        training_rate: Match rate of the classifier's training pairs.
        l2: Penalty on the weights.
        best_per_facility_rule: Pick the threshold with the decisions' best-per-facility rule
            applied (it removes most look-alike matches, so a lower threshold pays).
        method: Fusion method (``naive_bayes`` fits the threshold only).
    """
    labelled = with_labels(predictions, ground_truth)
    logits = labelled.get_column("logit").to_numpy()
    weights = labelled.get_column("match_weight").to_numpy()
    probabilities = labelled.get_column("match_probability").to_numpy()
    prior = track_prior(estimator, logits, probabilities, weights, training_rate)
    params, summary = calibrate(
        splink_log_odds(weights),
        logits,
        labelled.get_column("label").to_numpy(),
        prior,
        training_rate,
        l2,
        method,
    )
    if best_per_facility_rule:
        fused = fused_log_odds(splink_log_odds(weights), logits, prior, params)
        sweep, f1 = threshold_with_best_per_facility(with_facilities(labelled, ground_truth), fused)
        # As in `calibrate`: the cut at probability F1*/2 is steadier than the sweep's own
        # cut, which on a small, nearly separable held-out set is one of many ties.
        threshold = float(logit(f1 / 2)) if f1 > 0 else params.threshold
        summary = {**summary, "threshold_before_facility_rule": params.threshold,
                   "sweep_threshold_with_facility_rule": sweep,
                   "f1_with_facility_rule": f1}  # fmt: skip
        params = replace(params, threshold=threshold)
    return pl.DataFrame(
        [
            {
                **{name: getattr(params, name) for name in PARAM_COLUMNS},
                "base_rate_estimator": estimator,
                "method": method,
                "true_base_rate": float(labelled.get_column("label").mean() or 0.0),  # type: ignore[arg-type]
                **summary,
            }
        ]
    )


def params_from_table(calibration: pl.DataFrame) -> tuple[FusionParams, BaseRateEstimator]:
    """The fitted parameters and base-rate estimator stored by :func:`fit_calibration`."""
    row = calibration.row(0, named=True)
    # Tables written before `base_rate_offset` existed used the track offset throughout.
    values = {name: float(row[name]) for name in PARAM_COLUMNS if row.get(name) is not None}
    params = FusionParams(**values)
    return params, row["base_rate_estimator"]


@dataclass(frozen=True)
class Fusion:
    """What a track's fused decisions use: the calibrated parameters, those after the run's
    overrides, the base-rate estimator and the track's label-free prior."""

    calibrated: FusionParams
    params: FusionParams
    estimator: BaseRateEstimator
    prior: TrackPrior


def track_fusion(
    calibration: pl.DataFrame,
    predictions: pl.DataFrame,
    overrides: Callable[[FusionParams], FusionParams],
) -> Fusion:
    """The fusion of a track's classifier-scored ``predictions`` with a stored calibration."""
    calibrated, estimator = params_from_table(calibration)
    params = overrides(calibrated)
    prior = track_prior(
        estimator,
        predictions["logit"].to_numpy(),
        predictions["match_probability"].to_numpy(),
        predictions["match_weight"].to_numpy(),
        params.training_rate,
    )
    return Fusion(calibrated, params, estimator, prior)
