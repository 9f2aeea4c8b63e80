"""Golden records: field-level conflict resolution and provenance."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from synthmass_assets.mpi.golden import conflict_shares, golden_records, last_seen

SEEN = pl.DataFrame(
    {
        "record_id": ["r1", "r2", "r3"],
        "last_seen": [dt.datetime(2019, 1, 1), dt.datetime(2024, 6, 1), dt.datetime(2021, 3, 1)],
    }
)


def resolve(field: str, values: list[object], extra: dict[str, list[object]] | None = None):
    """The golden value of ``field`` for one cluster of records r1..rn, and its provenance."""
    n = len(values)
    records = pl.DataFrame(
        {
            "record_id": [f"r{i + 1}" for i in range(n)],
            "facility_id": [f"F{i + 1}" for i in range(n)],
            field: values,
            **(extra or {}),
        }
    )
    links = pl.DataFrame({"record_id": records["record_id"], "golden_id": ["g"] * n})
    golden = golden_records(records, links, SEEN)
    provenance = {p["field"]: p for p in golden["provenance"][0]}
    return golden.row(0, named=True)[field], provenance.get(field)


@pytest.mark.parametrize(
    ("field", "values", "extra", "expected"),
    [
        ("last_name", ["Smith", "Smith", "Smyth"], None, "Smith"),  # majority
        ("last_name", [None, None, "Smith"], None, "Smith"),  # missing never wins
        ("first_name", ["Bill", "bill", "William"], None, "Bill"),  # one key, common casing
        # Tie 1–1: the more complete record (r2 has a phone) wins for names.
        ("first_name", ["Ann", "Anne"], {"phone": [None, "555-0100"]}, "Anne"),
        # Tie 1–1–1: the most recently seen record (r2) wins for addresses.
        ("address", ["1 Elm St", "9 Oak Rd", "4 Ash Ln"], None, "9 Oak Rd"),
        # Spellings of one address vote together and show their longest form.
        ("address", ["12 Main St", "12 MAIN STREET", "9 Oak Rd"], None, "12 MAIN STREET"),
        ("ssn", ["123-45-6789", "123456789", "987-65-4321"], None, "123-45-6789"),
        ("birthdate", [dt.date(1980, 1, 2), dt.date(1980, 1, 2), None], None, dt.date(1980, 1, 2)),
        ("gender", [None, None, None], None, None),
    ],
)
def test_field_conflict_resolution(
    field: str, values: list[object], extra: dict[str, list[object]] | None, expected: object
) -> None:
    value, _ = resolve(field, values, extra)
    assert value == expected


def test_address_tie_without_visits_goes_to_the_longer_form() -> None:
    records = pl.DataFrame(
        {"record_id": ["x", "y"], "address": ["5 Oak Rd", "12 Main Street Apt 4"]}
    )
    links = pl.DataFrame({"record_id": ["x", "y"], "golden_id": ["g", "g"]})
    assert golden_records(records, links)["address"][0] == "12 Main Street Apt 4"


def test_provenance_names_the_records_and_facilities_of_the_value() -> None:
    _, provenance = resolve("last_name", ["Smith", "Smyth", "SMITH"])
    assert provenance["record_ids"] == ["r1", "r3"] and provenance["facility_ids"] == ["F1", "F3"]
    assert provenance["votes"] == 2 and provenance["candidates"] == 2


def test_one_golden_record_per_cluster_with_sources() -> None:
    records = pl.DataFrame(
        {
            "record_id": ["a", "b", "c"],
            "facility_id": ["F1", "F2", "F1"],
            "last_name": ["Lee", "Lee", "Kim"],
            "birthdate": [dt.date(1990, 1, 1), None, dt.date(1950, 2, 2)],
        }
    )
    links = pl.DataFrame({"record_id": ["a", "b", "c"], "golden_id": ["g1", "g1", "g2"]})
    golden = golden_records(records, links)
    assert golden["golden_id"].to_list() == ["g1", "g2"]
    assert golden["record_count"].to_list() == [2, 1]
    assert golden["record_ids"].to_list() == [["a", "b"], ["c"]]
    assert golden["facility_ids"].to_list() == [["F1", "F2"], ["F1"]]
    assert golden.schema["birthdate"] == pl.Date
    shares = conflict_shares(golden)
    assert shares.filter(pl.col("field") == "last_name")["share"].item() == 0.0


def test_last_seen_is_the_latest_encounter() -> None:
    visits = pl.DataFrame(
        {
            "record_id": ["a", "a", "b"],
            "encounter_start": [dt.datetime(2020, 1, 1), dt.datetime(2022, 1, 1), None],
        }
    )
    seen = dict(last_seen(visits).iter_rows())
    assert seen == {"a": dt.datetime(2022, 1, 1), "b": None}
