"""Hand-made extracts in other countries' formats, resolved end to end with real Splink.

The people and their registration errors are drawn here (a seeded generator of our own, not
the synthetic population): day-first dates with impossible days, a 7-digit national id in half
the rows, 4-digit postcodes, swapped given/family names and initials. One file with duplicate
registrations inside it is deduplicated, and two clean files are linked; precision and recall
are asserted on the known persons.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from synthmass_assets.mpi.clustering import golden_ids, guarded_clusters
from synthmass_assets.mpi.decisions import DecisionRules, decide_pairs
from synthmass_assets.resolution.custom_records import CustomExtract, read_custom_records
from synthmass_assets.resolution.linkage import (
    ClosureParams,
    TrainingParams,
    predict_pairs,
    train_model,
)
from synthmass_assets.resolution.normalize import matching_features
from synthmass_assets.resolution.prior import recalibrated
from synthmass_assets.resolution.sources import rule_scope
from synthmass_assets.resolution.tiers import assign_tiers

GIVEN = (
    "Lukas Anna Jonas Lea Finn Mia Elias Emma Noah Lena Paul Marie Ben Sofia Felix Clara Leon "
    "Ida Emil Hanna"
).split()
FAMILY = (
    "Gruber Huber Bauer Wagner Pichler Steiner Moser Mayer Hofer Leitner Berger Fuchs Eder "
    "Fischer Schmid Wimmer"
).split()
MAPPING = {
    "Nr": "record_id", "Vorname": "first_name", "Familienname": "last_name",
    "Geburt": "birthdate", "SVNR": "national_id", "PLZ": "zip", "Ort": "city",
}  # fmt: skip


def _people(rng: np.random.Generator, n: int) -> pl.DataFrame:
    years = rng.integers(1930, 2020, n)
    return pl.DataFrame(
        {
            "person": [f"P{i}" for i in range(n)],
            "given": rng.choice(GIVEN, n),
            "family": rng.choice(FAMILY, n),
            "day": rng.integers(1, 29, n),
            "month": rng.integers(1, 13, n),
            "year": years,
            "svnr": [f"{v:07d}" for v in rng.integers(1_000_000, 9_999_999, n)],
            "plz": [f"{v:04d}" for v in rng.integers(1000, 9999, n)],
            "ort": rng.choice(["Wien", "Graz", "Linz", "Salzburg", "Innsbruck"], n),
        }
    )


def _registration(rng: np.random.Generator, person: dict, errors: bool) -> dict:
    given, family = person["given"], person["family"]
    day, month, year = person["day"], person["month"], person["year"]
    svnr = person["svnr"] if rng.random() < 0.5 else ""
    if errors:
        kind = rng.integers(0, 4)
        if kind == 0:
            given, family = family, given  # swapped name fields
        elif kind == 1:
            given = given[0] + "."  # initial only
        elif kind == 2:
            day = 31 if month in (2, 4, 6, 9, 11) else day  # an impossible date, or none
            day = 30 if month == 2 else day
        else:
            family = family[:2] + family[3] + family[2] + family[4:]  # transposed letters
    return {
        "Vorname": given, "Familienname": family, "Geburt": f"{day:02d}.{month:02d}.{year}",
        "SVNR": svnr, "PLZ": person["plz"], "Ort": person["ort"], "Person": person["person"],
    }  # fmt: skip


def _write(path: Path, rows: list[dict], prefix: str) -> str:
    frame = pl.DataFrame(rows).with_columns(Nr=pl.format(prefix + "{}", pl.int_range(pl.len())))
    frame.write_csv(path)
    return str(path)


def _resolve(paths: list[str]) -> tuple[float, float]:
    read = read_custom_records(CustomExtract(tuple(paths), MAPPING, entity_column="Person"))
    features = matching_features(read.records)
    params = TrainingParams(min_records_for_em=0)
    workdir = Path(paths[0]).parent
    model = train_model(features, params, workdir)
    pairs = predict_pairs(features, model.settings, workdir, ClosureParams())
    pairs, _ = recalibrated(pairs, model.settings["probability_two_random_records_match"],
                            features.height)  # fmt: skip
    pairs = assign_tiers(pairs, 0.99, 0.01)
    records = rule_scope(read.records, read.sources)
    accepted = decide_pairs(pairs, records, DecisionRules()).filter("accepted")
    accepted = accepted.with_columns(fused_log_odds=pl.col("match_weight"))
    clusters, _ = guarded_clusters(records, accepted, ["facility"], "fused_log_odds")
    links = golden_ids(clusters)
    assert read.truth is not None
    truth = dict(read.truth.select("record_id", "patient_id").iter_rows())
    predicted = {
        pair for _, group in links.group_by("golden_id")
        for pair in itertools.combinations(sorted(group["record_id"]), 2)
    }  # fmt: skip
    actual = {
        pair for _, group in read.truth.group_by("patient_id")
        for pair in itertools.combinations(sorted(group["record_id"]), 2)
    }  # fmt: skip
    assert len(links) == len(truth)  # every record has a golden id
    hits = len(predicted & actual)
    return hits / max(len(predicted), 1), hits / max(len(actual), 1)


@pytest.mark.slow
def test_one_file_with_duplicates_is_deduplicated(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    people = _people(rng, 500).to_dicts()
    rows = [_registration(rng, p, errors=False) for p in people]
    twice = rng.choice(len(people), 120, replace=False)
    rows += [_registration(rng, people[i], errors=True) for i in twice]
    precision, recall = _resolve([_write(tmp_path / "register.csv", rows, "R")])
    assert precision >= 0.9 and recall >= 0.9, (precision, recall)


@pytest.mark.slow
def test_two_clean_files_are_linked(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    people = _people(rng, 500).to_dicts()
    north = [_registration(rng, p, errors=False) for p in people[:400]]
    south = [_registration(rng, p, errors=True) for p in people[200:]]
    paths = [_write(tmp_path / "north.csv", north, "N"), _write(tmp_path / "south.csv", south, "S")]
    precision, recall = _resolve(paths)
    assert precision >= 0.95 and recall >= 0.9, (precision, recall)
