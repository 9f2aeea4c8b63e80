"""One batch against the living index: score, decide, re-cluster what it touches, assign ids.

1. The batch's records not indexed yet are scored against the index and each other
   (``matching.score_batch``), under the prior the first batch fixed (rescaled to the index's
   size), tiered like ``scored_pairs``, and given to the classifier where it can score them.
2. The golden ids the batch touches are those of indexed records with a new pair whose fused
   score reaches the review band; every record of them plus the batch is the region.
3. The region's stored pairs are decided with the one-shot track's rules and fusion
   (``mpi.decisions``), the guard cuts rejected and the accepted pairs clustered under the
   guards (``mpi.clustering``), exactly as ``resolved_matches`` and ``record_links`` do.
4. The region's clusters get golden ids (``identity``) and link states (``states``); links,
   events, pairs and the new records are saved in one transaction (``store``).

A batch whose records are all indexed changes nothing, so re-running a batch is idempotent.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from synthmass_assets.living.identity import POSSIBLE_MATCH, assign_golden_ids
from synthmass_assets.living.matching import score_batch
from synthmass_assets.living.states import region_links
from synthmass_assets.living.store import IndexStore
from synthmass_assets.mpi.clustering import Guard, guarded_clusters, reject_guard_cuts
from synthmass_assets.mpi.decisions import DecisionRules, decide_pairs, empty_predictions
from synthmass_assets.mpi.fusion import FusionParams, TrackPrior, track_prior
from synthmass_assets.resolution.normalize import matching_features
from synthmass_assets.resolution.prior import consistent_prior, with_prior
from synthmass_assets.resolution.tiers import assign_tiers

PairScorer = Callable[[pl.DataFrame], pl.DataFrame]
"""Classifier predictions (``record_id_l``, ``record_id_r``, ``probability``, ``logit``) for
the tiered pairs it can score (both records with clinical history); may return none."""

NO_RULES = DecisionRules(False, False, False, False)


@dataclass(frozen=True)
class MatchSettings:
    """How a batch is matched: the stored model, the decision rules and the fusion.

    Attributes:
        splink: Stored Splink settings of the track's model.
        rules: Decision rules of the one-shot ``resolved_matches``.
        guards: Clustering guards of ``record_links``.
        fusion: Fused-score parameters (with ``classifier``).
        classifier: Scores pairs of records with clinical history (none: Splink decides).
        link_type: Which pairs the sources compare.
        auto_match_threshold: Splink probability of the auto-match tier.
        auto_reject_threshold: Splink probability below which pairs are auto-rejected.
        review_floor: Lowest fused score of the review band (POSSIBLE_MATCH); pairs below it
            never touch a golden record.
        base_rate_estimator: Label-free base-rate estimator of the fusion's track prior.
    """

    splink: dict[str, Any]
    rules: DecisionRules
    guards: tuple[Guard, ...] = ("facility",)
    fusion: FusionParams | None = None
    classifier: PairScorer | None = None
    link_type: str = "link_and_dedupe"
    auto_match_threshold: float = 0.99
    auto_reject_threshold: float = 0.01
    review_floor: float = 0.2
    base_rate_estimator: str = "em"


@dataclass
class BatchReport:
    """What one batch did to the index (the UI shows these per batch)."""

    batch_id: str
    records_in: int
    new_records: int = 0
    created: int = 0
    linked: int = 0
    merged: int = 0
    split: int = 0
    possible_matches: int = 0
    pairs_scored: int = 0
    region_records: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def scaled_prior(state: tuple[float, int], records: int) -> float:
    """The first batch's prior at the index's size: matches grow with the records, pairs with
    their square, so λ scales by (n₀ − 1) / (n − 1)."""
    prior, first = state
    return prior * max(first - 1, 1) / max(records - 1, 1)


def _tiered(
    pairs: pl.DataFrame, model_prior: float, prior: float, s: MatchSettings
) -> pl.DataFrame:
    shifted = with_prior(pairs, model_prior, prior)
    return assign_tiers(shifted, s.auto_match_threshold, s.auto_reject_threshold)


def _decide(
    pairs: pl.DataFrame, records: pl.DataFrame, s: MatchSettings, rules: DecisionRules
) -> pl.DataFrame:
    predictions = pairs.filter(pl.col("logit").is_not_null()).select(
        "record_id_l", "record_id_r", "probability", "logit"
    )
    if predictions.is_empty() or s.fusion is None:
        return decide_pairs(pairs.drop("probability", "logit"), records, rules)
    prior: TrackPrior = track_prior(
        s.base_rate_estimator,  # type: ignore[arg-type]
        predictions["logit"].to_numpy(),
        pairs.filter(pl.col("logit").is_not_null())["match_probability"].to_numpy(),
        pairs.filter(pl.col("logit").is_not_null())["match_weight"].to_numpy(),
        s.fusion.training_rate,
    )
    return decide_pairs(
        pairs.drop("probability", "logit"), records, rules, predictions, s.fusion, prior
    )


def _oriented(pairs: pl.DataFrame) -> pl.DataFrame:
    return pairs.with_columns(
        record_id_l=pl.min_horizontal("record_id_l", "record_id_r"),
        record_id_r=pl.max_horizontal("record_id_l", "record_id_r"),
    ).unique(["record_id_l", "record_id_r"], keep="first", maintain_order=True)


def _with_predictions(tiered: pl.DataFrame, s: MatchSettings) -> pl.DataFrame:
    predictions = s.classifier(tiered) if s.classifier is not None else empty_predictions()
    return tiered.join(
        predictions.select("record_id_l", "record_id_r", "probability", "logit"),
        on=["record_id_l", "record_id_r"],
        how="left",
    )


def process_batch(
    store: IndexStore,
    records: pl.DataFrame,
    batch_id: str,
    settings: MatchSettings,
    workdir: Path,
    at: datetime | None = None,
) -> BatchReport:
    """Apply one batch of facility records (with ``registers_once`` where sources are
    declared) to the index in ``store``; see the module docstring."""
    at = at or datetime.now(UTC)
    clock, seconds = time.perf_counter(), {}
    store.ensure()
    report = BatchReport(batch_id, records.height)
    known = store.links_of(records.get_column("record_id"))
    new = records.join(known.select("record_id"), on="record_id", how="anti")
    if new.is_empty():
        return report
    scope = [c for c in ("registers_once",) if c in new.columns]
    features = matching_features(new.drop(scope)).join(
        new.select("record_id", *scope), on="record_id", how="left"
    )
    index = store.index()
    seconds["features_and_index"] = time.perf_counter() - clock
    raw = _oriented(score_batch(index, features, settings.splink, workdir, settings.link_type))
    seconds["splink"] = time.perf_counter() - clock - sum(seconds.values())

    model_prior = float(settings.splink["probability_two_random_records_match"])
    size = index.height + features.height
    state = store.prior()
    first_state = None
    if state is None:
        total = size * (size - 1) / 2
        first_state = (consistent_prior(raw["match_weight"].to_numpy(), model_prior, total), size)
        state = first_state
    prior = scaled_prior(state, size)
    scored = _with_predictions(_tiered(raw, model_prior, prior, settings), settings)
    seconds["classifier"] = time.perf_counter() - clock - sum(seconds.values())

    near = _decide(scored, features, settings, NO_RULES).filter(
        pl.col("fused_score") >= settings.review_floor
    )
    reached = pl.concat([near["record_id_l"], near["record_id_r"]]).unique()
    touched = store.links_of(reached.filter(~reached.is_in(features["record_id"].implode())))
    previous = store.members_of(touched.get_column("golden_id"))
    region_ids = pl.concat([previous["record_id"], features["record_id"]])
    region_records = pl.concat(
        [store.index_of(previous["record_id"]), features], how="diagonal_relaxed"
    )
    stored = store.pairs_among(region_ids).with_columns(match_probability=pl.lit(None, pl.Float64))
    among = pl.col("record_id_l").is_in(region_ids.implode()) & pl.col("record_id_r").is_in(
        region_ids.implode()
    )
    region_pairs = pl.concat(
        [
            _tiered(stored.drop("match_probability"), model_prior, prior, settings),
            scored.filter(among).select(stored.columns + ["tier"]),
        ],
        how="diagonal_relaxed",
    )
    decisions, _ = reject_guard_cuts(
        _decide(region_pairs, region_records, settings, settings.rules),
        region_records,
        settings.guards,
        "fused_log_odds",
    )
    clusters, _ = guarded_clusters(
        region_records, decisions.filter("accepted"), settings.guards, "fused_log_odds"
    )
    goldens = previous.get_column("golden_id").unique()
    assignment = assign_golden_ids(clusters, previous, store.ages(goldens), batch_id, at)
    links = region_links(assignment.golden, decisions, previous, batch_id, settings.review_floor)
    seconds["decide_and_cluster"] = time.perf_counter() - clock - sum(seconds.values())
    keys = ["record_id_l", "record_id_r"]
    store.save(
        links,
        assignment.events,
        raw.select(*keys, "match_weight").join(
            scored.select(*keys, "probability", "logit"), on=keys, how="left"
        ),
        features,
        first_state,
    )
    seconds["save"] = time.perf_counter() - clock - sum(seconds.values())
    _count(report, assignment.events, links, new.height, scored.height, region_ids.len())
    report.seconds = {k: round(v, 3) for k, v in seconds.items()}
    return report


def _count(
    report: BatchReport,
    events: pl.DataFrame,
    links: pl.DataFrame,
    new: int,
    pairs: int,
    region: int,
) -> None:
    counts = dict(events.group_by("event").len().iter_rows())
    created = events.filter(pl.col("event") == "create").get_column("golden_id")
    links_to_old = events.filter(
        (pl.col("event") == "link") & ~pl.col("golden_id").is_in(created.implode())
    )
    report.new_records, report.pairs_scored, report.region_records = new, pairs, region
    report.created = int(counts.get("create", 0))
    report.linked = links_to_old.height
    report.merged = int(counts.get("merge", 0))
    report.split = int(counts.get("split", 0))
    report.possible_matches = links.filter(pl.col("link_state") == POSSIBLE_MATCH).height
