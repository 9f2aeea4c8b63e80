"""The CPU default: LoRA bi-encoder training, merge, promotion and pair scoring on a tiny track."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import torch
from safetensors.torch import load_file

from synthmass_assets.classifier.bi_encoder import encoder as enc
from synthmass_assets.classifier.bi_encoder.heads.boosting import CHECKPOINTS, TreeHead
from synthmass_assets.classifier.bi_encoder.heads.pair_head import PairHead
from synthmass_assets.classifier.bi_encoder.training import train_bi_encoder
from synthmass_assets.classifier.dataset.hf_dataset import PairDataset
from synthmass_assets.classifier.evidence.semantic import SEMANTIC_FEATURES
from synthmass_assets.classifier.serving.artifacts import (
    ModelFiles,
    TrainingReport,
    load_heads,
    load_items,
    read_manifest,
)
from synthmass_assets.classifier.serving.merging import merge_adapter, merged_test_metrics, promote
from synthmass_assets.classifier.serving.scoring import score_pairs
from synthmass_assets.classifier.settings import PairClassifierSettings
from synthmass_assets_tests.classifier.conftest import TINY_SETTINGS, TinyTrack


@pytest.fixture(scope="module")
def trained(
    tiny_track: TinyTrack, tiny_dataset: PairDataset, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, TrainingReport]:
    folder = tmp_path_factory.mktemp("pair_classifier")
    settings = PairClassifierSettings(**TINY_SETTINGS)
    return folder, train_bi_encoder(tiny_dataset, tiny_track.summaries, settings, folder)


def test_training_saves_safetensors_and_reports_curves(
    trained: tuple[Path, TrainingReport],
) -> None:
    folder, report = trained
    files = ModelFiles(folder)
    assert (files.adapter / "adapter_model.safetensors").is_file() and files.heads.is_file()
    assert files.encodings.is_file() and files.vocabulary.is_file() and files.items.is_file()
    assert 0 < report.trainable_parameters < report.total_parameters / 50
    assert len(report.lora_loss_curve) == TINY_SETTINGS["max_steps"]
    assert len(report.validation_per_epoch) == CHECKPOINTS  # the full head is boosted
    assert report.validation_per_epoch[-1]["trees"] == TINY_SETTINGS["trees"]
    assert set(report.metrics) == {"full", "structured_only", "text_only"}
    heads = load_heads(files.heads)
    assert isinstance(heads["pair:full"], TreeHead)
    assert isinstance(heads["pair:structured_only"], TreeHead)
    text_only = heads["pair:text_only"]
    assert isinstance(text_only, TreeHead)  # on what the encoder read: semantic item matches
    assert text_only.shape.n_semantic == len(SEMANTIC_FEATURES)
    items = load_items(files.items)
    assert len(items.texts) == items.matrix.shape[0] > 0
    np.testing.assert_allclose(np.linalg.norm(items.matrix, axis=1), 1.0, atol=1e-4)
    assert (
        read_manifest(files)["metrics"]["full"]["test"]["f1"]
        == report.metrics["full"]["test"]["f1"]
    )


def test_mlp_pair_heads_remain_available(
    tiny_track: TinyTrack, tiny_dataset: PairDataset, tmp_path: Path
) -> None:
    settings = PairClassifierSettings(
        **{**TINY_SETTINGS, "pair_head": "mlp", "item_weight": 1.0, "contrastive_weight": 0.5}
    )
    report = train_bi_encoder(tiny_dataset, tiny_track.summaries, settings, tmp_path)
    assert len(report.lora_loss_curve) == TINY_SETTINGS["max_steps"]  # with the item objective
    assert len(report.validation_per_epoch) == TINY_SETTINGS["epochs"]
    assert all(isinstance(head, PairHead) for name, head in load_heads(
        ModelFiles(tmp_path).heads).items() if name.startswith("pair:"))  # fmt: skip
    assert 0 <= report.metrics["full"]["test"]["f1"] <= 1


def test_lora_weights_changed_and_base_weights_did_not(
    trained: tuple[Path, TrainingReport],
) -> None:
    folder, _ = trained
    settings = PairClassifierSettings(**TINY_SETTINGS)
    adapter = load_file(str(ModelFiles(folder).adapter / "adapter_model.safetensors"))
    lora_b = [t for name, t in adapter.items() if "lora_B" in name]
    assert lora_b and any(t.abs().sum() > 0 for t in lora_b)  # B starts at zero
    assert not any("lora" not in name for name in adapter)  # only adapter weights saved
    fresh = enc.load_base_encoder(settings).state_dict()
    from peft import PeftModel

    loaded = PeftModel.from_pretrained(
        enc.load_base_encoder(settings), str(ModelFiles(folder).adapter)
    )
    for name, tensor in loaded.named_parameters():
        if "lora_" in name:
            continue
        original = name.replace("base_model.model.", "").replace(".base_layer", "")
        assert torch.equal(tensor, fresh[original]), name


def test_same_seed_gives_the_same_metrics(
    trained: tuple[Path, TrainingReport],
    tiny_track: TinyTrack,
    tiny_dataset: PairDataset,
    tmp_path: Path,
) -> None:
    _, first = trained
    settings = PairClassifierSettings(**TINY_SETTINGS)
    again = train_bi_encoder(tiny_dataset, tiny_track.summaries, settings, tmp_path)
    assert again.metrics == first.metrics
    assert again.lora_loss_curve == first.lora_loss_curve


def test_merged_model_reproduces_the_test_metrics_and_is_promoted_once(
    trained: tuple[Path, TrainingReport],
    tiny_track: TinyTrack,
    tiny_dataset: PairDataset,
    tmp_path: Path,
) -> None:
    folder, report = trained
    merged, promoted = tmp_path / "merged", tmp_path / "promoted"
    merge_adapter(folder, merged)
    assert (ModelFiles(merged).merged / "model.safetensors").is_file()
    test = pl.from_arrow(tiny_dataset.pairs["test"].data.table)
    metrics = merged_test_metrics(merged, test, tiny_track.summaries)  # type: ignore[arg-type]
    assert metrics["f1"] == report.metrics["full"]["test"]["f1"]  # same encodings, bit for bit
    assert promote(merged, promoted, metrics["f1"], matches=True).promoted
    assert not promote(merged, promoted, metrics["f1"] - 0.01, matches=True).promoted
    assert promote(merged, promoted, metrics["f1"], matches=True).promoted  # equal F1 is no drop
    assert not promote(merged, promoted, 1.0, matches=False).promoted


def test_score_pairs_uses_cached_encodings(
    trained: tuple[Path, TrainingReport],
    tiny_track: TinyTrack,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    folder, _ = trained
    merge_adapter(folder, tmp_path / "merged")
    ids = tiny_track.summaries.get_column("record_id").head(30).to_list()
    pairs = pl.DataFrame(
        {"record_id_l": ids[:-1] + ["no-history"], "record_id_r": ids[1:] + [ids[0]]}
    )
    cache = tmp_path / "cache"
    first = score_pairs(pairs, tiny_track.summaries, tmp_path / "merged", cache)
    with caplog.at_level(logging.INFO, logger="synthmass_assets.classifier.serving.scoring"):
        second = score_pairs(pairs, tiny_track.summaries, tmp_path / "merged", cache)
    assert "Encoded 0 records, 30 from the cache" in caplog.text
    assert first.equals(second) and first.height == pairs.height
    scored = first.drop_nulls("probability")
    assert scored.height == pairs.height - 1 and first.get_column("probability")[-1] is None
    assert scored.get_column("probability").is_between(0, 1).all()
    logit = torch.tensor(scored.get_column("logit").to_numpy())
    expected = torch.sigmoid(logit).numpy()
    assert abs(expected - scored.get_column("probability").to_numpy()).max() < 1e-6


def test_settings_refuse_unknown_modes() -> None:
    with pytest.raises(ValueError, match="mode='decoder'"):
        dataclasses.replace(PairClassifierSettings(), mode="decoder")
    with pytest.raises(ValueError, match="needs base_model"):
        PairClassifierSettings(mode="cross_encoder")
    with pytest.raises(ValueError, match="pair_head='forest'"):
        PairClassifierSettings(pair_head="forest")
