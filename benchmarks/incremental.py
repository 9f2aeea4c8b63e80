"""Living MPI benchmark: the evaluation track replayed as batches vs its one-shot result, or one
batch timed against a large index. Prints one JSON object on its last stdout line.

    python benchmarks/incremental.py --home DIR
        One-shot evaluation resolution and the live replay, both materialized in-process through
        the code location's assets in SYNTHMASS_HOME=DIR: incremental pair_f1 / fragmentation
        (from live.mpi_links), one_shot_* (evaluation.record_links), stable_id_share, the
        seconds of every batch, and whether re-running the last batch changed anything.

    python benchmarks/incremental.py --index-records 1000000 --batch-records 1000
        Builds a synthetic index of N records (people with one to three registrations, a model
        trained on a sample), then times one batch of M records end to end through the engine
        (read the index, Splink, decisions, clustering, ids, save): batch_seconds,
        records_per_s, peak_rss_mb.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import dagster as dg
import duckdb
import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

EVALUATION_OUTPUTS = ["evaluation/record_links", "evaluation/resolution_metrics"]


def _materialize(defs: dg.Definitions, keys: list[str], instance: dg.DagsterInstance, **kw):  # type: ignore[no-untyped-def]
    assets = list(defs.assets or [])
    selection = dg.AssetSelection.assets(*[dg.AssetKey(k.split("/")) for k in keys])
    if kw.pop("upstream", False):
        selection = selection.upstream()
    result = dg.materialize(
        assets, selection=selection, resources=defs.resources, instance=instance, **kw
    )
    if not result.success:
        raise SystemExit(f"materialization of {keys} failed")


def _metrics(links: pl.DataFrame, truth: pl.DataFrame) -> dict[str, float]:
    from synthmass_assets.resolution.metrics import cluster_metrics

    return cluster_metrics(links.select("record_id", cluster="golden_id"), truth)


def _stable_share(
    snapshots: dict[str, pl.DataFrame], batches: pl.DataFrame, truth: pl.DataFrame
) -> float:
    """Golden ids kept to the end, over records whose true patient gained no record later."""
    order = {b: i for i, b in enumerate(sorted(snapshots))}
    final = snapshots[max(snapshots)].select("record_id", final="golden_id")
    frame = batches.join(truth.select("record_id", "patient_id"), on="record_id").with_columns(
        number=pl.col("batch_id").replace_strict(order, return_dtype=pl.Int64)
    )
    last = frame.group_by("patient_id").agg(last=pl.max("number"))
    settled = frame.join(last, on="patient_id").filter(pl.col("number") == pl.col("last"))
    at_arrival = pl.concat(
        [
            snapshots[b]
            .select("record_id", arrival="golden_id")
            .join(settled.filter(pl.col("batch_id") == b).select("record_id"), on="record_id")
            for b in snapshots
        ]
    )
    kept = at_arrival.join(final, on="record_id")
    return float((kept["arrival"] == kept["final"]).mean() or 0.0)


def replay(home: Path, reuse_one_shot: bool = False) -> dict[str, object]:
    os.environ["SYNTHMASS_HOME"] = str(home)
    os.environ.setdefault("DAGSTER_HOME", str(home / "dagster"))
    Path(os.environ["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
    from synthmass_assets.definitions import build_definitions, deployment_settings
    from synthmass_assets.living.definitions import build_living_definitions

    one_shot_defs = build_definitions(deployment_settings())
    defs = build_living_definitions(deployment_settings())
    instance = dg.DagsterInstance.get()
    started = time.perf_counter()
    if not reuse_one_shot:
        _materialize(one_shot_defs, EVALUATION_OUTPUTS, instance, upstream=True)
    one_shot_seconds = time.perf_counter() - started
    _materialize(defs, ["live/replay_batches"], instance)
    database = home / "synthmass.duckdb"

    def read(sql: str) -> pl.DataFrame:
        with duckdb.connect(str(database), read_only=True) as con:
            return con.execute(sql).pl()

    read_links = "SELECT record_id, golden_id FROM live.mpi_links"
    batches = read("SELECT record_id, batch_id FROM live.replay_batches")
    seconds, snapshots = {}, {}
    for batch in sorted(batches["batch_id"].unique().to_list()):
        started = time.perf_counter()
        _materialize(defs, ["live/mpi_links", "live/mpi_events"], instance, partition_key=batch)
        seconds[batch] = round(time.perf_counter() - started, 2)
        snapshots[batch] = read(read_links)
    events_before = read("SELECT count(*) AS n FROM live.mpi_events")["n"][0]
    last = max(snapshots)
    _materialize(defs, ["live/mpi_links", "live/mpi_events"], instance, partition_key=last)
    rerun_changed = bool(
        read("SELECT count(*) AS n FROM live.mpi_events")["n"][0] != events_before
        or not read(read_links).sort("record_id").equals(snapshots[last].sort("record_id"))
    )
    truth = read("SELECT record_id, patient_id FROM evaluation.ground_truth")
    incremental = _metrics(snapshots[last], truth)
    one_shot = _metrics(read("SELECT record_id, golden_id FROM evaluation.record_links"), truth)
    events = read("SELECT batch_id, event, count(*) AS n FROM live.mpi_events GROUP BY ALL")
    return {
        "pair_f1": round(incremental["cluster_pair_f1"], 4),
        "fragmentation_rate": round(incremental["fragmentation_rate"], 4),
        "one_shot_pair_f1": round(one_shot["cluster_pair_f1"], 4),
        "one_shot_fragmentation_rate": round(one_shot["fragmentation_rate"], 4),
        "stable_id_share": round(_stable_share(snapshots, batches, truth), 4),
        "batch_seconds": seconds,
        "one_shot_seconds": round(one_shot_seconds, 1),
        "rerun_last_batch_changed": rerun_changed,
        "events": {f"{b}/{e}": int(n) for b, e, n in events.sort("batch_id", "event").iter_rows()},
    }


def synthetic_records(people: int, seed: int = 7) -> pl.DataFrame:
    """People with one to three registrations at five facilities, names from the population's
    reference data, each registration with a few typos and missing fields."""
    from synthmass_assets.population.reference_data import first_names_by_decade, surnames

    rng = np.random.default_rng(seed)
    firsts = np.concatenate([w.names for w in first_names_by_decade().values()])
    lasts = surnames().names
    copies = rng.choice([1, 2, 3], size=people, p=[0.5, 0.35, 0.15])
    person = np.repeat(np.arange(people), copies)
    n = len(person)
    birth = np.datetime64("1930-01-01") + rng.integers(0, 90 * 365, people).astype("timedelta64[D]")
    base = pl.DataFrame(
        {
            "person": np.arange(people),
            "first_name": rng.choice(firsts, people),
            "last_name": rng.choice(lasts, people),
            "birthdate": birth,
            "ssn": [f"{v:09d}" for v in rng.integers(1e8, 1e9, people)],
            "zip": [f"{v:05d}" for v in rng.integers(1000, 99999, people)],
            "phone": [f"{v:010d}" for v in rng.integers(2e9, 9e9, people)],
            "address": [
                f"{a} Main St {s}"
                for a, s in zip(
                    rng.integers(1, 999, people), rng.integers(1, 3000, people), strict=True
                )
            ],
            "gender": rng.choice(["M", "F"], people),
        }
    )
    records = pl.DataFrame({"person": person}).join(
        base, on="person", how="left", maintain_order="left"
    )
    typo = rng.random(n) < 0.2
    missing = rng.random(n) < 0.1
    return records.with_columns(
        record_id=pl.Series([f"R{i:08d}" for i in range(n)]),
        facility_id=pl.Series(rng.choice(["F01", "F02", "F03", "F04", "F05"], n)),
        first_name=pl.when(pl.Series(typo))
        .then(pl.col("first_name").str.slice(0, 1) + pl.col("first_name").str.slice(2))
        .otherwise("first_name"),
        ssn=pl.when(pl.Series(missing)).then(None).otherwise("ssn"),
        middle_name=pl.lit(None, pl.String),
        maiden_name=pl.lit(None, pl.String),
        suffix=pl.lit(None, pl.String),
        city=pl.lit("Springfield"),
        state=pl.lit("MA"),
    ).sample(fraction=1.0, shuffle=True, seed=seed)


def timing(index_records: int, batch_records: int, model: Path) -> dict[str, object]:
    from synthmass_assets.living.engine import MatchSettings, process_batch
    from synthmass_assets.living.identity import new_golden_id
    from synthmass_assets.living.store import IndexStore
    from synthmass_assets.mpi.decisions import DecisionRules
    from synthmass_assets.resolution.blocking import choose_rules
    from synthmass_assets.resolution.comparisons import blocking_rule, model_spec
    from synthmass_assets.resolution.linkage import populated_columns
    from synthmass_assets.resolution.normalize import matching_features

    records = synthetic_records(int((index_records + batch_records) / 1.65) + 1)
    index, batch = records.head(index_records), records.slice(index_records, batch_records)
    work = Path(tempfile.mkdtemp(prefix="incremental_"))
    sample = matching_features(index.head(20_000).drop("person"))
    settings = json.loads(model.read_text())
    # Prediction rules re-chosen for the index's size: per-record comparisons grow with it, so
    # the sample's budget shrinks by sample / index (what splink_model would pick on the index).
    scale = sample.height / max(index_records, 1)
    candidates = model_spec(populated_columns(sample)).prediction_rules
    rules = choose_rules(sample, candidates, 120 * scale, 20e6 * scale)
    settings["blocking_rules_to_generate_predictions"] = [
        blocking_rule(r.columns).get_blocking_rule("duckdb").as_dict() for r in rules
    ]
    features = matching_features(index.drop("person"))
    golden = index.group_by("person").agg(anchor=pl.col("record_id").min())
    golden = golden.with_columns(
        golden_id=pl.col("anchor").map_elements(
            lambda a: new_golden_id("seed", a), return_dtype=pl.String
        )
    )
    members = index.select("record_id", "person").join(golden, on="person")
    at = pl.lit(None, pl.Datetime("us", "UTC"))
    links = members.select(
        "record_id",
        "golden_id",
        link_state=pl.lit("MATCH"),
        link_source=pl.lit("AUTO"),
        batch_id=pl.lit("seed"),
        score=pl.lit(0.99),
    )
    events = golden.select(
        event=pl.lit("create"),
        golden_id="golden_id",
        other_golden_id=pl.lit(None, pl.String),
        record_id="anchor",
        batch_id=pl.lit("seed"),
        reason=pl.lit("seed"),
        at=at,
    )
    pairs = (
        members.join(members, on="person")
        .filter(pl.col("record_id") < pl.col("record_id_right"))
        .select(
            record_id_l="record_id",
            record_id_r="record_id_right",
            match_weight=pl.lit(20.0),
            probability=pl.lit(None, pl.Float64),
            logit=pl.lit(None, pl.Float64),
            fused_score=pl.lit(1.0),
            fused_log_odds=pl.lit(20.0 * np.log(2)),
            accepted=pl.lit(True),
            decision_source=pl.lit("splink_auto"),
        )
    )
    con = duckdb.connect(str(work / "synthmass.duckdb"))
    store = IndexStore(con, "bench")
    store.ensure()
    store.save(
        links,
        events,
        pairs,
        features,
        (settings["probability_two_random_records_match"], index_records),
    )
    del features, pairs, links, events
    match = MatchSettings(splink=settings, rules=DecisionRules())
    started = time.perf_counter()
    report = process_batch(store, batch.drop("person"), "timed", match, work)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "index_records": index_records,
        "batch_records": batch_records,
        "batch_seconds": round(seconds, 2),
        "records_per_s": round(batch_records / seconds, 1),
        "peak_rss_mb": round(peak, 1),
        "steps": report.seconds,
        "pairs_scored": report.pairs_scored,
        "created": report.created,
        "linked": report.linked,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="SYNTHMASS_HOME of the replay")
    parser.add_argument(
        "--reuse-one-shot", action="store_true", help="keep the home's evaluation results"
    )
    parser.add_argument("--index-records", type=int)
    parser.add_argument("--batch-records", type=int)
    home = Path(os.environ.get("SYNTHMASS_HOME", ".synthmass"))
    parser.add_argument(
        "--model",
        type=Path,
        default=home / "models" / "evaluation_splink_model" / "splink_model.json",
        help="stored Splink model the timed batch is scored with (default: the evaluation "
        "track's in SYNTHMASS_HOME)",
    )
    args = parser.parse_args()
    if args.index_records:
        result = timing(args.index_records, args.batch_records or 1000, args.model)
    else:
        home = args.home or Path(tempfile.mkdtemp(prefix="incremental_home_"))
        result = replay(home.resolve(), args.reuse_one_shot)
    print(json.dumps(result))  # noqa: T201


if __name__ == "__main__":
    main()
