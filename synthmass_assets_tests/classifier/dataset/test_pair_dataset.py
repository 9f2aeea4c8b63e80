"""The pair dataset: split by patient, look-alikes together, validation and test balanced, more
negatives in train, saved as a DatasetDict."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from synthmass_assets.classifier.dataset.hf_dataset import PairDataset, split_leaks
from synthmass_assets.classifier.dataset.pair_dataset import (
    SPLITS,
    PairSampling,
    assign_splits,
    build_pairs,
)
from synthmass_assets_tests.classifier.conftest import TinyTrack


def _frames(data: PairDataset) -> pl.DataFrame:
    return pl.concat(
        [pl.from_arrow(data.pairs[s].data.table).with_columns(split=pl.lit(s)) for s in SPLITS]  # type: ignore[union-attr]
    )


def test_no_patient_is_in_two_splits(tiny_dataset: PairDataset) -> None:
    assert split_leaks(tiny_dataset) == 0
    pairs = _frames(tiny_dataset)
    by_split = pairs.select(
        "split", patient=pl.concat_list("patient_id_l", "patient_id_r")
    ).explode("patient")
    assert (
        by_split.group_by("patient").agg(pl.col("split").n_unique()).get_column("split").max() == 1
    )


def test_splits_hold_their_negatives_and_labels_follow_ground_truth(
    tiny_dataset: PairDataset,
) -> None:
    pairs = _frames(tiny_dataset)
    ratio = PairSampling().train_negatives_per_positive
    for split in SPLITS:
        labels = pairs.filter(pl.col("split") == split).get_column("label")
        negatives_per_positive = ratio if split == "train" else 1
        assert labels.len() > 0 and labels.sum() * (1 + negatives_per_positive) == labels.len()
    same = pairs.get_column("patient_id_l") == pairs.get_column("patient_id_r")
    assert (same == (pairs.get_column("label") == 1)).all()
    assert set(pairs.get_column("source")) >= {"same_patient", "random", "splink_candidate"}


def test_lookalike_groups_share_a_split(tiny_track: TinyTrack) -> None:
    splits = assign_splits(tiny_track.ground_truth, PairSampling(seed=3))
    groups = tiny_track.ground_truth.join(splits, on="record_id").drop_nulls("confusable_group")
    assert groups.height > 0
    assert (
        groups.group_by("confusable_group")
        .agg(pl.col("split").n_unique())
        .get_column("split")
        .max()
        == 1
    )


def test_same_seed_same_pairs_other_seed_other_split(tiny_track: TinyTrack) -> None:
    def pairs(seed: int) -> pl.DataFrame:
        return build_pairs(
            tiny_track.ground_truth,
            tiny_track.candidates.sample(fraction=1.0, shuffle=True, seed=seed),
            PairSampling(seed=1),
        )

    assert pairs(1).equals(pairs(2))
    other = build_pairs(tiny_track.ground_truth, tiny_track.candidates, PairSampling(seed=9))
    assert not other.equals(pairs(1))


def test_dataset_round_trips_through_disk(tiny_dataset: PairDataset, tmp_path: Path) -> None:
    tiny_dataset.save(tmp_path)
    loaded = PairDataset.load(tmp_path)
    for split in SPLITS:
        assert loaded.pairs[split].to_dict() == tiny_dataset.pairs[split].to_dict()
        assert loaded.records[split].num_rows == tiny_dataset.records[split].num_rows
    assert {"summary_l", "summary_r", "label"} <= set(loaded.pairs["train"].column_names)


def test_extra_train_negatives_leave_validation_and_test_as_they_were(
    tiny_track: TinyTrack,
) -> None:
    def pairs(ratio: float) -> pl.DataFrame:
        sampling = PairSampling(seed=3, train_negatives_per_positive=ratio)
        return build_pairs(tiny_track.ground_truth, tiny_track.candidates, sampling)

    balanced, more = pairs(1.0), pairs(3.0)
    for split in ("validation", "test"):
        assert more.filter(pl.col("split") == split).equals(
            balanced.filter(pl.col("split") == split)
        )
    train = more.filter(pl.col("split") == "train")
    assert (
        balanced.filter(pl.col("split") == "train")
        .join(train, on=["record_id_l", "record_id_r"], how="anti")
        .is_empty()
    )
    assert not train.select("record_id_l", "record_id_r").is_duplicated().any()
    assert set(train.filter(pl.col("label") == 0).get_column("source")) >= {
        "random",
        "splink_candidate",
    }
