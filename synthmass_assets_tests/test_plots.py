"""Metadata pictures: what each figure draws, and that it renders to a small inline PNG."""

from __future__ import annotations

import base64
from collections.abc import Callable

import numpy as np
import polars as pl
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from synthmass_assets import plots

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
RNG = np.random.default_rng(7)
SCORES = RNG.uniform(0, 1, 2_000)
MATCHES = RNG.uniform(0, 1, 2_000) < SCORES**3
CURVES = pl.concat(
    [
        plots.threshold_curve(SCORES, MATCHES, np.linspace(0, 1, 101)).with_columns(
            method=pl.lit(method)
        )
        for method in ("splink_at_0.99", "synthmass")
    ]
)

PICTURES: dict[str, Callable[[], Figure]] = {
    "facilities": lambda: plots.facilities_per_patient_histogram(RNG.integers(1, 6, 2_500)),
    "error_types": lambda: plots.error_type_shares_chart(
        ["name", "address", "date", "ssn", "formatting", "missing"],
        [0.36, 0.05, 0.14, 0.15, 0.0, 0.30],
        [0.35, 0.05, 0.15, 0.15, 0.0, 0.30],
    ),
    "match_probability": lambda: plots.match_probability_histogram(
        SCORES,
        np.where(SCORES >= 0.99, "auto_match", np.where(SCORES < 0.01, "auto_reject", "gray_zone")),
    ),
    "threshold_curves": lambda: plots.threshold_curves_chart(CURVES),
    "training_loss": lambda: plots.training_loss_chart(
        np.arange(200),
        np.exp(-np.arange(200) / 50) + RNG.normal(0, 0.02, 200),
        [50, 100],
        [0.4, 0.2],
    ),
    "confusion_matrix": lambda: plots.confusion_matrix_chart([[950, 12], [8, 530]]),
}


def bars_of(figure: Figure) -> list[Rectangle]:
    return [patch for patch in figure.axes[0].patches if isinstance(patch, Rectangle)]


@pytest.mark.parametrize("name", sorted(PICTURES))
def test_every_picture_renders_to_a_small_png(name: str) -> None:
    png = plots.figure_png(PICTURES[name]())
    assert png.startswith(PNG_SIGNATURE) and len(png) <= plots.MAX_PNG_BYTES


def test_figure_markdown_is_an_inline_png_image() -> None:
    markdown = plots.figure_markdown(PICTURES["facilities"](), alt="Facilities per patient")
    prefix = "![Facilities per patient](data:image/png;base64,"
    assert markdown.value.startswith(prefix) and markdown.value.endswith(")")
    png = base64.b64decode(markdown.value[len(prefix) : -1])
    assert png.startswith(PNG_SIGNATURE) and len(png) <= plots.MAX_PNG_BYTES


def test_png_resolution_drops_until_it_fits() -> None:
    figure = PICTURES["threshold_curves"]()
    full = plots.figure_png(figure)
    smaller = plots.figure_png(figure, max_bytes=len(full) // 2)
    assert len(smaller) <= len(full) // 2
    with pytest.raises(ValueError, match="draw fewer points or a smaller figure"):
        plots.figure_png(figure, max_bytes=500)


def test_facilities_histogram_counts_patients_per_facility_count() -> None:
    figure = plots.facilities_per_patient_histogram(pl.Series([1, 1, 2, 3, 3, 3, 5]))
    bars = bars_of(figure)
    assert [bar.get_x() + bar.get_width() / 2 for bar in bars] == [1, 2, 3, 4, 5]
    assert [bar.get_height() for bar in bars] == [2, 1, 3, 0, 1]


@pytest.mark.parametrize("configured", [None, [0.5, 0.5]])
def test_error_type_chart_draws_achieved_and_configured_shares(
    configured: list[float] | None,
) -> None:
    figure = plots.error_type_shares_chart(pl.Series(["name", "ssn"]), [0.7, 0.3], configured)
    widths = [bar.get_width() for bar in bars_of(figure)]
    assert widths == [0.7, 0.3] + (configured or [])
    assert [label.get_text() for label in figure.axes[0].get_yticklabels()] == ["name", "ssn"]


def test_match_probability_histogram_stacks_tiers_in_order() -> None:
    probability = [0.001, 0.002, 0.5, 0.995, 0.999, 0.7]
    tier = ["auto_reject", "auto_reject", "gray_zone", "auto_match", "auto_match", "other"]
    figure = plots.match_probability_histogram(probability, tier, bins=10)
    legend = figure.axes[0].get_legend()
    assert legend is not None
    assert [text.get_text() for text in legend.get_texts()] == [
        "auto_reject",
        "gray_zone",
        "auto_match",
        "other",
    ]
    assert figure.axes[0].get_yscale() == "log"


@pytest.mark.parametrize(
    ("scores", "is_match", "total", "expected"),
    [
        # threshold 0.5: predicted {0.9, 0.8}, one of them true; 2 true scored pairs
        ([0.9, 0.8, 0.3, 0.1], [1, 0, 1, 0], None, (0.5, 0.5)),
        # one true pair never reached scoring: recall over 3
        ([0.9, 0.8, 0.3, 0.1], [1, 0, 1, 0], 3, (0.5, 1 / 3)),
        # ties at the threshold count as predicted matches
        ([0.5, 0.5, 0.2], [1, 1, 0], None, (1.0, 1.0)),
    ],
)
def test_threshold_curve_at_one_threshold(
    scores: list[float], is_match: list[int], total: int | None, expected: tuple[float, float]
) -> None:
    row = plots.threshold_curve(scores, is_match, [0.5], total_matches=total).row(0, named=True)
    precision, recall = expected
    assert row["precision"] == pytest.approx(precision) and row["recall"] == pytest.approx(recall)
    assert row["f1"] == pytest.approx(2 * precision * recall / (precision + recall))


def test_threshold_curve_matches_a_brute_force_count() -> None:
    thresholds = np.linspace(0, 0.98, 50)
    curve = plots.threshold_curve(SCORES, MATCHES, thresholds)
    for threshold, precision, recall in curve.select("threshold", "precision", "recall").rows():
        predicted = SCORES >= threshold
        hits = (predicted & MATCHES).sum()
        assert precision == pytest.approx(hits / predicted.sum())
        assert recall == pytest.approx(hits / MATCHES.sum())


def test_threshold_curve_above_every_score_predicts_nothing() -> None:
    row = plots.threshold_curve([0.2, 0.4], [1, 0], [0.9]).row(0, named=True)
    assert np.isnan(row["precision"]) and row["recall"] == 0 and row["f1"] == 0


def test_threshold_curves_chart_has_a_panel_per_metric_and_a_line_per_method() -> None:
    figure = plots.threshold_curves_chart(CURVES)
    assert [axes.get_title() for axes in figure.axes] == ["precision", "recall", "f1"]
    assert all(len(axes.get_lines()) == 2 for axes in figure.axes)


@pytest.mark.parametrize(("eval_steps", "lines"), [(None, 1), ([1, 2], 2)])
def test_training_loss_chart_draws_validation_when_given(
    eval_steps: list[int] | None, lines: int
) -> None:
    eval_loss = None if eval_steps is None else [0.5, 0.4]
    figure = plots.training_loss_chart([0, 1, 2], [0.9, 0.6, 0.5], eval_steps, eval_loss)
    assert len(figure.axes[0].get_lines()) == lines


def test_binary_confusion_matrix_rows_are_truth_columns_prediction() -> None:
    matrix = plots.binary_confusion_matrix([0, 0, 0, 1, 1], [0, 1, 1, 1, 0])
    assert matrix.tolist() == [[1, 2], [1, 1]]


def test_confusion_matrix_chart_writes_every_count() -> None:
    figure = plots.confusion_matrix_chart([[950, 12], [8, 1_530]])
    assert sorted(text.get_text() for text in figure.axes[0].texts) == sorted(
        ["950", "12", "8", "1,530"]
    )


def test_empty_inputs_still_draw() -> None:
    for figure in (
        plots.facilities_per_patient_histogram([]),
        plots.match_probability_histogram([], []),
    ):
        assert plots.figure_png(figure).startswith(PNG_SIGNATURE)
