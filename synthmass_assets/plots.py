"""Small matplotlib pictures for asset metadata, shown inline in the Dagster UI.

Each picture function is pure: plain arrays (numpy, polars Series, lists) or a polars frame in,
a :class:`matplotlib.figure.Figure` out. :func:`figure_markdown` renders a figure to a compact
PNG and wraps it as markdown metadata with an inline data-URI image::

    metadata["facilities_per_patient"] = figure_markdown(
        facilities_per_patient_histogram(counts), alt="Facilities per patient"
    )

Figures are built with the object-oriented API on the Agg canvas, never through pyplot, so no
global figure state is kept and rendering is safe in any executor process or thread.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence

import dagster as dg
import numpy as np
import polars as pl
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

MAX_PNG_BYTES = 60_000
DPI = 100
MIN_DPI = 40
FIGSIZE = (5.0, 3.0)
TIER_COLORS = {"auto_reject": "#9aa5b1", "gray_zone": "#f0a202", "auto_match": "#2a9d8f"}
CURVE_METRICS = ("precision", "recall", "f1")


def new_figure(width: float = FIGSIZE[0], height: float = FIGSIZE[1], ncols: int = 1) -> Figure:
    """An empty Agg-backed figure with ``ncols`` axes side by side and small fonts."""
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    figure.subplots(1, ncols, squeeze=False)
    for axes in figure.axes:
        axes.tick_params(labelsize=7)
        axes.grid(alpha=0.3, linewidth=0.5)
    return figure


def label_axes(axes: Axes, title: str, xlabel: str, ylabel: str = "") -> None:
    """Title and axis labels in the small fonts that suit a metadata thumbnail."""
    axes.set_title(title, fontsize=9)
    axes.set_xlabel(xlabel, fontsize=8)
    axes.set_ylabel(ylabel, fontsize=8)


def figure_png(figure: Figure, max_bytes: int = MAX_PNG_BYTES, dpi: int = DPI) -> bytes:
    """Render ``figure`` as PNG, lowering the resolution until it fits in ``max_bytes``.

    Args:
        figure: The figure to render.
        max_bytes: Largest acceptable PNG size.
        dpi: Resolution of the first attempt.

    Returns:
        The PNG bytes (without a software stamp, so the same figure gives the same bytes).

    Raises:
        ValueError: when even ``MIN_DPI`` does not fit; draw a smaller or simpler figure.
    """
    while True:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
        png = buffer.getvalue()
        if len(png) <= max_bytes:
            return png
        if dpi <= MIN_DPI:
            raise ValueError(
                f"figure needs {len(png)} bytes at {dpi} dpi, more than {max_bytes}; "
                "draw fewer points or a smaller figure"
            )
        dpi = max(MIN_DPI, int(dpi * 0.9 * (max_bytes / len(png)) ** 0.5))


def figure_markdown(
    figure: Figure, alt: str, max_bytes: int = MAX_PNG_BYTES
) -> dg.MarkdownMetadataValue:
    """The figure as markdown metadata holding an inline ``data:image/png`` image.

    Args:
        figure: The figure to render.
        alt: Alternative text of the image (also what a screen reader says).
        max_bytes: Largest acceptable PNG size before base64 encoding.

    Returns:
        Markdown metadata the Dagster UI renders as the picture.
    """
    encoded = base64.b64encode(figure_png(figure, max_bytes)).decode("ascii")
    return dg.MetadataValue.md(f"![{alt}](data:image/png;base64,{encoded})")


def facilities_per_patient_histogram(facilities_per_patient: ArrayLike) -> Figure:
    """Bars of how many patients visit 1, 2, 3, ... facilities.

    Args:
        facilities_per_patient: One count of distinct facilities per patient.
    """
    counts = np.asarray(facilities_per_patient, dtype=np.int64)
    patients = np.bincount(counts)[1:] if counts.size else np.zeros(0, dtype=np.int64)
    figure = new_figure()
    axes = figure.axes[0]
    bars = axes.bar(np.arange(1, patients.size + 1), patients, color="#4c72b0")
    axes.bar_label(bars, fontsize=7)
    label_axes(axes, "Facilities per patient", "facilities", "patients")
    axes.set_xticks(np.arange(1, patients.size + 1))
    return figure


def error_type_shares_chart(
    error_types: Sequence[str] | pl.Series,
    shares: ArrayLike,
    configured: ArrayLike | None = None,
) -> Figure:
    """Horizontal bars of each error type's share, beside the configured share when given.

    Args:
        error_types: Error type names.
        shares: Achieved share of each type (0–1).
        configured: Configured share of each type, drawn as a second bar.
    """
    names = [str(name) for name in error_types]
    positions = np.arange(len(names))
    figure = new_figure()
    axes = figure.axes[0]
    height = 0.4 if configured is not None else 0.7
    bars = axes.barh(positions, np.asarray(shares, dtype=float), height, label="achieved")
    axes.bar_label(bars, fmt="{:.0%}", fontsize=7)
    if configured is not None:
        axes.barh(
            positions + height,
            np.asarray(configured, dtype=float),
            height,
            label="configured",
            color="#c0c0c0",
        )
        axes.legend(fontsize=7)
    axes.set_yticks(positions + (height / 2 if configured is not None else 0), names)
    axes.invert_yaxis()
    axes.xaxis.set_major_formatter("{x:.0%}")
    label_axes(axes, "Error-type shares", "share of errors")
    return figure


def match_probability_histogram(
    match_probability: ArrayLike, tier: ArrayLike, bins: int = 40
) -> Figure:
    """Stacked histogram of pair match probabilities, coloured by tier (log-scaled counts).

    Args:
        match_probability: Match probability of each scored pair.
        tier: Tier of each pair (``auto_reject``, ``gray_zone``, ``auto_match``, or others).
        bins: Number of equal-width bins over [0, 1].
    """
    probability = np.asarray(match_probability, dtype=float)
    tiers = np.asarray(tier, dtype=str)
    present = set(np.unique(tiers).tolist())
    order = [t for t in TIER_COLORS if t in present] + sorted(present - set(TIER_COLORS))
    figure = new_figure()
    axes = figure.axes[0]
    if order:
        axes.hist(
            [probability[tiers == t] for t in order],
            bins=np.linspace(0, 1, bins + 1).tolist(),
            stacked=True,
            label=order,
            color=[TIER_COLORS.get(t, "#7f7f7f") for t in order],
        )
        axes.legend(fontsize=7)
    axes.set_yscale("log")  # auto-rejects outnumber the rest by orders of magnitude
    axes.yaxis.set_major_locator(ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
    axes.yaxis.set_major_formatter("{x:,.0f}")
    axes.yaxis.set_minor_formatter(ticker.NullFormatter())
    label_axes(axes, "Match probability by tier", "match probability", "pairs")
    return figure


def threshold_curve(
    scores: ArrayLike,
    is_match: ArrayLike,
    thresholds: ArrayLike,
    total_matches: int | None = None,
) -> pl.DataFrame:
    """Precision, recall and F1 of "score ≥ threshold means match" at each threshold.

    Args:
        scores: Score of each candidate pair.
        is_match: Whether each pair is a true match.
        thresholds: Thresholds to evaluate.
        total_matches: True matches overall, when some were never scored (blocked out);
            defaults to the true matches among the scored pairs.

    Returns:
        Columns ``threshold``, ``precision``, ``recall``, ``f1``; precision is NaN (and F1 0)
        where no pair reaches the threshold.
    """
    score = np.asarray(scores, dtype=float)
    truth = np.asarray(is_match, dtype=bool)
    cuts = np.asarray(thresholds, dtype=float)
    order = np.argsort(-score)
    true_above = np.concatenate([[0], np.cumsum(truth[order])])
    predicted = np.searchsorted(-score[order], -cuts, side="right")
    hits = true_above[predicted]
    positives = int(truth.sum()) if total_matches is None else total_matches
    precision = np.divide(hits, predicted, out=np.full(cuts.size, np.nan), where=predicted > 0)
    recall = np.divide(hits, positives, out=np.zeros(cuts.size), where=positives > 0)
    total = precision + recall
    f1 = np.divide(2 * precision * recall, total, out=np.zeros(cuts.size), where=total > 0)
    return pl.DataFrame({"threshold": cuts, "precision": precision, "recall": recall, "f1": f1})


def threshold_curves_chart(curves: pl.DataFrame) -> Figure:
    """Precision, recall and F1 against threshold, one panel per metric, one line per method.

    Args:
        curves: Columns ``method``, ``threshold``, ``precision``, ``recall``, ``f1``
            (e.g. :func:`threshold_curve` per method, stacked with a ``method`` column).
    """
    figure = new_figure(width=7.5, height=2.8, ncols=len(CURVE_METRICS))
    for axes, metric in zip(figure.axes, CURVE_METRICS, strict=True):
        for (method,), rows in curves.sort("threshold").group_by("method", maintain_order=True):
            axes.plot(rows["threshold"], rows[metric], label=str(method), linewidth=1.2)
        label_axes(axes, metric, "threshold")
        axes.set_ylim(0, 1.02)
    if curves.height:
        figure.axes[0].legend(fontsize=6)
    return figure


def training_loss_chart(
    steps: ArrayLike,
    loss: ArrayLike,
    eval_steps: ArrayLike | None = None,
    eval_loss: ArrayLike | None = None,
) -> Figure:
    """The training loss curve, with the validation loss when given.

    Args:
        steps: Optimizer step of each logged training loss.
        loss: Training loss at each step.
        eval_steps: Step of each validation loss.
        eval_loss: Validation loss at each of ``eval_steps``.
    """
    figure = new_figure()
    axes = figure.axes[0]
    axes.plot(np.asarray(steps), np.asarray(loss, dtype=float), label="train", linewidth=1.2)
    if eval_steps is not None and eval_loss is not None:
        axes.plot(
            np.asarray(eval_steps),
            np.asarray(eval_loss, dtype=float),
            marker="o",
            markersize=3,
            label="validation",
            linewidth=1.2,
        )
    axes.legend(fontsize=7)
    label_axes(axes, "Training loss", "step", "loss")
    return figure


def binary_confusion_matrix(y_true: ArrayLike, y_pred: ArrayLike) -> np.ndarray:
    """2×2 counts: rows are the true class (0, 1), columns the predicted class (0, 1)."""
    truth = np.asarray(y_true, dtype=bool).astype(np.int64)
    predicted = np.asarray(y_pred, dtype=bool).astype(np.int64)
    return np.bincount(2 * truth + predicted, minlength=4).reshape(2, 2)


def confusion_matrix_chart(
    matrix: ArrayLike, labels: Sequence[str] = ("non-match", "match")
) -> Figure:
    """A confusion matrix as a heat map with the count in each cell.

    Args:
        matrix: Square counts, rows true class and columns predicted class (e.g. from
            :func:`binary_confusion_matrix`).
        labels: Class names in row/column order.
    """
    counts = np.asarray(matrix, dtype=np.int64)
    figure = new_figure(width=3.4, height=3.0)
    axes = figure.axes[0]
    axes.grid(False)
    axes.imshow(counts, cmap="Blues")
    threshold = counts.max() / 2 if counts.size else 0
    for (row, col), value in np.ndenumerate(counts):
        color = "white" if value > threshold else "black"
        axes.text(col, row, f"{value:,}", ha="center", va="center", color=color, fontsize=9)
    ticks = np.arange(len(labels))
    axes.set_xticks(ticks, list(labels))
    axes.set_yticks(ticks, list(labels))
    label_axes(axes, "Confusion matrix", "predicted", "true")
    return figure
