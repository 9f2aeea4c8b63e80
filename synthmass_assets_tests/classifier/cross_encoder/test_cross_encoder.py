"""The GPU configuration on CPU: a tiny Gemma 3 sequence classifier with LoRA, bf16-free, and
the 4-bit QLoRA path with the ``score`` head kept out of quantization."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
import torch
from peft import PeftModel
from transformers import AutoModelForSequenceClassification

from synthmass_assets.classifier.bi_encoder.encoder import (
    default_base_model,
    load_tokenizer,
    with_lora,
)
from synthmass_assets.classifier.cross_encoder.model import gemma_config, load_cross_encoder
from synthmass_assets.classifier.cross_encoder.prompts import (
    length_sorted_batches,
    prompts,
    score_prompts,
)
from synthmass_assets.classifier.cross_encoder.training import (
    train_cross_encoder,
    train_cross_model,
)
from synthmass_assets.classifier.dataset.hf_dataset import PairDataset
from synthmass_assets.classifier.serving.merging import merge_adapter, merged_test_metrics
from synthmass_assets.classifier.settings import PairClassifierSettings, gpu_settings

TEXTS = [
    "Visits: 3 in 2019–2024 (wellness 3). Conditions: 2019 Asthma (ongoing).",
    "Visits: 1 in 2022.",
]


@pytest.fixture(scope="module")
def tiny_gemma(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised tiny Gemma 3 classifier saved like a hub checkpoint (no download)."""
    folder = tmp_path_factory.mktemp("tiny_gemma")
    tokenizer = load_tokenizer(PairClassifierSettings())
    torch.manual_seed(0)
    config = gemma_config("tiny", tokenizer.vocab_size, int(tokenizer.pad_token_id))
    AutoModelForSequenceClassification.from_config(config).save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))
    return folder


def _settings(folder: Path, **overrides: object) -> PairClassifierSettings:
    small = {"quantization": "none", "dtype": "float32", "max_steps": 3, "batch_size": 2,
             "gradient_accumulation_steps": 2, "max_length": 96, "encode_batch_size": 8,
             "learning_rate": 5e-3}  # fmt: skip
    return gpu_settings(str(folder), **{**small, **overrides})


def _labels() -> np.ndarray:
    return np.array([1, 0, 1, 0])


def _prompts() -> list[str]:
    return prompts(
        [TEXTS[0], TEXTS[0], TEXTS[1], TEXTS[1]], [TEXTS[0], TEXTS[1], TEXTS[1], TEXTS[0]]
    )


def test_gpu_settings_are_the_clinfuse_recipe(tiny_gemma: Path) -> None:
    settings = gpu_settings(str(tiny_gemma))
    lora = settings.to_lora_config()
    assert lora.r == 16 and set(lora.target_modules) >= {
        "q_proj",
        "v_proj",
        "gate_proj",
        "down_proj",
    }
    quantization = settings.quantization_config()
    assert quantization is not None and quantization.load_in_4bit
    assert quantization.llm_int8_skip_modules == ["score"]
    assert settings.gradient_accumulation_steps > 1 and settings.dtype == "bfloat16"


def test_length_sorted_batches_cover_every_row_once() -> None:
    lengths = [5, 1, 9, 3, 7, 2, 8]
    batches = length_sorted_batches(lengths, 3, np.random.default_rng(0))
    assert sorted(np.concatenate(batches).tolist()) == list(range(7))
    for batch in batches:  # each batch holds neighbours in length order
        spread = [lengths[i] for i in batch]
        assert max(spread) - min(spread) <= 3


def test_forward_lora_steps_save_and_reload(tiny_gemma: Path, tmp_path: Path) -> None:
    settings = _settings(tiny_gemma)
    tokenizer, base = load_cross_encoder(settings)
    before = {k: v.clone() for k, v in base.state_dict().items()}
    model = with_lora(base, settings)
    logits = score_prompts(model, tokenizer, _prompts(), settings)
    assert logits.shape == (4,) and np.isfinite(logits).all()
    losses = train_cross_encoder(model, tokenizer, _prompts(), _labels(), settings)
    assert len(losses) == 3 and all(np.isfinite(losses))
    lora_b = [p for n, p in model.named_parameters() if "lora_B" in n]
    assert any(p.abs().sum() > 0 for p in lora_b)
    for name, tensor in model.base_model.model.state_dict().items():
        plain = name.replace(".base_layer", "")
        if "lora_" not in name and "modules_to_save" not in name and plain in before:
            assert torch.equal(tensor, before[plain]), name
    trained = score_prompts(model, tokenizer, _prompts(), settings)
    model.save_pretrained(str(tmp_path))
    _, fresh = load_cross_encoder(settings)
    reloaded = PeftModel.from_pretrained(fresh, str(tmp_path))
    np.testing.assert_allclose(
        score_prompts(reloaded, tokenizer, _prompts(), settings), trained, atol=1e-5
    )


def test_4bit_qlora_keeps_the_score_head_unquantized_and_trains(tiny_gemma: Path) -> None:
    import bitsandbytes as bnb

    settings = _settings(tiny_gemma, quantization="4bit", max_steps=2)
    tokenizer, base = load_cross_encoder(settings)
    assert isinstance(base.model.layers[0].self_attn.q_proj, bnb.nn.Linear4bit)
    assert not isinstance(base.score, bnb.nn.Linear4bit)
    model = with_lora(base, settings)
    losses = train_cross_encoder(model, tokenizer, _prompts(), _labels(), settings)
    assert len(losses) == 2 and all(np.isfinite(losses))
    assert any(p.abs().sum() > 0 for n, p in model.named_parameters() if "lora_B" in n)


def test_cross_encoder_trains_evaluates_and_merges_end_to_end(
    tiny_gemma: Path,
    tiny_dataset: PairDataset,
    tiny_track,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    settings = _settings(tiny_gemma, tokenizer=default_base_model(), max_steps=2, batch_size=4)
    report = train_cross_model(tiny_dataset, settings, tmp_path / "trained")
    assert set(report.metrics["full"]) == {"validation", "test"}
    merge_adapter(tmp_path / "trained", tmp_path / "merged")
    test = pl.from_arrow(tiny_dataset.pairs["test"].data.table)
    merged = merged_test_metrics(tmp_path / "merged", test, tiny_track.summaries)  # type: ignore[arg-type]
    assert abs(merged["f1"] - report.metrics["full"]["test"]["f1"]) <= 0.005
