"""Structural errors in an export name the file, line, resource id and field; nothing is read."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from synthmass_assets.errors import InputDataError
from synthmass_assets.fhir_bulk import ExportSummary, read_exports
from synthmass_assets_tests.fhir_bulk.conftest import folders


def _edit(folder: Path, name: str, change: Callable[[list[dict]], list[str]]) -> None:
    path = folder / name
    resources = [json.loads(line) for line in path.read_text().splitlines()]
    path.write_text("\n".join(change(resources)) + "\n")


def _dump(resources: list[dict]) -> list[str]:
    return [json.dumps(r) for r in resources]


def not_json(folder: Path) -> tuple[str, ...]:
    _edit(folder, "Condition.ndjson", lambda rs: [json.dumps(rs[0]), '{"id": "c-cut", "code": {'])
    return ("Condition.ndjson", "line 2", "'c-cut'", "field (line)", "not JSON")


def wrong_type(folder: Path) -> tuple[str, ...]:
    stray = {"resourceType": "Observation", "id": "o-stray", "status": "final"}
    _edit(folder, "Condition.ndjson", lambda rs: [*_dump(rs), "", json.dumps(stray)])
    return (
        "Condition.ndjson",
        "line 4",
        "Condition 'o-stray'",
        "field resourceType",
        "Observation",
    )


def _set(folder: Path, name: str, index: int, element: str, value: object) -> None:
    """Give the ``index``-th resource of a file another value of one element."""

    def change(resources: list[dict]) -> list[str]:
        resources[index][element] = value
        return _dump(resources)

    _edit(folder, name, change)


def unknown_patient(folder: Path) -> tuple[str, ...]:
    _set(folder, "Condition.ndjson", 1, "subject", {"reference": "Patient/nobody"})
    return (
        "Condition.ndjson",
        "line 2",
        "field subject",
        "Patient/nobody",
        "no Patient in this export",
    )


def unknown_encounter(folder: Path) -> tuple[str, ...]:
    _set(folder, "Observation.ndjson", 0, "encounter", {"reference": "Encounter/E-gone"})
    return ("Observation.ndjson", "line 1", "field encounter", "Encounter/E-gone")


def other_patients_encounter(folder: Path) -> tuple[str, ...]:
    patients = [json.loads(line) for line in (folder / "Patient.ndjson").read_text().splitlines()]
    other = next(p["id"] for p in patients if p["id"] != "R-1")
    # the medication's encounter is R-1's
    _set(folder, "MedicationRequest.ndjson", 0, "subject", {"reference": f"Patient/{other}"})
    return ("MedicationRequest.ndjson", "line 1", "field encounter", "another Patient")


def missing_file(folder: Path) -> tuple[str, ...]:
    (folder / "Procedure.ndjson").unlink()
    return ("manifest.json", "output[", "Procedure.ndjson", "(Procedure) is missing")


def wrong_json_type(folder: Path) -> tuple[str, ...]:
    # a Coding where FHIR has a list of them
    _set(folder, "Condition.ndjson", 0, "code", {"coding": {"code": "44054006"}})
    return ("Condition.ndjson", "line 1", "field code.coding", "should be a list")


def duplicate_patient(folder: Path) -> tuple[str, ...]:
    _edit(folder, "Patient.ndjson", lambda rs: _dump([*rs, rs[0]]))
    return ("Patient.ndjson", "line 3", "Patient 'R-1'", "field id", "used by an earlier")


CASES = [
    not_json, wrong_type, unknown_patient, unknown_encounter, other_patients_encounter,
    missing_file, wrong_json_type, duplicate_patient,
]  # fmt: skip


@pytest.mark.parametrize("break_export", CASES, ids=[case.__name__ for case in CASES])
def test_structural_error_names_its_place(
    inline_exports: ExportSummary, tmp_path: Path, break_export: Callable[[Path], tuple[str, ...]]
) -> None:
    folder = tmp_path / "F01"
    shutil.copytree(folders(inline_exports)[0], folder)
    expected = break_export(folder)
    with pytest.raises(InputDataError) as raised:
        read_exports([folder])
    message = str(raised.value)
    assert str(folder) in message
    for part in expected:
        assert part in message, (part, message)


def test_record_ids_may_not_repeat_across_exports(
    inline_exports: ExportSummary, tmp_path: Path
) -> None:
    source = folders(inline_exports)[0]
    for name in ("F01", "F01-copy"):
        shutil.copytree(source, tmp_path / name)
    with pytest.raises(InputDataError, match="occurs in more than one facility.s input"):
        read_exports([tmp_path / "F01", tmp_path / "F01-copy"])


def test_a_path_that_is_no_export(tmp_path: Path) -> None:
    with pytest.raises(InputDataError, match="no such export"):
        read_exports([tmp_path / "absent"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputDataError, match="no manifest.json"):
        read_exports([tmp_path / "empty"])
