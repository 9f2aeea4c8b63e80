"""Pure resolution logic on small inline frames."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl
import pytest

from synthmass_assets.errors import InputDataError
from synthmass_assets.resolution.baselines import blocking_recall
from synthmass_assets.resolution.custom_records import CustomExtract, read_custom_records
from synthmass_assets.resolution.linkage import em_passes_converged
from synthmass_assets.resolution.metrics import cluster_metrics, clusters, pair_metrics, true_pairs
from synthmass_assets.resolution.normalize import canonical_name, matching_features
from synthmass_assets.resolution.tiers import assign_tiers, tier_counts


@pytest.mark.parametrize(
    ("left", "right"), [("will", "william"), ("liz", "elizabeth"), ("peggy", "margaret")]
)
def test_nicknames_share_a_canonical_key(left: str, right: str) -> None:
    assert canonical_name(left) == canonical_name(right)


def test_matching_features_clean_fields() -> None:
    # The column's own lengths decide what is well formed: 60 nine-digit SSNs and 5-digit ZIPs,
    # one 8-digit SSN and one 4-digit ZIP that do not fit.
    n = 60
    records = pl.DataFrame(
        {
            "record_id": [f"r{i}" for i in range(n + 2)],
            "first_name": ["Bill", "William", *["Ann"] * n],
            "ssn": ["999-12-3456", "99912345", *[f"{100000000 + i}" for i in range(n)]],
            "zip": ["02155-1234", "2155", *["01002"] * n],
            "address": ["12 Main Street Apt 5", "12 MAIN ST. #5", *["1 Elm St"] * n],
            "birthdate": [dt.date(1980, 1, 2), None, *[None] * n],
        }
    )
    features = matching_features(records)
    assert features["national_id_clean"].to_list()[:2] == ["999123456", None]
    assert features["postcode_clean"].to_list()[:2] == ["02155", None]
    assert features["address_clean"].to_list()[:2] == ["12 main st", "12 main st"]
    assert features["address_number"].to_list()[:2] == ["12", "12"]
    assert "william" in features["first_name_variants"][0].to_list()
    assert "last_name_nysiis" not in features.columns  # absent fields stay absent


def test_tiers_follow_thresholds() -> None:
    scored = pl.DataFrame({"match_probability": [0.999, 0.99, 0.5, 0.0099]})
    tiered = assign_tiers(scored, 0.99, 0.01)
    assert tiered["tier"].to_list() == ["auto_match", "auto_match", "gray_zone", "auto_reject"]
    assert tier_counts(tiered) == {"auto_match": 2, "gray_zone": 1, "auto_reject": 1}
    with pytest.raises(ValueError, match="must be below"):
        assign_tiers(scored, 0.5, 0.6)


TRUTH = pl.DataFrame(
    {
        "record_id": ["a1", "a2", "a3", "b1", "b2", "c1"],
        "patient_id": ["A", "A", "A", "B", "B", "C"],
    }
)


def test_pair_and_cluster_metrics() -> None:
    truth = true_pairs(TRUTH)
    assert truth.height == 4
    predicted = pl.DataFrame({"record_id_l": ["a2", "a2", "b1"], "record_id_r": ["a1", "a3", "c1"]})
    scores = pair_metrics(predicted, truth)
    assert scores["pair_precision"] == pytest.approx(2 / 3)
    assert scores["pair_recall"] == pytest.approx(2 / 4)
    links = clusters(TRUTH["record_id"], predicted)
    metrics = cluster_metrics(links, TRUTH)
    # A is whole (3 pairs), B is split, C is chained onto b1.
    assert metrics["split_patients"] == 1 and metrics["fragmentation_rate"] == pytest.approx(0.5)
    assert metrics["perfect_resolution_rate"] == pytest.approx(0.5)
    assert metrics["purity"] == pytest.approx(0.5)
    assert metrics["cluster_pair_precision"] == pytest.approx(3 / 4)


def test_blocking_recall_counts_either_order() -> None:
    scored = pl.DataFrame({"record_id_l": ["a2", "b2"], "record_id_r": ["a1", "b1"]})
    recall, found, total = blocking_recall(scored, TRUTH)
    assert (found, total) == (2, 4) and recall == 0.5


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "extract.csv"
    path.write_text(text)
    return path


MAPPING = {
    "MRN": "record_id",
    "GivenName": "first_name",
    "FamilyName": "last_name",
    "DOB": "birthdate",
}


def test_custom_extract_is_mapped(tmp_path: Path) -> None:
    rows = (
        "MRN,GivenName,FamilyName,DOB,Person\n1,Ann,Lee,03/04/1990,p1\n2,Anne,Lee,1990-03-04,p1\n"
    )
    path = _write(tmp_path, rows)
    read = read_custom_records(CustomExtract((str(path),), MAPPING, entity_column="Person"))
    records, truth = read.records, read.truth
    assert records.columns == [
        "record_id", "facility_id", "first_name", "last_name", "birthdate", "birthdate_raw",
        "birthdate_digits",
    ]  # fmt: skip
    assert records["birthdate"].to_list() == [dt.date(1990, 3, 4)] * 2
    assert truth is not None and truth["patient_id"].to_list() == ["p1", "p1"]
    assert read.sources["duplicate_free"].to_list() == [False]


HEADER = "MRN,GivenName,FamilyName,DOB\n"


@pytest.mark.parametrize(
    ("text", "mapping", "message"),
    [
        ("MRN,GivenName,DOB\n1,Ann,1990-01-01\n", MAPPING, "mapped column(s) ['FamilyName']"),
        (
            HEADER + "1,Ann,Lee,1990-01-01\n1,Bo,Li,1990-01-01\n",
            MAPPING,
            "record_id '1' appears more than once",
        ),
        ("MRN\n1\n", {"MRN": "shoe_size"}, "unknown fields ['shoe_size']"),
    ],
)
def test_custom_extract_errors_name_the_problem(
    tmp_path: Path, text: str, mapping: dict[str, str], message: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(InputDataError, match=re.escape(message)):
        read_custom_records(CustomExtract((str(path),), mapping))


def test_em_verdict_ignores_skipped_passes_but_not_capped_ones() -> None:
    ran = {"blocking_rule": "a", "iterations": 9, "max_change": 1e-5, "converged": True}
    capped = {**ran, "iterations": 40, "max_change": 0.01, "converged": False}
    skipped = {**ran, "iterations": 0, "max_change": None, "converged": False, "skipped": "m 0"}
    assert em_passes_converged([ran, skipped])
    assert not em_passes_converged([ran, capped])
    assert not em_passes_converged([skipped])
