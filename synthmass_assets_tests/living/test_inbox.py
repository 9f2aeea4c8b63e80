"""The inbox sensor: one partition and one run per new extract file or FHIR export folder."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import pytest

from synthmass_assets.living.inbox import inbox_batches, inbox_folder
from synthmass_assets.living.inbox_assets import build_inbox_sensor


def _drop(inbox: Path, name: str, mtime: int) -> None:
    path = inbox / name
    if name.endswith("/"):
        path.mkdir(parents=True)
        (path / "manifest.json").write_text("{}")
    else:
        path.write_text("id,first\n1,Ann\n")
    os.utime(path, (mtime, mtime))


@pytest.mark.parametrize(
    ("environ", "expected"),
    [({}, "home/inbox"), ({"SYNTHMASS_INBOX": "/data/in"}, "/data/in")],
)
def test_inbox_folder(environ: dict[str, str], expected: str) -> None:
    assert inbox_folder(Path("home"), environ) == Path(expected)


def test_batches_are_extracts_and_fhir_exports_oldest_first(tmp_path: Path) -> None:
    for name, mtime in [("b.csv", 2), ("a.parquet", 3), ("export/", 1), (".hidden.csv", 0)]:
        _drop(tmp_path, name, mtime)
    (tmp_path / "c.csv.part").write_text("")
    (tmp_path / "empty").mkdir()
    batches = inbox_batches(tmp_path)
    assert [(b.name, b.fhir_export) for b in batches] == [
        ("export", True),
        ("b.csv", False),
        ("a.parquet", False),
    ]


def test_sensor_requests_each_new_batch_once(tmp_path: Path) -> None:
    sensor = build_inbox_sensor(tmp_path)
    instance = dg.DagsterInstance.ephemeral()
    _drop(tmp_path, "2026-01-01.csv", 1)
    _drop(tmp_path, "site_b/", 2)

    first = sensor(dg.build_sensor_context(instance=instance))
    assert isinstance(first, dg.SensorResult)
    assert [r.partition_key for r in first.run_requests or []] == ["2026-01-01.csv", "site_b"]
    assert [r.run_key for r in first.run_requests or []] == ["2026-01-01.csv", "site_b"]
    (added,) = first.dynamic_partitions_requests or []
    assert isinstance(added, dg.AddDynamicPartitionsRequest)
    assert added.partitions_def_name == "live_custom_batches"
    assert list(added.partition_keys) == ["2026-01-01.csv", "site_b"]

    again = sensor(dg.build_sensor_context(instance=instance, cursor=first.cursor))
    assert isinstance(again, dg.SkipReason)

    _drop(tmp_path, "2026-01-02.csv", 3)
    later = sensor(dg.build_sensor_context(instance=instance, cursor=first.cursor))
    assert isinstance(later, dg.SensorResult)
    assert [r.partition_key for r in later.run_requests or []] == ["2026-01-02.csv"]
