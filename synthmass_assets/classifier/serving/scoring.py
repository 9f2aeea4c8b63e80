"""Scoring record pairs with a trained or promoted bi-encoder classifier.

Each record is encoded once (and cached by record id, summary text and model); a pair is then
scored by the heads from the two cached encodings, the two records' facts and the structured
pair features, so the cost grows with records, not pairs.

`score_pairs` is the public entry point: pairs in, ``probability`` and ``logit`` out.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import numpy as np
import polars as pl
import torch
from safetensors import safe_open
from safetensors.torch import save_file
from transformers import AutoModel, AutoTokenizer

from synthmass_assets.classifier.bi_encoder import encoder as enc
from synthmass_assets.classifier.bi_encoder.head_training import PairTensors, score_head
from synthmass_assets.classifier.bi_encoder.heads.profile import estimate
from synthmass_assets.classifier.evidence.features import pair_features, pair_index
from synthmass_assets.classifier.evidence.record_features import RecordVocabulary, record_matrix
from synthmass_assets.classifier.evidence.semantic import (
    ItemEmbeddings,
    item_texts,
    semantic_features,
)
from synthmass_assets.classifier.serving.artifacts import (
    Heads,
    ModelFiles,
    load_heads,
    pair_head,
    profile_head,
    read_manifest,
)
from synthmass_assets.classifier.settings import PairClassifierSettings

logger = logging.getLogger(__name__)
CACHE_FILE = "record_encodings.safetensors"


def variant_scores(
    heads: Heads,
    variant: str,
    encodings: torch.Tensor,
    facts: torch.Tensor,
    evidence: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities and logits of pairs (rows ``left``/``right``) for one variant's heads;
    ``evidence`` holds the structured features, then the semantic item matches."""
    estimates = estimate(profile_head(heads, variant), encodings, facts)
    pairs = PairTensors(left, right, torch.from_numpy(evidence), torch.zeros(len(left)))
    return score_head(pair_head(heads, variant), encodings, pairs.with_profiles(estimates))


def _fingerprint(files: ModelFiles) -> str:
    return hashlib.sha1(files.heads.read_bytes() + files.manifest.read_bytes()).hexdigest()


def _text_hashes(texts: list[str]) -> list[str]:
    return [hashlib.sha1(text.encode()).hexdigest()[:16] for text in texts]


class PairScorer:
    """A merged bi-encoder model folder (``merged_pair_classifier``) ready to score pairs."""

    def __init__(self, model_dir: Path, threads: int | None = None) -> None:
        self.files = ModelFiles(model_dir)
        manifest = read_manifest(self.files)
        self.settings = PairClassifierSettings(**manifest["settings"])
        if self.settings.mode != "bi_encoder":
            raise ValueError(
                f"{model_dir} holds a {self.settings.mode}; PairScorer scores bi-encoders"
            )
        self.tokenizer = AutoTokenizer.from_pretrained(str(self.files.merged))
        model = AutoModel.from_pretrained(str(self.files.merged), attn_implementation="sdpa")
        self.encoder = enc.inference_copy(model, self.settings.int8_inference)
        self.heads = load_heads(self.files.heads)
        self.vocabulary = RecordVocabulary.from_json(self.files.vocabulary.read_text())
        self.fingerprint = _fingerprint(self.files)
        self.items = ItemEmbeddings((), np.zeros((0, 1), dtype=np.float32))
        if threads:
            torch.set_num_threads(threads)

    def encode(self, summaries: pl.DataFrame, cache_dir: Path | None = None) -> torch.Tensor:
        """Encodings of ``summaries`` rows (in order), reusing and refreshing the cache."""
        ids = summaries.get_column("record_id").to_list()
        texts = summaries.get_column("summary").to_list()
        hashes = _text_hashes(texts)
        cached: dict[tuple[str, str], np.ndarray] = {}
        cache = cache_dir / CACHE_FILE if cache_dir else None
        if cache and cache.is_file():
            with safe_open(str(cache), framework="np") as handle:
                meta = handle.metadata() or {}
                if meta.get("model") == self.fingerprint:
                    keys = json.loads(meta["keys"])
                    matrix = handle.get_tensor("encodings")
                    cached = {(k[0], k[1]): matrix[i] for i, k in enumerate(keys)}
        missing = [i for i, key in enumerate(zip(ids, hashes, strict=True)) if key not in cached]
        if missing:
            token_ids = enc.tokenize(
                self.tokenizer, [texts[i] for i in missing], self.settings.max_length
            )
            pad = int(self.tokenizer.pad_token_id or 0)
            fresh = enc.encode_token_ids(
                self.encoder, token_ids, pad, self.settings.encode_batch_size
            )
            cached.update({(ids[i], hashes[i]): fresh[j] for j, i in enumerate(missing)})
        logger.info("Encoded %d records, %d from the cache", len(missing), len(ids) - len(missing))
        matrix = (
            np.stack([cached[key] for key in zip(ids, hashes, strict=True)])
            if ids
            else np.zeros((0, 1))
        )
        if cache and missing:
            cache.parent.mkdir(parents=True, exist_ok=True)
            keys = [list(k) for k in cached]
            save_file(
                {"encodings": torch.from_numpy(np.stack(list(cached.values())))},
                str(cache),
                metadata={"model": self.fingerprint, "keys": json.dumps(keys)},
            )
        return torch.from_numpy(matrix.astype(np.float32))

    def score(
        self, pairs: pl.DataFrame, summaries: pl.DataFrame, cache_dir: Path | None = None,
        variant: str = "full",
    ) -> pl.DataFrame:  # fmt: skip
        """``pairs`` with ``probability`` and ``logit`` (records without summary: null)."""
        known = summaries.get_column("record_id").implode()
        scorable = pairs.filter(
            pl.col("record_id_l").is_in(known) & pl.col("record_id_r").is_in(known)
        )
        needed = pl.concat(
            [scorable.get_column("record_id_l"), scorable.get_column("record_id_r")]
        ).unique()
        used = summaries.filter(pl.col("record_id").is_in(needed.implode())).sort("record_id")
        encodings = self.encode(used, cache_dir)
        facts = torch.from_numpy(record_matrix(used, self.vocabulary))
        left, right = pair_index(used, scorable)
        structured = pair_features(used, scorable, self.vocabulary.chronic)
        self.items = self.items.extended(
            item_texts(used),
            enc.text_encoder(self.encoder, self.tokenizer, self.settings.encode_batch_size),
        )
        evidence = np.concatenate(
            [structured, semantic_features(used, left, right, self.items)], axis=1
        )
        probability, logit = variant_scores(
            self.heads, variant, encodings, facts, evidence, left, right
        )
        scored = scorable.select("record_id_l", "record_id_r").with_columns(
            probability=pl.Series(probability, dtype=pl.Float64),
            logit=pl.Series(logit, dtype=pl.Float64),
        )
        return pairs.join(
            scored, on=["record_id_l", "record_id_r"], how="left", maintain_order="left"
        )


def score_pairs(
    pairs: pl.DataFrame,
    summaries: pl.DataFrame,
    model_dir: Path,
    cache_dir: Path | None = None,
) -> pl.DataFrame:
    """Score arbitrary record pairs with a merged (e.g. the promoted) pair classifier.

    Args:
        pairs: ``record_id_l`` and ``record_id_r`` (other columns are kept).
        summaries: ``clinical_summaries`` of the records' track.
        model_dir: A ``merged_pair_classifier`` folder, e.g. `promoted_model_dir(storage)`.
        cache_dir: Where per-record encodings are cached between calls (None: no cache).

    Returns:
        ``pairs`` plus ``probability`` (same patient) and ``logit``; null for pairs with a
        record that has no clinical summary (those are left to Splink).
    """
    return PairScorer(model_dir).score(pairs, summaries, cache_dir)
