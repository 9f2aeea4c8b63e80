"""Steward decisions: files of manual MATCH / NO_MATCH verdicts, read and validated.

A decisions file (CSV or Parquet) has ``record_id_l``, ``record_id_r``, ``decision`` (MATCH or
NO_MATCH), ``reviewer`` and ``decided_at`` (ISO 8601). All files of a folder are read together,
and they are taken only if every row is valid: both records known, a verdict and a reviewer,
a parseable time, and no contradiction, neither directly (one pair both MATCH and NO_MATCH) nor
through MATCH chains (a NO_MATCH between two records the MATCH decisions join). Otherwise
nothing is taken and the error lists the rows to fix.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from synthmass_assets.errors import InputDataError

COLUMNS = ("record_id_l", "record_id_r", "decision", "reviewer", "decided_at")
VERDICTS = ("MATCH", "NO_MATCH")
SHOWN = 5
SCHEMA: dict[str, pl.DataType] = {
    "record_id_l": pl.String(),
    "record_id_r": pl.String(),
    "decision": pl.String(),
    "reviewer": pl.String(),
    "decided_at": pl.Datetime("us", "UTC"),
    "file": pl.String(),
}


def decision_files(location: Path) -> list[Path]:
    """The CSV and Parquet files at ``location`` (a file, or a folder read in name order)."""
    if location.is_file():
        return [location]
    if not location.is_dir():
        return []
    return sorted(p for p in location.iterdir() if p.suffix.lower() in (".csv", ".parquet"))


def _read(path: Path) -> pl.DataFrame:
    if path.suffix.lower() == ".parquet":
        frame = pl.read_parquet(path)
    else:
        frame = pl.read_csv(path, infer_schema=False)
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise InputDataError(f"{path}: columns {', '.join(missing)} missing (need {COLUMNS})")
    return frame.select(pl.col(c).cast(pl.String).str.strip_chars() for c in COLUMNS).with_columns(
        file=pl.lit(path.name), row=pl.int_range(pl.len()) + 2
    )


def _fail(problem: str, rows: pl.DataFrame) -> None:
    if rows.is_empty():
        return
    shown = "; ".join(
        f"{r['file']} row {r['row']} ({r['record_id_l']}, {r['record_id_r']})"
        for r in rows.head(SHOWN).iter_rows(named=True)
    )
    more = f" and {rows.height - SHOWN} more" if rows.height > SHOWN else ""
    raise InputDataError(f"Steward decisions not applied: {problem}: {shown}{more}")


def contradictions(decisions: pl.DataFrame) -> pl.DataFrame:
    """NO_MATCH rows between two records that the MATCH rows join (directly or in a chain)."""
    records = pl.concat([decisions["record_id_l"], decisions["record_id_r"]]).unique().sort()
    number = {r: i for i, r in enumerate(records)}
    left = decisions["record_id_l"].replace_strict(number, return_dtype=pl.Int64).to_numpy()
    right = decisions["record_id_r"].replace_strict(number, return_dtype=pl.Int64).to_numpy()
    is_match = (decisions["decision"] == "MATCH").to_numpy()
    graph = coo_matrix(
        (np.ones(is_match.sum()), (left[is_match], right[is_match])),
        shape=(len(number), len(number)),
    )
    _, component = connected_components(graph, directed=False)
    joined = component[left] == component[right]
    return decisions.filter(pl.Series(joined & ~is_match))


def read_decisions(files: list[Path], known: pl.Series) -> pl.DataFrame:
    """Every valid decision of ``files``, each pair ordered (``record_id_l`` < ``record_id_r``),
    with ``file``; ``known`` the record ids of the track.

    Raises:
        InputDataError: a file lacks a column, or a row is invalid or contradicts another
            (nothing is returned then).
    """
    if not files:
        return pl.DataFrame(schema=SCHEMA)
    rows = pl.concat([_read(f) for f in files])
    _fail("decision is not MATCH or NO_MATCH", rows.filter(~pl.col("decision").is_in(VERDICTS)))
    _fail("no reviewer", rows.filter(pl.col("reviewer").fill_null("") == ""))
    when = pl.col("decided_at").str.to_datetime(time_zone="UTC", strict=False)
    _fail("decided_at is not an ISO 8601 time", rows.filter(when.is_null()))
    unknown = ~pl.col("record_id_l").is_in(known.implode()) | ~pl.col("record_id_r").is_in(
        known.implode()
    )
    _fail("unknown record id", rows.filter(unknown))
    _fail(
        "a record paired with itself", rows.filter(pl.col("record_id_l") == pl.col("record_id_r"))
    )
    low = pl.min_horizontal("record_id_l", "record_id_r")
    high = pl.max_horizontal("record_id_l", "record_id_r")
    rows = rows.with_columns(record_id_l=low, record_id_r=high, decided_at=when)
    both = rows.filter(pl.col("decision").n_unique().over("record_id_l", "record_id_r") > 1)
    _fail("one pair decided both MATCH and NO_MATCH", both)
    _fail("NO_MATCH between records that MATCH decisions join", contradictions(rows))
    latest = rows.sort("decided_at").unique(["record_id_l", "record_id_r"], keep="last")
    return latest.sort("decided_at", "record_id_l", "record_id_r").select(list(SCHEMA))
