"""A custom run keeps the extract's names, birth dates and identifiers out of Dagster's storage."""

from __future__ import annotations

import re
from pathlib import Path

import dagster as dg
import numpy as np
import pytest

from synthmass_assets.definitions import stage_assets, stage_checks
from synthmass_assets.resources import deployment_resources
from synthmass_assets_tests.resolution.test_foreign_extracts import (
    MAPPING,
    _people,
    _registration,
    _write,
)


@pytest.mark.slow
def test_custom_run_logs_no_identifying_values(tmp_path: Path, synthmass_home: Path) -> None:
    rng = np.random.default_rng(3)
    people = _people(rng, 400).to_dicts()
    rows = [_registration(rng, p, errors=False) for p in people]
    rows += [_registration(rng, p, errors=True) for p in people[:100]]
    path = _write(tmp_path / "register.csv", rows, "R")
    custom = [a for a in stage_assets() if any(k.path[0] == "custom" for k in a.keys)]
    checks = [
        c for c in stage_checks() if all(k.asset_key.path[0] == "custom" for k in c.check_keys)
    ]
    config = {"paths": [path], "column_mapping": MAPPING, "entity_column": "Person"}
    (tmp_path / "dagster").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance:
        result = dg.materialize(
            [*custom, *checks],
            resources=deployment_resources("local", synthmass_home),
            run_config={"ops": {"custom_facility_records": {"config": config}}},
            instance=instance,
        )
        assert result.success
        logged = "\n".join(
            str(entry.dagster_event or "") + str(entry.user_message)
            for entry in instance.all_logs(result.run_id)
        )
    assert "golden_records" in logged and "preview" in logged  # the log was read
    surnames = {r["Familienname"] for r in rows if len(r["Familienname"]) >= 5}
    identifiers = {r["SVNR"] for r in rows if r["SVNR"]}
    birthdates = {r["Geburt"] for r in rows}
    # An identifier is a run of digits: it leaks as a whole number, not as digits inside a
    # longer one (a float, a byte count or a timestamp matched one by chance in a suite run)
    digits = set(re.findall(r"\d+", logged))
    leaked = {v for v in surnames | birthdates if v in logged} | (identifiers & digits)
    assert not leaked, sorted(leaked)[:5]
