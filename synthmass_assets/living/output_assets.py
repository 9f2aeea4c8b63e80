"""What a living index produces for people: golden records and the FHIR Bundle, following the
links after every batch (``<track>/golden_records``, ``<track>/mpi_fhir``)."""

import dagster as dg
import duckdb
import polars as pl

from synthmass_assets.living.redirects import living_bundle, redirects
from synthmass_assets.mpi import fhir
from synthmass_assets.mpi.assets import GOLDEN_DESCRIPTION, golden_output
from synthmass_assets.mpi.golden import last_seen
from synthmass_assets.mpi.output_assets import fhir_folder, fhir_path
from synthmass_assets.resources.storage import SynthmassStorage

GROUP = "living"


def _read(storage: SynthmassStorage, sql: str) -> pl.DataFrame:
    with duckdb.connect(str(storage.database_path), read_only=True) as con:
        return con.execute(sql).pl()


def build_live_outputs(source: str, track: str) -> list[dg.AssetsDefinition]:
    """``<track>/golden_records`` and ``<track>/mpi_fhir`` from ``<track>.mpi_links`` and
    ``mpi_events`` over ``source``'s facility records."""
    links_key, events_key = dg.AssetKey([track, "mpi_links"]), dg.AssetKey([track, "mpi_events"])
    records_in = dg.AssetIn(key=dg.AssetKey([source, "facility_records"]))

    @dg.asset(
        key=dg.AssetKey([track, "golden_records"]),
        deps=[links_key],
        ins={
            "facility_records": records_in,
            "encounter_facilities": dg.AssetIn(key=dg.AssetKey([source, "encounter_facilities"])),
        },
        group_name=GROUP,
        kinds={"duckdb", "polars"},
        description=f"{GOLDEN_DESCRIPTION} Of the live index: one per golden id in mpi_links.",
    )
    def golden_records(
        storage: SynthmassStorage,
        facility_records: pl.DataFrame,
        encounter_facilities: pl.DataFrame,
    ) -> dg.Output[pl.DataFrame]:
        links = _read(storage, f"SELECT record_id, golden_id FROM {track}.mpi_links")
        records = facility_records.join(links.select("record_id"), on="record_id", how="semi")
        return golden_output(records, links, last_seen(encounter_facilities), False)

    @dg.asset(
        key=dg.AssetKey([track, "mpi_fhir"]),
        deps=[links_key, events_key],
        ins={
            "golden_records": dg.AssetIn(key=dg.AssetKey([track, "golden_records"])),
            "facility_records": records_in,
        },
        group_name=GROUP,
        kinds={"fhir", "polars"},
    )
    def mpi_fhir(
        storage: SynthmassStorage, golden_records: pl.DataFrame, facility_records: pl.DataFrame
    ) -> dg.MaterializeResult:
        """The live MPI as a FHIR R4 collection Bundle (and Bulk Data Patients) like the
        one-shot mpi_fhir, plus an inactive Patient per golden id a merge retired, linked
        replaced-by its survivor (which replaces it)."""
        links = _read(storage, f"SELECT record_id, golden_id FROM {track}.mpi_links")
        events = _read(storage, f"SELECT * FROM {track}.mpi_events")
        retired = redirects(events, links)
        records = facility_records.join(links.select("record_id"), on="record_id", how="semi")
        bundle = living_bundle(golden_records, records, links, retired)
        path = fhir_path(storage, track)
        size = fhir.write_bundle(bundle, path)
        manifest = fhir.write_bulk_patients(
            bundle, path.parent / "bulk", f"urn:synthmass:{track}/mpi_fhir"
        )
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(path)),
                "bulk_manifest": dg.MetadataValue.path(str(manifest)),
                "published_to": storage.publish_model(fhir_folder(track)),
                "patients": len(bundle["entry"]),
                "golden_patients": golden_records.height,
                "retired_patients": retired.height,
                "megabytes": round(size / 2**20, 2),
            }
        )

    return [golden_records, mpi_fhir]
