"""Steward assets of a resolved track: Splink's own dashboards and the review queue."""

from pathlib import Path

import dagster as dg
import polars as pl

from synthmass_assets.metadata import frame_metadata
from synthmass_assets.mpi.prediction_assets import published_calibration
from synthmass_assets.resolution.assets import MODEL_FILE, load_model_file
from synthmass_assets.resolution.normalize import matching_features
from synthmass_assets.resolution.sources import rule_scope
from synthmass_assets.resources.storage import SynthmassStorage
from synthmass_assets.steward.clinical_words import clinical_evidence, code_names
from synthmass_assets.steward.config import (
    DashboardConfig,
    ReviewQueueConfig,
    StewardDecisionsConfig,
)
from synthmass_assets.steward.dashboards import write_dashboards
from synthmass_assets.steward.decisions import decision_files, read_decisions
from synthmass_assets.steward.review import all_decisions, queued_pairs, waterfall_terms
from synthmass_assets.steward.review_page import review_html, review_preview

GROUP = "steward"
PAIR_KEY = ["record_id_l", "record_id_r"]


def reports_folder(storage: SynthmassStorage, track: str) -> Path:
    """``$SYNTHMASS_HOME/reports/<track>/``: the HTML pages of a track."""
    return Path(storage.home) / "reports" / track


def _ins(track: str, names: list[str]) -> dict[str, dg.AssetIn]:
    return {name: dg.AssetIn(key=dg.AssetKey([track, name])) for name in names}


def build_steward_assets(track: str, calibration_track: str) -> list[dg.AssetsDefinition]:
    """``<track>/splink_dashboards`` and ``<track>/review_queue``; the fusion calibration of
    ``calibration_track`` (published beside the models) scores the review band."""

    @dg.asset(
        key=dg.AssetKey([track, "splink_dashboards"]),
        ins=_ins(track, ["facility_records", "scored_pairs", "record_links"]),
        deps=[dg.AssetKey([track, "splink_model"])],
        group_name=GROUP,
        kinds={"splink", "html"},
        code_version="1",
    )
    def splink_dashboards(
        config: DashboardConfig,
        storage: SynthmassStorage,
        facility_records: pl.DataFrame,
        scored_pairs: pl.DataFrame,
        record_links: pl.DataFrame,
    ) -> dg.MaterializeResult:
        """Splink's own views of the track as HTML pages under reports/<track>/: the comparison
        viewer (example pairs of each comparison vector, sampled per tier), cluster studio (the
        largest and the least dense golden records) and the model's match weights chart, from
        the stored model and its scores."""
        settings = load_model_file(storage, track, MODEL_FILE)
        out = write_dashboards(
            matching_features(facility_records), scored_pairs, record_links, settings,
            reports_folder(storage, track), config.to_params(),
        )  # fmt: skip
        return dg.MaterializeResult(
            metadata={
                "comparison_viewer": dg.MetadataValue.path(str(out.comparison_viewer)),
                "cluster_studio": dg.MetadataValue.path(str(out.cluster_studio)),
                "match_weights_chart": dg.MetadataValue.path(str(out.match_weights)),
                "comparison_viewer_url": dg.MetadataValue.url(out.comparison_viewer.as_uri()),
                "pairs_shown": out.pairs_shown,
                "clusters_shown": len(out.clusters_shown),
            }
        )

    @dg.asset(
        key=dg.AssetKey([track, "review_queue"]),
        ins=_ins(
            track,
            [
                "facility_records",
                "scored_pairs",
                "sources",
                "pair_predictions",
                "record_links",
                "clinical_summaries",
                "conditions",
                "medications",
            ],
        ),  # fmt: skip
        deps=[dg.AssetKey([track, "resolved_matches"]), dg.AssetKey([track, "splink_model"])],
        group_name=GROUP,
        kinds={"polars", "html"},
        code_version="1",
    )
    def review_queue(
        context: dg.AssetExecutionContext,
        config: ReviewQueueConfig,
        storage: SynthmassStorage,
        facility_records: pl.DataFrame,
        scored_pairs: pl.DataFrame,
        sources: pl.DataFrame,
        pair_predictions: pl.DataFrame,
        record_links: pl.DataFrame,
        clinical_summaries: pl.DataFrame,
        conditions: pl.DataFrame,
        medications: pl.DataFrame,
    ) -> dg.Output[pl.DataFrame]:
        """The steward's worklist: pairs whose fused score (as resolved_matches decides them)
        lies in the review band, ranked by uncertainty × the records a decision moves; each
        with Splink's per-comparison match weights, the clinical evidence in words and the
        fused score. A markdown preview (no demographics) and a self-contained HTML page with
        both records side by side (reports/<track>/review_queue.html)."""
        records = rule_scope(facility_records, sources)
        calibration = published_calibration(storage, calibration_track)
        decisions = all_decisions(
            scored_pairs, records, pair_predictions, calibration, config.fusion
        )
        queue = queued_pairs(decisions, record_links, config.band())
        settings = load_model_file(storage, track, MODEL_FILE)
        terms = waterfall_terms(queue, matching_features(facility_records), settings)
        names = code_names(conditions, medications)
        evidence = clinical_evidence(queue, clinical_summaries, names)
        queue = (
            queue.join(terms, on=PAIR_KEY, how="left")
            .join(evidence, on=PAIR_KEY, how="left")
            .sort("rank")
        )
        page = reports_folder(storage, track) / "review_queue.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(review_html(queue, facility_records, f"Review queue: {track}"))
        context.log.info("Review queue: %d pairs in the band", queue.height)
        return dg.Output(
            queue,
            metadata={
                **frame_metadata(queue.head(0)),
                "dagster/row_count": queue.height,
                "preview": dg.MetadataValue.md(review_preview(queue)),
                "page": dg.MetadataValue.path(str(page)),
                "page_url": dg.MetadataValue.url(page.as_uri()),
                "band": f"{config.low} ≤ fused score ≤ {config.high}",
                "fusion_calibration": "published" if calibration is not None else "none",
            },
        )

    @dg.asset(
        key=dg.AssetKey([track, "steward_decisions"]),
        ins=_ins(track, ["facility_records"]),
        group_name=GROUP,
        kinds={"polars"},
        code_version="1",
    )
    def steward_decisions(
        config: StewardDecisionsConfig,
        storage: SynthmassStorage,
        facility_records: pl.DataFrame,
    ) -> dg.Output[pl.DataFrame]:
        """The steward's manual verdicts (MATCH / NO_MATCH on record pairs, with reviewer and
        time) from the decision files in run config or $SYNTHMASS_HOME/steward/<track>/. They
        are taken all or none: an unknown record id, a missing reviewer or time, or
        contradictory decisions (directly, or a NO_MATCH inside a chain of MATCHes) fail the run
        with the rows to fix and leave the stored decisions as they were."""
        location = Path(config.path) if config.path else decisions_folder(storage, track)
        files = decision_files(location)
        decisions = read_decisions(files, facility_records.get_column("record_id"))
        counts = decisions.group_by("decision").len().sort("decision")
        return dg.Output(
            decisions,
            metadata={
                **frame_metadata(decisions),
                "files": ", ".join(f.name for f in files) or "none",
                "source": str(location),
                **{f"decisions/{d}": n for d, n in counts.iter_rows()},
                "reviewers": decisions.get_column("reviewer").n_unique(),
            },
        )

    return [splink_dashboards, review_queue, steward_decisions]


def decisions_folder(storage: SynthmassStorage, track: str) -> Path:
    """``$SYNTHMASS_HOME/steward/<track>/``: the default place of a track's decision files
    (outside the inbox, whose sensor takes every file there for a batch of records)."""
    return Path(storage.home) / "steward" / track
