"""One numeric vector per record, from the facts beside its summary (no text).

The vector holds the record's visit counts and dates, birth-year bounds, latest vitals and labs
(each with a "present" flag) and, for the most frequent codes of the training records, whether
the record holds the code and in which years it first and last appeared.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from synthmass_assets.classifier.evidence.chronic_codes import ChronicCodes
from synthmass_assets.classifier.summaries.sections import LAB_COLUMNS, VITAL_COLUMNS

YEAR_ORIGIN, YEAR_SCALE = 2000.0, 20.0
DATE_COLUMNS = ("first_visit", "last_visit", "vitals_date", "first_height_date", "height_date")
NUMBER_COLUMNS = (
    "encounter_count", "wellness_day", "born_after", "born_before",
    *VITAL_COLUMNS, *LAB_COLUMNS, "first_height", "first_bmi",
)  # fmt: skip


@dataclass(frozen=True)
class RecordVocabulary:
    """What the training records teach about codes: those whose presence and years enter the
    record vector (most frequent first), and the courses of chronic conditions."""

    codes: tuple[str, ...]
    chronic: ChronicCodes = field(default_factory=ChronicCodes)

    @classmethod
    def fit(cls, summaries: pl.DataFrame, size: int = 256) -> RecordVocabulary:
        """The ``size`` codes held by most records (ties broken by code) and `ChronicCodes`."""
        counts = (
            summaries.select(pl.col("event_years").list.eval(pl.element().struct.field("code")))
            .explode("event_years")
            .drop_nulls()
            .group_by("event_years")
            .agg(n=pl.len())
            .sort(["n", "event_years"], descending=[True, False])
            .head(size)
        )
        codes = tuple(counts.get_column("event_years").to_list())
        return cls(codes, ChronicCodes.fit(summaries))

    def to_json(self) -> str:
        return json.dumps({"codes": list(self.codes), "chronic": self.chronic.to_dict()})

    @classmethod
    def from_json(cls, text: str) -> RecordVocabulary:
        """From `to_json`, or from the plain code list that older models saved."""
        values = json.loads(text)
        if isinstance(values, list):
            return cls(tuple(values))
        return cls(tuple(values["codes"]), ChronicCodes.from_dict(values["chronic"]))


def record_dim(vocabulary: RecordVocabulary) -> int:
    return 2 * (len(NUMBER_COLUMNS) + len(DATE_COLUMNS)) + 3 * len(vocabulary.codes)


def record_matrix(summaries: pl.DataFrame, vocabulary: RecordVocabulary) -> np.ndarray:
    """Float32 array (records × `record_dim`): values, present flags and code-year blocks."""
    blocks = []
    for column in NUMBER_COLUMNS:
        values = summaries.get_column(column).cast(pl.Float64).fill_null(np.nan).to_numpy()
        if column == "encounter_count":
            values = np.log1p(values)
        elif column in ("born_after", "born_before"):
            values = (values - YEAR_ORIGIN) / YEAR_SCALE
        blocks += [np.nan_to_num(values), np.isfinite(values)]
    for column in DATE_COLUMNS:
        days = summaries.get_column(column).cast(pl.Int64).cast(pl.Float64).fill_null(np.nan)
        years = (days.to_numpy() / 365.25 + 1970 - YEAR_ORIGIN) / YEAR_SCALE
        blocks += [np.nan_to_num(years), np.isfinite(years)]

    index = {code: i for i, code in enumerate(vocabulary.codes)}
    events = (
        summaries.select(pl.int_range(pl.len()).alias("row"), "event_years")
        .explode("event_years")
        .unnest("event_years")
        .filter(pl.col("code").is_in(list(vocabulary.codes)))
    )
    rows = events.get_column("row").to_numpy()
    cols = np.array([index[code] for code in events.get_column("code").to_list()], dtype=np.int64)
    present = np.zeros((summaries.height, len(index)), dtype=np.float32)
    first, last = np.zeros_like(present), np.zeros_like(present)
    present[rows, cols] = 1.0
    first[rows, cols] = (events.get_column("first").to_numpy() - YEAR_ORIGIN) / YEAR_SCALE
    last[rows, cols] = (events.get_column("last").to_numpy() - YEAR_ORIGIN) / YEAR_SCALE
    dense = (
        np.column_stack(blocks).astype(np.float32) if blocks else np.zeros((summaries.height, 0))
    )
    return np.concatenate([dense, present, first, last], axis=1).astype(np.float32)
