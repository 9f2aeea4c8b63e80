"""The mpi assets materialized with Dagster on tiny tracks and a synthetic classifier."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import dagster as dg
import numpy as np
import polars as pl
from dagster_duckdb_polars import DuckDBPolarsIOManager
from fhir.resources.R4B.bundle import Bundle

from synthmass_assets.classifier.serving.contract import ClassifierBinding
from synthmass_assets.mpi.assets import build_mpi_assets
from synthmass_assets.mpi.checks import build_mpi_checks
from synthmass_assets.mpi.output_assets import fhir_path
from synthmass_assets.mpi.prediction_assets import build_calibration_assets
from synthmass_assets.resolution.sources import ALL_SOURCES, declared_sources
from synthmass_assets.resources.privacy import PrivacySettings
from synthmass_assets.resources.storage import SynthmassStorage

UPSTREAM = ("facility_records", "ground_truth", "scored_pairs", "encounter_facilities", "sources")


def tiny_track(seed: int, patients: int = 60) -> dict[str, pl.DataFrame]:
    """Patients with 1–3 records at distinct facilities (so every facility is declared
    duplicate-free); every record pair scored, true pairs high and look-alike pairs
    (neighbouring patients) in the gray zone."""
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(patients):
        facilities = rng.choice(5, size=int(rng.integers(1, 4)), replace=False)
        for f in facilities:
            rows.append(
                {
                    "record_id": f"s{seed}-p{p}-f{f}",
                    "patient_id": f"p{p}",
                    "facility_id": f"F{f}",
                    "last_name": f"Name{p // 2}",
                    "birthdate": dt.date(1950 + p % 40, 1 + p % 12, 1),
                    "ssn": f"{p:09d}",
                    "address": f"{p} Main St",
                }
            )
    records = pl.DataFrame(rows)
    pairs = records.join(records, how="cross", suffix="_r").filter(
        (pl.col("record_id") < pl.col("record_id_r"))
        & (
            (pl.col("last_name") == pl.col("last_name_r"))
            | (pl.col("patient_id") == pl.col("patient_id_r"))
        )
    )
    same = (pairs["patient_id"] == pairs["patient_id_r"]).to_numpy()
    probability = np.where(
        same, rng.uniform(0.3, 1.0, len(same)), rng.uniform(0.01, 0.6, len(same))
    )
    scored = pairs.select(record_id_l="record_id", record_id_r="record_id_r").with_columns(
        match_probability=pl.Series(probability),
        match_weight=pl.Series(np.log2(probability / (1 - probability))),
        tier=pl.Series(np.where(probability >= 0.99, "auto_match", "gray_zone")),
        same=pl.Series(same),
    )
    visits = records.select("record_id", encounter_start=pl.lit(dt.datetime(2020, 1, 1)))
    return {
        "facility_records": records.drop("patient_id"),
        "ground_truth": records.select("record_id", "patient_id", "facility_id"),
        "scored_pairs": scored.drop("same"),
        "truth_of_pairs": scored.select("record_id_l", "record_id_r", "same"),
        "encounter_facilities": visits,
        "sources": declared_sources(records, [ALL_SOURCES], "link_and_dedupe"),
    }


TRACKS = {"evaluation": tiny_track(1), "training": tiny_track(2, patients=200)}


def scorer(pairs: pl.DataFrame, summaries: pl.DataFrame) -> pl.DataFrame:
    """A confident, correct classifier (reads the truth the tiny tracks keep on the side)."""
    truth = pl.concat([t["truth_of_pairs"] for t in TRACKS.values()])
    joined = pairs.join(truth, on=["record_id_l", "record_id_r"], how="left")
    logit = pl.when(pl.col("same")).then(4.0).otherwise(-4.0)
    return joined.select(
        "record_id_l", "record_id_r", logit=logit, probability=1 / (1 + (-logit).exp())
    )


BINDING = ClassifierBinding(
    model_key=("training", "pair_classifier"),
    load_scorer=lambda storage: scorer,
    held_out_records=lambda storage: set(TRACKS["training"]["facility_records"]["record_id"]),
)


def upstream_assets(track: str) -> list[dg.AssetsDefinition]:
    def stub(name: str, frame: pl.DataFrame) -> dg.AssetsDefinition:
        @dg.asset(key=[track, name])
        def table() -> pl.DataFrame:
            return frame

        return table

    frames = {n: TRACKS[track][n] for n in UPSTREAM}
    frames["clinical_summaries"] = frames["facility_records"].select("record_id")
    return [stub(name, frame) for name, frame in frames.items()]


@dg.asset(key=["training", "pair_classifier"])
def pair_classifier() -> None:
    """Stand-in for the promoted model."""


def materialize(assets: list, checks: list, home: Path) -> dg.ExecuteInProcessResult:
    storage = SynthmassStorage(home=str(home))
    home.mkdir(parents=True, exist_ok=True)
    resources = {
        "io_manager": DuckDBPolarsIOManager(database=str(storage.database_path)),
        "storage": storage,
        "privacy": PrivacySettings(),
    }
    return dg.materialize([*assets, *checks], resources=resources)


def test_mpi_graph_with_classifier_materializes_with_passing_checks(synthmass_home: Path) -> None:
    assets = [
        *upstream_assets("evaluation"),
        *upstream_assets("training"),
        pair_classifier,
        *build_calibration_assets(BINDING),
        *build_mpi_assets("evaluation", BINDING),
    ]
    result = materialize(assets, build_mpi_checks("evaluation"), synthmass_home)
    assert result.success
    failed = [c.check_name for c in result.get_asset_check_evaluations() if not c.passed]
    assert failed == []
    metrics = result.output_for_node("evaluation__resolution_metrics")
    ours = metrics.filter(pl.col("method") == "synthmass").row(0, named=True)
    best = metrics.filter(pl.col("method") == "splink_best_threshold").row(0, named=True)
    assert ours["pair_f1"] > best["pair_f1"] and ours["pair_f1"] > 0.95
    resolved = result.output_for_node("evaluation__resolved_matches")
    assert set(resolved["decision_source"]) <= {"classifier", "splink_auto"}
    assert {"fused_score", "match_probability", "classifier_probability"} <= set(resolved.columns)
    document = json.loads(
        fhir_path(SynthmassStorage(home=str(synthmass_home)), "evaluation").read_text()
    )
    Bundle.model_validate(document)


def test_mpi_graph_without_classifier_or_truth(synthmass_home: Path) -> None:
    track = "evaluation"
    assets = [
        *upstream_assets(track),
        *build_mpi_assets(track, None, has_ground_truth=False, has_encounters=False),
    ]
    result = materialize(assets, build_mpi_checks(track, has_ground_truth=False), synthmass_home)
    assert result.success
    assert all(c.passed for c in result.get_asset_check_evaluations())
    resolved = result.output_for_node("evaluation__resolved_matches")
    assert set(resolved["decision_source"]) <= {"splink_only", "splink_auto"}
    golden = result.output_for_node("evaluation__golden_records")
    links = result.output_for_node("evaluation__record_links")
    assert golden.height == links["golden_id"].n_unique()
