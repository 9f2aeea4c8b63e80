"""Shared fixtures: the real Synthea sample beside the checkout and a tmp SYNTHMASS_HOME."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# The real sample lives beside the checkout (../shared); SYNTHEA_V3_SAMPLE points elsewhere.
SAMPLE = Path(
    os.environ.get(
        "SYNTHEA_V3_SAMPLE",
        Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "synthea_v3_sample",
    )
)


@pytest.fixture
def sample() -> Path:
    """The real Synthea v3 CSV sample (27 patients); skips when it is not beside the checkout."""
    if not SAMPLE.is_dir():
        pytest.skip(f"Synthea v3 sample not found at {SAMPLE} (set SYNTHEA_V3_SAMPLE)")
    return SAMPLE


@pytest.fixture
def synthmass_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh SYNTHMASS_HOME for one test."""
    home = tmp_path / "synthmass_home"
    monkeypatch.setenv("SYNTHMASS_HOME", str(home))
    monkeypatch.delenv("SYNTHMASS_DEPLOYMENT", raising=False)
    return home
