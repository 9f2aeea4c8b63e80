"""The tiny index shared by the steward tests (built once per session: training takes ~10 s)."""

from __future__ import annotations

import pytest

from synthmass_assets_tests.steward.tiny_index import TinyIndex, tiny_index


@pytest.fixture(scope="session")
def tiny() -> TinyIndex:
    return tiny_index()
