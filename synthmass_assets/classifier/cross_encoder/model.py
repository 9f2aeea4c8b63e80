"""The cross-encoder model: a Gemma 3 sequence classifier with one logit, loaded and merged.

As in ClinFuse: ``Gemma3TextForSequenceClassification`` (MedGemma 4B text-only class), loaded
in 4-bit NF4 (QLoRA) or bf16. On CPU it runs end to end with a tiny Gemma 3 built from a config
(`gemma_config`), which is how the tests exercise it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from peft import PeftModel
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    Gemma3TextConfig,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

from synthmass_assets.classifier.settings import PairClassifierSettings


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
