"""Match decisions for every scored pair: Splink's tiers, the fused classifier score, the rules.

Decision sources:

- ``classifier``: the pair has a classifier prediction; accepted when its fused log-odds reach
  the threshold.
- ``splink_auto``: an auto-match without a prediction; accepted.
- ``splink_only``: a gray-zone pair without a prediction (a record without clinical history);
  accepted when Splink's probability reaches ``splink_only_threshold``.
- ``splink_reject``: an auto-reject without a prediction; rejected.
- ``same_facility``: both records come from one facility; rejected when facilities register
  each patient once (``distinct_within_facility``).
- ``outranked``: an otherwise accepted pair where one of the records has a stronger accepted
  pair with another record of the same facility (``best_per_facility``): a facility registers
  a patient once, so each record matches at most one record per other facility.
- ``given_name_conflict``: a pair Splink alone would accept whose given names have nothing in
  common (twins, siblings: see ``given_names``); rejected (``given_name_conflicts``).
- ``guard_cut``: an otherwise accepted pair that the clustering guard cuts (it would chain two
  records of one facility into one patient through stronger pairs), see
  ``clustering.reject_guard_cuts``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.special import expit

from synthmass_assets.mpi.fusion import FusionParams, TrackPrior, fused_log_odds, splink_log_odds
from synthmass_assets.mpi.given_names import given_name_conflicts

SOURCES = (
    "classifier", "splink_auto", "splink_only", "splink_reject", "same_facility", "outranked",
    "given_name_conflict", "guard_cut",
)  # fmt: skip
PREDICTION_COLUMNS = ("record_id_l", "record_id_r", "probability", "logit")


@dataclass(frozen=True)
class DecisionRules:
    """Rules that decide pairs the classifier does not score.

    Attributes:
        splink_only_threshold: Gray-zone pairs without a prediction are accepted at or above
            this Splink probability.
        distinct_within_facility: Two records of one facility are never one patient.
        best_per_facility: Of a record's accepted pairs with one other facility, keep only the
            strongest (needs ``distinct_within_facility``).
        given_name_conflicts: Reject pairs decided by Splink alone whose given names have
            nothing in common (twin logic, see ``given_names``).
    """

    splink_only_threshold: float = 0.5
    distinct_within_facility: bool = True
    best_per_facility: bool = True
    given_name_conflicts: bool = True


def empty_predictions() -> pl.DataFrame:
    """A predictions frame without rows (no classifier, or no clinical history)."""
    return pl.DataFrame(
        schema={
            "record_id_l": pl.String,
            "record_id_r": pl.String,
            "probability": pl.Float64,
            "logit": pl.Float64,
        }
    )


def _with_facilities(scored: pl.DataFrame, records: pl.DataFrame) -> pl.DataFrame:
    """``scored`` plus ``facility_l``/``facility_r`` (null when unknown), ``once_l``/``once_r``
    (the facility registers each person once: ``registers_once`` of `rule_scope`, true when
    not declared) and ``same_facility`` (both records of one such facility)."""
    if "facility_id" not in records.columns:
        unknown = pl.lit(None, dtype=pl.String)
        return scored.with_columns(
            facility_l=unknown,
            facility_r=unknown,
            once_l=pl.lit(True),
            once_r=pl.lit(True),
            same_facility=pl.lit(False),
        )
    once = pl.col("registers_once") if "registers_once" in records.columns else pl.lit(True)
    facility = records.select("record_id", "facility_id", once=once)
    joined = scored
    for side in ("l", "r"):
        joined = joined.join(
            facility.rename(
                {
                    "record_id": f"record_id_{side}",
                    "facility_id": f"facility_{side}",
                    "once": f"once_{side}",
                }  # fmt: skip
            ),
            on=f"record_id_{side}",
            how="left",
        )
    same = (pl.col("facility_l") == pl.col("facility_r")).fill_null(False) & pl.col(
        "once_l"
    ).fill_null(True)
    return joined.with_columns(same_facility=same)


def best_per_facility(pairs: pl.DataFrame, strength: str) -> pl.Series:
    """Whether each pair survives the rule that a facility registers a person once.

    A record has at most one true match per other facility that registers each person once;
    of several candidates there, all but the strongest are wrong. At a facility that may hold a
    person twice (``once_*`` false) a weaker candidate stays when it is itself matched to the
    strongest one among ``pairs`` (the two are that facility's duplicate registrations of one
    person). Pairs with an unknown facility are never outranked. Ties keep the first pair in
    ``pairs`` order.

    Args:
        pairs: ``record_id_l``, ``record_id_r``, ``facility_l``, ``facility_r`` (optionally
            ``once_l``, ``once_r``) and ``strength``, only the pairs that compete (e.g. the
            accepted ones).
        strength: Column ranking the pairs (higher: more certain).
    """
    frame = pairs.with_row_index("_pair")
    for side in ("l", "r"):
        if f"once_{side}" not in frame.columns:
            frame = frame.with_columns(pl.lit(True).alias(f"once_{side}"))
    edges = pl.concat(
        [
            frame.select(a="record_id_l", b="record_id_r"),
            frame.select(a="record_id_r", b="record_id_l"),
        ]
    ).with_columns(linked=pl.lit(True))
    ordered = frame.sort([strength, "_pair"], descending=[True, False])
    for me, other, its_facility, its_once in (
        ("record_id_l", "record_id_r", "facility_r", "once_r"),
        ("record_id_r", "record_id_l", "facility_l", "once_l"),
    ):
        best = ordered.group_by(me, its_facility, maintain_order=True).agg(
            best=pl.col(other).first()
        )
        candidates = (
            frame.select("_pair", me, other, its_facility, its_once)
            .join(best, on=[me, its_facility], how="left")
            .join(edges, left_on=[other, "best"], right_on=["a", "b"], how="left")
            .sort("_pair")
        )
        ok = (pl.col(other) == pl.col("best")) | (
            ~pl.col(its_once).fill_null(True) & pl.col("linked").fill_null(False)
        )
        frame = frame.with_columns(candidates.select(ok).to_series().alias(f"ok_{me}"))
    unknown = pl.col("facility_l").is_null() | pl.col("facility_r").is_null()
    return frame.select(
        best=(pl.col("ok_record_id_l") & pl.col("ok_record_id_r")) | unknown
    ).to_series()


def _keep_best_per_facility(frame: pl.DataFrame) -> pl.DataFrame:
    """Accepted pairs that a stronger accepted pair outranks become ``outranked``, rejected."""
    frame = frame.with_row_index("_row")
    accepted = frame.filter("accepted").sort("_row")
    outranked = accepted.filter(~best_per_facility(accepted, "fused_log_odds")).get_column("_row")
    hit = pl.col("_row").is_in(outranked.implode())
    return frame.with_columns(
        decision_source=pl.when(hit).then(pl.lit("outranked")).otherwise("decision_source"),
        accepted=pl.col("accepted") & ~hit,
    ).drop("_row")


def _reject_given_name_conflicts(frame: pl.DataFrame, records: pl.DataFrame) -> pl.DataFrame:
    """Accepted Splink-only pairs whose given names rule out one person become rejected."""
    frame = frame.with_row_index("_row")
    splink_only = pl.col("decision_source").is_in(["splink_auto", "splink_only"])
    candidates = frame.filter(pl.col("accepted") & splink_only)
    conflicted = candidates.filter(given_name_conflicts(candidates, records)).get_column("_row")
    hit = pl.col("_row").is_in(conflicted.implode())
    return frame.with_columns(
        decision_source=pl.when(hit)
        .then(pl.lit("given_name_conflict"))
        .otherwise("decision_source"),
        accepted=pl.col("accepted") & ~hit,
    ).drop("_row")


def decide_pairs(
    scored: pl.DataFrame,
    records: pl.DataFrame,
    rules: DecisionRules,
    predictions: pl.DataFrame | None = None,
    params: FusionParams | None = None,
    prior: TrackPrior | None = None,
) -> pl.DataFrame:
    """Every scored pair with its decision source, component scores, fused score and verdict.

    Args:
        scored: ``scored_pairs`` (record ids, ``match_probability``, ``match_weight``, ``tier``).
        records: ``facility_records`` (``record_id``, and ``facility_id`` when known).
        rules: How pairs without a prediction are decided.
        predictions: Classifier ``probability`` and ``logit`` for some of those pairs (none:
            Splink decides every pair).
        params: Fusion weights and threshold (needed with predictions).
        prior: Label-free base rate and Splink median of the pairs the classifier scored
            (needed with predictions).

    Returns:
        ``scored`` plus ``classifier_probability``, ``classifier_logit``, ``fused_log_odds``,
        ``fused_score`` (its probability), ``decision_source`` and ``accepted``.

    Raises:
        ValueError: predictions without fusion parameters and prior.
    """
    if predictions is None:
        predictions, params, prior = empty_predictions(), FusionParams(), TrackPrior(0.5, 0.0)
    if params is None or prior is None:
        raise ValueError("Pass the fusion params and the track prior with the predictions")
    frame = _with_facilities(scored, records).join(
        predictions.select(PREDICTION_COLUMNS).rename(
            {"probability": "classifier_probability", "logit": "classifier_logit"}
        ),
        on=["record_id_l", "record_id_r"],
        how="left",
    )
    splink = splink_log_odds(frame.get_column("match_weight").to_numpy())
    logits = frame.get_column("classifier_logit").fill_null(0.0).to_numpy()
    has_prediction = frame.get_column("classifier_logit").is_not_null().to_numpy()
    fused = np.where(has_prediction, fused_log_odds(splink, logits, prior, params), splink)
    frame = frame.with_columns(fused_log_odds=pl.Series(fused), fused_score=pl.Series(expit(fused)))
    same = pl.col("same_facility") & pl.lit(rules.distinct_within_facility)
    source = (
        pl.when(same)
        .then(pl.lit("same_facility"))
        .when(pl.col("classifier_logit").is_not_null())
        .then(pl.lit("classifier"))
        .when(pl.col("tier") == "auto_match")
        .then(pl.lit("splink_auto"))
        .when(pl.col("tier") == "gray_zone")
        .then(pl.lit("splink_only"))
        .otherwise(pl.lit("splink_reject"))
    )
    frame = frame.with_columns(decision_source=source).drop("same_facility")
    accepted = (
        pl.when(pl.col("decision_source") == "classifier")
        .then(pl.col("fused_log_odds") >= params.threshold)
        .when(pl.col("decision_source") == "splink_only")
        .then(pl.col("match_probability") >= rules.splink_only_threshold)
        .otherwise(pl.col("decision_source") == "splink_auto")
    )
    frame = frame.with_columns(accepted=accepted)
    if rules.given_name_conflicts:
        frame = _reject_given_name_conflicts(frame, records)
    if rules.best_per_facility and rules.distinct_within_facility:
        frame = _keep_best_per_facility(frame)
    return frame.drop("facility_l", "facility_r", "once_l", "once_r")


def decision_counts(decisions: pl.DataFrame) -> pl.DataFrame:
    """Pairs and accepted pairs per decision source and tier."""
    return (
        decisions.group_by("decision_source", "tier")
        .agg(pairs=pl.len(), accepted=pl.col("accepted").sum())
        .sort("decision_source", "tier")
    )
