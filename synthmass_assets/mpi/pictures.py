"""Pictures for the metrics page: precision, recall and F1 against threshold per method."""

from __future__ import annotations

import numpy as np
import polars as pl
from matplotlib.figure import Figure

from synthmass_assets.plots import threshold_curve, threshold_curves_chart
from synthmass_assets.resolution.metrics import labelled_pairs, ordered, true_pairs

THRESHOLDS = np.linspace(0.0, 1.0, 101)


def threshold_curves(
    scored_pairs: pl.DataFrame, resolved_matches: pl.DataFrame, ground_truth: pl.DataFrame
) -> Figure:
    """Splink alone over every scored pair; SynthMass over its accepted pairs' fused scores."""
    truth = ordered(true_pairs(ground_truth))
    curves = []
    for method, pairs, score in (
        ("Splink alone", scored_pairs, "match_probability"),
        ("SynthMass fused", resolved_matches, "fused_score"),
    ):
        labelled = labelled_pairs(pairs, truth, score)
        curve = threshold_curve(labelled[score], labelled["true"], THRESHOLDS, truth.height)
        curves.append(curve.with_columns(method=pl.lit(method)))
    return threshold_curves_chart(pl.concat(curves))
