"""``<track>/fhir_export`` materialized with Dagster into a tmp SYNTHMASS_HOME."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import polars as pl

from synthmass_assets.fhir_bulk import read_exports
from synthmass_assets.fhir_bulk.assets import build_fhir_export_asset
from synthmass_assets.fhir_bulk.roundtrip import roundtrip_differences
from synthmass_assets.resources import local_resources
from synthmass_assets_tests.fhir_bulk.conftest import Track

TRACK = "evaluation"


def _upstream(track: Track) -> list[dg.AssetsDefinition]:
    """Stand-ins for the track's population and augmentation assets."""
    frames = {
        "facility_records": track.records,
        "encounter_facilities": track.encounter_facilities,
        "ground_truth": track.ground_truth,
        "lookalike_clinical": track.lookalike_clinical,
        "facilities": track.facilities,
        **{name: track.population[name] for name in track.tables},
    }

    def stand_in(name: str, frame: pl.DataFrame) -> dg.AssetsDefinition:
        @dg.asset(key=dg.AssetKey([TRACK, name]))
        def upstream() -> pl.DataFrame:
            return frame

        return upstream

    return [stand_in(name, frame) for name, frame in frames.items()]


def test_export_asset_writes_every_facility_and_the_truth(
    tiny_track: Track, synthmass_home: Path
) -> None:
    stale = synthmass_home / "exports" / TRACK / "fhir" / "F99"
    stale.mkdir(parents=True)
    result = dg.materialize(
        [*_upstream(tiny_track), build_fhir_export_asset(TRACK)],
        resources=local_resources(synthmass_home),  # the inputs come back through DuckDB
    )
    assert result.success
    exports = synthmass_home / "exports" / TRACK
    facilities = sorted(path.name for path in (exports / "fhir").iterdir())
    assert facilities == sorted(tiny_track.records["facility_id"].unique())  # F99 is gone
    truth = pl.read_csv(exports / "ground_truth.csv")
    assert truth.columns == ["record_id", "patient_id", "facility_id"]
    assert truth.height == tiny_track.ground_truth.height

    [event] = result.asset_materializations_for_node(f"{TRACK}__fhir_export")
    metadata = event.metadata
    per_type = metadata["resources_per_type"].value
    assert isinstance(per_type, dict) and per_type["Patient"] == tiny_track.records.height
    assert metadata["resources"].value == sum(per_type.values())
    assert metadata["files"].value == sum(
        len(json.loads((exports / "fhir" / f / "manifest.json").read_text())["output"])
        for f in facilities
    )
    speed = metadata["resources_per_s"].value
    assert isinstance(speed, int) and speed > 0

    imported = read_exports([exports / "fhir" / f for f in facilities])
    differences = roundtrip_differences(
        tiny_track.records, tiny_track.encounter_facilities, tiny_track.tables, imported
    )
    assert differences == []


def test_export_asset_key_group_and_description() -> None:
    asset = build_fhir_export_asset("training")
    key = dg.AssetKey(["training", "fhir_export"])
    assert asset.key == key
    assert asset.group_names_by_key[key] == "augmentation"
    assert "Bulk Data" in (asset.descriptions_by_key[key] or "")
    assert {k.path[-1] for k in asset.dependency_keys} >= {"facility_records", "lookalike_clinical"}
