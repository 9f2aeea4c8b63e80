"""Reading the real Synthea v3 sample, and refusing corrupted copies of it."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from synthmass_assets.errors import InputDataError
from synthmass_assets.population.ingest import read_synthea_csv
from synthmass_assets.population.schema import POPULATION_TABLES, SYNTHEA_SCHEMAS


@pytest.fixture
def sample_copy(sample: Path, tmp_path: Path) -> Path:
    """Writable copy of the sample's population CSVs (the originals are read-only)."""
    folder = tmp_path / "csv"
    folder.mkdir()
    for table in POPULATION_TABLES:
        shutil.copyfile(sample / f"{table}.csv", folder / f"{table}.csv")
    return folder


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


def _set_cell(folder: Path, table: str, row: int, column: str, value: str) -> None:
    """Overwrite one cell; `row` is the 1-based data row (the sample has no quoted fields)."""
    path = folder / f"{table}.csv"
    lines = _lines(path)
    fields = lines[row].split(",")
    fields[lines[0].split(",").index(column)] = value
    lines[row] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n")


def _cell(folder: Path, table: str, row: int, column: str) -> str:
    lines = _lines(folder / f"{table}.csv")
    return lines[row].split(",")[lines[0].split(",").index(column)]


def _drop_column(folder: Path, table: str, column: str) -> None:
    path = folder / f"{table}.csv"
    lines = _lines(path)
    index = lines[0].split(",").index(column)
    kept = [",".join(f for i, f in enumerate(line.split(",")) if i != index) for line in lines]
    path.write_text("\n".join(kept) + "\n")


def test_real_sample_loads(sample: Path) -> None:
    tables = read_synthea_csv(sample)

    assert list(tables) == list(POPULATION_TABLES)
    for table, frame in tables.items():
        header = _lines(sample / f"{table}.csv")[0].split(",")
        assert frame.columns == header == list(SYNTHEA_SCHEMAS[table]), table
        assert dict(frame.schema) == SYNTHEA_SCHEMAS[table], table
        assert frame.height == len(_lines(sample / f"{table}.csv")) - 1, table

    patients = tables["patients"]
    assert "02155" in patients.get_column("ZIP").to_list()
    assert "08" in tables["immunizations"].get_column("CODE").to_list()
    first = patients.row(0, named=True)
    assert first["BIRTHDATE"] == dt.date(2014, 10, 6)
    assert first["DEATHDATE"] is None
    assert tables["encounters"].get_column("START")[0] == dt.datetime(
        2023, 1, 27, 16, 17, 47, tzinfo=dt.timezone.utc
    )
    # QALY/DALY rows carry no encounter; an empty ENCOUNTER is allowed.
    assert tables["observations"].get_column("ENCOUNTER").null_count() > 0


def _missing_file(folder: Path) -> None:
    (folder / "conditions.csv").unlink()


def _duplicate_id(table: str) -> Callable[[Path], None]:
    def corrupt(folder: Path) -> None:
        _set_cell(folder, table, 5, "Id", _cell(folder, table, 2, "Id"))

    return corrupt


def _set(table: str, row: int, column: str, value: str) -> Callable[[Path], None]:
    return lambda folder: _set_cell(folder, table, row, column, value)


@pytest.mark.parametrize(
    ("corrupt", "expected"),
    [
        pytest.param(_missing_file, ["conditions.csv"], id="missing-file"),
        pytest.param(
            lambda folder: _drop_column(folder, "patients", "BIRTHDATE"),
            ["patients.csv", "BIRTHDATE"],
            id="missing-column",
        ),
        pytest.param(
            _set("conditions", 7, "START", "2023-02-30"),
            ["conditions.csv", "START", "row 7", "'2023-02-30'"],
            id="bad-date",
        ),
        pytest.param(
            _set("encounters", 4, "STOP", "2023-01-27 16:32:47"),
            ["encounters.csv", "STOP", "row 4", "'2023-01-27 16:32:47'"],
            id="bad-timestamp",
        ),
        pytest.param(
            _set("medications", 9, "DISPENSES", "12.5"),
            ["medications.csv", "DISPENSES", "row 9", "'12.5'"],
            id="bad-number",
        ),
        pytest.param(
            _duplicate_id("patients"), ["patients.csv", "Id", "row 5"], id="duplicate-patient"
        ),
        pytest.param(
            _duplicate_id("encounters"),
            ["encounters.csv", "Id", "row 5"],
            id="duplicate-encounter",
        ),
        pytest.param(
            _set("conditions", 3, "PATIENT", "no-such-patient"),
            ["conditions.csv", "PATIENT", "row 3", "'no-such-patient'"],
            id="unknown-patient",
        ),
        pytest.param(
            _set("procedures", 6, "PATIENT", ""),
            ["procedures.csv", "PATIENT", "row 6", "empty value"],
            id="empty-patient",
        ),
        pytest.param(
            _set("observations", 2, "ENCOUNTER", "no-such-encounter"),
            ["observations.csv", "ENCOUNTER", "row 2", "'no-such-encounter'"],
            id="unknown-encounter",
        ),
    ],
)
def test_corrupted_sample_is_refused(
    sample_copy: Path, corrupt: Callable[[Path], None], expected: list[str]
) -> None:
    corrupt(sample_copy)

    with pytest.raises(InputDataError) as caught:
        read_synthea_csv(sample_copy)

    message = str(caught.value)
    for fragment in expected:
        assert fragment in message


def test_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputDataError, match="does not exist"):
        read_synthea_csv(tmp_path / "absent")


def test_uncorrupted_copy_loads(sample_copy: Path) -> None:
    """Guards the cases above: only the corruption, not the copying, makes them fail."""
    frames = read_synthea_csv(sample_copy)

    assert {table: frame.height for table, frame in frames.items()} == {
        table: len(_lines(sample_copy / f"{table}.csv")) - 1 for table in POPULATION_TABLES
    }
