"""The live assets materialized with Dagster on a tiny track: a real Splink model trained on it,
batches as dynamic partitions, golden records and the FHIR Bundle following the links."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import dagster as dg
import duckdb
import numpy as np
import polars as pl
from dagster_duckdb_polars import DuckDBPolarsIOManager
from fhir.resources.R4B.bundle import Bundle

from synthmass_assets.classifier.serving.contract import ClassifierBinding
from synthmass_assets.living.assets import build_live_assets
from synthmass_assets.mpi.fusion import FusionParams
from synthmass_assets.mpi.output_assets import fhir_path
from synthmass_assets.resolution.assets import MODEL_FILE, model_folder
from synthmass_assets.resolution.linkage import TrainingParams, train_model
from synthmass_assets.resolution.normalize import matching_features
from synthmass_assets.resolution.sources import ALL_SOURCES, declared_sources
from synthmass_assets.resources.privacy import PrivacySettings
from synthmass_assets.resources.storage import SynthmassStorage

GIVEN = "Anna Ben Clara David Emma Felix Greta Hugo Ida Jonas Karl Lena Mia Noah Olga Paul".split()
FAMILY = "Berger Fischer Gruber Huber Moser Pichler Steiner Wagner Weber Wimmer Bauer".split()


def tiny_people(people: int = 90, seed: int = 3) -> pl.DataFrame:
    """People with one to three registrations at three facilities, some with a typo."""
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(people):
        first, last = GIVEN[p % len(GIVEN)], FAMILY[(p * 7) % len(FAMILY)]
        born = dt.date(1940, 1, 1) + dt.timedelta(days=int(rng.integers(0, 60 * 365)))
        for f in rng.choice(3, size=int(rng.choice([1, 2, 3], p=[0.3, 0.4, 0.3])), replace=False):
            typo = rng.random() < 0.2
            rows.append(
                {
                    "record_id": f"p{p:03d}-f{f}",
                    "patient_id": f"p{p:03d}",
                    "facility_id": f"F0{f + 1}",
                    "first_name": first[:-1] if typo else first,
                    "last_name": last,
                    "birthdate": born,
                    "gender": "F" if p % 2 else "M",
                    "ssn": None if rng.random() < 0.2 else f"{100_000_000 + p * 7919:09d}",
                    "address": f"{p + 1} Main St",
                    "city": "Springfield",
                    "state": "MA",
                    "zip": f"{1000 + p:05d}",
                    "phone": None,
                }
            )
    return pl.DataFrame(rows)


PEOPLE = tiny_people()
RECORDS = PEOPLE.drop("patient_id")


def scorer(pairs: pl.DataFrame, summaries: pl.DataFrame) -> pl.DataFrame:
    """A confident classifier that knows the truth."""
    patient = PEOPLE.select("record_id", "patient_id")
    joined = pairs.join(patient, left_on="record_id_l", right_on="record_id").join(
        patient, left_on="record_id_r", right_on="record_id", suffix="_r"
    )
    logit = pl.when(pl.col("patient_id") == pl.col("patient_id_r")).then(4.0).otherwise(-4.0)
    return joined.select(
        "record_id_l", "record_id_r", logit=logit, probability=1 / (1 + (-logit).exp())
    )


BINDING = ClassifierBinding(
    model_key=("training", "pair_classifier"),
    load_scorer=lambda storage: scorer,
    held_out_records=lambda storage: set(),
)


def upstream() -> list[dg.AssetsDefinition]:
    visits = RECORDS.select(
        "record_id",
        "facility_id",
        encounter_id="record_id",
        encounter_start=pl.datetime(2020, 1, 1, time_zone="UTC")
        + pl.duration(days=pl.int_range(pl.len()).shuffle(seed=1)),
        visit_order=pl.lit(1, pl.Int64),
    )
    calibration = pl.DataFrame([{**vars(FusionParams()), "base_rate_estimator": "em"}])
    frames = {
        ("evaluation", "facility_records"): RECORDS,
        ("evaluation", "encounter_facilities"): visits,
        ("evaluation", "sources"): declared_sources(RECORDS, [ALL_SOURCES], "link_and_dedupe"),
        ("evaluation", "clinical_summaries"): RECORDS.select("record_id"),
        ("training", "fusion_calibration"): calibration,
    }

    def stub(key: tuple[str, str], frame: pl.DataFrame) -> dg.AssetsDefinition:
        @dg.asset(key=list(key))
        def table() -> pl.DataFrame:
            return frame

        return table

    @dg.asset(key=["evaluation", "splink_model"])
    def splink_model(storage: SynthmassStorage) -> None:
        """A real Splink model trained on the tiny track."""
        folder = model_folder(storage, "evaluation")
        folder.mkdir(parents=True, exist_ok=True)
        model = train_model(
            matching_features(RECORDS), TrainingParams(min_records_for_em=0), folder
        )
        (folder / MODEL_FILE).write_text(json.dumps(model.settings))

    return [*(stub(k, f) for k, f in frames.items()), splink_model]


def test_live_batches_materialize_with_stable_links(synthmass_home: Path) -> None:
    storage = SynthmassStorage(home=str(synthmass_home))
    synthmass_home.mkdir(parents=True, exist_ok=True)
    resources = {
        "io_manager": DuckDBPolarsIOManager(database=str(storage.database_path)),
        "storage": storage,
        "privacy": PrivacySettings(),
    }
    assets = [*upstream(), *build_live_assets(BINDING, "evaluation", "training")]
    instance = dg.DagsterInstance.ephemeral()

    def run(keys: list[str], **kw: object) -> dg.ExecuteInProcessResult:
        selection = dg.AssetSelection.assets(*[dg.AssetKey(k.split("/")) for k in keys])
        result = dg.materialize(
            assets, selection=selection, resources=resources, instance=instance, **kw
        )  # type: ignore[arg-type]
        assert result.success
        return result

    run(
        [
            k
            for k in (
                "evaluation/facility_records",
                "evaluation/encounter_facilities",
                "evaluation/sources",
                "evaluation/clinical_summaries",
                "training/fusion_calibration",
                "evaluation/splink_model",
            )
        ]
    )
    config = {"ops": {"live__replay_batches": {"config": {"initial_share": 0.5, "batches": 2}}}}
    run(["live/replay_batches"], run_config=config)
    batches = sorted(instance.get_dynamic_partitions("live_batches"))
    assert batches == ["batch_00", "batch_01", "batch_02"]
    reports = []
    for batch in batches:
        result = run(["live/mpi_links", "live/mpi_events"], partition_key=batch)
        materialized = result.asset_materializations_for_node("live_batch")
        reports.append(
            {
                k: v.value
                for k, v in materialized[0].metadata.items()
                if k in ("records_in", "created", "linked", "merged", "split")
            }
        )
    with duckdb.connect(str(storage.database_path), read_only=True) as con:
        links = con.execute("SELECT * FROM live.mpi_links").pl()
        events = con.execute("SELECT count(*) FROM live.mpi_events").fetchone()
    assert links["record_id"].sort().to_list() == RECORDS["record_id"].sort().to_list()
    assert sum(r["records_in"] for r in reports) == RECORDS.height
    assert reports[0]["created"] > 0 and reports[1]["linked"] > 0
    # Re-running the last batch changes nothing.
    run(["live/mpi_links", "live/mpi_events"], partition_key=batches[-1])
    with duckdb.connect(str(storage.database_path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM live.mpi_events").fetchone() == events
        assert (
            con.execute("SELECT * FROM live.mpi_links")
            .pl()
            .sort("record_id")
            .equals(links.sort("record_id"))
        )
    # Most true pairs share a golden id.
    truth = PEOPLE.select("record_id", "patient_id").join(links, on="record_id")
    pairs = truth.join(truth, on="patient_id", suffix="_r").filter(
        pl.col("record_id") < pl.col("record_id_r")
    )
    assert (pairs["golden_id"] == pairs["golden_id_r"]).mean() > 0.8
    result = run(["live/golden_records", "live/mpi_fhir"])
    golden = result.output_for_node("live__golden_records")
    assert golden.height == links["golden_id"].n_unique()
    Bundle.model_validate(json.loads(fhir_path(storage, "live").read_text()))
