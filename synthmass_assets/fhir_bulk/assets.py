"""``<track>/fhir_export``: the benchmark as FHIR R4 Bulk Data, one export per facility."""

# No `from __future__ import annotations`: Dagster reads the resource annotation.
import shutil
import time
from pathlib import Path

import dagster as dg
import polars as pl

from synthmass_assets.augmentation.clinical import with_lookalikes
from synthmass_assets.augmentation.coding import facility_tables
from synthmass_assets.fhir_bulk.export import write_bulk_exports, write_ground_truth
from synthmass_assets.population.schema import CLINICAL_TABLES
from synthmass_assets.resources.storage import SynthmassStorage

EXPORTS_FOLDER = "exports"
GROUND_TRUTH_FILE = "ground_truth.csv"


def export_folder(storage: SynthmassStorage, track: str) -> Path:
    """``$SYNTHMASS_HOME/exports/<track>``: ``fhir/<facility_id>/`` and ``ground_truth.csv``."""
    return Path(storage.home) / EXPORTS_FOLDER / track


def build_fhir_export_asset(track: str) -> dg.AssetsDefinition:
    """``[track, "fhir_export"]``, from the track's records, visits, truth and histories."""
    names = (
        "facility_records", "encounter_facilities", "ground_truth", *CLINICAL_TABLES,
        "lookalike_clinical", "facilities",
    )  # fmt: skip
    ins = {name: dg.AssetIn(key=dg.AssetKey([track, name])) for name in names}

    @dg.asset(
        key=dg.AssetKey([track, "fhir_export"]),
        ins=ins,
        group_name="augmentation",
        kinds={"fhir", "polars"},
        code_version="2",
    )
    def fhir_export(
        storage: SynthmassStorage,
        facility_records: pl.DataFrame,
        encounter_facilities: pl.DataFrame,
        ground_truth: pl.DataFrame,
        encounters: pl.DataFrame,
        conditions: pl.DataFrame,
        medications: pl.DataFrame,
        allergies: pl.DataFrame,
        observations: pl.DataFrame,
        procedures: pl.DataFrame,
        immunizations: pl.DataFrame,
        lookalike_clinical: pl.DataFrame,
        facilities: pl.DataFrame,
    ) -> dg.MaterializeResult:
        """Each facility's records and histories (look-alikes included) as its own FHIR R4
        Bulk Data export: exports/<track>/fhir/<facility_id>/ under SYNTHMASS_HOME holds
        manifest.json and one NDJSON file per resource type (Patient with the record id as
        its identifier in the facility's MRN system; Encounter, Condition, MedicationRequest,
        Observation, Procedure, Immunization, AllergyIntolerance). exports/<track>/
        ground_truth.csv (record_id, patient_id, facility_id) lies beside it, so any FHIR tool
        or other matcher can be run and scored on the benchmark. Each facility exports what it
        writes (its coding profile): ICD-10-CM conditions under the ICD-10-CM system,
        text-only conditions and drugs as CodeableConcept.text, local laboratory codes under
        urn:synthmass:facility:<facility_id>:lab."""
        population = {
            "encounters": encounters, "conditions": conditions, "medications": medications,
            "allergies": allergies, "observations": observations, "procedures": procedures,
            "immunizations": immunizations,
        }  # fmt: skip
        tables = facility_tables(
            with_lookalikes(population, lookalike_clinical), encounter_facilities, facilities
        )
        folder = export_folder(storage, track)
        fhir = folder / "fhir"
        shutil.rmtree(fhir, ignore_errors=True)
        started = time.perf_counter()
        summary = write_bulk_exports(facility_records, encounter_facilities, tables, fhir)
        seconds = time.perf_counter() - started
        truth_rows = write_ground_truth(ground_truth, folder / GROUND_TRUTH_FILE)
        total = sum(summary.resources.values())
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(fhir)),
                "ground_truth": dg.MetadataValue.path(str(folder / GROUND_TRUTH_FILE)),
                "facilities": len(summary.manifests),
                "files": summary.files,
                "resources": total,
                "resources_per_type": dg.MetadataValue.json(summary.resources),
                "ground_truth_rows": truth_rows,
                "seconds": round(seconds, 2),
                "resources_per_s": round(total / seconds) if seconds else 0,
            }
        )

    return fhir_export
