"""An index of facility records, linked to golden records, that answers "is this person
already here?" with a stored Splink model.

Everything that does not depend on the query is computed once: matching features, term
frequencies, the blocking lookup and the scoring SQL. A query record is normalised together with
a fixed reference sample of the index (identifier, postcode and phone forms are read from a
column's own values, see ``resolution.value_forms``), blocked by lookup and scored by Splink's
SQL; a golden record's score is its best record's match probability.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import polars as pl

from synthmass_assets.resolution.engines import numbered
from synthmass_assets.resolution.linkage import exploded_keys
from synthmass_assets.resolution.normalize import identifier_column, matching_features
from synthmass_assets.steward.blocking_index import BlockingIndex, model_rules, rules_for_index
from synthmass_assets.steward.scorer import (
    PairScorer,
    term_frequencies,
    tf_columns,
    with_term_frequencies,
)

logger = logging.getLogger(__name__)

REFERENCE_RECORDS = 120
QUERY_ROW = 0


@dataclass(frozen=True)
class GradeThresholds:
    """Match probability at or above which a golden record is ``certain``, ``probable`` and
    ``possible`` (FHIR ``match-grade``); below ``possible`` it is not returned."""

    certain: float = 0.99
    probable: float = 0.8
    possible: float = 0.01

    def grade(self, probability: pl.Expr) -> pl.Expr:
        return (
            pl.when(probability >= self.certain)
            .then(pl.lit("certain"))
            .when(probability >= self.probable)
            .then(pl.lit("probable"))
            .when(probability >= self.possible)
            .then(pl.lit("possible"))
            .otherwise(pl.lit("certainly-not"))
        )


@dataclass(frozen=True)
class IndexParams:
    """How the index blocks: at most ``comparisons_per_record`` pairs per index record from the
    model's prediction rules (its broad rules would flood a large index), and at most
    ``max_candidates`` scored per query."""

    comparisons_per_record: float = 400.0
    max_candidates: int = 5000


def golden_scores(scores: pl.DataFrame) -> pl.DataFrame:
    """``golden_id``, ``record_id`` (its best record), ``match_weight`` and
    ``match_probability`` per golden record, best first, from scored candidate records."""
    best = scores.sort(["match_weight", "record_id"], descending=[True, False])
    best = best.group_by("golden_id", maintain_order=True).first()
    return best.select("golden_id", "record_id", "match_weight", "match_probability")


class MatchIndex:
    """Facility records with their golden ids, ready to be queried.

    Args:
        records: Facility records (``facility_records`` columns).
        links: ``record_id`` → ``golden_id`` for every record.
        settings: Stored Splink settings (``<track>/splink_model``).
        params: Blocking limits.
    """

    def __init__(
        self,
        records: pl.DataFrame,
        links: pl.DataFrame,
        settings: dict[str, Any],
        params: IndexParams | None = None,
    ) -> None:
        params = params or IndexParams()
        self.params = params
        linked = records.join(links.select("record_id", "golden_id"), on="record_id", how="inner")
        self.golden_of_row = linked.get_column("golden_id")
        self.raw_columns = [c for c in records.columns if c != "golden_id"]
        raw = linked.select(self.raw_columns)
        self.reference = raw.sample(min(REFERENCE_RECORDS, raw.height), seed=0)
        features = matching_features(raw)
        rules = rules_for_index(features, model_rules(settings), params.comparisons_per_record)
        self.blocking = BlockingIndex.build(features, rules)
        self.tf_tables = {c: term_frequencies(features, c) for c in tf_columns(settings)}
        self.keys = exploded_keys(settings)
        self.compared_text = json.dumps(settings["comparisons"])
        self.record_of_row = linked.get_column("record_id")
        left = with_term_frequencies(numbered(features, self.keys), self.tf_tables)
        self.left = left.drop(self._unscored(left))
        self.scorer = PairScorer(settings)
        self.size = raw.height
        logger.info("Match index: %d records, %d blocking rules", self.size, len(rules))

    def _unscored(self, frame: pl.DataFrame) -> list[str]:
        """Columns no comparison reads (blocking keys, raw fields): left out of the scored
        tables so that less is copied per query."""
        return [
            c
            for c in frame.columns
            if c != "record_id" and not c.startswith("tf_") and c not in self.compared_text
        ]

    def query_features(self, record: pl.DataFrame) -> pl.DataFrame:
        """Matching features of one raw record, normalised beside the reference sample."""
        record = _as_index_fields(record, self.reference)
        both = pl.concat([self.reference, record], how="diagonal_relaxed")
        return matching_features(both).tail(1)

    def match(self, record: pl.DataFrame) -> pl.DataFrame:
        """Golden records that may be this person: ``golden_id``, ``match_probability``,
        ``match_weight`` and ``record_id`` (the best matching record), best first."""
        features = self.query_features(record)
        rows = self.blocking.candidates(features, self.params.max_candidates)
        if rows.size == 0:
            return pl.DataFrame(
                schema={
                    "golden_id": pl.String,
                    "record_id": pl.String,
                    "match_probability": pl.Float64,
                    "match_weight": pl.Float64,
                }
            )
        right = numbered(features, self.keys).with_columns(record_id=pl.lit(QUERY_ROW, pl.Int32))
        right = with_term_frequencies(right, self.tf_tables)
        right = right.drop(self._unscored(right))
        pairs = pl.DataFrame({"join_key_l": rows.astype("int32"), "join_key_r": QUERY_ROW})
        scores = self.scorer.score(self.left[rows], right, pairs)
        found = scores.get_column("record_id_l")
        scores = scores.with_columns(
            golden_id=self.golden_of_row.gather(found), record_id=self.record_of_row.gather(found)
        )
        return golden_scores(scores)


def _as_index_fields(record: pl.DataFrame, reference: pl.DataFrame) -> pl.DataFrame:
    """The record's fields that the index has, in its dtypes; a national identifier lands in
    the index's identifier column (``ssn`` on US tracks)."""
    wanted = identifier_column(set(reference.columns))
    given = identifier_column(
        {c for c in record.columns if record.get_column(c).is_not_null().any()}
    )
    if wanted and given and wanted != given:
        record = record.with_columns(pl.col(given).alias(wanted))
    present = [c for c in reference.columns if c in record.columns]
    return record.select(pl.col(c).cast(reference.schema[c]) for c in present)
