"""Model JSON in one SQL dialect, whichever engine trained it, and translated for the other.

Splink writes each comparison level's SQL in the dialect of the engine it ran on and reads
settings as they are. Models are kept in DuckDB's dialect (`MODEL_DIALECT`); a level that our
comparison library builds is translated to exactly what Splink renders for the other dialect,
any other SQL (a model from an older version, a user's own JSON) through sqlglot with the
similarity functions renamed to the other engine's.
"""

from __future__ import annotations

import copy
import re
from functools import lru_cache
from typing import Any

import sqlglot
from splink import SettingsCreator

from synthmass_assets.resolution.comparisons import model_spec

MODEL_DIALECT = "duckdb"
# Function names sqlglot writes that the target engine spells otherwise (Splink's UDF names on
# Spark, DuckDB's built-ins the other way).
RENAMES: dict[str, dict[str, str]] = {
    "spark": {
        "JAROWINKLER_SIMILARITY": "jaro_winkler",
        "JARO_WINKLER_SIMILARITY": "jaro_winkler",
        "JARO_SIMILARITY": "jaro_sim",
        "LIST_INTERSECT": "array_intersect",
    },
    "duckdb": {
        "JARO_WINKLER": "jaro_winkler_similarity",
        "JARO_SIM": "jaro_similarity",
    },
}


class _EveryColumn(set[str]):
    """Every feature column present: the comparison library with every optional level."""

    def __contains__(self, item: object) -> bool:
        return True


@lru_cache(maxsize=4)
def _library_levels(source: str, target: str) -> dict[str, str]:
    """SQL of every level our comparison library builds, ``source`` dialect → ``target``."""
    spec = model_spec(_EveryColumn())
    creator = SettingsCreator(link_type="dedupe_only", comparisons=spec.comparisons)
    rendered = [creator.create_settings_dict(d)["comparisons"] for d in (source, target)]
    mapping: dict[str, str] = {}
    for ours, theirs in zip(*rendered, strict=True):
        for a, b in zip(ours["comparison_levels"], theirs["comparison_levels"], strict=True):
            mapping[a["sql_condition"]] = b["sql_condition"]
    return mapping


def translated_sql(sql: str, source: str, target: str) -> str:
    """One SQL condition from ``source`` to ``target`` dialect."""
    if source == target or sql == "ELSE":
        return sql
    known = _library_levels(source, target).get(sql)
    if known is not None:
        return known
    out = sqlglot.transpile(sql, read=source, write=target)[0]
    for name, renamed in RENAMES.get(target, {}).items():
        out = re.sub(rf"\b{name}\(", f"{renamed}(", out, flags=re.IGNORECASE)
    return out


def translated(settings: dict[str, Any], target: str) -> dict[str, Any]:
    """A copy of Splink settings with every comparison level and blocking rule in ``target``."""
    source = settings.get("sql_dialect") or MODEL_DIALECT
    out = copy.deepcopy(settings)
    out["sql_dialect"] = target
    if source == target:
        return out
    for comparison in out["comparisons"]:
        for level in comparison["comparison_levels"]:
            level["sql_condition"] = translated_sql(level["sql_condition"], source, target)
    for rule in out.get("blocking_rules_to_generate_predictions", []):
        rule_source = rule.get("sql_dialect") or source
        rule["blocking_rule"] = translated_sql(rule["blocking_rule"], rule_source, target)
        rule["sql_dialect"] = target
    return out


def in_model_dialect(settings: dict[str, Any], engine_dialect: str) -> dict[str, Any]:
    """Settings a linker on ``engine_dialect`` saved, in `MODEL_DIALECT`."""
    if engine_dialect == MODEL_DIALECT:
        return settings
    return translated({**settings, "sql_dialect": engine_dialect}, MODEL_DIALECT)
