"""One batch against the living index: score, decide, re-cluster what it touches, assign ids.

1. The batch's records not indexed yet are scored against the indexed records sharing a
   blocking key with them (``candidates``, found in DuckDB) and each other
   (``matching.score_batch``), under the prior the first batch fixed (rescaled to the index's
   size), tiered like ``scored_pairs``, and given to the classifier where it can score them.
2. The golden ids the batch touches are those of indexed records with a new pair whose fused
   score reaches the review band; every record of them plus the batch is the region.
3. The region's new pairs are decided with the one-shot track's rules and fusion
   (``mpi.decisions``), its old pairs keep the decision stored when they were new, and the
   accepted pairs are clustered under the guards with the kept ones first (``region``), so a
   golden id moves only when a new record brings evidence about its person.
4. The region's clusters get golden ids (``identity``) and link states (``states``); links,
   events, pairs and the new records are saved in one transaction (``store``).

A batch whose records are all indexed changes nothing, so re-running a batch is idempotent.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from synthmass_assets.living.identity import POSSIBLE_MATCH, assign_golden_ids
from synthmass_assets.living.matching import score_batch, tf_columns, unused_columns
from synthmass_assets.living.region import (
    DECISION_COLUMNS,
    Deciding,
    RegionDecision,
    decide,
    decide_region,
    tiered,
)
from synthmass_assets.living.states import region_links
from synthmass_assets.living.store import IndexStore
from synthmass_assets.mpi.clustering import Guard
from synthmass_assets.mpi.decisions import DecisionRules, empty_predictions
from synthmass_assets.mpi.fusion import FusionParams
from synthmass_assets.resolution.normalize import matching_features
from synthmass_assets.resolution.prior import consistent_prior

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
        merge_floor: Fused score a new pair needs to merge two golden records.
        pair_floor: Splink probability below which a pair is dropped: the classifier never
            scores it (``min_match_probability``), so its fused score is Splink's and it can
            neither match nor reach the review band, now or (its verdict kept) later.
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
    merge_floor: float = 0.99
    pair_floor: float = 1e-5
    base_rate_estimator: str = "em"

    def deciding(self) -> Deciding:
        return Deciding(
            self.rules,
            self.guards,
            self.fusion,
            self.auto_match_threshold,
            self.auto_reject_threshold,
            self.base_rate_estimator,
            self.merge_floor,
        )


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
    prevented_flips: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def pair_floor_weight(floor: float, model_prior: float, prior: float) -> float | None:
    """The Splink match weight (under the model's prior) of probability ``floor`` under
    ``prior`` (None: no floor)."""
    if floor <= 0:
        return None

    def log2_odds(p: float) -> float:
        return math.log2(p / (1 - p))

    return log2_odds(floor) - (log2_odds(prior) - log2_odds(model_prior))


def scaled_prior(state: tuple[float, int], records: int) -> float:
    """The first batch's prior at the index's size: matches grow with the records, pairs with
    their square, so λ scales by (n₀ − 1) / (n − 1)."""
    prior, first = state
    return prior * max(first - 1, 1) / max(records - 1, 1)


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
    rules = settings.splink.get("blocking_rules_to_generate_predictions", [])
    unused = [c for c in unused_columns(settings.splink) if c != "facility_id"]
    index = store.candidates(features, rules, unused)
    frequencies = store.frequencies(features, tf_columns(settings.splink))
    seconds["features_and_index"] = time.perf_counter() - clock
    model_prior = float(settings.splink["probability_two_random_records_match"])
    size = store.size() + features.height
    state = store.prior()
    # Once the prior is fixed, Splink keeps only the pairs that can ever matter (see pair_floor).
    floor = (
        None
        if state is None
        else pair_floor_weight(settings.pair_floor, model_prior, scaled_prior(state, size))
    )
    raw = _oriented(
        score_batch(
            index, features, settings.splink, workdir, settings.link_type, frequencies, floor
        )
    )
    seconds["splink"] = time.perf_counter() - clock - sum(seconds.values())

    first_state = None
    if state is None:
        total = size * (size - 1) / 2
        first_state = (consistent_prior(raw["match_weight"].to_numpy(), model_prior, total), size)
        state = first_state
    prior = scaled_prior(state, size)
    deciding = settings.deciding()
    kept = tiered(raw, model_prior, prior, deciding).filter(
        pl.col("match_probability") >= settings.pair_floor
    )
    scored = _with_predictions(kept, settings)
    seconds["classifier"] = time.perf_counter() - clock - sum(seconds.values())

    first_look = decide(scored, features, deciding, NO_RULES)
    near = first_look.filter(pl.col("fused_score") >= settings.review_floor)
    reached = pl.concat([near["record_id_l"], near["record_id_r"]]).unique()
    touched = store.links_of(reached.filter(~reached.is_in(features["record_id"].implode())))
    previous = store.members_of(touched.get_column("golden_id"))
    region_ids = pl.concat([previous["record_id"], features["record_id"]])
    region_records = pl.concat(
        [store.index_of(previous["record_id"]), features], how="diagonal_relaxed"
    )
    among = pl.col("record_id_l").is_in(region_ids.implode()) & pl.col("record_id_r").is_in(
        region_ids.implode()
    )
    old_pairs = store.pairs_among(previous["record_id"])
    region = decide_region(
        old_pairs,
        scored.filter(among),
        region_records,
        previous,
        model_prior,
        prior,
        deciding,
    )
    goldens = previous.get_column("golden_id").unique()
    arrived = previous.join(store.arrivals(previous["record_id"]), on="record_id", how="left")
    assignment = assign_golden_ids(region.clusters, arrived, store.ages(goldens), batch_id, at)
    links = region_links(
        assignment.golden, region.decisions, previous, batch_id, settings.review_floor
    )
    seconds["decide_and_cluster"] = time.perf_counter() - clock - sum(seconds.values())
    store.save(
        links,
        assignment.events,
        _stored_pairs(raw, scored, first_look, old_pairs, region),
        features,
        first_state,
    )
    seconds["save"] = time.perf_counter() - clock - sum(seconds.values())
    report.prevented_flips = region.prevented_flips
    _count(report, assignment.events, links, new.height, scored.height, region_ids.len())
    report.seconds = {k: round(v, 3) for k, v in seconds.items()}
    return report


def _stored_pairs(
    raw: pl.DataFrame,
    scored: pl.DataFrame,
    first_look: pl.DataFrame,
    old_pairs: pl.DataFrame,
    region: RegionDecision,
) -> pl.DataFrame:
    """What ``mpi_pairs`` gains: every new pair (Splink weight under the model's prior, the
    classifier's output) with its decision — the region's, or rejected outside the region
    (below the review band) — and the old pairs whose verdict a new pair overturned."""
    keys = ["record_id_l", "record_id_r"]
    decided = region.decisions.select(*keys, *DECISION_COLUMNS)
    outside = first_look.join(decided.select(keys), on=keys, how="anti").with_columns(
        accepted=pl.lit(False)
    )
    decisions = pl.concat([decided, outside.select(*keys, *DECISION_COLUMNS)])
    new = (
        raw.select(*keys, "match_weight")
        .join(scored.select(*keys, "probability", "logit"), on=keys)
        .join(decisions, on=keys)
    )
    overturned = (
        old_pairs.drop("accepted", "decision_source")
        .join(decided.select(*keys, "accepted", "decision_source"), on=keys)
        .join(old_pairs.select(*keys, "accepted"), on=keys, suffix="_before")
        .filter(pl.col("accepted") != pl.col("accepted_before"))
        .drop("accepted_before")
    )
    return pl.concat([new, overturned.select(new.columns)])


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
