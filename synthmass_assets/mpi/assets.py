"""MPI assets of one track: resolved matches, record links and golden records.

``build_mpi_assets`` also adds the track's ``pair_predictions`` (with a classifier) and its
outputs, ``resolution_metrics`` and ``mpi_fhir`` (``output_assets``).
"""

import math
from dataclasses import asdict
from typing import Any

import dagster as dg
import polars as pl

from synthmass_assets.classifier.serving.contract import ClassifierBinding
from synthmass_assets.errors import SynthmassError
from synthmass_assets.metadata import frame_metadata, markdown_table
from synthmass_assets.mpi import clustering, golden
from synthmass_assets.mpi.calibration import track_fusion
from synthmass_assets.mpi.config import DecisionConfig, FusionConfig, LinkConfig
from synthmass_assets.mpi.decisions import decide_pairs, decision_counts
from synthmass_assets.mpi.output_assets import build_fhir_asset, build_metrics_asset
from synthmass_assets.mpi.prediction_assets import (
    GROUP,
    KINDS,
    build_pair_predictions,
    calibration_folder,
    published_calibration,
)
from synthmass_assets.resolution.sources import rule_scope
from synthmass_assets.resources.privacy import PrivacySettings
from synthmass_assets.resources.storage import SynthmassStorage


def _spec(track: str, name: str, inputs: list[str], description: str) -> dict[str, Any]:
    """Decorator arguments shared by the mpi assets of ``track``."""
    return {
        "key": dg.AssetKey([track, name]),
        "ins": {n: dg.AssetIn(key=dg.AssetKey([track, n])) for n in inputs},
        "group_name": GROUP,
        "kinds": KINDS,
        "code_version": "1",
        "description": description,
    }


def _resolved(
    decisions: pl.DataFrame, records: pl.DataFrame, config: DecisionConfig, **extra: Any
) -> dg.Output[pl.DataFrame]:
    decisions, report = clustering.reject_guard_cuts(
        decisions, records, config.guard_names(), "fused_log_odds"
    )
    accepted = decisions.filter("accepted").drop("accepted")
    counts = markdown_table(decision_counts(decisions), limit=20)
    return dg.Output(
        accepted,
        metadata=frame_metadata(
            accepted, decisions=counts, guard_cut_pairs=report.edges_cut, **extra
        ),
    )


def _splink_matches_asset(track: str) -> dg.AssetsDefinition:
    @dg.asset(
        **_spec(
            track,
            "resolved_matches",
            ["scored_pairs", "facility_records", "sources"],
            "Accepted pairs decided by Splink alone (no classifier): auto-matches (splink_auto) "
            "and gray-zone pairs at or above the configured probability (splink_only); at "
            "sources declared duplicate-free a record keeps its strongest match and two of its "
            "records never match, and pairs the clustering guard cuts are rejected.",
        )
    )
    def splink_matches(
        config: DecisionConfig,
        scored_pairs: pl.DataFrame,
        facility_records: pl.DataFrame,
        sources: pl.DataFrame,
    ) -> dg.Output[pl.DataFrame]:
        records = rule_scope(facility_records, sources)
        decisions = decide_pairs(scored_pairs, records, config.to_rules())
        return _resolved(decisions, records, config, classifier=False)

    return splink_matches


FUSED_DESCRIPTION = (
    "Accepted pairs: classifier-scored pairs whose fused Splink + classifier log-odds reach the "
    "calibrated threshold (classifier), auto-matches without clinical history (splink_auto) and "
    "gray-zone pairs without it decided by Splink (splink_only); at sources declared "
    "duplicate-free a record keeps its strongest match and two of its records never match, and "
    "pairs the clustering guard cuts are rejected. With decision_source, fused_score and both "
    "component scores."
)


def _fused_output(
    context: dg.AssetExecutionContext,
    config: FusionConfig,
    scored_pairs: pl.DataFrame,
    records: pl.DataFrame,
    pair_predictions: pl.DataFrame,
    fusion_calibration: pl.DataFrame,
    **extra: Any,
) -> dg.Output[pl.DataFrame]:
    """Fused decisions with the calibration's parameters and the track's label-free prior."""
    fusion = track_fusion(fusion_calibration, pair_predictions, config.overrides)
    calibrated, estimator, params, prior = (
        fusion.calibrated,
        fusion.estimator,
        fusion.params,
        fusion.prior,
    )
    context.log.info("Scored pairs (%s): %s; fusion %s", estimator, prior, params)
    rules = config.to_rules()
    decisions = decide_pairs(scored_pairs, records, rules, pair_predictions, params, prior)
    return _resolved(
        decisions,
        records,
        config,
        classifier=True,
        scored_pairs_base_rate=round(prior.base_rate, 4),
        scored_pairs_splink_median=round(prior.splink_center, 4),
        base_rate_estimator=estimator,
        fusion=dg.MetadataValue.json(_finite(asdict(params))),
        calibrated_fusion=dg.MetadataValue.json(_finite(asdict(calibrated))),
        **extra,
    )


def _fused_matches_asset(track: str, calibration_track: str) -> dg.AssetsDefinition:
    spec = _spec(
        track,
        "resolved_matches",
        ["scored_pairs", "facility_records", "pair_predictions", "sources"],
        FUSED_DESCRIPTION,
    )
    calibration_key = dg.AssetKey([calibration_track, "fusion_calibration"])
    spec["ins"]["fusion_calibration"] = dg.AssetIn(key=calibration_key)

    @dg.asset(**spec)
    def resolved_matches(
        context: dg.AssetExecutionContext,
        config: FusionConfig,
        scored_pairs: pl.DataFrame,
        facility_records: pl.DataFrame,
        pair_predictions: pl.DataFrame,
        fusion_calibration: pl.DataFrame,
        sources: pl.DataFrame,
    ) -> dg.Output[pl.DataFrame]:
        records = rule_scope(facility_records, sources)
        return _fused_output(
            context, config, scored_pairs, records, pair_predictions, fusion_calibration
        )

    return resolved_matches


def _imported_history_matches_asset(track: str, calibration_track: str) -> dg.AssetsDefinition:
    """resolved_matches of a track whose histories may be absent (custom): fused where the
    classifier scored pairs, with the calibration the training track published; Splink alone
    where it scored none (no imported histories, or no promoted model in this home)."""
    spec = _spec(
        track,
        "resolved_matches",
        ["scored_pairs", "facility_records", "pair_predictions", "clinical_summaries", "sources"],
        FUSED_DESCRIPTION + " Without any classifier-scored pair (flat files carry no history) "
        "every pair is decided by Splink alone.",
    )
    spec["deps"] = [dg.AssetKey([calibration_track, "fusion_calibration"])]

    @dg.asset(**spec)
    def resolved_matches(
        context: dg.AssetExecutionContext,
        config: FusionConfig,
        storage: SynthmassStorage,
        scored_pairs: pl.DataFrame,
        facility_records: pl.DataFrame,
        pair_predictions: pl.DataFrame,
        clinical_summaries: pl.DataFrame,
        sources: pl.DataFrame,
    ) -> dg.Output[pl.DataFrame]:
        records = rule_scope(facility_records, sources)
        with_history = clinical_summaries.join(records, on="record_id", how="semi").height
        extra = {
            "records_with_history": with_history,
            "records_without_history": records.height - with_history,
            "pairs_scored_by_classifier": pair_predictions.height,
        }
        if pair_predictions.is_empty():
            context.log.info("No classifier-scored pair: Splink decides every pair")
            decisions = decide_pairs(scored_pairs, records, config.to_rules())
            return _resolved(decisions, records, config, classifier=False, **extra)
        calibration = published_calibration(storage, calibration_track)
        if calibration is None:
            raise SynthmassError(
                f"{track}/pair_predictions scored {pair_predictions.height} pairs, but no fusion "
                f"calibration of the {calibration_track} track is published in this home "
                f"(models/{calibration_folder(calibration_track)}); materialize "
                f"{calibration_track}/fusion_calibration, or re-materialize it if it predates "
                "this release"
            )
        return _fused_output(
            context, config, scored_pairs, records, pair_predictions, calibration, **extra
        )

    return resolved_matches


def _finite(values: dict[str, float]) -> dict[str, float | None]:
    """JSON-safe parameters: an infinite value (no clip) becomes null."""
    return {k: (v if math.isfinite(v) else None) for k, v in values.items()}


def _links_asset(track: str) -> dg.AssetsDefinition:
    @dg.asset(
        **_spec(
            track,
            "record_links",
            ["facility_records", "resolved_matches", "sources"],
            "record_id → golden_id: connected components of the resolved matches; components that "
            "break a guard (two records of one duplicate-free source, by default) are rebuilt "
            "strongest edge first, so the weakest links are cut.",
        )
    )
    def record_links(
        config: LinkConfig,
        facility_records: pl.DataFrame,
        resolved_matches: pl.DataFrame,
        sources: pl.DataFrame,
    ) -> dg.Output[pl.DataFrame]:
        clusters, report = clustering.guarded_clusters(
            rule_scope(facility_records, sources),
            resolved_matches,
            config.guard_names(),
            "fused_log_odds",
        )
        links = clustering.golden_ids(clusters)
        sizes = links.group_by("golden_id").len().group_by(size="len").len().sort("size")
        return dg.Output(
            links,
            metadata=frame_metadata(
                links,
                golden_ids=report.clusters_after,
                guards=", ".join(config.guard_names()) or "none",
                conflicted_components=report.conflicted_components,
                edges_cut=report.edges_cut,
                clusters_before_guard=report.clusters_before,
                cluster_sizes=markdown_table(sizes.rename({"len": "clusters"}), limit=20),
            ),
        )

    return record_links


def golden_output(
    records: pl.DataFrame, links: pl.DataFrame, seen: pl.DataFrame | None, private: bool
) -> dg.Output[pl.DataFrame]:
    """The golden records of ``links`` with their UI metadata (also the live track's)."""
    frame = golden.golden_records(records, links, seen)
    counts = frame.group_by("record_count").len().sort("record_count")
    shown = frame.drop("provenance").with_columns(
        pl.col("record_ids", "facility_ids").list.join(",")
    )
    metadata = frame_metadata(
        shown,
        private=private,
        source_records=int(frame["record_count"].sum()),
        records_per_golden=markdown_table(counts.rename({"len": "golden"}), limit=10),
        conflicting_field_shares=markdown_table(golden.conflict_shares(frame), limit=20),
    )
    columns = [dg.TableColumn(name, str(dtype)) for name, dtype in frame.schema.items()]
    metadata["dagster/column_schema"] = dg.TableSchema(columns=columns)
    return dg.Output(frame, metadata=metadata)


GOLDEN_DESCRIPTION = (
    "One record per golden id: each field by majority vote of normalised values (ties: most "
    "complete record; for address fields the most recently seen record; then the longer form; "
    "a missing value never beats a present one), with record count, source records and "
    "facilities, and per-field provenance."
)


def _golden_asset(track: str, has_encounters: bool, private: bool) -> dg.AssetsDefinition:
    inputs = ["facility_records", "record_links"]
    if not has_encounters:

        @dg.asset(**_spec(track, "golden_records", inputs, GOLDEN_DESCRIPTION))
        def golden_without_visits(
            privacy: PrivacySettings, facility_records: pl.DataFrame, record_links: pl.DataFrame
        ) -> dg.Output[pl.DataFrame]:
            mask = private and not privacy.show_identifying_values
            return golden_output(facility_records, record_links, None, mask)

        return golden_without_visits

    @dg.asset(
        **_spec(track, "golden_records", [*inputs, "encounter_facilities"], GOLDEN_DESCRIPTION)
    )
    def golden_records(
        privacy: PrivacySettings,
        facility_records: pl.DataFrame,
        record_links: pl.DataFrame,
        encounter_facilities: pl.DataFrame,
    ) -> dg.Output[pl.DataFrame]:
        seen = golden.last_seen(encounter_facilities)
        mask = private and not privacy.show_identifying_values
        return golden_output(facility_records, record_links, seen, mask)

    return golden_records


def build_mpi_assets(
    track: str,
    classifier: ClassifierBinding | None = None,
    calibration_track: str = "training",
    has_ground_truth: bool = True,
    has_encounters: bool = True,
    private: bool = False,
    imported_histories: bool = False,
) -> list[dg.AssetsDefinition]:
    """The mpi assets of one track.

    Args:
        track: Asset key prefix (``evaluation``, ``custom``).
        classifier: The classifier binding. With it: ``pair_predictions`` and fused decisions
            (needs ``[calibration_track, "fusion_calibration"]``, see
            ``build_calibration_assets``); without it gray-zone pairs are decided by Splink.
        calibration_track: Track whose ``fusion_calibration`` the fusion uses.
        has_ground_truth: Add ``resolution_metrics`` (needs ``[track, "ground_truth"]``).
        has_encounters: Break address ties by ``encounter_facilities`` (latest visit).
        private: The track holds users' records: previews show identifying fields as shapes
            unless the privacy resource allows values.
        imported_histories: Histories come with the user's extracts and may be absent: the
            classifier scores what it can (none without a promoted model) and the fusion reads
            the calibration the calibration track published (see ``publish_calibration``).
    """
    assets = []
    if classifier is not None and imported_histories:
        assets += [
            build_pair_predictions(track, classifier, model_optional=True),
            _imported_history_matches_asset(track, calibration_track),
        ]
    elif classifier is not None:
        assets += [
            build_pair_predictions(track, classifier),
            _fused_matches_asset(track, calibration_track),
        ]
    else:
        assets.append(_splink_matches_asset(track))
    assets += [_links_asset(track), _golden_asset(track, has_encounters, private)]
    if has_ground_truth:
        assets.append(build_metrics_asset(track))
    return [*assets, build_fhir_asset(track, private)]
