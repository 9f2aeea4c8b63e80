"""Cross-encoder prompts: both summaries in one text, tokenized in length-sorted batches."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from transformers import PreTrainedTokenizerBase

from synthmass_assets.classifier.settings import PairClassifierSettings

PROMPT = (
    "Do these two facility records belong to the same patient?\n"
    "Record A: {left}\nRecord B: {right}\nAnswer:"
)


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


def tokenized_batch(
    tokenizer: PreTrainedTokenizerBase, texts: list[str], max_length: int, device: torch.device
) -> dict:
    encoded = tokenizer(
        texts, truncation=True, max_length=max_length, padding=True, return_tensors="pt"
    )
    return {k: v.to(device) for k, v in encoded.items()}


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
            inputs = tokenized_batch(
                tokenizer, [texts[i] for i in rows], settings.max_length, device
            )
            logits[rows] = model(**inputs).logits.squeeze(-1).float().cpu().numpy()
    return logits
