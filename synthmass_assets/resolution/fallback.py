"""Parameters borrowed from a model trained on a larger population, where EM cannot estimate.

A few dozen records (a small clinic, the 27-patient Synthea sample) give EM too few pairs:
its passes find no pairs or too few matches to separate m from u. There the model takes the
m probabilities of a model trained on more records (the training track's, or a model file)
for every comparison level it shares with it (same comparison, same SQL condition), and keeps
its own λ and u (u from random pairs needs no matches).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class FallbackReport:
    """What was borrowed: the reason, the comparisons filled, and levels left as they were."""

    reason: str = ""
    source: str = ""
    comparisons: list[str] = field(default_factory=list)
    levels_missing: int = 0


def _levels(settings: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (comparison["output_column_name"], level["sql_condition"]): level
        for comparison in settings["comparisons"]
        for level in comparison["comparison_levels"]
    }


def untrained_comparisons(settings: dict[str, Any]) -> list[str]:
    """Comparisons with a non-null level whose m probability was never estimated."""
    return [
        c["output_column_name"]
        for c in settings["comparisons"]
        if any(
            not level.get("is_null_level") and not isinstance(level.get("m_probability"), float)
            for level in c["comparison_levels"]
        )
    ]


def borrow_m_probabilities(
    settings: dict[str, Any],
    fallback: dict[str, Any],
    comparisons: list[str] | None,
    reason: str,
    source: str,
) -> FallbackReport:
    """Copy ``fallback``'s m probabilities into ``settings`` (in place) for ``comparisons``
    (every comparison when None), level by level where the SQL conditions agree."""
    theirs = _levels(fallback)
    report = FallbackReport(reason=reason, source=source)
    for comparison in settings["comparisons"]:
        name = comparison["output_column_name"]
        if comparisons is not None and name not in comparisons:
            continue
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            other = theirs.get((name, level["sql_condition"]))
            if other is None or not isinstance(other.get("m_probability"), float):
                report.levels_missing += 1
                continue
            level["m_probability"] = other["m_probability"]
        report.comparisons.append(name)
    return report
