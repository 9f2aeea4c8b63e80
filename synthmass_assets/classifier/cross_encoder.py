"""The GPU family: a decoder LLM sequence classifier reading both summaries in one prompt.

As in ClinFuse: ``Gemma3TextForSequenceClassification`` (MedGemma 4B text-only class) with
LoRA r=16 on the attention and MLP projections, loaded in 4-bit NF4 (QLoRA) or bf16, trained
with gradient accumulation on length-sorted batches. On CPU it runs end to end with a tiny
Gemma 3 built from a config (`gemma_config`), which is how the tests exercise it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from peft import PeftModel
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    Gemma3TextConfig,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    set_seed,
)

from synthmass_assets.classifier.artifacts import ModelFiles, TrainingReport, write_manifest
from synthmass_assets.classifier.encoder import with_lora
from synthmass_assets.classifier.hf_dataset import PairDataset
from synthmass_assets.classifier.metrics import binary_metrics, negatives_per_positive
from synthmass_assets.classifier.pair_dataset import SPLITS
from synthmass_assets.classifier.settings import PairClassifierSettings

logger = logging.getLogger(__name__)
PROMPT = (
    "Do these two facility records belong to the same patient?\n"
    "Record A: {left}\nRecord B: {right}\nAnswer:"
)


def gemma_config(size: str, vocab_size: int, pad_token_id: int) -> Gemma3TextConfig:
    """Gemma 3 text config of a one-logit classifier: ``tiny`` (tests) or ``4b`` (MedGemma 4B)."""
    sizes: dict[str, dict[str, Any]] = {
        "tiny": {"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
                 "num_attention_heads": 2, "num_key_value_heads": 1, "head_dim": 32,
                 "sliding_window": 64},
        "4b": {"hidden_size": 2560, "intermediate_size": 10240, "num_hidden_layers": 34,
               "num_attention_heads": 8, "num_key_value_heads": 4, "head_dim": 256,
               "sliding_window": 1024},
    }  # fmt: skip
    if size not in sizes:
        raise ValueError(f"size={size!r}: use tiny or 4b")
    options: dict[str, Any] = {
        "vocab_size": vocab_size, "pad_token_id": pad_token_id, "num_labels": 1,
        "max_position_embeddings": 8_192, **sizes[size],
    }  # fmt: skip
    return Gemma3TextConfig(**options)


def load_cross_encoder(
    settings: PairClassifierSettings,
) -> tuple[PreTrainedTokenizerBase, PreTrainedModel]:
    """Tokenizer and base classifier (4-bit with the ``score`` head unquantized, or dtype)."""
    tokenizer = AutoTokenizer.from_pretrained(settings.tokenizer or settings.base_model)
    model = AutoModelForSequenceClassification.from_pretrained(
        settings.base_model,
        num_labels=1,
        dtype=settings.torch_dtype,
        quantization_config=settings.quantization_config(),
    )
    model.config.pad_token_id = tokenizer.pad_token_id
    return tokenizer, model


def prompts(left: Sequence[str], right: Sequence[str]) -> list[str]:
    return [PROMPT.format(left=a, right=b) for a, b in zip(left, right, strict=True)]


def length_sorted_batches(
    lengths: Sequence[int], batch_size: int, rng: np.random.Generator | None
) -> list[np.ndarray]:
    """Batches of similar length (little padding); batch order shuffled when ``rng`` is given."""
    order = np.argsort(np.asarray(lengths), kind="stable")
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    if rng is not None:
        batches = [batches[i] for i in rng.permutation(len(batches))]
    return batches


def _batch(
    tokenizer: PreTrainedTokenizerBase, texts: list[str], max_length: int, device: torch.device
) -> dict:
    encoded = tokenizer(
        texts, truncation=True, max_length=max_length, padding=True, return_tensors="pt"
    )
    return {k: v.to(device) for k, v in encoded.items()}


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
            inputs = _batch(tokenizer, [texts[i] for i in rows], settings.max_length, device)
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


def score_prompts(
    model: torch.nn.Module, tokenizer: PreTrainedTokenizerBase, texts: list[str],
    settings: PairClassifierSettings,
) -> np.ndarray:  # fmt: skip
    """Logits of every prompt, in length-sorted batches."""
    device = next(model.parameters()).device
    lengths = [len(t) for t in texts]
    logits = np.zeros(len(texts), dtype=np.float32)
    model.eval()
    with torch.inference_mode():
        for rows in length_sorted_batches(lengths, settings.encode_batch_size, None):
            inputs = _batch(tokenizer, [texts[i] for i in rows], settings.max_length, device)
            logits[rows] = model(**inputs).logits.squeeze(-1).float().cpu().numpy()
    return logits


def merge_cross_encoder(
    adapter: Path, settings: PairClassifierSettings, target: Path
) -> PreTrainedModel:
    """Base reloaded unquantized in ``settings.dtype``, adapter merged, saved as safetensors."""
    base = AutoModelForSequenceClassification.from_pretrained(
        settings.base_model, num_labels=1, dtype=settings.torch_dtype
    )
    merged = PeftModel.from_pretrained(base, str(adapter)).merge_and_unload()
    merged.save_pretrained(str(target), safe_serialization=True)
    return merged


def load_merged(
    folder: Path, settings: PairClassifierSettings
) -> tuple[PreTrainedTokenizerBase, PreTrainedModel]:
    """A merged cross-encoder and its tokenizer, for scoring."""
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    model = AutoModelForSequenceClassification.from_pretrained(
        str(folder), num_labels=1, dtype=settings.torch_dtype
    )
    return tokenizer, model


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
