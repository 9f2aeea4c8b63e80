"""Track jobs: each selects exactly its track's assets and checks, even from a partial graph."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from synthmass_assets.definitions import definitions
from synthmass_assets.jobs import JOB_TRACKS, build_jobs
from synthmass_assets.population.assets import build_population_assets
from synthmass_assets.population.checks import build_population_checks
from synthmass_assets.resources import local_resources
from synthmass_assets.tracks import EVALUATION


def test_jobs_have_names_and_descriptions() -> None:
    jobs = {job.name: job for job in build_jobs()}
    assert set(jobs) == {"training_pipeline", "evaluation_pipeline", "custom_resolution"}
    assert all(len(job.description or "") > 80 for job in jobs.values())


@pytest.mark.parametrize("name", sorted(JOB_TRACKS))
def test_job_selects_exactly_its_track(name: str, synthmass_home: Path) -> None:
    defs = definitions()
    repo = defs.get_repository_def()
    track = JOB_TRACKS[name]
    expected = {key for key in repo.asset_graph.get_all_asset_keys() if key.path[0] == track}
    job = repo.get_job(name)
    assert job.asset_layer.selected_asset_keys == expected
    checked = {check.asset_key for check in job.asset_layer.asset_graph.asset_check_keys}
    assert checked and checked <= expected


def test_jobs_resolve_while_later_stages_are_missing(synthmass_home: Path) -> None:
    defs = dg.Definitions(
        assets=[build_population_assets(EVALUATION)],
        asset_checks=build_population_checks(EVALUATION),
        jobs=build_jobs(),
        resources=local_resources(synthmass_home),
    )
    repo = defs.get_repository_def()
    selected = {name: repo.get_job(name).asset_layer.selected_asset_keys for name in JOB_TRACKS}
    assert len(selected["evaluation_pipeline"]) == 8
    assert not selected["training_pipeline"] and not selected["custom_resolution"]
