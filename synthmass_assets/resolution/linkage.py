"""Train a Splink 5 model without labels and score every blocked pair, on a DuckDB file."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
from splink import DuckDBAPI, Linker, SettingsCreator
from splink.internals.expectation_maximisation import _max_change_in_parameters_comparison_levels

from synthmass_assets.resolution.comparisons import ModelSpec, model_spec

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainingParams:
    """Training knobs (see :class:`ResolutionConfig` for their help texts)."""

    seed: int = 42
    deterministic_recall: float = 0.7
    u_max_pairs: float = 2e6
    em_max_iterations: int = 40
    em_convergence: float = 1e-4


@dataclass
class EmPass:
    """One EM pass: its blocking rule, iterations and whether it converged."""

    blocking_rule: str
    iterations: int
    max_change: float
    converged: bool


@dataclass
class TrainedModel:
    """A trained model: Splink settings JSON plus how training went."""

    settings: dict[str, Any]
    em_passes: list[EmPass] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def converged(self) -> bool:
        return all(p.converged for p in self.em_passes)


def _linker(records: pl.DataFrame, settings: SettingsCreator | dict[str, Any], db: Path) -> Linker:
    api = DuckDBAPI(connection=duckdb.connect(str(db)))
    table = api.register(records.to_arrow(), table_name="facility_records")
    return Linker(table, settings)


def _settings(spec: ModelSpec, params: TrainingParams) -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record_id",
        comparisons=spec.comparisons,
        blocking_rules_to_generate_predictions=spec.prediction_rules,
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
        max_iterations=params.em_max_iterations,
        em_convergence=params.em_convergence,
    )


def train_model(features: pl.DataFrame, params: TrainingParams, workdir: Path) -> TrainedModel:
    """λ from deterministic rules, u by random sampling, m by EM over several blocking passes."""
    spec = model_spec(set(features.columns))
    linker = _linker(features, _settings(spec, params), workdir / "splink_training.duckdb")
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    linker.training.estimate_probability_two_random_records_match(
        spec.deterministic_rules, recall=params.deterministic_recall
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=params.u_max_pairs, seed=params.seed)
    seconds["lambda_and_u"] = time.perf_counter() - started
    passes = []
    for rule in spec.training_rules:
        session = linker.training.estimate_parameters_using_expectation_maximisation(
            rule,
            estimate_without_term_frequencies=True,
            populate_probability_two_random_records_match_from_trained_values=True,
        )
        history = session._core_model_settings_history
        change = _max_change_in_parameters_comparison_levels(history)["max_abs_change_value"]
        passes.append(
            EmPass(
                blocking_rule=rule.get_blocking_rule("duckdb").blocking_rule_sql,
                iterations=len(history) - 1,
                max_change=float(change),
                converged=float(change) < params.em_convergence,
            )
        )
    seconds["em"] = time.perf_counter() - started - seconds["lambda_and_u"]
    settings = linker.misc.save_model_to_json()
    return TrainedModel(settings=settings, em_passes=passes, seconds=seconds)


def predict_pairs(features: pl.DataFrame, settings: dict[str, Any], workdir: Path) -> pl.DataFrame:
    """Every blocked pair scored: record ids (left < right), match probability and weight."""
    linker = _linker(features, json.loads(json.dumps(settings)), workdir / "splink_predict.duckdb")
    scored = linker.inference.predict()
    arrow = (
        scored.as_duckdbpyrelation()
        .select("record_id_l, record_id_r, match_probability, match_weight")
        .arrow()
    )
    return pl.from_arrow(arrow)  # type: ignore[return-value]
