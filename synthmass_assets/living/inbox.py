"""The inbox a living index is fed from: one batch per extract file or FHIR export folder.

Facilities drop a flat extract (``.csv``, ``.parquet``) or a FHIR Bulk Data export folder (a
``manifest.json`` or ``.ndjson`` files) into the inbox; each entry is one batch, named after
the entry. The sensor's cursor lists the batches already requested, so a batch runs once.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

INBOX_ENV = "SYNTHMASS_INBOX"
EXTRACT_SUFFIXES = (".csv", ".parquet")


def inbox_folder(home: Path, environ: Mapping[str, str] | None = None) -> Path:
    """``SYNTHMASS_INBOX``, else ``<home>/inbox``."""
    env = os.environ if environ is None else environ
    return Path(env[INBOX_ENV]) if env.get(INBOX_ENV) else home / "inbox"


def is_fhir_export(folder: Path) -> bool:
    """A folder holding a Bulk Data manifest or NDJSON files."""
    return (folder / "manifest.json").is_file() or any(folder.glob("*.ndjson*"))


@dataclass(frozen=True)
class InboxBatch:
    """One inbox entry: its batch name (the entry's name) and what it holds."""

    name: str
    path: Path
    fhir_export: bool


def inbox_batches(folder: Path) -> list[InboxBatch]:
    """Every complete batch in the inbox, oldest first (then by name). Hidden entries and
    files still being written (a ``.part`` or ``.tmp`` suffix) are not batches yet."""
    if not folder.is_dir():
        return []
    found = []
    for entry in folder.iterdir():
        if entry.name.startswith("."):
            continue
        if entry.is_file() and entry.suffix.lower() in EXTRACT_SUFFIXES:
            found.append((entry.stat().st_mtime, InboxBatch(entry.name, entry, False)))
        elif entry.is_dir() and is_fhir_export(entry):
            found.append((entry.stat().st_mtime, InboxBatch(entry.name, entry, True)))
    return [batch for _, batch in sorted(found, key=lambda item: (item[0], item[1].name))]


def requested(cursor: str | None) -> set[str]:
    """Batch names a sensor cursor says were already requested."""
    return set(json.loads(cursor)) if cursor else set()


def with_requested(cursor: str | None, names: list[str]) -> str:
    """The cursor after requesting ``names``."""
    return json.dumps(sorted(requested(cursor) | set(names)))
