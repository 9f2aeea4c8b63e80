"""Retired golden ids and the FHIR Bundle of a living index.

A merge retires golden ids (``redirect`` events): every system that stored a retired id must
find its survivor. The Bundle is the one-shot MPI's (``mpi.fhir.mpi_bundle``: a Patient per
golden record and per source record) plus, per retired id, an inactive Patient whose
``Patient.link`` ``replaced-by`` points to its survivor, which ``replaces`` it in turn.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from synthmass_assets.mpi import fhir


def redirects(events: pl.DataFrame, links: pl.DataFrame) -> pl.DataFrame:
    """``golden_id`` → ``replaced_by``: each retired id and the id that holds its records now.

    A survivor retired by a later merge is followed to its own survivor, so every retired id
    points at a golden id still in use; ids still in ``links`` are not retired.
    """
    moved = (
        events.filter(pl.col("event") == "redirect")
        .sort("at", "batch_id")
        .group_by("golden_id", maintain_order=True)
        .last()
        .select("golden_id", replaced_by="other_golden_id")
    )
    target = dict(moved.iter_rows())
    active = set(links.get_column("golden_id").unique().to_list())
    rows = []
    for old, survivor in target.items():
        if old in active:
            continue
        seen = {old}
        while survivor in target and survivor not in active and survivor not in seen:
            seen.add(survivor)
            survivor = target[survivor]
        rows.append((old, survivor))
    return pl.DataFrame(rows, schema=["golden_id", "replaced_by"], orient="row")


def _link(golden_id: str, kind: str) -> dict[str, Any]:
    return {"other": {"reference": f"urn:uuid:{fhir.resource_id(golden_id)}"}, "type": kind}


def retired_patient(golden_id: str, survivor: str) -> dict[str, Any]:
    """The inactive Patient of a retired golden id, replaced-by its survivor."""
    return {
        "resourceType": "Patient",
        "id": fhir.resource_id(golden_id),
        "active": False,
        "identifier": [{"use": "old", "system": fhir.MPI_SYSTEM, "value": golden_id}],
        "link": [_link(survivor, "replaced-by")],
    }


def living_bundle(
    golden: pl.DataFrame, records: pl.DataFrame, links: pl.DataFrame, retired: pl.DataFrame
) -> dict[str, Any]:
    """``mpi.fhir.mpi_bundle`` of the index's golden records, with the ``retired`` ids
    (``redirects``) as inactive Patients ``replaced-by`` their survivors and each survivor
    linking back with ``replaces``."""
    bundle = fhir.mpi_bundle(golden, records, links.select("record_id", "golden_id"))
    replaces: dict[str, list[str]] = {}
    for old, survivor in retired.iter_rows():
        replaces.setdefault(fhir.resource_id(survivor), []).append(old)
    for entry in bundle["entry"]:
        patient = entry["resource"]
        for old in sorted(replaces.get(patient["id"], [])):
            patient["link"].append(_link(old, "replaces"))
    bundle["entry"] += [
        {"fullUrl": f"urn:uuid:{patient['id']}", "resource": patient}
        for patient in (retired_patient(old, survivor) for old, survivor in retired.iter_rows())
    ]
    return bundle
