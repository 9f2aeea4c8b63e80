"""Retired golden ids follow merges to the id in use, and the live Bundle links them both ways."""

from __future__ import annotations

import datetime as dt

import polars as pl
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.patient import Patient

from synthmass_assets.living.identity import EVENTS_SCHEMA
from synthmass_assets.living.redirects import living_bundle, redirects
from synthmass_assets.mpi.fhir import resource_id
from synthmass_assets.mpi.golden import golden_records

A, B, C = (f"00000000-0000-5000-8000-00000000000{i}" for i in (1, 2, 3))
AT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _redirect(old: str, survivor: str, batch: str, day: int) -> dict:
    return {
        "event": "redirect",
        "golden_id": old,
        "other_golden_id": survivor,
        "record_id": None,
        "batch_id": batch,
        "reason": "replaced-by",
        "at": AT + dt.timedelta(days=day),
    }


def _events(*rows: dict) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=EVENTS_SCHEMA)


def test_a_survivor_merged_later_is_followed_to_the_id_in_use() -> None:
    events = _events(_redirect(C, B, "b1", 1), _redirect(B, A, "b2", 2))
    links = pl.DataFrame({"record_id": ["r1", "r2"], "golden_id": [A, A]})
    assert sorted(redirects(events, links).iter_rows()) == [(B, A), (C, A)]


def test_ids_still_in_use_are_not_retired() -> None:
    links = pl.DataFrame({"record_id": ["r1", "r2"], "golden_id": [A, B]})
    assert redirects(_events(_redirect(B, A, "b1", 1)), links).is_empty()


def test_bundle_has_inactive_replaced_patients_linked_both_ways() -> None:
    records = pl.DataFrame(
        {
            "record_id": ["r1", "r2"],
            "facility_id": ["F01", "F02"],
            "first_name": ["Ann", "Ann"],
            "last_name": ["Lee", "Lee"],
            "birthdate": [dt.date(1980, 1, 2)] * 2,
        }
    )
    links = pl.DataFrame({"record_id": ["r1", "r2"], "golden_id": [A, A]})
    retired = redirects(_events(_redirect(B, A, "b1", 1)), links)
    document = living_bundle(golden_records(records, links), records, links, retired)
    Bundle.model_validate(document)
    patients = {e["resource"]["id"]: e["resource"] for e in document["entry"]}
    for patient in patients.values():
        Patient.model_validate(patient)
    old, survivor = patients[resource_id(B)], patients[resource_id(A)]
    assert old["active"] is False
    assert old["link"] == [{"other": {"reference": f"urn:uuid:{A}"}, "type": "replaced-by"}]
    assert {"other": {"reference": f"urn:uuid:{B}"}, "type": "replaces"} in survivor["link"]
    assert len(patients) == 1 + 2 + 1  # golden, sources, retired
