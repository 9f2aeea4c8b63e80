"""Asset checks of the classifier stage; the blocking ones keep a bad model from flowing on."""

# No `from __future__ import annotations`: Dagster reads the config and resource annotations.
from collections.abc import Sequence

import dagster as dg
import polars as pl

from synthmass_assets.classifier.config import ClassifierQualityConfig, MergeConfig
from synthmass_assets.classifier.dataset.hf_dataset import PairDataset, split_leaks
from synthmass_assets.classifier.evaluation import test_f1
from synthmass_assets.classifier.training_assets import DATASET, MERGED
from synthmass_assets.resources.storage import SynthmassStorage
from synthmass_assets.tracks import SYNTHETIC_TRACKS, TRAINING, TrackSpec


def _coverage_check(track: TrackSpec) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey([track.name, "clinical_summaries"]),
        name="summaries_cover_records",
        blocking=True,
        additional_ins={
            "encounter_facilities": dg.AssetIn(
                key=dg.AssetKey([track.name, "encounter_facilities"])
            )
        },
        description="Every facility record with visits has exactly one non-empty summary.",
    )
    def coverage(
        clinical_summaries: pl.DataFrame, encounter_facilities: pl.DataFrame
    ) -> dg.AssetCheckResult:
        expected = encounter_facilities.get_column("record_id").n_unique()
        ids = clinical_summaries.get_column("record_id")
        empty = int((clinical_summaries.get_column("summary").str.len_chars() == 0).sum())
        passed = ids.n_unique() == ids.len() == expected and empty == 0
        return dg.AssetCheckResult(
            passed=passed,
            metadata={"records": expected, "summaries": ids.len(), "empty_summaries": empty},
        )

    return coverage


def _training_checks(track: TrackSpec) -> list[dg.AssetChecksDefinition]:
    @dg.asset_check(
        asset=dg.AssetKey([track.name, DATASET]),
        name="split_by_patient",
        blocking=True,
        description="No patient appears in two splits; validation and test are balanced (50% "
        "± 1%) and train holds at least one negative per positive.",
    )
    def split_by_patient(storage: SynthmassStorage) -> dg.AssetCheckResult:
        data = PairDataset.load(storage.fetch_model(DATASET))
        leaks = split_leaks(data)
        shares = {
            s: round(float(sum(data.pairs[s]["label"]) / max(len(data.pairs[s]), 1)), 4)
            for s in data.pairs
        }
        balanced = all(
            0 < share <= 0.51 if s == "train" else abs(share - 0.5) <= 0.01
            for s, share in shares.items()
        )
        return dg.AssetCheckResult(
            passed=leaks == 0 and balanced,
            metadata={
                "patients_in_two_splits": leaks,
                **{f"{s}_positive_share": v for s, v in shares.items()},
            },
        )

    @dg.asset_check(
        asset=dg.AssetKey([track.name, "classifier_evaluation"]),
        name="test_f1_above_floor",
        blocking=True,
        description="The full model's held-out test F1 reaches the configured floor (0.95).",
    )
    def f1_floor(
        config: ClassifierQualityConfig, classifier_evaluation: pl.DataFrame
    ) -> dg.AssetCheckResult:
        f1 = test_f1(classifier_evaluation)
        return dg.AssetCheckResult(
            passed=bool(f1 >= config.f1_floor),
            metadata={"test_f1": round(f1, 4), "f1_floor": config.f1_floor},
        )

    @dg.asset_check(
        asset=dg.AssetKey([track.name, MERGED]),
        name="merged_metrics_match",
        blocking=True,
        description="Test F1 and accuracy recomputed on the merged weights equal the trained "
        "model's within the configured tolerance (0.005).",
    )
    def merged_match(
        context: dg.AssetCheckExecutionContext, config: MergeConfig
    ) -> dg.AssetCheckResult:
        event = context.instance.get_latest_materialization_event(dg.AssetKey([track.name, MERGED]))
        metadata = (
            event.asset_materialization.metadata if event and event.asset_materialization else {}
        )
        entry = metadata.get("metric_drift")
        drift = float(str(entry.value)) if entry is not None else float("inf")
        return dg.AssetCheckResult(
            passed=drift <= config.tolerance,
            metadata={"metric_drift": drift, "tolerance": config.tolerance},
        )

    return [split_by_patient, f1_floor, merged_match]


def build_classifier_checks(
    tracks: Sequence[TrackSpec] = SYNTHETIC_TRACKS, training: TrackSpec = TRAINING
) -> list[dg.AssetChecksDefinition]:
    """Summary coverage per track; split, F1 floor and merge checks of the training track."""
    return [*(_coverage_check(track) for track in tracks), *_training_checks(training)]
