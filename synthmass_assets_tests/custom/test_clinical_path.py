"""The custom track's clinical path, materialized for real with the code location's assets.

A tiny training track trains the classifier and calibrates the fusion; a tiny evaluation
track is resolved and written as per-facility FHIR Bulk exports; the custom track reads those
exports back and is resolved with the same classifier: the small version of the round trip
(``benchmarks/fhir_io.py`` and ``../shared/checks/fhir-roundtrip`` run the full one).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

from synthmass_assets.definitions import stage_assets, stage_checks
from synthmass_assets.resources import deployment_resources
from synthmass_assets_tests.classifier.test_classifier_assets import EXACT_MERGE

CUSTOM = dg.AssetSelection.key_prefixes(["custom"])


def _definitions(home: Path) -> dg.Definitions:
    return dg.Definitions(
        assets=stage_assets(),
        asset_checks=stage_checks(),
        jobs=[
            dg.define_asset_job("synthetic", selection=dg.AssetSelection.all() - CUSTOM),
            dg.define_asset_job("custom", selection=CUSTOM),
        ],
        resources=deployment_resources("local", home),
    )


def _pair_f1(matches: pl.DataFrame, truth: pl.DataFrame) -> float:
    """Pair F1 of accepted pairs against record → patient truth."""
    actual = {
        pair
        for _, group in truth.group_by("patient_id")
        for pair in itertools.combinations(sorted(group["record_id"]), 2)
    }
    predicted = {
        (min(left, right), max(left, right))
        for left, right in matches.select("record_id_l", "record_id_r").iter_rows()
    }
    hits = len(predicted & actual)
    return 2 * hits / max(len(predicted) + len(actual), 1)


@pytest.mark.slow
def test_fhir_exports_are_resolved_with_the_classifier(synthmass_home: Path) -> None:
    defs = _definitions(synthmass_home)
    synthetic = defs.resolve_job_def("synthetic").execute_in_process(
        run_config={
            "ops": {
                "training_population": {"config": {"population": 150, "seed": 3}},
                "evaluation_population": {"config": {"population": 80, "seed": 5}},
                "training__pair_classifier": {"config": EXACT_MERGE},
                # A three-step model need not reach the shipped model's F1 floor.
                "training__classifier_evaluation_test_f1_above_floor": {
                    "config": {"f1_floor": 0.0}
                },
            }
        },
        raise_on_error=False,
    )
    assert synthetic.success, [
        str(e.step_failure_data.error) for e in synthetic.get_step_failure_events()
    ]
    exports = sorted(str(p) for p in (synthmass_home / "exports/evaluation/fhir").iterdir())
    custom = defs.resolve_job_def("custom").execute_in_process(
        run_config={"ops": {"custom_facility_records": {"config": {"fhir_exports": exports}}}},
        raise_on_error=False,
    )
    assert custom.success, [
        str(e.step_failure_data.error) for e in custom.get_step_failure_events()
    ]

    predictions = custom.output_for_node("custom__pair_predictions")
    assert predictions.height > 0
    resolved = custom.output_for_node("custom__resolved_matches")
    assert "classifier" in set(resolved["decision_source"])
    [materialization] = [
        e.materialization
        for e in custom.get_asset_materialization_events()
        if e.asset_key == dg.AssetKey(["custom", "resolved_matches"])
    ]
    metadata = {k: v.value for k, v in materialization.metadata.items()}
    assert metadata["pairs_scored_by_classifier"] == predictions.height
    assert metadata["records_with_history"] > 0

    truth = pl.read_csv(synthmass_home / "exports/evaluation/ground_truth.csv", infer_schema=False)
    with duckdb.connect(str(synthmass_home / "synthmass.duckdb"), read_only=True) as con:
        synthetic_matches = con.sql("SELECT * FROM evaluation.resolved_matches").pl()
        custom_summaries = con.sql("SELECT count(*) FROM custom.clinical_summaries").fetchone()
        synthetic_summaries = con.sql(
            "SELECT count(*) FROM evaluation.clinical_summaries"
        ).fetchone()
    assert custom_summaries == synthetic_summaries
    f1_synthetic = _pair_f1(synthetic_matches, truth)
    f1_custom = _pair_f1(resolved, truth)
    assert f1_synthetic > 0.8
    assert abs(f1_custom - f1_synthetic) <= 0.005, (f1_custom, f1_synthetic)
