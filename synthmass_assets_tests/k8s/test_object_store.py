"""The Kubernetes resources for real: tables and model files through fsspec's memory store."""

from __future__ import annotations

import uuid
from pathlib import Path

import dagster as dg
import polars as pl
import pytest
from upath import UPath

from synthmass_assets.definitions import definitions
from synthmass_assets.errors import SynthmassError
from synthmass_assets.resources import ObjectStoreStorage, ParquetObjectStoreIOManager
from synthmass_assets.resources.storage import SynthmassStorage


@pytest.fixture
def store_url(synthmass_home: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh object-store prefix (fsspec memory://) in the k8s deployment's environment."""
    url = f"memory://synthmass-test-{uuid.uuid4().hex}/synthmass"
    monkeypatch.setenv("SYNTHMASS_DEPLOYMENT", "k8s")
    monkeypatch.setenv("SYNTHMASS_OBJECT_STORE_URL", url)
    return url


def test_population_stage_round_trips_through_the_object_store(store_url: str) -> None:
    defs = definitions()
    selection = dg.AssetSelection.groups("population") & dg.AssetSelection.key_prefixes(
        "evaluation"
    )
    job = dg.define_asset_job("population_k8s", selection=selection)
    result = (
        dg.Definitions.merge(defs, dg.Definitions(jobs=[job]))
        .resolve_job_def("population_k8s")
        .execute_in_process(
            run_config={"ops": {"evaluation_population": {"config": {"population": 60, "seed": 3}}}}
        )
    )
    assert result.success
    # The checks load every table back through the IO manager.
    assert all(check.passed for check in result.get_asset_check_evaluations())
    patients = UPath(store_url) / "tables" / "evaluation" / "patients.parquet"
    with patients.open("rb") as stream:
        assert pl.read_parquet(stream).height == 60


def test_io_manager_refuses_what_is_not_a_table(store_url: str) -> None:
    @dg.asset(key_prefix="evaluation", group_name="test", description="Not a table.")
    def not_a_table() -> dict[str, int]:
        return {"rows": 1}

    result = dg.materialize(
        [not_a_table],
        resources={"io_manager": ParquetObjectStoreIOManager(url=store_url)},
        raise_on_error=False,
    )
    assert not result.success
    (failure,) = result.get_step_failure_events()
    message = failure.step_failure_data.error.cause.message  # type: ignore[union-attr]
    assert "evaluation/not_a_table returned dict" in message and "DataFrame" in message


def test_model_files_travel_between_pods(store_url: str, tmp_path: Path) -> None:
    trainer = ObjectStoreStorage(home=str(tmp_path / "trainer-pod"), url=store_url)
    weights = trainer.model_dir("pair_classifier")
    (weights / "adapter").mkdir()
    (weights / "adapter" / "adapter_model.safetensors").write_bytes(b"\x00weights")
    (weights / "config.json").write_text('{"hidden_size": 384}')
    published = trainer.publish_model("pair_classifier")
    assert published == f"{store_url}/models/pair_classifier"

    predictor = ObjectStoreStorage(home=str(tmp_path / "predictor-pod"), url=store_url)
    fetched = predictor.fetch_model("pair_classifier")
    assert fetched == tmp_path / "predictor-pod" / "models" / "pair_classifier"
    assert (fetched / "adapter" / "adapter_model.safetensors").read_bytes() == b"\x00weights"
    assert (fetched / "config.json").read_text() == '{"hidden_size": 384}'


def test_missing_or_empty_models_say_what_to_do(store_url: str, tmp_path: Path) -> None:
    storage = ObjectStoreStorage(home=str(tmp_path), url=store_url)
    with pytest.raises(SynthmassError, match="Materialize merged_pair_classifier first"):
        storage.fetch_model("merged_pair_classifier")
    with pytest.raises(SynthmassError, match=r"Write the model files to storage\.model_dir"):
        storage.publish_model("merged_pair_classifier")


def test_local_storage_keeps_models_in_place(tmp_path: Path) -> None:
    storage = SynthmassStorage(home=str(tmp_path))
    folder = storage.model_dir("pair_classifier")
    assert storage.publish_model("pair_classifier") == str(folder.resolve())
    assert storage.fetch_model("pair_classifier") == folder
