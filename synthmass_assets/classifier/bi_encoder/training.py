"""Training of the bi-encoder pair classifier; runs the same with or without Dagster.

1. LoRA fine-tuning: ``max_steps`` optimizer steps through the encoder (`lora_tuning`).
2. Every record of the dataset is encoded once with the adapted encoder (cached).
3. Every distinct item text (`summaries.items`) is encoded once too, and the items of each
   pair's records are matched by meaning (`evidence.semantic`).
4. Per variant (full, structured_only, text_only): a profile head estimating birth year and
   sex per record (cross-fitted on the train split), then a pair head on what the variant
   reads (encodings and semantic matches, structured features, or both) and the profile
   features: boosted trees (``pair_head="trees"``, the number of trees best on validation
   kept) or an MLP fitted for ``epochs`` epochs (the epoch best on validation kept).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import torch
from transformers import set_seed

from synthmass_assets.classifier.bi_encoder import encoder as enc
from synthmass_assets.classifier.bi_encoder.head_training import (
    HeadFit,
    PairTensors,
    fit_head,
    fit_tree_head,
    score_head,
    single_thread,
)
from synthmass_assets.classifier.bi_encoder.heads.boosting import TreeShape
from synthmass_assets.classifier.bi_encoder.heads.pair_head import VARIANTS, HeadShape, PairHead
from synthmass_assets.classifier.bi_encoder.heads.profile import (
    PROFILE_FEATURES,
    ProfileHead,
    ProfileShape,
    estimate,
    fit_profile,
)
from synthmass_assets.classifier.bi_encoder.item_tuning import RecordItems
from synthmass_assets.classifier.bi_encoder.lora_tuning import tune_encoder
from synthmass_assets.classifier.dataset.hf_dataset import PairDataset, split_frame
from synthmass_assets.classifier.dataset.pair_dataset import SPLITS
from synthmass_assets.classifier.evidence.features import pair_features
from synthmass_assets.classifier.evidence.record_features import RecordVocabulary, record_matrix
from synthmass_assets.classifier.evidence.semantic import (
    SEMANTIC_FEATURES,
    ItemEmbeddings,
    item_texts,
    semantic_features,
)
from synthmass_assets.classifier.metrics import binary_metrics
from synthmass_assets.classifier.serving.artifacts import (
    Heads,
    ModelFiles,
    PairScorerHead,
    TrainingReport,
    head_name,
    save_encodings,
    save_heads,
    save_items,
    write_manifest,
)
from synthmass_assets.classifier.settings import PairClassifierSettings

logger = logging.getLogger(__name__)
PROFILE_FOLDS = 3
N_SEMANTIC = len(SEMANTIC_FEATURES)


@dataclass(frozen=True)
class RecordTable:
    """Every record of the dataset in one order: ids, texts, facts, labels, split, fold."""

    frame: pl.DataFrame
    facts: torch.Tensor
    birth_year: torch.Tensor
    female: torch.Tensor

    @classmethod
    def build(
        cls, data: PairDataset, summaries: pl.DataFrame, vocabulary: RecordVocabulary
    ) -> RecordTable:
        labels = pl.concat(
            [split_frame(data.records[s]).with_columns(split=pl.lit(s)) for s in SPLITS]
        ).sort("record_id")
        frame = labels.join(summaries, on="record_id", how="left", maintain_order="left")
        return cls(
            frame=frame.with_columns(fold=pl.col("patient_id").hash(7) % PROFILE_FOLDS),
            facts=torch.from_numpy(record_matrix(frame, vocabulary)),
            birth_year=torch.from_numpy(
                frame.get_column("birth_year").to_numpy().astype(np.float32)
            ),
            female=torch.from_numpy(frame.get_column("female").to_numpy().astype(np.float32)),
        )

    def rows(self, **equal: Any) -> np.ndarray:
        mask = np.ones(self.frame.height, dtype=bool)
        for column, value in equal.items():
            mask &= (self.frame.get_column(column) == value).to_numpy()
        return np.flatnonzero(mask)


def _pair_tensors(
    pairs: pl.DataFrame,
    summaries: pl.DataFrame,
    vocabulary: RecordVocabulary,
    row_of: dict[str, int],
) -> PairTensors:
    features = pair_features(summaries, pairs, vocabulary.chronic)
    return PairTensors.build(pairs, features, row_of)


def _profiles(
    records: RecordTable, encodings: torch.Tensor, variant: str, settings: PairClassifierSettings
) -> tuple[ProfileHead, np.ndarray]:
    """The variant's profile head (fit on train records) and cross-fitted estimates of all."""
    shape = ProfileShape(encodings.shape[1], records.facts.shape[1], variant=variant)

    def fit(rows: np.ndarray) -> ProfileHead:
        index = torch.from_numpy(rows)
        labels = (records.birth_year[index], records.female[index])
        return fit_profile(
            ProfileHead(shape), encodings[index], records.facts[index], labels,
            settings.profile_epochs, settings.head_learning_rate, settings.seed,
        )  # fmt: skip

    estimates = np.zeros((records.frame.height, 3), dtype=np.float32)
    for fold in range(PROFILE_FOLDS):
        held = records.rows(split="train", fold=fold)
        head = fit(np.setdiff1d(records.rows(split="train"), held))
        estimates[held] = estimate(head, encodings[held], records.facts[held])
    head = fit(records.rows(split="train"))
    others = np.flatnonzero((records.frame.get_column("split") != "train").to_numpy())
    estimates[others] = estimate(head, encodings[others], records.facts[others])
    return head, estimates


def _fit_pair_head(
    variant: str,
    encodings: torch.Tensor,
    tensors: dict[str, PairTensors],
    settings: PairClassifierSettings,
) -> tuple[PairScorerHead, HeadFit]:
    """The variant's pair head: boosted trees or an MLP (always for text_only)."""
    n_features = tensors["train"].features.shape[1] - len(PROFILE_FEATURES) - N_SEMANTIC
    if settings.pair_head == "trees":
        shape = TreeShape(
            text_dim=encodings.shape[1],
            n_features=n_features,
            n_profile=len(PROFILE_FEATURES),
            trees=0,
            nodes=0,
            depth=0,
            variant=variant,
            n_semantic=N_SEMANTIC,
        )
        return fit_tree_head(shape, encodings, tensors["train"], tensors["validation"], settings)
    head = PairHead(
        HeadShape(
            encodings.shape[1], n_features, len(PROFILE_FEATURES), variant=variant,
            n_semantic=N_SEMANTIC,
        )
    )  # fmt: skip
    head.fit_scaler(tensors["train"].features.numpy())
    return head, fit_head(head, encodings, tensors["train"], tensors["validation"], settings)


def _fit_variant(
    variant: str,
    records: RecordTable,
    encodings: torch.Tensor,
    base: dict[str, PairTensors],
    settings: PairClassifierSettings,
    report: TrainingReport,
) -> tuple[PairScorerHead, ProfileHead]:
    """Profile and pair head of one variant; its metrics and profile errors go to ``report``."""
    tick = time.perf_counter()
    profile_head, estimates = _profiles(records, encodings, variant, settings)
    report.seconds[f"profile_{variant}"] = time.perf_counter() - tick
    test = records.rows(split="test")
    report.profile_test_error[variant] = {
        "birth_year_mae": float(
            np.abs(estimates[test, 0] - records.birth_year.numpy()[test]).mean()
        ),
        "sex_accuracy": float(
            ((estimates[test, 2] >= 0.5) == (records.female.numpy()[test] > 0)).mean()
        ),
    }
    tensors = {split: pairs.with_profiles(estimates) for split, pairs in base.items()}
    tick = time.perf_counter()
    pair_head, fit = _fit_pair_head(variant, encodings, tensors, settings)
    report.seconds[f"pair_head_{variant}"] = time.perf_counter() - tick
    logger.info(
        "Heads of %s: profile %.0f s, pair %.0f s", variant,
        report.seconds[f"profile_{variant}"], report.seconds[f"pair_head_{variant}"],
    )  # fmt: skip
    if variant == "full":
        report.head_loss_curve, report.validation_per_epoch = fit.train_losses, fit.validation
    report.metrics[variant] = {
        split: binary_metrics(pairs.labels.numpy(), score_head(pair_head, encodings, pairs)[0])
        for split, pairs in tensors.items()
    }
    return pair_head, profile_head


def train_bi_encoder(
    data: PairDataset, summaries: pl.DataFrame, settings: PairClassifierSettings, output_dir: Path
) -> TrainingReport:
    """Fine-tune the encoder with LoRA, fit the heads, save everything under ``output_dir``.

    Args:
        data: The ``pair_dataset``: pairs with both summary texts, labelled records per split.
        summaries: The track's ``clinical_summaries`` (facts of every record).
        settings: Model, LoRA and optimisation settings (``mode`` must be ``bi_encoder``).
        output_dir: Receives adapter, heads, vocabulary, record encodings and the manifest.
    """
    set_seed(settings.seed)
    started = time.perf_counter()
    vocabulary = RecordVocabulary.fit(summaries.filter(pl.col("record_id").is_in(
        data.records["train"]["record_id"])))  # fmt: skip
    records = RecordTable.build(data, summaries, vocabulary)
    row_of = {rid: i for i, rid in enumerate(records.frame.get_column("record_id").to_list())}
    base = {
        s: _pair_tensors(split_frame(data.pairs[s]), summaries, vocabulary, row_of) for s in SPLITS
    }
    features_seconds = time.perf_counter() - started

    tick = time.perf_counter()
    tokenizer = enc.load_tokenizer(settings)
    pad_id = int(tokenizer.pad_token_id or 0)
    ids = enc.tokenize(
        tokenizer, records.frame.get_column("summary").to_list(), settings.max_length
    )
    model = enc.with_lora(enc.load_base_encoder(settings), settings)
    trainable, total = model.get_nb_trainable_parameters()
    report = TrainingReport(trainable_parameters=trainable, total_parameters=total)
    report.seconds["features"] = features_seconds
    labels = (records.birth_year, records.female)
    items = RecordItems.build(records.frame, tokenizer) if settings.item_weight > 0 else None
    report.lora_loss_curve = tune_encoder(
        model, ids, pad_id, base["train"], labels, settings, items
    )
    report.seconds["lora"] = time.perf_counter() - tick

    tick = time.perf_counter()
    frozen = enc.inference_copy(model, settings.int8_inference)
    encodings = torch.from_numpy(
        enc.encode_token_ids(frozen, ids, pad_id, settings.encode_batch_size)
    )
    report.records_encoded = len(ids)
    embeddings = ItemEmbeddings.of(
        item_texts(records.frame),
        enc.text_encoder(frozen, tokenizer, settings.encode_batch_size),
    )
    base = {
        split: pairs.with_columns(
            semantic_features(records.frame, pairs.left, pairs.right, embeddings)
        )
        for split, pairs in base.items()
    }
    report.seconds["encoding"] = time.perf_counter() - tick

    tick = time.perf_counter()
    heads: Heads = {}
    with single_thread():  # small matrices: threads only contend
        for variant in VARIANTS:
            pair_head, profile_head = _fit_variant(
                variant, records, encodings, base, settings, report
            )
            heads[head_name("pair", variant)] = pair_head
            heads[head_name("profile", variant)] = profile_head
    report.seconds["heads"] = time.perf_counter() - tick
    report.seconds["total"] = time.perf_counter() - started

    files = ModelFiles(output_dir)
    files.root.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(files.adapter))
    tokenizer.save_pretrained(str(files.adapter))
    save_heads(heads, files.heads)
    files.vocabulary.write_text(vocabulary.to_json())
    save_encodings(
        records.frame.get_column("record_id").to_list(), encodings.numpy(), files.encodings
    )
    save_items(embeddings, files.items)
    write_manifest(files, {"settings": settings.to_dict(), **report.__dict__})
    logger.info("Test metrics (full): %s", report.metrics["full"]["test"])
    return report
