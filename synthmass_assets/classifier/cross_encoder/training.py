"""Training of the cross-encoder: LoRA fine-tuning, validation and test scores, adapter saved.

As in ClinFuse: LoRA r=16 on the attention and MLP projections of the base classifier
(`model.load_cross_encoder`), trained with gradient accumulation on length-sorted batches.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
import torch
from peft import PeftModel
from transformers import PreTrainedTokenizerBase, set_seed

from synthmass_assets.classifier.bi_encoder.encoder import with_lora
from synthmass_assets.classifier.cross_encoder.model import load_cross_encoder
from synthmass_assets.classifier.cross_encoder.prompts import (
    length_sorted_batches,
    prompts,
    score_prompts,
    tokenized_batch,
)
from synthmass_assets.classifier.dataset.hf_dataset import PairDataset
from synthmass_assets.classifier.dataset.pair_dataset import SPLITS
from synthmass_assets.classifier.metrics import binary_metrics, negatives_per_positive
from synthmass_assets.classifier.serving.artifacts import ModelFiles, TrainingReport, write_manifest
from synthmass_assets.classifier.settings import PairClassifierSettings

logger = logging.getLogger(__name__)


def train_cross_encoder(
    model: PeftModel,
    tokenizer: PreTrainedTokenizerBase,
    texts: list[str],
    labels: np.ndarray,
    settings: PairClassifierSettings,
) -> list[float]:
    """``max_steps`` optimizer steps of ``gradient_accumulation_steps`` length-sorted micro-batches,
    positives weighted to count as much as the (more numerous) negatives.

    Returns the loss of every optimizer step.
    """
    device = next(model.parameters()).device
    rng = np.random.default_rng(settings.seed)
    lengths = [
        len(ids)
        for ids in tokenizer(texts, truncation=True, max_length=settings.max_length)["input_ids"]
    ]
    batches = length_sorted_batches(lengths, settings.batch_size, rng)
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=settings.learning_rate
    )
    target = torch.from_numpy(labels.astype(np.float32)).to(device)
    positive_weight = torch.tensor(negatives_per_positive(labels), device=device)
    model.train()
    losses: list[float] = []
    cursor = 0
    for _ in range(settings.max_steps):
        total = 0.0
        for _ in range(settings.gradient_accumulation_steps):
            rows = batches[cursor % len(batches)]
            cursor += 1
            inputs = tokenized_batch(
                tokenizer, [texts[i] for i in rows], settings.max_length, device
            )
            logits = model(**inputs).logits.squeeze(-1).float()
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                logits, target[torch.from_numpy(rows).to(device)], pos_weight=positive_weight
            )
            (loss / settings.gradient_accumulation_steps).backward()
            total += loss.item() / settings.gradient_accumulation_steps
        optimizer.step()
        optimizer.zero_grad()
        losses.append(round(total, 5))
    return losses


def train_cross_model(
    data: PairDataset, settings: PairClassifierSettings, output_dir: Path
) -> TrainingReport:
    """Fine-tune the cross-encoder with LoRA, score validation and test, save adapter + manifest."""
    set_seed(settings.seed)
    started = time.perf_counter()
    tokenizer, base = load_cross_encoder(settings)
    model = with_lora(base, settings)
    trainable, total = model.get_nb_trainable_parameters()
    report = TrainingReport(trainable_parameters=trainable, total_parameters=total)
    split = {name: data.pairs[name] for name in SPLITS}
    train = split["train"]
    report.lora_loss_curve = train_cross_encoder(
        model, tokenizer, prompts(train["summary_l"], train["summary_r"]),
        np.asarray(train["label"]), settings,
    )  # fmt: skip
    report.seconds["lora"] = time.perf_counter() - started
    report.metrics["full"] = {}
    for name in ("validation", "test"):
        texts = prompts(split[name]["summary_l"], split[name]["summary_r"])
        logits = score_prompts(model, tokenizer, texts, settings)
        report.metrics["full"][name] = binary_metrics(
            np.asarray(split[name]["label"]), 1 / (1 + np.exp(-logits))
        )
    report.validation_per_epoch = [
        {"step": float(settings.max_steps), **report.metrics["full"]["validation"]}
    ]
    report.seconds["total"] = time.perf_counter() - started
    files = ModelFiles(output_dir)
    model.save_pretrained(str(files.adapter))
    tokenizer.save_pretrained(str(files.adapter))
    write_manifest(files, {"settings": settings.to_dict(), **report.__dict__})
    return report
