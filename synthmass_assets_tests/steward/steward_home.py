"""A tmp SynthMass home with a tiny evaluation track scored by real Splink, and the steward
assets materialized on it with Dagster."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import polars as pl
from dagster_duckdb_polars import DuckDBPolarsIOManager

from synthmass_assets.resolution.linkage import predict_pairs
from synthmass_assets.resolution.normalize import matching_features
from synthmass_assets.resolution.sources import ALL_SOURCES, declared_sources
from synthmass_assets.resolution.tiers import assign_tiers
from synthmass_assets.resources.storage import SynthmassStorage
from synthmass_assets.steward.assets import build_steward_assets
from synthmass_assets_tests.steward.tiny_index import TinyIndex

D = dt.date
DIABETES, METFORMIN = "44054006", "860975"


def summaries_for(records: pl.DataFrame) -> pl.DataFrame:
    """Every record a diabetic with a yearly check-up (a real history is not needed here)."""
    n = records.height
    return pl.DataFrame(
        {
            "record_id": records["record_id"],
            "diagnoses": [[{"code": DIABETES, "day": D(2015, 1, 1), "ongoing": True}]] * n,
            "treatments": [[{"reason": DIABETES, "drug": METFORMIN, "start": D(2016, 1, 1)}]] * n,
            "condition_codes": [[DIABETES]] * n,
            "wellness_dates": [[D(2020, 3, 1)]] * n,
            "visit_dates": [[D(2020, 3, 1)]] * n,
            "last_visit": [D(2024, 1, 1)] * n,
        }
    )


def steward_run(tiny: TinyIndex, home: Path) -> dict[str, Any]:
    """The evaluation steward assets materialized on ``home``; their metadata by asset name."""
    storage = SynthmassStorage(home=str(home))
    (storage.model_dir("evaluation_splink_model") / "splink_model.json").write_text(
        json.dumps(tiny.settings)
    )
    with tempfile.TemporaryDirectory() as workdir:
        pairs = predict_pairs(matching_features(tiny.records), tiny.settings, Path(workdir))
    tables = {
        "facility_records": tiny.records,
        "scored_pairs": assign_tiers(pairs, 0.99, 0.01),
        "sources": declared_sources(tiny.records, [ALL_SOURCES], "link_and_dedupe"),
        "pair_predictions": pl.DataFrame(
            schema={
                "record_id_l": pl.String,
                "record_id_r": pl.String,
                "probability": pl.Float64,
                "logit": pl.Float64,
            }
        ),  # fmt: skip
        "record_links": tiny.links,
        "clinical_summaries": summaries_for(tiny.records),
        "conditions": pl.DataFrame({"CODE": [DIABETES], "DESCRIPTION": ["Diabetes"]}),
        "medications": pl.DataFrame({"CODE": [METFORMIN], "DESCRIPTION": ["Metformin"]}),
    }
    sources = [dg.SourceAsset(key=dg.AssetKey(["evaluation", name])) for name in tables]
    sources += [
        dg.SourceAsset(key=dg.AssetKey(["evaluation", n]))
        for n in ("splink_model", "resolved_matches")
    ]
    io_manager = DuckDBPolarsIOManager(database=str(storage.database_path))
    with duckdb.connect(str(storage.database_path)) as connection:
        connection.execute("CREATE SCHEMA evaluation")
        for name, frame in tables.items():
            connection.register("frame", frame.to_arrow())
            connection.execute(f"CREATE TABLE evaluation.{name} AS SELECT * FROM frame")
            connection.unregister("frame")
    config = {"ops": {"evaluation__review_queue": {"config": {"low": 0.01, "high": 0.99}}}}
    result = dg.materialize(
        [*build_steward_assets("evaluation", "training"), *sources],
        resources={"storage": storage, "io_manager": io_manager},
        run_config=config,
    )
    assert result.success
    metadata = {
        m.asset_key.path[-1]: m.metadata for m in result.asset_materializations_for_node(
            "evaluation__review_queue"
        ) + result.asset_materializations_for_node("evaluation__splink_dashboards")
    }  # fmt: skip
    return metadata
