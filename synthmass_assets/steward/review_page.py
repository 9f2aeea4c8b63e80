"""The review queue as a self-contained HTML page (no scripts, no external files) and as a
markdown preview for the Dagster UI."""

from __future__ import annotations

import html
from typing import Any

import polars as pl

SHOWN_FIELDS = (
    "facility_id", "first_name", "middle_name", "last_name", "maiden_name", "suffix",
    "birthdate", "gender", "ssn", "national_id", "address", "city", "state", "zip", "phone",
)  # fmt: skip
STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
section{border:1px solid #ccc;border-radius:6px;padding:1em;margin-bottom:1.5em}
table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;font-size:14px}
tr.differs td{background:#fff4e0}
.for{color:#1a7f37}.against{color:#b42318}
.weight-pos{color:#1a7f37}.weight-neg{color:#b42318}
"""


def _text(value: Any) -> str:
    return "" if value is None else html.escape(str(value))


def _records_table(left: dict[str, Any], right: dict[str, Any]) -> str:
    rows = []
    for field in SHOWN_FIELDS:
        if field not in left and field not in right:
            continue
        a, b = left.get(field), right.get(field)
        differs = " class='differs'" if a != b else ""
        rows.append(f"<tr{differs}><th>{field}</th><td>{_text(a)}</td><td>{_text(b)}</td></tr>")
    head = "<tr><th>field</th><th>record L</th><th>record R</th></tr>"
    return f"<table class='records'>{head}{''.join(rows)}</table>"


def _terms_table(terms: list[dict[str, Any]]) -> str:
    rows = []
    for term in terms:
        weight = term["weight"] or 0.0
        kind = "weight-pos" if weight >= 0 else "weight-neg"
        rows.append(
            f"<tr><td>{_text(term['comparison'])}</td><td>{_text(term['level'])}</td>"
            f"<td class='{kind}'>{weight:+.2f}</td></tr>"
        )
    head = "<tr><th>comparison</th><th>level</th><th>match weight</th></tr>"
    return f"<table class='terms'>{head}{''.join(rows)}</table>"


def _evidence_list(sentences: list[str]) -> str:
    items = []
    for sentence in sentences:
        kind = "for" if sentence.startswith("For") else "against" if "Against" in sentence else ""
        items.append(f"<li class='{kind}'>{_text(sentence)}</li>")
    return f"<ul class='evidence'>{''.join(items)}</ul>"


def review_html(queue: pl.DataFrame, records: pl.DataFrame, title: str) -> str:
    """The page: per queued pair its scores, both records side by side, Splink's waterfall
    terms and the clinical evidence."""
    by_id = {r["record_id"]: r for r in records.iter_rows(named=True)}
    sections = []
    for row in queue.iter_rows(named=True):
        left, right = by_id.get(row["record_id_l"], {}), by_id.get(row["record_id_r"], {})
        classifier = row.get("classifier_probability")
        scores = (
            f"fused score <b>{row['fused_score']:.3f}</b> · Splink {row['match_probability']:.3f}"
            + (f" · classifier {classifier:.3f}" if classifier is not None else "")
            + f" · {row['cluster_size']} records affected · priority {row['priority']:.2f}"
        )
        where = (
            "one golden record (split?)" if row["same_golden"] else "two golden records (merge?)"
        )
        sections.append(
            f"<section class='pair' id='pair-{row['rank']}'><h2>#{row['rank']}: {where}</h2>"
            f"<p>{scores}</p><p>L {_text(row['record_id_l'])} · R {_text(row['record_id_r'])}"
            f"</p>{_records_table(left, right)}<h3>Splink match weights</h3>"
            f"{_terms_table(row['splink_terms'] or [])}<h3>Clinical evidence</h3>"
            f"{_evidence_list(row['clinical_evidence'] or [])}</section>"
        )
    body = "".join(sections) or "<p>No pair in the review band.</p>"
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{_text(title)}"
        f"</title><style>{STYLE}</style></head><body><h1>{_text(title)}</h1>"
        f"<p>{queue.height} pairs, highest priority first.</p>{body}</body></html>"
    )


def review_preview(queue: pl.DataFrame, limit: int = 10) -> str:
    """Markdown table of the first pairs: ids, scores and evidence, no demographics."""
    lines = [
        "| # | fused | Splink | records | priority | strongest Splink terms | clinical evidence |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in queue.head(limit).iter_rows(named=True):
        terms = sorted(row["splink_terms"] or [], key=lambda t: -abs(t["weight"] or 0))[:3]
        strongest = ", ".join(f"{t['comparison']} {t['weight']:+.1f}" for t in terms)
        evidence = "; ".join(row["clinical_evidence"] or []).replace("|", "/")
        lines.append(
            f"| {row['rank']} | {row['fused_score']:.3f} | {row['match_probability']:.3f} | "
            f"{row['cluster_size']} | {row['priority']:.2f} | {strongest} | {evidence} |"
        )
    return "\n".join(lines)
