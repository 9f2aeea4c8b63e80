"""Splink's own views of a resolved track, as self-contained HTML files.

A linker is built from the stored model and the track's records; the scored pairs are re-scored
with the comparison columns Splink's views read (gamma values, bayes factors, the compared
values) and registered as its prediction table, so the views show exactly the stored model's
scores. Shown: the comparison viewer (example pairs per comparison vector), cluster studio
(the largest and the least dense golden records) and the match weights chart.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
from splink import DuckDBAPI, Linker
from splink.internals.misc import read_resource

from synthmass_assets.steward.scorer import (
    PairScorer,
    explained,
    term_frequencies,
    tf_columns,
    with_term_frequencies,
)

logger = logging.getLogger(__name__)

VEGA_FILES = (
    "internals/files/external_js/vega@5.31.0",
    "internals/files/external_js/vega-lite@5.2.0",
    "internals/files/external_js/vega-embed@6.20.2",
)


@dataclass(frozen=True)
class DashboardParams:
    """How much of the track the views show."""

    pairs_per_tier: int = 2000
    clusters: int = 8
    example_rows: int = 3
    seed: int = 0


def cluster_profile(pairs: pl.DataFrame, links: pl.DataFrame) -> pl.DataFrame:
    """``golden_id``, ``size`` and ``density`` (share of its record pairs that were scored
    above 0.5) of every golden record with two or more records."""
    sizes = links.group_by("golden_id").agg(size=pl.len()).filter(pl.col("size") >= 2)
    golden = links.select("record_id", "golden_id")
    edges = (
        pairs.filter(pl.col("match_probability") > 0.5)
        .join(golden.rename({"record_id": "record_id_l"}), on="record_id_l")
        .join(
            golden.rename({"record_id": "record_id_r", "golden_id": "golden_r"}), on="record_id_r"
        )
        .filter(pl.col("golden_id") == pl.col("golden_r"))
        .group_by("golden_id")
        .agg(edges=pl.len())
    )
    return (
        sizes.join(edges, on="golden_id", how="left")
        .with_columns(
            density=pl.col("edges").fill_null(0) / (pl.col("size") * (pl.col("size") - 1) / 2)
        )
        .drop("edges")
    )


def studio_clusters(profile: pl.DataFrame, count: int) -> list[str]:
    """Half the largest golden records, half the least dense ones (ties by id)."""
    largest = profile.sort(["size", "golden_id"], descending=[True, False]).head(count // 2)
    rest = profile.join(largest, on="golden_id", how="anti")
    sparse = rest.sort(["density", "size", "golden_id"], descending=[False, True, False])
    return [*largest.get_column("golden_id"), *sparse.head(count - largest.height)["golden_id"]]


def shown_pairs(
    pairs: pl.DataFrame, links: pl.DataFrame, clusters: list[str], params: DashboardParams
) -> pl.DataFrame:
    """A sample of each tier plus every scored pair within the studio's clusters."""
    sample = pairs.filter(
        pl.int_range(pl.len()).shuffle(seed=params.seed).over("tier") < params.pairs_per_tier
    )
    members = links.filter(pl.col("golden_id").is_in(clusters)).get_column("record_id")
    within = pairs.filter(
        pl.col("record_id_l").is_in(members.implode())
        & pl.col("record_id_r").is_in(members.implode())
    )
    return pl.concat([sample, within]).unique(["record_id_l", "record_id_r"])


def match_weights_html(chart: dict[str, Any], title: str) -> str:
    """A Vega-Lite chart as a page with Splink's bundled Vega scripts inlined (works offline)."""
    scripts = "\n".join(f"<script>{read_resource(path)}</script>" for path in VEGA_FILES)
    spec = json.dumps(chart).replace("</", "<\\/")
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>{scripts}"
        f"</head><body><h1>{title}</h1><div id='chart'></div>"
        f"<script>vegaEmbed('#chart', {spec}, {{actions: false}});</script></body></html>"
    )


@dataclass(frozen=True)
class Dashboards:
    comparison_viewer: Path
    cluster_studio: Path
    match_weights: Path
    pairs_shown: int
    clusters_shown: list[str]


EMPTY_STUDIO = (
    "<!doctype html><meta charset='utf-8'><title>Cluster studio</title>"
    "<p>No golden record holds two or more records yet: no cluster to show.</p>"
)


def write_dashboards(
    features: pl.DataFrame,
    pairs: pl.DataFrame,
    links: pl.DataFrame,
    settings: dict[str, Any],
    folder: Path,
    params: DashboardParams | None = None,
) -> Dashboards:
    """The three views of one track, written under ``folder``.

    Args:
        features: Matching features of the track's records (string ``record_id``).
        pairs: ``scored_pairs`` (record ids, probability, tier).
        links: ``record_links`` (record → golden id).
        settings: The stored Splink settings.
        folder: Where the HTML files go (created).
        params: Sample sizes.
    """
    params = params or DashboardParams()
    folder.mkdir(parents=True, exist_ok=True)
    clusters = studio_clusters(cluster_profile(pairs, links), params.clusters)
    shown = shown_pairs(pairs, links, clusters, params)
    tables = {c: term_frequencies(features, c) for c in tf_columns(settings)}
    records = with_term_frequencies(features, tables)
    scored = PairScorer(settings, weights=True, values=True).score(
        records, records, shown.select(join_key_l="record_id_l", join_key_r="record_id_r")
    )
    connection = duckdb.connect()
    api = DuckDBAPI(connection=connection)
    linker = Linker(api.register(features.to_arrow(), table_name="records"), explained(settings))
    clustered = records.join(links.select("record_id", cluster_id="golden_id"), on="record_id")
    # Splink's views pick example rows by rowid: tables, not views of Arrow data.
    for name, frame in (("scored", scored), ("clustered", clustered)):
        connection.register("arrow_frame", frame.to_arrow())
        connection.execute(f"CREATE TABLE {name} AS SELECT * FROM arrow_frame")
        connection.unregister("arrow_frame")
    predict = linker.table_management.register_table_predict(
        api.table_to_splink_dataframe("scored", "scored")
    )
    clustered_table = api.table_to_splink_dataframe("clustered", "clustered")
    out = Dashboards(
        folder / "comparison_viewer.html",
        folder / "cluster_studio.html",
        folder / "match_weights.html",
        scored.height,
        clusters,
    )
    linker.visualisations.comparison_viewer_dashboard(
        predict, str(out.comparison_viewer), overwrite=True, num_example_rows=params.example_rows
    )
    if clusters:
        linker.visualisations.cluster_studio_dashboard(
            predict, clustered_table, str(out.cluster_studio), cluster_ids=clusters, overwrite=True
        )
    else:  # Splink's SQL cannot sample no cluster (an index without a cluster of 2+ records)
        out.cluster_studio.write_text(EMPTY_STUDIO)
    chart = linker.visualisations.match_weights_chart().chart_dict
    out.match_weights.write_text(match_weights_html(chart, "Match weights of the Splink model"))
    logger.info("Dashboards: %d pairs, %d clusters under %s", scored.height, len(clusters), folder)
    return out
