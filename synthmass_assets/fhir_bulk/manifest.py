"""The Bulk Data manifest (``manifest.json``): writing one, and finding an export's files.

An export is given as its folder or its manifest path. The manifest's ``output`` lists one
``{type, url}`` per NDJSON file; relative urls are read against the manifest's folder, and an
absolute ``http(s)`` url (a downloaded server export) by its file name there. A folder without
a manifest is read from its file names (``<Type>[.<part>].ndjson[.gz]``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from synthmass_assets.errors import InputDataError

MANIFEST = "manifest.json"
NDJSON_SUFFIXES = (".ndjson", ".ndjson.gz")
_TYPE_OF_NAME = re.compile(r"^([A-Z][A-Za-z]+)[._-]")

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ResourceFile:
    """One NDJSON file of an export and the resource type it holds."""

    path: Path
    resource_type: str


@dataclass(frozen=True)
class ExportFiles:
    """An export's folder, the facility it stands for and its files."""

    folder: Path
    facility_id: str
    files: tuple[ResourceFile, ...]


def write_manifest(
    folder: Path, outputs: list[tuple[str, str, int]], transaction_time: dt.datetime, request: str
) -> Path:
    """Write ``manifest.json`` for files ``(type, file name, count)`` in ``folder``."""
    manifest = {
        "transactionTime": transaction_time.astimezone(dt.UTC).isoformat(timespec="seconds"),
        "request": request,
        "requiresAccessToken": False,
        "output": [{"type": t, "url": name, "count": n} for t, name, n in outputs],
        "error": [],
    }
    path = folder / MANIFEST
    path.write_text(json.dumps(manifest, indent=2) + "\n")
    return path


def _file_of_url(folder: Path, url: str) -> Path:
    parsed = urlparse(url)
    if parsed.scheme in ("http", "https"):
        return folder / Path(unquote(parsed.path)).name
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    return folder / url


def _manifest_files(manifest: Path) -> tuple[ResourceFile, ...]:
    try:
        content = json.loads(manifest.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputDataError(
            f"{manifest}: not a readable JSON manifest ({error}); give the export's folder or a "
            "Bulk Data manifest.json"
        ) from error
    outputs = content.get("output") if isinstance(content, dict) else None
    if not isinstance(outputs, list):
        raise InputDataError(f"{manifest}: field output: missing or not a list of {{type, url}}")
    files = []
    for index, entry in enumerate(outputs):
        if not (isinstance(entry, dict) and entry.get("type") and entry.get("url")):
            raise InputDataError(f"{manifest}: field output[{index}]: needs type and url")
        path = _file_of_url(manifest.parent, str(entry["url"]))
        if not path.is_file():
            raise InputDataError(
                f"{manifest}: field output[{index}].url: file {entry['url']!r} "
                f"({entry['type']}) is missing at {path}; copy the whole export folder"
            )
        files.append(ResourceFile(path, str(entry["type"])))
    return tuple(files)


def _folder_files(folder: Path) -> tuple[ResourceFile, ...]:
    files = []
    for path in sorted(folder.iterdir()):
        match = _TYPE_OF_NAME.match(path.name)
        if path.is_file() and path.name.endswith(NDJSON_SUFFIXES) and match:
            files.append(ResourceFile(path, match.group(1)))
    if not files:
        raise InputDataError(
            f"{folder}: no {MANIFEST} and no <Type>.ndjson files; give a FHIR Bulk Data "
            "export folder or its manifest"
        )
    logger.info("%s has no %s; read %d files by their names", folder, MANIFEST, len(files))
    return tuple(files)


def locate_export(path: str | Path, facility_id: str | None = None) -> ExportFiles:
    """The files of one export (a folder or its manifest); the facility defaults to the
    folder's name.

    Raises:
        InputDataError: the path does not exist, the manifest is not JSON or names a file
            that is missing, or a folder holds no NDJSON files.
    """
    given = Path(path)
    if given.is_file():
        folder, files = given.parent, _manifest_files(given)
    elif given.is_dir():
        manifest = given / MANIFEST
        folder = given
        files = _manifest_files(manifest) if manifest.is_file() else _folder_files(given)
    else:
        raise InputDataError(f"{given}: no such export folder or manifest; check fhir_exports")
    return ExportFiles(folder, facility_id or folder.resolve().name, files)
