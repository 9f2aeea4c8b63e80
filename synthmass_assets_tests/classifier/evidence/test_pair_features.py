"""Structured pair features and metrics on small inputs."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from synthmass_assets.classifier.evidence.features import FEATURE_NAMES, pair_features
from synthmass_assets.classifier.evidence.record_features import RecordVocabulary
from synthmass_assets.classifier.metrics import binary_metrics, negatives_per_positive, roc_auc
from synthmass_assets.errors import InputDataError
from synthmass_assets_tests.classifier.conftest import TinyTrack


def _pairs(ids: list[str]) -> pl.DataFrame:
    return pl.DataFrame({"record_id_l": ids[:-1], "record_id_r": ids[1:]})


def _features(track: TinyTrack, pairs: pl.DataFrame) -> np.ndarray:
    chronic = RecordVocabulary.fit(track.summaries).chronic
    return pair_features(track.summaries, pairs, chronic)


def test_features_are_symmetric_and_named(tiny_track: TinyTrack) -> None:
    ids = tiny_track.summaries.get_column("record_id").head(40).to_list()
    pairs = _pairs(ids)
    swapped = pairs.select(record_id_l="record_id_r", record_id_r="record_id_l")
    forward, backward = _features(tiny_track, pairs), _features(tiny_track, swapped)
    assert forward.shape == (39, len(FEATURE_NAMES)) and forward.dtype == np.float32
    np.testing.assert_allclose(forward, backward, atol=1e-6)


def test_a_record_paired_with_itself_overlaps_fully(tiny_track: TinyTrack) -> None:
    rich = tiny_track.summaries.filter(pl.col("condition_codes").list.len() > 0).head(5)
    ids = rich.get_column("record_id").to_list()
    features = _features(tiny_track, pl.DataFrame({"record_id_l": ids, "record_id_r": ids}))
    column = {name: features[:, i] for i, name in enumerate(FEATURE_NAMES)}
    assert (column["jaccard_condition"] == 1).all() and (column["both_condition"] == 1).all()
    assert (column["diff_height_cm"] == 0).all() and (column["diff_bmi"] == 0).all()
    assert (column["growth_misfit"] == 0).all() and (column["states_contradicted"] == 0).all()
    assert (column["other_drug"] == 0).all() and (column["visits_after_death_years"] < 0).all()


def test_unknown_records_are_refused(tiny_track: TinyTrack) -> None:
    pairs = pl.DataFrame(
        {"record_id_l": ["nobody"], "record_id_r": [tiny_track.summaries["record_id"][0]]}
    )
    with pytest.raises(InputDataError, match="without a clinical summary"):
        _features(tiny_track, pairs)


def test_summaries_of_an_older_version_are_refused(tiny_track: TinyTrack) -> None:
    ids = tiny_track.summaries.get_column("record_id").head(3).to_list()
    chronic = RecordVocabulary.fit(tiny_track.summaries).chronic
    with pytest.raises(InputDataError, match="lack care, treatments; re-materialize"):
        pair_features(tiny_track.summaries.drop("care", "treatments"), _pairs(ids), chronic)


@pytest.mark.parametrize(
    ("labels", "scores", "expected"),
    [
        ([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], 0.75),
        ([0, 1], [0.2, 0.9], 1.0),
        ([0, 1, 1], [0.5, 0.5, 0.5], 0.5),
    ],
)
def test_roc_auc_matches_hand_computed_values(
    labels: list[int], scores: list[float], expected: float
) -> None:
    assert roc_auc(np.array(labels), np.array(scores)) == pytest.approx(expected)


def test_binary_metrics_count_the_confusion_matrix() -> None:
    metrics = binary_metrics(np.array([1, 1, 0, 0, 1]), np.array([0.9, 0.2, 0.7, 0.1, 0.6]))
    assert (metrics["tp"], metrics["fp"], metrics["tn"], metrics["fn"]) == (2, 1, 1, 1)
    assert metrics["precision"] == pytest.approx(2 / 3) and metrics["recall"] == pytest.approx(
        2 / 3
    )
    assert metrics["accuracy"] == pytest.approx(0.6)


@pytest.mark.parametrize(
    ("labels", "expected"), [([1, 0, 0, 0], 3.0), ([1, 1, 0, 0], 1.0), ([0, 0], 1.0), ([1], 1.0)]
)
def test_negatives_per_positive_counts_at_least_one_of_each(
    labels: list[int], expected: float
) -> None:
    assert negatives_per_positive(np.array(labels)) == expected
