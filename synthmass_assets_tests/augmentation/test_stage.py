"""The augmentation stage materialized with Dagster on the real Synthea sample (27 patients)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from synthmass_assets.augmentation.assets import build_augmentation_assets
from synthmass_assets.augmentation.checks import build_augmentation_checks
from synthmass_assets.augmentation.pipeline import augment
from synthmass_assets.augmentation.protocol import (
    DUPLICATE_REGISTRATION,
    ERROR_TYPES,
    FacilityProtocol,
    LookalikeProtocol,
    error_protocol_for,
)
from synthmass_assets.population.assets import build_population_assets
from synthmass_assets.population.generator import generate_population
from synthmass_assets.population.ingest import read_synthea_csv
from synthmass_assets.resources import local_resources
from synthmass_assets.tracks import EVALUATION, TRAINING

LOOKALIKE_SHARE = 0.2  # 5 look-alikes for the 27 patients
AUGMENTATION_TABLES = (
    "facilities",
    "lookalike_clinical",
    "encounter_facilities",
    "ground_truth",
    "facility_records",
    "error_log",
)


def test_stage_materializes_with_passing_checks(sample: Path, synthmass_home: Path) -> None:
    result = dg.materialize(
        [
            build_population_assets(EVALUATION),
            *build_augmentation_assets(EVALUATION),
            *build_augmentation_checks(EVALUATION),
        ],
        resources=local_resources(synthmass_home),
        run_config={
            "ops": {
                "evaluation_population": {"config": {"synthea_csv_dir": str(sample)}},
                "evaluation__lookalike_clinical": {"config": {"share": LOOKALIKE_SHARE}},
            }
        },
    )
    assert result.success
    checks = result.get_asset_check_evaluations()
    assert len(checks) == 7
    assert all(check.passed for check in checks), [
        (c.check_name, c.description) for c in checks if not c.passed
    ]

    with duckdb.connect(str(synthmass_home / "synthmass.duckdb"), read_only=True) as con:
        tables = {
            name: con.sql(f"SELECT * FROM evaluation.{name}").pl() for name in AUGMENTATION_TABLES
        }
    truth, records = tables["ground_truth"], tables["facility_records"]
    assert truth.get_column("patient_id").n_unique() == 27 + 5
    assert set(truth.get_column("record_id")) == set(records.get_column("record_id"))
    assert "patient_id" not in records.columns
    assert (
        truth.filter(pl.col("confusable_group").is_not_null()).get_column("patient_id").n_unique()
        == 2 * 5
    )
    log = tables["error_log"]
    injected = log.filter(pl.col("error_type").is_in(ERROR_TYPES))  # not duplicates or coding
    per_record = injected.group_by("record_id").len().get_column("len")
    assert per_record.min() >= 8 and per_record.max() <= 12  # type: ignore[operator]

    # 8% of the 32 patients are registered a second time at one of their facilities.
    duplicates = truth.filter(pl.col("duplicate_of").is_not_null())
    assert duplicates.height == round(0.08 * 32)
    firsts = truth.join(duplicates, left_on="record_id", right_on="duplicate_of", suffix="_dup")
    assert (firsts.get_column("patient_id") == firsts.get_column("patient_id_dup")).all()
    assert (firsts.get_column("facility_id") == firsts.get_column("facility_id_dup")).all()
    logged = log.filter(pl.col("error_type") == DUPLICATE_REGISTRATION)
    assert set(logged.get_column("after")) == set(duplicates.get_column("record_id"))


def test_both_tracks_define_the_augmentation_keys_and_checks() -> None:
    tracks = (EVALUATION, TRAINING)
    defs = dg.Definitions(
        assets=[
            a for t in tracks for a in (build_population_assets(t), *build_augmentation_assets(t))
        ],
        asset_checks=[c for t in tracks for c in build_augmentation_checks(t)],
    )
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    for track in tracks:
        assert {f"{track.name}/{name}" for name in AUGMENTATION_TABLES} <= keys
        node = graph.get(dg.AssetKey([track.name, "facility_records"]))
        assert node.group_name == "augmentation" and node.description
    assert len(graph.asset_check_keys) == 14


def test_assignment_and_errors_have_independent_seeds(sample: Path) -> None:
    population = read_synthea_csv(sample)
    base = (
        FacilityProtocol(seed=1),
        error_protocol_for("training", seed=2),
        LookalikeProtocol(share=0),
    )
    first = augment(population, *base, generate=generate_population)
    new_errors = augment(
        population,
        base[0],
        error_protocol_for("training", seed=3),
        base[2],
        generate=generate_population,
    )
    new_assignment = augment(
        population, FacilityProtocol(seed=4), base[1], base[2], generate=generate_population
    )
    assert first.ground_truth.equals(new_errors.ground_truth)
    assert not first.error_log.equals(new_errors.error_log)
    assert not first.ground_truth.equals(new_assignment.ground_truth)
    again = augment(population, *base, generate=generate_population)
    assert first.facility_records.equals(again.facility_records)


def test_without_duplicates_the_other_outputs_do_not_change(sample: Path) -> None:
    population = read_synthea_csv(sample)
    errors, lookalikes = error_protocol_for("evaluation"), LookalikeProtocol(share=LOOKALIKE_SHARE)
    with_duplicates = augment(
        population, FacilityProtocol(), errors, lookalikes, generate=generate_population
    )
    without = augment(
        population,
        FacilityProtocol(within_facility_duplicates=0.0),
        errors,
        lookalikes,
        generate=generate_population,
    )
    assert (
        without.ground_truth.get_column("duplicate_of").null_count() == without.ground_truth.height
    )
    firsts = with_duplicates.ground_truth.filter(pl.col("duplicate_of").is_null())
    # Same first records (the split only lowers their encounter counts), same look-alikes.
    assert set(firsts.get_column("record_id")) == set(without.ground_truth.get_column("record_id"))
    assert with_duplicates.lookalike_clinical.equals(without.lookalike_clinical)
    assert with_duplicates.facilities.equals(without.facilities)
