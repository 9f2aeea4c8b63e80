"""Reading one NDJSON file column-wise, and pointing at the line behind a structural error.

The fast path is pyarrow's JSON reader with a schema of only the elements we use. When it
fails, the file is walked line by line (only then) to name the line that is not JSON, or the
first element whose JSON type does not fit the schema.
"""

from __future__ import annotations

import gzip
import itertools
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import pyarrow as pa
import pyarrow.json as pj

from synthmass_assets.errors import InputDataError
from synthmass_assets.fhir_bulk.manifest import ResourceFile

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

ROW = "_row"  # the resource's place among those read from its file (0-based)
FILE = "_file"  # the file's place among the files read from its export
_ID_IN_TEXT = re.compile(rb'"id"\s*:\s*"([^"]*)"')
_READ = pj.ReadOptions(block_size=4 << 20)


def file_bytes(path: Path) -> bytes:
    """The file's content, gunzipped when it ends in ``.gz``."""
    data = path.read_bytes()
    return gzip.decompress(data) if path.name.endswith(".gz") else data


def _arrow_type(dtype: PolarsDataType) -> pa.DataType:
    """The Arrow type pyarrow's JSON reader builds for a polars schema type."""
    if isinstance(dtype, pl.List):
        return pa.list_(_arrow_type(dtype.inner))
    if isinstance(dtype, pl.Struct):
        return pa.struct([pa.field(f.name, _arrow_type(f.dtype)) for f in dtype.fields])
    if dtype == pl.Float64:
        return pa.float64()
    if dtype == pl.Int64:
        return pa.int64()
    return pa.bool_() if dtype == pl.Boolean else pa.string()


def arrow_schema(schema: pl.Schema) -> pa.Schema:
    """The Arrow schema of a polars one (pyarrow's JSON reader takes plain lists only)."""
    return pa.schema([pa.field(name, _arrow_type(dtype)) for name, dtype in schema.items()])


def line_number(path: Path, row: int) -> int:
    """The 1-based line of the file holding the ``row``-th (0-based) resource read: the
    JSON reader skips blank lines."""
    lines = (n for n, text in enumerate(file_bytes(path).splitlines(), 1) if text.strip())
    return next(itertools.islice(lines, row, None))


def structure_error(
    file: ResourceFile, line: int, resource_id: str | None, field: str, problem: str
) -> InputDataError:
    """An error naming file, line, resource (type and id) and field."""
    who = f"{file.resource_type} {resource_id!r}" if resource_id else "a resource without id"
    return InputDataError(
        f"{file.path}, line {line}: {who}, field {field}: {problem}. Nothing was read; fix the "
        "export (or leave this file out of the manifest) and run again."
    )


def _json_kind(dtype: PolarsDataType) -> str:
    if isinstance(dtype, pl.Struct):
        return "an object"
    if isinstance(dtype, pl.List):
        return "a list"
    kinds = {pl.Float64: "a number", pl.Int64: "an integer", pl.Boolean: "true or false"}
    return next((kind for t, kind in kinds.items() if dtype == t), "a string")


def _fits(value: Any, dtype: PolarsDataType) -> bool:
    """Whether a JSON value has the JSON type of ``dtype`` (its elements not looked at)."""
    if isinstance(dtype, pl.Struct):
        return isinstance(value, dict)
    if isinstance(dtype, pl.List):
        return isinstance(value, list)
    if isinstance(value, bool) or dtype == pl.Boolean:
        return isinstance(value, bool) and dtype == pl.Boolean
    if dtype == pl.Float64:
        return isinstance(value, int | float)
    return isinstance(value, int) if dtype == pl.Int64 else isinstance(value, str)


def _mismatch(value: Any, dtype: PolarsDataType, field: str) -> tuple[str, str] | None:
    """The path of the first element whose JSON type does not fit ``dtype``, and the type
    expected there."""
    if value is None:
        return None
    if not _fits(value, dtype):
        return field, _json_kind(dtype)
    children: list[tuple[str, Any, PolarsDataType]] = []
    if isinstance(dtype, pl.Struct):
        children = [
            (f"{field}.{f.name}".lstrip("."), value.get(f.name), f.dtype) for f in dtype.fields
        ]
    elif isinstance(dtype, pl.List):
        children = [(f"{field}[{i}]", item, dtype.inner) for i, item in enumerate(value)]
    return next(filter(None, (_mismatch(v, t, path) for path, v, t in children)), None)


def _locate(file: ResourceFile, data: bytes, schema: pl.Schema, error: Exception) -> Exception:
    """The structural error behind a failed read, at its line."""
    struct = pl.Struct(schema)
    for line, text in enumerate(data.splitlines(), 1):
        if not text.strip():
            continue
        found = _ID_IN_TEXT.search(text)
        resource_id = found.group(1).decode(errors="replace") if found else None
        try:
            value = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as bad:
            reason = bad.msg if isinstance(bad, json.JSONDecodeError) else "not UTF-8"
            return structure_error(file, line, resource_id, "(line)", f"not JSON ({reason})")
        if not isinstance(value, dict):
            return structure_error(file, line, resource_id, "(line)", "not a JSON object")
        mismatch = _mismatch(value, struct, "")
        if mismatch:
            field, expected = mismatch
            problem = f"should be {expected} in FHIR R4 JSON"
            return structure_error(file, line, value.get("id"), field, problem)
    return InputDataError(f"{file.path}: cannot be read as FHIR NDJSON ({error})")


def read_ndjson(file: ResourceFile, schema: pl.Schema) -> pl.DataFrame:
    """The file's resources as a frame of ``schema`` plus ``_row`` (0-based, for errors).

    pyarrow's multi-threaded JSON reader builds only the schema's elements (others are
    skipped unbuilt): several times faster than ``pl.read_ndjson`` on FHIR's nested lists.
    """
    options = pj.ParseOptions(
        explicit_schema=arrow_schema(schema), unexpected_field_behavior="ignore"
    )
    try:
        table = pj.read_json(file.path, parse_options=options, read_options=_READ)
    except (pa.ArrowException, OSError) as error:
        data = file_bytes(file.path)
        if data.strip():
            raise _locate(file, data, schema, error) from error
        return pl.DataFrame(schema=schema).with_row_index(ROW)  # an empty file: no resources
    return pl.DataFrame(table).cast(schema).with_row_index(ROW)


def count_lines(path: Path) -> int:
    """Resources in a file we do not read (non-blank lines)."""
    return sum(1 for line in file_bytes(path).splitlines() if line.strip())
