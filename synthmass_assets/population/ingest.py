"""Read real Java Synthea v3 CSV output into polars frames, validating it strictly.

Every column is read as a string first so that codes keep their leading zeros (ZIP ``02155``,
CVX ``08``), then parsed to the types of `SYNTHEA_SCHEMAS`. All checks run before anything is
returned, and every failure names the file, the column, the data row (CSV line number minus 1)
and the offending value, so the user can fix the file and rerun.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import NoReturn

import polars as pl

from synthmass_assets.errors import InputDataError
from synthmass_assets.population.schema import (
    CLINICAL_TABLES,
    POPULATION_TABLES,
    SYNTHEA_SCHEMAS,
    TIMESTAMP,
    conform,
)

logger = logging.getLogger(__name__)

ROW = "__row__"
DATE_FORMAT = "%Y-%m-%d"
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
TIMESTAMP_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"
UNIQUE_ID_TABLES: tuple[str, ...] = ("patients", "encounters")
FIX_ROW = "Fix or remove the row and rerun."


def read_synthea_csv(folder: Path) -> dict[str, pl.DataFrame]:
    """Read and validate the population tables of a Synthea v3 CSV export.

    Other CSV files in the folder (careplans, payers, ...) are ignored, and columns that are
    not part of `SYNTHEA_SCHEMAS` are dropped. Nothing is returned unless every table passes.

    Args:
        folder: Directory holding Synthea's ``csv`` output (``patients.csv``, ...).

    Returns:
        One frame per table of `POPULATION_TABLES`, with exactly the columns, column order and
        dtypes of `SYNTHEA_SCHEMAS`; empty fields are null.

    Raises:
        InputDataError: The folder, a file, a column or a value cannot be used as given.
    """
    paths = _required_paths(Path(folder))
    raw = {table: _read_strings(path) for table, path in paths.items()}
    for table, frame in raw.items():
        _check_columns(paths[table], frame, table)
    parsed = {table: _parse(paths[table], frame, table) for table, frame in raw.items()}
    for table in UNIQUE_ID_TABLES:
        _check_unique_ids(paths[table], parsed[table])
    _check_references(paths, parsed)
    tables = {table: conform(table, frame) for table, frame in parsed.items()}
    logger.info(
        "Read Synthea CSV from %s: %s",
        folder,
        ", ".join(f"{table}={frame.height}" for table, frame in tables.items()),
    )
    return tables


def _required_paths(folder: Path) -> dict[str, Path]:
    if not folder.is_dir():
        raise InputDataError(
            f"Synthea CSV folder {folder} does not exist or is not a directory. "
            "Point it at the 'csv' folder of a Synthea export and rerun."
        )
    paths = {table: folder / f"{table}.csv" for table in POPULATION_TABLES}
    missing = [path.name for path in paths.values() if not path.is_file()]
    if missing:
        raise InputDataError(
            f"Synthea CSV folder {folder} lacks {', '.join(missing)}. Required files: "
            f"{', '.join(path.name for path in paths.values())}. "
            "Export them with Synthea's CSV exporter and rerun."
        )
    return paths


def _read_strings(path: Path) -> pl.DataFrame:
    try:
        frame = pl.read_csv(path, infer_schema=False)
    except (pl.exceptions.PolarsError, OSError) as error:
        raise InputDataError(
            f"{path} cannot be read as CSV ({error}). Repair or re-export the file and rerun."
        ) from error
    blank_as_null = [
        pl.when(pl.col(name) != "").then(pl.col(name)).alias(name) for name in frame.columns
    ]
    return frame.with_columns(blank_as_null).with_row_index(ROW, offset=1)


def _check_columns(path: Path, frame: pl.DataFrame, table: str) -> None:
    missing = [name for name in SYNTHEA_SCHEMAS[table] if name not in frame.columns]
    if missing:
        raise InputDataError(
            f"{path} lacks required column(s) {', '.join(missing)} in its header. "
            f"Expected the Synthea v3 columns {', '.join(SYNTHEA_SCHEMAS[table])}; "
            "re-export the file with Synthea v3 and rerun."
        )


def _parser(name: str, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr, str] | None:
    """Parsed expression, expression flagging bad values, and the expected form; None if text."""
    raw = pl.col(name)
    if dtype == pl.Date():
        value = raw.str.strptime(pl.Date, DATE_FORMAT, strict=False)
        bad = value.is_null() | ~raw.str.contains(DATE_PATTERN)
        return value, bad, "a date YYYY-MM-DD"
    if dtype == TIMESTAMP:
        naive = raw.str.strptime(pl.Datetime("us"), TIMESTAMP_FORMAT, strict=False)
        value = naive.dt.replace_time_zone("UTC")
        bad = value.is_null() | ~raw.str.contains(TIMESTAMP_PATTERN)
        return value, bad, "a UTC timestamp YYYY-MM-DDTHH:MM:SSZ"
    if dtype == pl.Float64():
        value = raw.cast(pl.Float64, strict=False)
        return value, value.is_null() | ~value.is_finite(), "a finite number"
    if dtype == pl.Int64():
        value = raw.cast(pl.Int64, strict=False)
        return value, value.is_null(), "a whole number"
    return None


def _parse(path: Path, frame: pl.DataFrame, table: str) -> pl.DataFrame:
    parsers = {
        name: parser
        for name, dtype in SYNTHEA_SCHEMAS[table].items()
        if (parser := _parser(name, dtype)) is not None
    }
    if parsers:
        flags = frame.select(
            pl.col(ROW),
            *[
                (pl.col(name).is_not_null() & bad).alias(name)
                for name, (_, bad, _) in parsers.items()
            ],
        )
        for name, (_, _, expected) in parsers.items():
            rows = flags.filter(pl.col(name)).get_column(ROW)
            if rows.len():
                _raise_bad_row(path, frame, name, rows[0], f"is not {expected}. {FIX_ROW}")
    return frame.with_columns(value.alias(name) for name, (value, _, _) in parsers.items())


def _check_unique_ids(path: Path, frame: pl.DataFrame) -> None:
    empty = frame.filter(pl.col("Id").is_null()).get_column(ROW)
    if empty.len():
        _raise_bad_row(
            path, frame, "Id", empty[0], f"is not allowed; every row needs an Id. {FIX_ROW}"
        )
    repeats = frame.filter(~pl.col("Id").is_first_distinct())
    if repeats.height:
        row, value = repeats.get_column(ROW)[0], repeats.get_column("Id")[0]
        first = frame.filter(pl.col("Id") == value).get_column(ROW)[0]
        _raise_bad_row(
            path,
            frame,
            "Id",
            row,
            f"repeats the Id of data row {first}; Ids must be unique. "
            "Remove the duplicate row and rerun.",
        )


def _check_references(paths: dict[str, Path], tables: dict[str, pl.DataFrame]) -> None:
    patient_ids = tables["patients"].get_column("Id")
    encounter_ids = tables["encounters"].get_column("Id")
    for table in CLINICAL_TABLES:
        frame = tables[table]
        _check_known(paths[table], frame, "PATIENT", patient_ids, paths["patients"])
        if "ENCOUNTER" in SYNTHEA_SCHEMAS[table]:
            # Synthea leaves ENCOUNTER empty on some rows (e.g. QALY/DALY observations).
            _check_known(
                paths[table], frame, "ENCOUNTER", encounter_ids, paths["encounters"], optional=True
            )


def _check_known(
    path: Path,
    frame: pl.DataFrame,
    column: str,
    ids: pl.Series,
    source: Path,
    optional: bool = False,
) -> None:
    """Raise on the first row whose `column` is not among `ids` (or is empty, unless optional)."""
    unknown = ~pl.col(column).is_in(ids.implode())
    empty = pl.col(column).is_null()
    rows = frame.filter((~empty & unknown) if optional else (empty | unknown)).get_column(ROW)
    if rows.len():
        _raise_bad_row(path, frame, column, rows[0], f"is not an Id in {source}. {FIX_ROW}")


def _raise_bad_row(
    path: Path, frame: pl.DataFrame, column: str, row: int, problem: str
) -> NoReturn:
    value = frame.filter(pl.col(ROW) == row).get_column(column)[0]
    shown = "the empty value" if value is None else f"value {value!r}"
    raise InputDataError(
        f"{path}, column {column}, data row {row} (line {row + 1}): {shown} {problem}"
    )
