"""Train a Splink 5 model without labels and score every blocked pair, on a DuckDB file."""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
from splink import DuckDBAPI, Linker, SettingsCreator
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.expectation_maximisation import _max_change_in_parameters_comparison_levels

from synthmass_assets.resolution.blocking import ChosenRule, choose_rules
from synthmass_assets.resolution.comparisons import (
    ARRAY_KEYS,
    ModelSpec,
    blocking_rule,
    model_spec,
)
from synthmass_assets.resolution.metrics import ordered

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainingParams:
    """Training knobs (see :class:`ResolutionConfig` for their help texts)."""

    seed: int = 42
    deterministic_recall: float = 0.7
    u_max_pairs: float = 2e6
    em_max_iterations: int = 40
    em_convergence: float = 1e-4
    max_comparisons_per_record: float = 120.0
    max_comparisons_total: float = 20e6


@dataclass(frozen=True)
class ClosureParams:
    """Second blocking pass: unscored pairs of records that share a likely match.

    Two records are paired when both are among the ``neighbours`` best-scoring matches at or
    above ``match_probability`` of a third record (a record linking two others).
    """

    match_probability: float = 0.5
    neighbours: int = 5


@dataclass
class EmPass:
    """One EM pass: its blocking rule, iterations and whether it converged; ``skipped`` says
    why Splink could not run it (its blocked pairs were degenerate), empty when it ran."""

    blocking_rule: str
    iterations: int
    max_change: float | None
    converged: bool
    skipped: str = ""


def em_passes_converged(passes: list[dict[str, Any]]) -> bool:
    """True when at least one EM pass ran and every pass that ran converged; a pass Splink
    skipped on degenerate pairs leaves its comparisons to the other passes."""
    ran = [p for p in passes if not p.get("skipped")]
    return bool(ran) and all(p["converged"] for p in ran)


@dataclass
class TrainedModel:
    """A trained model: Splink settings JSON plus how training went."""

    settings: dict[str, Any]
    blocking: list[ChosenRule] = field(default_factory=list)
    em_passes: list[EmPass] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def converged(self) -> bool:
        return em_passes_converged([asdict(p) for p in self.em_passes])


def _linker(
    records: pl.DataFrame,
    settings: SettingsCreator | dict[str, Any],
    db: Path,
    blocking_keys: frozenset[str] = frozenset(),
) -> tuple[DuckDBAPI, Linker]:
    """A linker on a DuckDB file over ``records`` numbered by row: Splink joins, sorts and
    returns small integer ids instead of the string record ids (see :func:`with_record_ids`).

    List-valued blocking keys other than ``blocking_keys`` are left out.
    """
    # Splink's working tables spill to disk past this, so a million records fit a small node.
    config: dict[str, Any] = {
        "memory_limit": DUCKDB_MEMORY_LIMIT,
        "temp_directory": str(db.parent / "spill"),
    }
    api = DuckDBAPI(connection=duckdb.connect(str(db), config=config))
    # Splink reads only the cleaned and key columns; the raw fields would just take memory.
    unused = [*RAW_FIELDS, *(ARRAY_KEYS - blocking_keys)]
    numbered = records.drop(unused, strict=False).with_columns(
        record_id=pl.int_range(pl.len(), dtype=pl.UInt32)
    )
    table = api.register(numbered.to_arrow(), table_name="facility_records")
    return api, Linker(table, settings)


def exploded_keys(settings: dict[str, Any]) -> frozenset[str]:
    """The list-valued columns the prediction blocking rules of saved settings explode."""
    rules = settings.get("blocking_rules_to_generate_predictions", [])
    return frozenset(c for rule in rules for c in rule.get("arrays_to_explode") or [])


def _settings(
    spec: ModelSpec, rules: list[ChosenRule], params: TrainingParams, records: int
) -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        probability_two_random_records_match=1 / max(records, 2),
        unique_id_column_name="record_id",
        comparisons=spec.comparisons,
        blocking_rules_to_generate_predictions=[blocking_rule(r.columns) for r in rules],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
        max_iterations=params.em_max_iterations,
        em_convergence=params.em_convergence,
    )


def train_model(features: pl.DataFrame, params: TrainingParams, workdir: Path) -> TrainedModel:
    """λ from deterministic rules, u by random sampling, m by EM over several blocking passes."""
    spec = model_spec(set(features.columns))
    rules = choose_rules(
        features,
        spec.prediction_rules,
        params.max_comparisons_per_record,
        params.max_comparisons_total,
    )
    keys = frozenset(c for rule in rules for c in rule.columns)
    _, linker = _linker(
        features,
        _settings(spec, rules, params, features.height),
        workdir / "training.duckdb",
        keys,
    )
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    linker.training.estimate_probability_two_random_records_match(
        spec.deterministic_rules, recall=params.deterministic_recall
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=params.u_max_pairs, seed=params.seed)
    seconds["lambda_and_u"] = time.perf_counter() - started
    passes = [_em_pass(linker, rule, params) for rule in spec.training_rules]
    seconds["em"] = time.perf_counter() - started - seconds["lambda_and_u"]
    settings = _bounded(linker.misc.save_model_to_json(), features.height)
    return TrainedModel(settings=settings, blocking=rules, em_passes=passes, seconds=seconds)


PROBABILITY_FLOOR = 1e-6
RAW_FIELDS = (
    "facility_id", "first_name", "middle_name", "last_name", "maiden_name", "suffix", "ssn",
    "address", "city", "state", "zip", "phone",
)  # fmt: skip
DUCKDB_MEMORY_LIMIT = "3GB"


def _bounded(settings: dict[str, Any], records: int) -> dict[str, Any]:
    """Probabilities of exactly 0 (nothing seen in small data) replaced: m and u by a floor, λ by
    one duplicate per record; a zero would make a weight infinite and scoring impossible."""
    if not 0 < settings["probability_two_random_records_match"] < 1:
        settings["probability_two_random_records_match"] = 1 / max(records, 2)
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            for key in ("m_probability", "u_probability"):
                if level.get(key) is not None and level[key] < PROBABILITY_FLOOR:
                    level[key] = PROBABILITY_FLOOR
    return settings


def _em_pass(linker: Linker, rule: BlockingRuleCreator, params: TrainingParams) -> EmPass:
    """One EM pass; a degenerate blocked set (e.g. a level no match ever shows) is skipped."""
    sql = rule.get_blocking_rule("duckdb").blocking_rule_sql
    try:
        session = linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True
        )
    except ValueError as error:
        logger.warning(
            "EM pass on %s skipped (%s): too few or too uniform pairs; the other passes "
            "estimate its comparisons",
            sql,
            error,
        )
        return EmPass(sql, 0, None, converged=False, skipped=str(error).split(".")[0])
    history = session._core_model_settings_history
    change = float(_max_change_in_parameters_comparison_levels(history)["max_abs_change_value"])
    return EmPass(sql, len(history) - 1, change, change < params.em_convergence)


def _scored(frame: Any) -> pl.DataFrame:
    columns = "record_id_l, record_id_r, match_probability, match_weight"
    return pl.from_arrow(frame.as_duckdbpyrelation().select(columns).arrow())  # type: ignore[return-value]


def predict_pairs(
    features: pl.DataFrame,
    settings: dict[str, Any],
    workdir: Path,
    closure: ClosureParams | None = None,
) -> pl.DataFrame:
    """Every blocked pair scored (record ids, match probability and weight).

    With ``closure``, pairs of records that share a likely match and that no rule blocked
    together are scored in a second pass (see :class:`ClosureParams`).
    """
    db = workdir / "predict.duckdb"
    api, linker = _linker(features, settings, db, exploded_keys(settings))
    scored = _scored(linker.inference.predict())
    extra = shared_neighbour_pairs(scored, closure) if closure else scored.clear()
    logger.info("Closure pass: %d more pairs of records that share a likely match", extra.height)
    if extra.height:
        blocked = api.register(
            extra.select(
                match_key=pl.lit("closure"), join_key_l="record_id_l", join_key_r="record_id_r"
            ).to_arrow(),
            table_name="closure_pairs",
        )
        linker.table_management.register_blocked_pairs_for_predict(blocked)
        scored = pl.concat([scored, _scored(linker.inference.predict())])
    return with_record_ids(scored, features.get_column("record_id"))


def with_record_ids(pairs: pl.DataFrame, record_ids: pl.Series) -> pl.DataFrame:
    """Pairs of row numbers (as the linker returns them) with the record ids of those rows."""
    return pairs.with_columns(
        record_id_l=record_ids.gather(pairs.get_column("record_id_l")),
        record_id_r=record_ids.gather(pairs.get_column("record_id_r")),
    )


def shared_neighbour_pairs(scored: pl.DataFrame, params: ClosureParams) -> pl.DataFrame:
    """Unscored pairs (left < right) of records that are both among the ``neighbours``
    best-scoring matches at or above the probability of a third record.

    Ties in match weight are broken by record id, so the result does not depend on row order.
    """
    likely = scored.filter(pl.col("match_probability") >= params.match_probability)
    sides = pl.concat(
        [
            likely.select(record="record_id_l", other="record_id_r", weight="match_weight"),
            likely.select(record="record_id_r", other="record_id_l", weight="match_weight"),
        ]
    )
    best = (
        sides.sort(["record", "weight", "other"], descending=[False, True, False])
        .group_by("record", maintain_order=True)
        .head(params.neighbours)
    )
    within = (
        best.join(best, on="record", suffix="_r")
        .filter(pl.col("other") < pl.col("other_r"))
        .select(record_id_l="other", record_id_r="other_r")
        .unique()
    )
    # Only pairs among these records can collide; never reorder all scored pairs.
    members = pl.concat([within.get_column("record_id_l"), within.get_column("record_id_r")])
    among = pl.col("record_id_l").is_in(members.implode()) & pl.col("record_id_r").is_in(
        members.implode()
    )
    involved = scored.filter(among)
    return within.join(ordered(involved), on=["record_id_l", "record_id_r"], how="anti")
