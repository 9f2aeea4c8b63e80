"""Files of a trained or merged pair classifier (all tensors as safetensors, metadata as JSON).

Layout of one model folder under ``SYNTHMASS_HOME/models/<asset>/``::

    adapter/             LoRA adapter (adapter_model.safetensors) and tokenizer (pair_classifier)
    model/               merged weights (model.safetensors), config and tokenizer (merged)
    heads.safetensors    the pair heads of every variant
    encodings.safetensors  cached record encodings, with their record ids
    items.safetensors    encodings of the distinct item texts, with the texts
    manifest.json        settings, losses, metrics
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from torch import nn

from synthmass_assets.classifier.bi_encoder.heads.boosting import TreeHead, TreeShape
from synthmass_assets.classifier.bi_encoder.heads.pair_head import HeadShape, PairHead
from synthmass_assets.classifier.bi_encoder.heads.profile import ProfileHead, ProfileShape
from synthmass_assets.classifier.evidence.semantic import ItemEmbeddings
from synthmass_assets.errors import SynthmassError

PairScorerHead = PairHead | TreeHead
Heads = dict[str, PairHead | TreeHead | ProfileHead]


@dataclass
class TrainingReport:
    """What a training run produced, for metadata and the manifest."""

    trainable_parameters: int
    total_parameters: int
    lora_loss_curve: list[float] = field(default_factory=list)
    head_loss_curve: list[float] = field(default_factory=list)
    validation_per_epoch: list[dict[str, float]] = field(default_factory=list)
    metrics: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    profile_test_error: dict[str, dict[str, float]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    records_encoded: int = 0


@dataclass(frozen=True)
class ModelFiles:
    """Paths inside one model folder."""

    root: Path

    @property
    def adapter(self) -> Path:
        return self.root / "adapter"

    @property
    def merged(self) -> Path:
        return self.root / "model"

    @property
    def heads(self) -> Path:
        return self.root / "heads.safetensors"

    @property
    def vocabulary(self) -> Path:
        return self.root / "vocabulary.json"

    @property
    def encodings(self) -> Path:
        return self.root / "encodings.safetensors"

    @property
    def items(self) -> Path:
        return self.root / "items.safetensors"

    @property
    def manifest(self) -> Path:
        return self.root / "manifest.json"

    def exists(self) -> bool:
        return self.manifest.is_file()


def head_name(kind: str, variant: str) -> str:
    """Name of a head in the heads file: ``pair:full``, ``profile:structured_only``, ..."""
    return f"{kind}:{variant}"


def pair_head(heads: Heads, variant: str) -> PairScorerHead:
    head = heads[head_name("pair", variant)]
    assert isinstance(head, PairHead | TreeHead)
    return head


def profile_head(heads: Heads, variant: str) -> ProfileHead:
    head = heads[head_name("profile", variant)]
    assert isinstance(head, ProfileHead)
    return head


def save_heads(heads: Heads, path: Path) -> None:
    """All heads' weights in one safetensors file; their shapes in its metadata."""
    tensors = {
        f"{name}.{key}": tensor.detach().contiguous()
        for name, head in heads.items()
        for key, tensor in head.state_dict().items()
    }
    metadata = {name: json.dumps(asdict(head.shape)) for name, head in heads.items()}
    save_file(tensors, str(path), metadata=metadata)


def load_heads(path: Path) -> Heads:
    """Heads saved by `save_heads`, in eval mode."""
    with safe_open(str(path), framework="pt") as handle:
        metadata = handle.metadata() or {}
    tensors = load_file(str(path))
    heads: Heads = {}
    for name, shape in metadata.items():
        values = json.loads(shape)
        head: nn.Module
        if name.startswith("pair:") and "trees" in values:
            head = TreeHead(TreeShape(**values))
        elif name.startswith("pair:"):
            head = PairHead(HeadShape(**values))
        else:
            head = ProfileHead(ProfileShape(**values))
        prefix = f"{name}."
        head.load_state_dict(
            {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
        )
        heads[name] = head.eval()
    return heads


def save_encodings(record_ids: list[str], encodings: np.ndarray, path: Path) -> None:
    """Record encodings with their ids (ids kept in the file's metadata)."""
    save_file(
        {"encodings": torch.from_numpy(np.ascontiguousarray(encodings, dtype=np.float32))},
        str(path),
        metadata={"record_ids": json.dumps(record_ids)},
    )


def load_encodings(path: Path) -> tuple[list[str], torch.Tensor]:
    """Record ids and their encodings saved by `save_encodings`."""
    with safe_open(str(path), framework="pt") as handle:
        ids = json.loads((handle.metadata() or {})["record_ids"])
        return ids, handle.get_tensor("encodings")


def save_items(items: ItemEmbeddings, path: Path) -> None:
    """Item-text encodings with their texts (kept in the file's metadata)."""
    save_file(
        {"items": torch.from_numpy(np.ascontiguousarray(items.matrix, dtype=np.float32))},
        str(path),
        metadata={"texts": json.dumps(list(items.texts))},
    )


def load_items(path: Path) -> ItemEmbeddings:
    """Item encodings saved by `save_items`."""
    with safe_open(str(path), framework="np") as handle:
        texts = json.loads((handle.metadata() or {})["texts"])
        return ItemEmbeddings(tuple(texts), handle.get_tensor("items"))


def _finite(value: Any) -> Any:
    """JSON has no NaN: undefined metrics (e.g. AUC of one class) become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def write_manifest(files: ModelFiles, manifest: dict[str, Any]) -> None:
    files.root.mkdir(parents=True, exist_ok=True)
    files.manifest.write_text(json.dumps(_finite(manifest), indent=2, sort_keys=True))


def read_manifest(files: ModelFiles) -> dict[str, Any]:
    if not files.exists():
        raise SynthmassError(
            f"No classifier manifest at {files.manifest}; materialize the model asset first."
        )
    return dict(json.loads(files.manifest.read_text()))
