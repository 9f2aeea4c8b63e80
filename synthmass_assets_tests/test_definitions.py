"""Definitions load, with the expected asset keys, checks and per-track Launchpad defaults."""

from __future__ import annotations

import pytest

from synthmass_assets.definitions import build_definitions, definitions, deployment_settings
from synthmass_assets.population.schema import POPULATION_TABLES
from synthmass_assets.tracks import SYNTHETIC_TRACKS


def test_definitions_hold_every_population_asset_and_check(synthmass_home: object) -> None:
    repo = definitions().get_repository_def()
    keys = {key.to_user_string() for key in repo.asset_graph.get_all_asset_keys()}
    expected = {f"{t.name}/{table}" for t in SYNTHETIC_TRACKS for table in POPULATION_TABLES}
    assert expected <= keys
    checks = {(k.asset_key.to_user_string(), k.name) for k in repo.asset_graph.asset_check_keys}
    for track in ("evaluation", "training"):
        assert (f"{track}/patients", "patients_ids_unique") in checks
        assert (f"{track}/observations", "physiological_ranges") in checks
        assert (f"{track}/observations", "richness_like_synthea") in checks
        assert (f"{track}/conditions", "conditions_integrity") in checks
    for key in repo.asset_graph.get_all_asset_keys():
        node = repo.asset_graph.get(key)
        assert node.group_name not in (None, "default") and (node.description or "").strip()


def test_launchpad_defaults_differ_per_track(synthmass_home: object) -> None:
    repo = build_definitions(deployment_settings()).get_repository_def()
    job = repo.get_implicit_global_asset_job_def()
    ops = job.run_config_schema.config_type.fields["ops"].config_type.fields
    for track in SYNTHETIC_TRACKS:
        fields = ops[f"{track.name}_population"].config_type.fields["config"].config_type.fields
        assert fields["population"].default_value == track.population
        assert fields["seed"].default_value == track.seed
        assert {"reference_date", "history_years", "state", "synthea_csv_dir"} <= set(fields)


def test_unknown_deployment_is_refused() -> None:
    with pytest.raises(ValueError, match="SYNTHMASS_DEPLOYMENT='cloud'"):
        deployment_settings({"SYNTHMASS_DEPLOYMENT": "cloud"})


def test_home_comes_from_the_environment() -> None:
    settings = deployment_settings({"SYNTHMASS_HOME": "/data/mpi"})
    assert str(settings.home) == "/data/mpi" and settings.name == "local"


def test_partitioned_assets_live_in_their_own_code_location(synthmass_home: object) -> None:
    """`dagster asset materialize --select` refuses partitioned assets without --partition, so
    the main location has none; the living index's location holds them and its sensor."""
    from synthmass_assets.definitions import definitions
    from synthmass_assets.living.definitions import definitions as living

    main = definitions().resolve_asset_graph()
    partitioned = [k for k in main.get_all_asset_keys() if main.get(k).partitions_def]
    assert partitioned == []
    defs = living()
    graph = defs.resolve_asset_graph()
    keys = {
        k.to_user_string() for k in graph.get_all_asset_keys() if graph.get(k).is_materializable
    }
    assert {"live/mpi_links", "live/mpi_events", "live/custom/mpi_links"} <= keys
    assert all(k.startswith("live/") for k in keys)
    assert [s.name for s in defs.sensors or []]
