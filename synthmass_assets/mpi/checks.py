"""Asset checks of the mpi stage."""

import json

import dagster as dg
import polars as pl
from fhir.resources.R4B.bundle import Bundle

from synthmass_assets.mpi.config import QualityFloorsConfig
from synthmass_assets.mpi.evaluation import SYNTHMASS
from synthmass_assets.mpi.output_assets import FHIR_FILE, fhir_folder
from synthmass_assets.resolution.baselines import BEST
from synthmass_assets.resources.storage import SynthmassStorage


def build_mpi_checks(track: str, has_ground_truth: bool = True) -> list[dg.AssetChecksDefinition]:
    """Integrity checks of links, golden records and the FHIR file; quality floors where
    ground truth exists."""

    def key(name: str) -> dg.AssetKey:
        return dg.AssetKey([track, name])

    records_in = {"facility_records": dg.AssetIn(key=key("facility_records"))}

    @dg.asset_check(
        asset=key("record_links"),
        name="every_record_linked",
        blocking=True,
        additional_ins=records_in,
        description="Every facility record has exactly one golden id.",
    )
    def every_record_linked(
        record_links: pl.DataFrame, facility_records: pl.DataFrame
    ) -> dg.AssetCheckResult:
        linked = record_links.get_column("record_id")
        missing = facility_records.filter(~pl.col("record_id").is_in(linked.implode())).height
        duplicated = linked.len() - linked.n_unique()
        return dg.AssetCheckResult(
            passed=missing == 0 and duplicated == 0,
            metadata={"unlinked_records": missing, "records_linked_twice": duplicated},
        )

    @dg.asset_check(
        asset=key("record_links"),
        name="one_record_per_facility",
        additional_ins=records_in,
        description="No golden record holds two records of one facility (the "
        "facility guard's promise).",
    )
    def one_record_per_facility(
        record_links: pl.DataFrame, facility_records: pl.DataFrame
    ) -> dg.AssetCheckResult:
        if "facility_id" not in facility_records.columns:
            return dg.AssetCheckResult(passed=True, metadata={"facility_known": False})
        joined = record_links.join(facility_records.select("record_id", "facility_id"), "record_id")
        per = joined.drop_nulls("facility_id").group_by("golden_id", "facility_id").len()
        offending = per.filter(pl.col("len") > 1).get_column("golden_id").n_unique()
        return dg.AssetCheckResult(
            passed=offending == 0,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"golden_records_with_facility_duplicates": offending},
        )

    @dg.asset_check(
        asset=key("golden_records"),
        name="one_golden_record_per_cluster",
        additional_ins={"record_links": dg.AssetIn(key=key("record_links"))},
        description="One golden record per golden id; record counts add up to the linked records.",
    )
    def one_per_cluster(
        golden_records: pl.DataFrame, record_links: pl.DataFrame
    ) -> dg.AssetCheckResult:
        clusters = record_links.get_column("golden_id").n_unique()
        records = int(golden_records.get_column("record_count").sum())
        return dg.AssetCheckResult(
            passed=golden_records.height == clusters and records == record_links.height,
            metadata={"golden_records": golden_records.height, "golden_ids": clusters},
        )

    @dg.asset_check(
        asset=key("mpi_fhir"),
        name="valid_fhir_r4",
        description="The Bundle validates as FHIR (fhir.resources, R4B models) "
        "and every Patient link resolves inside it.",
    )
    def valid_fhir(storage: SynthmassStorage) -> dg.AssetCheckResult:
        folder = storage.fetch_model(fhir_folder(track))
        document = json.loads((folder / FHIR_FILE).read_text())
        Bundle.model_validate(document)
        urls = {entry["fullUrl"] for entry in document["entry"]}
        links = [
            link["other"]["reference"]
            for entry in document["entry"]
            for link in entry["resource"].get("link", [])
        ]
        dangling = sum(reference not in urls for reference in links)
        return dg.AssetCheckResult(
            passed=dangling == 0,
            metadata={"patients": len(urls), "links": len(links), "dangling_links": dangling},
        )

    checks = [every_record_linked, one_record_per_facility, one_per_cluster, valid_fhir]
    if has_ground_truth:
        checks += _quality_checks(track)
    return checks


def _quality_checks(track: str) -> list[dg.AssetChecksDefinition]:
    metrics_key = dg.AssetKey([track, "resolution_metrics"])

    @dg.asset_check(
        asset=metrics_key,
        name="quality_floors",
        description="synthmass pair F1 and fragmentation rate within the "
        "configured floors (defaults: F1 ≥ 0.96, fragmentation ≤ 2%).",
    )
    def quality_floors(
        config: QualityFloorsConfig, resolution_metrics: pl.DataFrame
    ) -> dg.AssetCheckResult:
        row = resolution_metrics.filter(pl.col("method") == SYNTHMASS).row(0, named=True)
        return dg.AssetCheckResult(
            passed=row["pair_f1"] >= config.pair_f1_floor
            and row["fragmentation_rate"] <= config.fragmentation_ceiling,
            metadata={
                "pair_f1": row["pair_f1"],
                "pair_f1_floor": config.pair_f1_floor,
                "fragmentation_rate": row["fragmentation_rate"],
                "fragmentation_ceiling": config.fragmentation_ceiling,
            },
        )

    @dg.asset_check(
        asset=metrics_key,
        name="beats_splink_alone",
        description="synthmass pair F1 is at least Splink's at its best "
        "threshold (swept on ground truth).",
    )
    def beats_splink(resolution_metrics: pl.DataFrame) -> dg.AssetCheckResult:
        f1 = dict(resolution_metrics.select("method", "pair_f1").iter_rows())
        return dg.AssetCheckResult(
            passed=f1[SYNTHMASS] >= f1[BEST],
            metadata={"synthmass_pair_f1": f1[SYNTHMASS], "splink_best_pair_f1": f1[BEST]},
        )

    return [quality_floors, beats_splink]
