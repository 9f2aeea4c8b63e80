"""The tiny index shared by the steward tests (built once per session: training takes ~10 s)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from synthmass_assets_tests.steward.steward_home import steward_run
from synthmass_assets_tests.steward.tiny_index import TinyIndex, tiny_index


@pytest.fixture(scope="session")
def tiny() -> TinyIndex:
    return tiny_index()


@pytest.fixture(scope="session")
def steward_home(
    tiny: TinyIndex, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, Any]]:
    """A tmp home with the steward assets materialized, and their metadata by asset name."""
    home = tmp_path_factory.mktemp("steward_home")
    return home, steward_run(tiny, home)
