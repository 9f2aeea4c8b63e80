"""Train a Splink 5 model without labels and score every blocked pair, on DuckDB or Spark."""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from splink import Linker, SettingsCreator
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.exceptions import EMTrainingException
from splink.internals.expectation_maximisation import _max_change_in_parameters_comparison_levels

from synthmass_assets.errors import InputDataError
from synthmass_assets.resolution.blocking import ChosenRule, choose_rules
from synthmass_assets.resolution.comparisons import ModelSpec, blocking_rule, model_spec
from synthmass_assets.resolution.engines import Backend, DuckDBBackend
from synthmass_assets.resolution.fallback import (
    FallbackReport,
    borrow_m_probabilities,
    untrained_comparisons,
)
from synthmass_assets.resolution.metrics import ordered
from synthmass_assets.resolution.sources import within_link_type
from synthmass_assets.resolution.spark.dialect import in_model_dialect

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
    min_records_for_em: int = 1000


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
    fallback: FallbackReport | None = None

    @property
    def converged(self) -> bool:
        return em_passes_converged([asdict(p) for p in self.em_passes])


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


@dataclass(frozen=True)
class Fallback:
    """Settings of a model trained on a larger population, and where they came from."""

    settings: dict[str, Any]
    source: str


def train_model(
    features: pl.DataFrame,
    params: TrainingParams,
    workdir: Path,
    fallback: Fallback | None = None,
    backend: Backend | None = None,
) -> TrainedModel:
    """λ from deterministic rules, u by random sampling, m by EM over several blocking passes.

    Runs on ``backend`` (DuckDB in ``workdir`` by default); the settings come back in the
    model dialect whichever engine trained them.

    With fewer than ``params.min_records_for_em`` records EM is not run and m comes from
    ``fallback``; comparisons no EM pass could estimate take the fallback's m too.

    Raises:
        InputDataError: nothing could be estimated and there is no fallback.
    """
    spec = model_spec(populated_columns(features))
    rules = choose_rules(
        features,
        spec.prediction_rules,
        params.max_comparisons_per_record,
        params.max_comparisons_total,
    )
    keys = frozenset(c for rule in rules for c in rule.columns)
    backend = backend or DuckDBBackend(workdir)
    linker = backend.linker(
        features, _settings(spec, rules, params, features.height), "training", keys
    )
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    linker.training.estimate_probability_two_random_records_match(
        spec.deterministic_rules, recall=params.deterministic_recall
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=params.u_max_pairs, seed=params.seed)
    seconds["lambda_and_u"] = time.perf_counter() - started
    too_few = features.height < params.min_records_for_em and fallback is not None
    runs = [] if too_few else [_em_pass(linker, rule, params) for rule in spec.training_rules]
    passes = [run for run, _ in runs]
    seconds["em"] = time.perf_counter() - started - seconds["lambda_and_u"]
    trained = with_first_pass_m(linker.misc.save_model_to_json(), [m for _, m in runs])
    settings = in_model_dialect(trained, backend.dialect)
    report = None
    untrained = untrained_comparisons(settings)
    if too_few and fallback is not None:
        reason = f"{features.height} records < min_records_for_em {params.min_records_for_em}"
        report = borrow_m_probabilities(settings, fallback.settings, None, reason, fallback.source)
    elif untrained and fallback is not None:
        reason = "no EM pass estimated " + ", ".join(untrained)
        report = borrow_m_probabilities(
            settings, fallback.settings, untrained, reason, fallback.source
        )
    elif not any(not p.skipped for p in passes):
        raise InputDataError(
            "Splink could estimate no match parameters: every EM pass found no usable pairs "
            f"({'; '.join(f'{p.blocking_rule}: {p.skipped}' for p in passes) or 'no pass'}). Map "
            "more fields (a national identifier, birthdate, first and last name, postcode) in "
            "column_mapping, or set fallback_model to a model trained on more records"
        )
    if report:
        logger.info("Model parameters borrowed: %s", report)
    settings = _bounded(settings, features.height)
    return TrainedModel(settings, rules, passes, seconds, report)


def populated_columns(features: pl.DataFrame, min_share: float = 0.01) -> set[str]:
    """Feature columns with values in at least ``min_share`` of the records: a field that is
    mapped but (nearly) empty would give EM nothing to estimate."""
    if features.is_empty():
        return set(features.columns)
    shares = features.select(pl.all().is_not_null().mean()).row(0, named=True)
    return {c for c, share in shares.items() if share is not None and share >= min_share}


PROBABILITY_FLOOR = 1e-6


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


LevelKey = tuple[str, str]


def with_first_pass_m(
    settings: dict[str, Any], estimates: list[dict[LevelKey, float]]
) -> dict[str, Any]:
    """Each level's m from the first pass that estimated it, instead of Splink's median over
    passes: the passes come most identifying first, and a later pass (on birth dates, say)
    lets twins and siblings into the pairs it estimates from."""
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            key = (comparison["output_column_name"], level["sql_condition"])
            first = next((e[key] for e in estimates if key in e), None)
            if first is not None:
                level["m_probability"] = first
    return settings


def _estimates(session: Any) -> dict[LevelKey, float]:
    """The m probabilities one EM session estimated, by comparison and level condition."""
    out: dict[LevelKey, float] = {}
    for comparison in session.core_model_settings.comparisons:
        for level in comparison._comparison_levels_excluding_null:
            if isinstance(level._m_probability, float):
                key = (comparison.output_column_name, level.as_dict()["sql_condition"])
                out[key] = level._m_probability
    return out


def _em_pass(
    linker: Linker, rule: BlockingRuleCreator, params: TrainingParams
) -> tuple[EmPass, dict[LevelKey, float]]:
    """One EM pass and its m estimates; a degenerate blocked set (e.g. a level no match ever
    shows) is skipped."""
    sql = rule.get_blocking_rule("duckdb").blocking_rule_sql
    try:
        session = linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True
        )
    except (ValueError, EMTrainingException) as error:
        logger.warning(
            "EM pass on %s skipped (%s): too few or too uniform pairs; the other passes "
            "estimate its comparisons",
            sql,
            error,
        )
        return EmPass(sql, 0, None, converged=False, skipped=str(error).split(".")[0]), {}
    history = session._core_model_settings_history
    change = float(_max_change_in_parameters_comparison_levels(history)["max_abs_change_value"])
    run = EmPass(sql, len(history) - 1, change, change < params.em_convergence)
    return run, _estimates(session)


def predict_pairs(
    features: pl.DataFrame,
    settings: dict[str, Any],
    workdir: Path,
    closure: ClosureParams | None = None,
    link_type: str = "link_and_dedupe",
    backend: Backend | None = None,
) -> pl.DataFrame:
    """Every blocked pair that ``link_type`` compares, scored (record ids, match probability
    and weight), on ``backend`` (DuckDB in ``workdir`` by default).

    With ``closure``, pairs of records that share a likely match and that no rule blocked
    together are scored in a second pass (see :class:`ClosureParams`).
    """
    backend = backend or DuckDBBackend(workdir)
    linker = backend.linker(features, settings, "predict", exploded_keys(settings))
    facility = (
        features.get_column("facility_id")
        if "facility_id" in features.columns
        else pl.Series("facility_id", [None] * features.height, dtype=pl.String)
    )
    scored = within_link_type(backend.predict(linker, "blocked").collect(), facility, link_type)
    extra = shared_neighbour_pairs(scored, closure) if closure else scored.clear()
    extra = within_link_type(extra, facility, link_type)
    logger.info("Closure pass: %d more pairs of records that share a likely match", extra.height)
    if extra.height:
        blocked = backend.register(
            extra.select(
                match_key=pl.lit("closure"), join_key_l="record_id_l", join_key_r="record_id_r"
            ),
            table_name="closure_pairs",
        )
        linker.table_management.register_blocked_pairs_for_predict(blocked)
        scored = pl.concat([scored, backend.predict(linker, "closure", chunked=False).collect()])
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
