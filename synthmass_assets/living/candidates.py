"""The part of the index a batch can be compared with, found in DuckDB before Splink runs.

A prediction blocking rule is a conjunction of equalities (``l."x" = r."x" AND ...``, list
columns exploded). An indexed record can only pair with a batch record under a rule when they
share that rule's key, so the union over the rules of the index records sharing a key with the
batch (a semi-join per rule, next to the index table) holds every pair Splink would score
against the whole index; only those records leave DuckDB. Term frequencies are counted over the
whole index plus the batch in the same connection.
"""

from __future__ import annotations

import re
from typing import Any

EQUALITY = re.compile(r'l\."([^"]+)"\s*=\s*r\."\1"')
JOINERS = re.compile(r"[\s()]|\bAND\b", re.IGNORECASE)


def rule_columns(rule: dict[str, Any]) -> list[str] | None:
    """The columns a rule equates, or None when the rule is more than a conjunction of
    equalities (then the whole index is a candidate)."""
    text = rule["blocking_rule"]
    columns = EQUALITY.findall(text)
    if not columns or JOINERS.sub("", EQUALITY.sub("", text)):
        return None
    return columns


def _keys(table: str, columns: list[str], arrays: set[str]) -> str:
    """``record_id`` and the rule's key columns of ``table``, list columns exploded."""
    sql = f"SELECT record_id, {', '.join(_q(c) for c in columns)} FROM {table}"
    for column in (c for c in columns if c in arrays):
        others = ", ".join(_q(c) for c in columns if c != column)
        rest = f", {others}" if others else ""
        sql = f"SELECT record_id, unnest({_q(column)}) AS {_q(column)}{rest} FROM ({sql})"
    return sql


def _q(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def candidate_sql(rules: list[dict[str, Any]], index: str, batch: str) -> str | None:
    """SQL listing the ``record_id`` of every ``index`` record sharing a blocking key with a
    ``batch`` record, or None when some rule is not a conjunction of equalities."""
    parts = []
    for rule in rules:
        columns = rule_columns(rule)
        if columns is None:
            return None
        arrays = set(rule.get("arrays_to_explode") or [])
        on = " AND ".join(f"i.{_q(c)} = b.{_q(c)}" for c in columns)
        parts.append(
            f"SELECT i.record_id FROM ({_keys(index, columns, arrays)}) i "
            f"SEMI JOIN ({_keys(batch, columns, arrays)}) b ON {on}"
        )
    if not parts:
        return None
    return "SELECT DISTINCT record_id FROM (" + " UNION ALL ".join(parts) + ")"


def frequency_sql(column: str, index: str, batch: str) -> str:
    """SQL of ``column`` → ``tf_<column>`` over the index plus the batch (as Splink's
    ``compute_tf_table``: each value's share of the non-null values)."""
    c = _q(column)
    return (
        f"SELECT {c}, count(*) / sum(count(*)) OVER () AS {_q('tf_' + column)} FROM "
        f"(SELECT {c} FROM {index} UNION ALL SELECT {c} FROM {batch}) "
        f"WHERE {c} IS NOT NULL GROUP BY {c}"
    )
