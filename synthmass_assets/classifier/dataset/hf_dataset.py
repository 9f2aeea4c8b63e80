"""The pair dataset on disk: Hugging Face `DatasetDict`s of pairs (with texts) and of records."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
from datasets import Dataset, DatasetDict, load_from_disk

from synthmass_assets.classifier.dataset.pair_dataset import PAIR_COLUMNS, SPLITS

RECORD_COLUMNS = ("record_id", "patient_id", "birth_year", "female")


def to_dataset_dict(pairs: pl.DataFrame, summaries: pl.DataFrame) -> DatasetDict:
    """A Hugging Face `DatasetDict` (train/validation/test) with both records' summary texts."""
    texts = summaries.select("record_id", "summary")
    with_texts = pairs.join(
        texts.rename({"record_id": "record_id_l", "summary": "summary_l"}), on="record_id_l"
    ).join(texts.rename({"record_id": "record_id_r", "summary": "summary_r"}), on="record_id_r")
    return DatasetDict(
        {
            split: Dataset.from_polars(
                with_texts.filter(pl.col("split") == split)
                .sort("record_id_l", "record_id_r")
                .select(PAIR_COLUMNS)
            )
            for split in SPLITS
        }
    )


def split_frame(dataset: Dataset) -> pl.DataFrame:
    """One split of a `DatasetDict` as a polars frame (from its Arrow table, no copy)."""
    frame = pl.from_arrow(dataset.data.table)
    assert isinstance(frame, pl.DataFrame)
    return frame


def record_labels(ground_truth: pl.DataFrame, people: pl.DataFrame) -> pl.DataFrame:
    """Each record's true birth year (fractional) and sex, the profile heads' targets.

    Args:
        ground_truth: ``record_id``, ``patient_id``.
        people: Synthea ``patients`` (``Id``, ``BIRTHDATE``, ``GENDER``), look-alikes included.
    """
    truth = people.select(
        patient_id="Id",
        birth_year=pl.col("BIRTHDATE").dt.year()
        + (pl.col("BIRTHDATE").dt.ordinal_day() - 1) / 365.25,
        female=pl.col("GENDER") == "F",
    )
    return ground_truth.select("record_id", "patient_id").join(truth, on="patient_id", how="left")


@dataclass(frozen=True)
class PairDataset:
    """The pairs (train/validation/test with texts) and the labelled records of each split."""

    pairs: DatasetDict
    records: DatasetDict

    @classmethod
    def build(
        cls, pairs: pl.DataFrame, summaries: pl.DataFrame, labels: pl.DataFrame
    ) -> PairDataset:
        """From `build_pairs` output, the summaries and `record_labels`."""
        sides = pl.concat(
            [pairs.select("split", record_id=f"record_id_{side}") for side in ("l", "r")]
        ).unique()
        records = sides.join(labels, on="record_id", how="left").sort("record_id")
        return cls(
            pairs=to_dataset_dict(pairs, summaries),
            records=DatasetDict(
                {
                    split: Dataset.from_polars(
                        records.filter(pl.col("split") == split).select(RECORD_COLUMNS)
                    )
                    for split in SPLITS
                }
            ),
        )

    def save(self, folder: Path) -> None:
        self.pairs.save_to_disk(str(folder / "pairs"))
        self.records.save_to_disk(str(folder / "records"))

    @classmethod
    def load(cls, folder: Path) -> PairDataset:
        pairs, records = (
            load_from_disk(str(folder / "pairs")),
            load_from_disk(str(folder / "records")),
        )
        assert isinstance(pairs, DatasetDict) and isinstance(records, DatasetDict)
        return cls(pairs, records)


def split_leaks(data: PairDataset) -> int:
    """Number of patients that appear in more than one split (0 when split by patient)."""
    seen = pl.concat(
        [
            split_frame(data.pairs[split])
            .select(patient=pl.concat_list("patient_id_l", "patient_id_r"))
            .explode("patient")
            .unique()
            .with_columns(split=pl.lit(split))
            for split in SPLITS
        ]
    )
    return int(
        seen.group_by("patient").agg(pl.col("split").n_unique()).filter(pl.col("split") > 1).height
    )
