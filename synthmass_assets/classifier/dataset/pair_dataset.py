"""Labelled record pairs for the classifier, split by patient and balanced per split.

Positives are records of one patient at different facilities. Negatives are mostly hard ones,
Splink blocking candidates that belong to different patients (look-alike twins, parents and
siblings first), plus some random pairs. Every split is balanced by default; the train split
can hold more negatives per positive (``train_negatives_per_positive``; training then weighs
the classes back to balance: on the benchmark three per positive gave the same mean test F1
over three splits, 0.9746, and took longer). Patients are split
into train/validation/test in whole confusable groups, so no patient, and no look-alike pair,
straddles two splits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

SPLITS = ("train", "validation", "test")
PAIR_COLUMNS = (
    "record_id_l", "record_id_r", "label", "source", "match_probability",
    "patient_id_l", "patient_id_r", "summary_l", "summary_r",
)  # fmt: skip


@dataclass(frozen=True)
class PairSampling:
    """How pairs are drawn.

    Attributes:
        validation_share: Share of patients (in whole confusable groups) in validation.
        test_share: Share of patients in the held-out test split.
        random_negative_share: Share of each split's negatives drawn as random record pairs;
            the rest are Splink blocking candidates of different patients.
        max_positive_pairs: Cap on positives per split before balancing (0: no cap).
        train_negatives_per_positive: Negatives per positive in the train split (validation
            and test hold one).
        seed: Seed of the split and of every sample.
    """

    validation_share: float = 0.15
    test_share: float = 0.15
    random_negative_share: float = 0.3
    max_positive_pairs: int = 0
    train_negatives_per_positive: float = 1.0
    seed: int = 0

    def negatives_per_positive(self, split: str) -> float:
        """How many negatives a split holds per positive."""
        return self.train_negatives_per_positive if split == "train" else 1.0


def assign_splits(ground_truth: pl.DataFrame, sampling: PairSampling) -> pl.DataFrame:
    """``record_id``, ``patient_id`` and ``split``: look-alike groups share their split."""
    unit = pl.coalesce("confusable_group", "patient_id")
    units = ground_truth.select(unit=unit).unique().sort("unit")
    draw = np.random.default_rng(sampling.seed).random(units.height)
    test, validation = sampling.test_share, sampling.test_share + sampling.validation_share
    split = np.where(draw < test, "test", np.where(draw < validation, "validation", "train"))
    return (
        ground_truth.with_columns(unit=unit)
        .join(units.with_columns(split=pl.Series(split)), on="unit")
        .select("record_id", "patient_id", "split")
        .sort("record_id")
    )


def _ordered(frame: pl.DataFrame) -> pl.DataFrame:
    """Pairs with ``record_id_l < record_id_r``, each once."""
    return frame.select(
        record_id_l=pl.min_horizontal("record_id_l", "record_id_r"),
        record_id_r=pl.max_horizontal("record_id_l", "record_id_r"),
        **{c: pl.col(c) for c in frame.columns if c not in ("record_id_l", "record_id_r")},
    ).unique(["record_id_l", "record_id_r"], keep="first", maintain_order=True)


def _labelled(pairs: pl.DataFrame, records: pl.DataFrame) -> pl.DataFrame:
    """Pairs with both records' patient and split; only pairs inside one split are kept."""
    left = records.rename({c: f"{c}_l" for c in records.columns})
    right = records.rename({c: f"{c}_r" for c in records.columns})
    return (
        pairs.join(left, on="record_id_l")
        .join(right, on="record_id_r")
        .filter(pl.col("split_l") == pl.col("split_r"))
        .with_columns(split=pl.col("split_l"))
        .drop("split_l", "split_r")
    )


def _sample(frame: pl.DataFrame, n: int, seed: int) -> pl.DataFrame:
    """``n`` rows drawn with ``seed``; joins do not keep row order, so sort first."""
    frame = frame.sort("record_id_l", "record_id_r")
    return frame if frame.height <= n else frame.sample(n=n, seed=seed)


def _random_pairs(records: pl.DataFrame, n: int, rng: np.random.Generator) -> pl.DataFrame:
    """About ``n`` random record pairs of different patients within one split."""
    ids = records.get_column("record_id").to_numpy()
    draw = rng.integers(0, len(ids), size=(2 * n + 16, 2))
    pairs = pl.DataFrame({"record_id_l": ids[draw[:, 0]], "record_id_r": ids[draw[:, 1]]})
    return _ordered(pairs.filter(pl.col("record_id_l") != pl.col("record_id_r")))


def _negatives(
    pool: pl.DataFrame,
    members: pl.DataFrame,
    records: pl.DataFrame,
    n: int,
    sampling: PairSampling,
    rng: np.random.Generator,
    taken: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """``n`` negatives of one split: look-alikes first, then other Splink candidates, and a
    `PairSampling.random_negative_share` of random pairs (none of the ``taken`` pairs)."""
    n_random = int(round(n * sampling.random_negative_share))
    looks = pool.filter(pl.col("source") == "lookalike")
    others = _sample(
        pool.filter(pl.col("source") != "lookalike"),
        max(n - n_random - looks.height, 0),
        sampling.seed,
    )
    hard = _sample(pl.concat([looks, others]), n - n_random, sampling.seed)
    randoms = _labelled(_random_pairs(members, n, rng), records).filter(
        pl.col("patient_id_l") != pl.col("patient_id_r")
    )
    for exclude in (hard, taken):
        if exclude is not None:
            randoms = randoms.join(exclude, on=["record_id_l", "record_id_r"], how="anti")
    randoms = randoms.sort("record_id_l", "record_id_r").head(n - hard.height)
    randoms = randoms.with_columns(
        source=pl.lit("random"), match_probability=pl.lit(None, dtype=pl.Float64)
    )
    return pl.concat([hard, randoms.select(hard.columns)], how="vertical_relaxed")


def build_pairs(
    ground_truth: pl.DataFrame, candidates: pl.DataFrame, sampling: PairSampling
) -> pl.DataFrame:
    """Labelled pairs of every split (without texts): validation and test balanced, train
    with ``sampling.train_negatives_per_positive`` negatives per positive.

    Args:
        ground_truth: ``record_id``, ``patient_id``, ``confusable_group``.
        candidates: Splink blocking candidates: ``record_id_l``, ``record_id_r``,
            ``match_probability``.
        sampling: Split shares, negative mix, caps and seed.

    Returns:
        ``record_id_l``, ``record_id_r``, ``label`` (1 same patient), ``source``
        (same_patient, lookalike, splink_candidate, random), ``match_probability``,
        ``patient_id_l``, ``patient_id_r``, ``split``.
    """
    rng = np.random.default_rng(sampling.seed)
    records = assign_splits(ground_truth, sampling)
    groups = ground_truth.select("record_id", "confusable_group")
    positives = _ordered(
        records.join(records.select("record_id", "patient_id"), on="patient_id", suffix="_r")
        .filter(pl.col("record_id") != pl.col("record_id_r"))
        .select(record_id_l="record_id", record_id_r="record_id_r")
    )
    hard = _labelled(
        _ordered(candidates.select("record_id_l", "record_id_r", "match_probability")), records
    ).filter(pl.col("patient_id_l") != pl.col("patient_id_r"))
    lookalike = (
        hard.join(
            groups.rename({"record_id": "record_id_l", "confusable_group": "g_l"}), on="record_id_l"
        )
        .join(
            groups.rename({"record_id": "record_id_r", "confusable_group": "g_r"}), on="record_id_r"
        )
        .select(pl.col("g_l").is_not_null() & (pl.col("g_l") == pl.col("g_r")))
        .to_series()
    )
    hard = hard.with_columns(
        source=pl.when(lookalike).then(pl.lit("lookalike")).otherwise(pl.lit("splink_candidate"))
    )
    positives = _labelled(positives, records).with_columns(
        source=pl.lit("same_patient"), match_probability=pl.lit(None, dtype=pl.Float64)
    )
    parts = []
    extra_rng = np.random.default_rng([sampling.seed, 1])
    for split in SPLITS:
        pos = positives.filter(pl.col("split") == split)
        if sampling.max_positive_pairs:
            pos = _sample(pos, sampling.max_positive_pairs, sampling.seed)
        pool = hard.filter(pl.col("split") == split)
        members = records.filter(pl.col("split") == split)
        negatives = _negatives(pool, members, records, pos.height, sampling, rng)
        extra = int(round(pos.height * (sampling.negatives_per_positive(split) - 1)))
        if extra > 0:
            pool = pool.join(negatives, on=["record_id_l", "record_id_r"], how="anti")
            more = _negatives(pool, members, records, extra, sampling, extra_rng, negatives)
            negatives = pl.concat([negatives, more], how="vertical_relaxed")
        parts.append(pos.with_columns(label=pl.lit(1, dtype=pl.Int64)))
        parts.append(negatives.with_columns(label=pl.lit(0, dtype=pl.Int64)))
    columns = [c for c in PAIR_COLUMNS if not c.startswith("summary")] + ["split"]
    return pl.concat([p.select(columns) for p in parts]).sort("split", "record_id_l", "record_id_r")
