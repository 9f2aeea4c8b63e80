"""Decide the part of the index a batch touches, keeping every earlier verdict on old pairs.

A pair is scored and given its verdict (the classifier's fused score against the threshold, or
Splink's tier) once, when its second record arrives; the verdict and fused score are stored in
``mpi_pairs``. Re-scoring old pairs later would move golden ids although nothing new about
their people arrived: the prior shrinks as the index grows (``engine.scaled_prior``) and the
fusion's track prior is re-estimated on every region. So in a region:

1. the new pairs (a record of this batch on either side) are decided with the one-shot rules
   and fusion (``mpi.decisions``);
2. the old pairs keep their stored fused score and verdict;
3. the rules that weigh a record's pairs against each other run over both, as in the one-shot
   track: ``outranked`` (a record matches one record per facility) and the clustering guard
   (strongest pairs first), so an old pair is cut only when a stronger new pair contradicts
   it — new evidence about its person; a new pair merging two golden records needs a
   confident score (``bridges``).

What re-deciding old pairs from scratch would have changed is counted per decision source
(``prevented_flips``), so the UI shows what keeping the verdicts prevented.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import polars as pl

from synthmass_assets.living.bridges import reject_pairs, reject_weak_bridges
from synthmass_assets.mpi.clustering import Guard, guarded_clusters, reject_guard_cuts
from synthmass_assets.mpi.decisions import DecisionRules, best_per_facility, decide_pairs
from synthmass_assets.mpi.fusion import FusionParams, TrackPrior, track_prior
from synthmass_assets.resolution.prior import with_prior
from synthmass_assets.resolution.tiers import assign_tiers

KEYS = ["record_id_l", "record_id_r"]
DECISION_COLUMNS = ["fused_score", "fused_log_odds", "accepted", "decision_source"]


@dataclass(frozen=True)
class Deciding:
    """How pairs are tiered and decided (the part of ``engine.MatchSettings`` used here)."""

    rules: DecisionRules
    guards: tuple[Guard, ...]
    fusion: FusionParams | None
    auto_match_threshold: float
    auto_reject_threshold: float
    base_rate_estimator: str
    merge_floor: float = 0.99


@dataclass(frozen=True)
class RegionDecision:
    """Decided pairs of a region, its guarded clusters and what re-deciding would have done."""

    decisions: pl.DataFrame
    clusters: pl.DataFrame
    prevented_flips: dict[str, int]


def tiered(pairs: pl.DataFrame, model_prior: float, prior: float, d: Deciding) -> pl.DataFrame:
    """Pairs under ``prior`` (from the model's) with their Splink tier."""
    shifted = with_prior(pairs, model_prior, prior)
    return assign_tiers(shifted, d.auto_match_threshold, d.auto_reject_threshold)


def decide(
    pairs: pl.DataFrame, records: pl.DataFrame, d: Deciding, rules: DecisionRules
) -> pl.DataFrame:
    """``decide_pairs`` with the classifier's predictions carried by ``pairs`` (``probability``,
    ``logit``) and the fusion's track prior estimated on them."""
    scored = pairs.filter(pl.col("logit").is_not_null())
    predictions = scored.select(*KEYS, "probability", "logit")
    if predictions.is_empty() or d.fusion is None:
        return decide_pairs(pairs.drop("probability", "logit"), records, rules)
    prior: TrackPrior = track_prior(
        d.base_rate_estimator,  # type: ignore[arg-type]
        predictions["logit"].to_numpy(),
        scored["match_probability"].to_numpy(),
        scored["match_weight"].to_numpy(),
        d.fusion.training_rate,
    )
    return decide_pairs(
        pairs.drop("probability", "logit"), records, rules, predictions, d.fusion, prior
    )


def _flips(
    redecided: pl.DataFrame, kept: pl.DataFrame, records: pl.DataFrame, d: Deciding
) -> dict[str, int]:
    """Old pairs whose verdict re-deciding the whole region from scratch (this batch's prior
    and track prior, then the context rules) would change, by the source deciding them then."""
    if kept.is_empty():
        return {}
    guarded, _ = reject_guard_cuts(redecided, records, d.guards, "fused_log_odds")
    now = guarded.select(*KEYS, now="accepted", source="decision_source")
    changed = (
        kept.select(*KEYS, "accepted")
        .join(now, on=KEYS)
        .filter(pl.col("accepted") != pl.col("now"))
    )
    return {str(k): int(v) for k, v in changed.group_by("source").len().sort("source").iter_rows()}


def _outranked(pairs: pl.DataFrame, records: pl.DataFrame) -> pl.DataFrame:
    """Accepted pairs a stronger accepted pair outranks (``decisions.best_per_facility``)
    become ``outranked``, rejected."""
    facility = (
        pl.col("facility_id").cast(pl.String)
        if "facility_id" in records.columns
        else pl.lit(None, pl.String)
    )
    once = pl.col("registers_once") if "registers_once" in records.columns else pl.lit(True)
    sides = records.select("record_id", facility=facility, once=once)
    frame = pairs.with_row_index("_row")
    accepted = (
        frame.filter("accepted")
        .join(
            sides.rename({"facility": "facility_l", "once": "once_l"}),
            left_on="record_id_l",
            right_on="record_id",
            how="left",
        )
        .join(
            sides.rename({"facility": "facility_r", "once": "once_r"}),
            left_on="record_id_r",
            right_on="record_id",
            how="left",
        )
        .sort("_row")
    )
    hit = pl.col("_row").is_in(
        accepted.filter(~best_per_facility(accepted, "fused_log_odds"))["_row"].implode()
    )
    return frame.with_columns(
        decision_source=pl.when(hit).then(pl.lit("outranked")).otherwise("decision_source"),
        accepted=pl.col("accepted") & ~hit,
    ).drop("_row")


def decide_region(
    old_pairs: pl.DataFrame,
    new_pairs: pl.DataFrame,
    records: pl.DataFrame,
    previous: pl.DataFrame,
    model_prior: float,
    prior: float,
    d: Deciding,
) -> RegionDecision:
    """Decide a region (see the module docstring).

    Args:
        old_pairs: Stored pairs among the region's indexed records with their decision
            (``match_weight`` under the model's prior, ``probability``, ``logit`` and
            ``DECISION_COLUMNS``).
        new_pairs: Tiered pairs of the region with a batch record, with the classifier's
            ``probability`` / ``logit``.
        records: Matching features of every record of the region.
        previous: ``record_id`` → ``golden_id`` of the region's indexed records.
        model_prior: The stored model's prior.
        prior: This batch's prior.
        d: How pairs are decided.

    Returns:
        Every pair of the region decided, the guarded clusters of the region's records and
        the prevented flips.
    """
    stored = old_pairs.select(*KEYS, "match_weight", "probability", "logit")
    both = pl.concat([new_pairs, tiered(stored, model_prior, prior, d)], how="diagonal_relaxed")
    flips = _flips(decide(both, records, d, d.rules), old_pairs, records, d)
    pair_rules = replace(d.rules, best_per_facility=False)
    verdicts = decide(both, records, d, pair_rules)
    fresh = verdicts.join(new_pairs.select(KEYS), on=KEYS, how="semi")
    kept = (
        verdicts.join(new_pairs.select(KEYS), on=KEYS, how="anti")
        .drop(DECISION_COLUMNS)
        .join(old_pairs.select(*KEYS, *DECISION_COLUMNS), on=KEYS)
        .select(fresh.columns)
    )
    decided = pl.concat([fresh, kept], how="vertical_relaxed")
    if d.rules.best_per_facility and d.rules.distinct_within_facility:
        decided = _outranked(decided, records)
    new_ids = records.get_column("record_id").filter(
        ~records.get_column("record_id").is_in(previous.get_column("record_id").implode())
    )
    decided = reject_weak_bridges(decided, previous, new_ids, d.merge_floor)
    guarded, _ = reject_guard_cuts(decided, records, d.guards, "fused_log_odds")
    clusters, _ = guarded_clusters(records, guarded.filter("accepted"), d.guards, "fused_log_odds")
    return RegionDecision(_within_clusters(guarded, clusters), clusters, flips)


def _within_clusters(decisions: pl.DataFrame, clusters: pl.DataFrame) -> pl.DataFrame:
    """Accepted pairs the guarded clustering still put apart become ``guard_cut``: a stored
    accepted pair always lies inside one golden record, so a later region re-joins nothing
    that was apart."""
    apart = (
        decisions.join(
            clusters.rename({"cluster": "_l"}), left_on="record_id_l", right_on="record_id"
        )
        .join(clusters.rename({"cluster": "_r"}), left_on="record_id_r", right_on="record_id")
        .filter(pl.col("accepted") & (pl.col("_l") != pl.col("_r")))
    )
    return reject_pairs(decisions, apart, "guard_cut")
