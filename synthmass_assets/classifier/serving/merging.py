"""Merging the LoRA adapter into the base for serving, re-checking it, and the promotion rule."""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from peft import PeftModel

from synthmass_assets.classifier.bi_encoder import encoder as enc
from synthmass_assets.classifier.cross_encoder.model import load_merged, merge_cross_encoder
from synthmass_assets.classifier.cross_encoder.prompts import prompts, score_prompts
from synthmass_assets.classifier.metrics import binary_metrics
from synthmass_assets.classifier.serving.artifacts import ModelFiles, read_manifest, write_manifest
from synthmass_assets.classifier.serving.scoring import PairScorer
from synthmass_assets.classifier.settings import PairClassifierSettings

logger = logging.getLogger(__name__)


def merge_adapter(trained: Path, target: Path) -> dict[str, Any]:
    """Write ``target``: merged weights (safetensors), tokenizer, heads, vocabulary, manifest.

    Returns:
        The trained model's manifest (settings and metrics).
    """
    source, files = ModelFiles(trained), ModelFiles(target)
    manifest = read_manifest(source)
    settings = PairClassifierSettings(**manifest["settings"])
    if files.root.exists():
        shutil.rmtree(files.root)
    files.merged.mkdir(parents=True)
    if settings.mode == "bi_encoder":
        # Merging needs full-precision base weights, whatever the training quantization was.
        unquantized = PairClassifierSettings(**{**settings.to_dict(), "quantization": "none"})
        base = enc.load_base_encoder(unquantized)
        merged = PeftModel.from_pretrained(base, str(source.adapter)).merge_and_unload()
        merged.save_pretrained(str(files.merged), safe_serialization=True)
        shutil.copy(source.heads, files.heads)
        shutil.copy(source.vocabulary, files.vocabulary)
    else:
        merge_cross_encoder(source.adapter, settings, files.merged)
    enc.load_tokenizer(settings).save_pretrained(str(files.merged))
    write_manifest(files, {**manifest, "merged_from": str(trained)})
    return manifest


def merged_test_metrics(
    target: Path, test_pairs: pl.DataFrame, summaries: pl.DataFrame
) -> dict[str, float]:
    """Test metrics recomputed from the merged weights alone (records re-encoded)."""
    files = ModelFiles(target)
    settings = PairClassifierSettings(**read_manifest(files)["settings"])
    labels = test_pairs.get_column("label").to_numpy()
    if settings.mode == "bi_encoder":
        scored = PairScorer(target).score(test_pairs, summaries)
        probabilities = scored.get_column("probability").to_numpy()
    else:
        tokenizer, model = load_merged(files.merged, settings)
        texts = prompts(test_pairs["summary_l"].to_list(), test_pairs["summary_r"].to_list())
        probabilities = 1 / (1 + np.exp(-score_prompts(model, tokenizer, texts, settings)))
    return binary_metrics(labels, probabilities)


@dataclass(frozen=True)
class Promotion:
    """Outcome of the promotion rule."""

    promoted: bool
    candidate_f1: float
    previous_f1: float | None
    reason: str


def promote(candidate: Path, promoted: Path, candidate_f1: float, matches: bool) -> Promotion:
    """Copy ``candidate`` over ``promoted`` unless its test F1 dropped or its metrics drifted.

    Args:
        candidate: The merged model folder just written.
        promoted: Folder of the model in service (may not exist yet).
        candidate_f1: Test F1 of the candidate, recomputed on its merged weights.
        matches: Whether the merged metrics equal the trained ones within tolerance.
    """
    previous = ModelFiles(promoted)
    previous_f1 = read_manifest(previous).get("promoted_test_f1") if previous.exists() else None
    if not matches:
        return Promotion(False, candidate_f1, previous_f1, "merged metrics differ from training")
    if previous_f1 is not None and candidate_f1 < previous_f1:
        reason = f"test F1 dropped from {previous_f1:.4f} to {candidate_f1:.4f}"
        return Promotion(False, candidate_f1, previous_f1, reason)
    if promoted.exists():
        shutil.rmtree(promoted)
    shutil.copytree(candidate, promoted)
    manifest = read_manifest(ModelFiles(promoted))
    write_manifest(ModelFiles(promoted), {**manifest, "promoted_test_f1": candidate_f1})
    reason = "first promoted model" if previous_f1 is None else "test F1 did not drop"
    logger.info("Promoted %s: %s", candidate, reason)
    return Promotion(True, candidate_f1, previous_f1, reason)
