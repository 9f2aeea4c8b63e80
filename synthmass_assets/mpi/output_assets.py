"""What the MPI of one track produces for people: the metrics table and the FHIR Bundle."""

from pathlib import Path

import dagster as dg
import polars as pl

from synthmass_assets.metadata import frame_metadata, markdown_table
from synthmass_assets.mpi import fhir
from synthmass_assets.mpi.evaluation import HEADLINE, SYNTHMASS, metrics_table, precision_by_source
from synthmass_assets.mpi.pictures import threshold_curves
from synthmass_assets.mpi.prediction_assets import GROUP, KINDS
from synthmass_assets.plots import figure_markdown
from synthmass_assets.resources.privacy import PrivacySettings
from synthmass_assets.resources.storage import SynthmassStorage

FHIR_FILE = "mpi_bundle.json"


def fhir_folder(track: str) -> str:
    """Storage folder of the track's Bundle (``models/<track>_mpi_fhir``: published to the
    object store on Kubernetes like model files, so later steps and users can fetch it)."""
    return f"{track}_mpi_fhir"


def fhir_path(storage: SynthmassStorage, track: str) -> Path:
    """Local path of the track's Bundle under ``SYNTHMASS_HOME``."""
    return storage.model_dir(fhir_folder(track)) / FHIR_FILE


def build_metrics_asset(track: str) -> dg.AssetsDefinition:
    """``[track, "resolution_metrics"]`` (needs the track's ground truth)."""
    names = ("scored_pairs", "resolved_matches", "record_links", "ground_truth")

    @dg.asset(
        key=dg.AssetKey([track, "resolution_metrics"]),
        ins={n: dg.AssetIn(key=dg.AssetKey([track, n])) for n in names},
        group_name=GROUP,
        kinds=KINDS,
        code_version="1",
    )
    def resolution_metrics(
        scored_pairs: pl.DataFrame,
        resolved_matches: pl.DataFrame,
        record_links: pl.DataFrame,
        ground_truth: pl.DataFrame,
    ) -> dg.Output[pl.DataFrame]:
        """One row per method with every metric of DESIGN.md: splink_at_0.99 and
        splink_best_threshold (Splink alone) beside synthmass (the resolved matches and the
        guarded golden-record clusters)."""
        table = metrics_table(scored_pairs, resolved_matches, record_links, ground_truth, None)
        ours = table.filter(pl.col("method") == SYNTHMASS).row(0, named=True)
        by_source = precision_by_source(resolved_matches, ground_truth)
        return dg.Output(
            table,
            metadata={
                **frame_metadata(table),
                "comparison": markdown_table(table.with_columns(pl.col(pl.Float64).round(4))),
                "precision_by_decision_source": markdown_table(by_source, limit=10),
                "threshold_curves": figure_markdown(
                    threshold_curves(scored_pairs, resolved_matches, ground_truth),
                    alt="Precision, recall and F1 against threshold, Splink alone and fused",
                ),
                **{f"{SYNTHMASS}/{name}": float(ours[name]) for name in HEADLINE},
            },
        )

    return resolution_metrics


def build_fhir_asset(track: str, private: bool = False) -> dg.AssetsDefinition:
    """``[track, "mpi_fhir"]``: the Bundle file (not a table); on a ``private`` track (users'
    records) its metadata shows no example Patient unless the privacy resource allows."""
    names = ("golden_records", "record_links", "facility_records")

    @dg.asset(
        key=dg.AssetKey([track, "mpi_fhir"]),
        ins={n: dg.AssetIn(key=dg.AssetKey([track, n])) for n in names},
        group_name=GROUP,
        kinds={"fhir", "polars"},
        code_version="1",
    )
    def mpi_fhir(
        storage: SynthmassStorage,
        privacy: PrivacySettings,
        golden_records: pl.DataFrame,
        record_links: pl.DataFrame,
        facility_records: pl.DataFrame,
    ) -> dg.MaterializeResult:
        """The MPI as a FHIR R4 collection Bundle (JSON file under SYNTHMASS_HOME/models/): a
        Patient per golden record (identifiers per facility, link seealso → its sources) and per
        source record (link replaced-by → its golden Patient); the same Patients as a Bulk Data
        export beside it (bulk/Patient.ndjson + manifest.json)."""
        bundle = fhir.mpi_bundle(golden_records, facility_records, record_links)
        path = fhir_path(storage, track)
        size = fhir.write_bundle(bundle, path)
        manifest = fhir.write_bulk_patients(
            bundle, path.parent / "bulk", f"urn:synthmass:{track}/mpi_fhir"
        )
        location = storage.publish_model(fhir_folder(track))
        first = bundle["entry"][:1]
        shown = first and not (private and not privacy.show_identifying_values)
        example = {"example_patient": dg.MetadataValue.json(first[0]["resource"])} if shown else {}
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(path)),
                "bulk_manifest": dg.MetadataValue.path(str(manifest)),
                "published_to": location,
                "patients": len(bundle["entry"]),
                "golden_patients": golden_records.height,
                "source_patients": record_links.height,
                "megabytes": round(size / 2**20, 2),
                **example,
            }
        )

    return mpi_fhir
