"""The review page and Splink's dashboards as a steward opens them: headless Debian Chromium
through Playwright (never a downloaded browser); screenshots in test-artifacts/ui/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, sync_playwright

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts" / "ui"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"Debian Chromium not found at {CHROMIUM}: apt-get install chromium (.ci/run does)",
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def test_review_page_renders_in_chromium(
    browser: Browser, steward_home: tuple[Path, dict[str, Any]]
) -> None:
    page_path = Path(steward_home[1]["review_queue"]["page"].value)
    tab = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto(page_path.as_uri())
    first = tab.locator("section.pair").first
    first.wait_for()
    assert tab.locator("section.pair").count() >= 1
    assert first.locator("table.records tr").count() > 5
    assert first.locator("table.terms tr").count() > 3
    assert "Diabetes" in first.locator("ul.evidence").inner_text()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=ARTIFACTS / "steward-review-queue.png")
    assert errors == []
    tab.close()


@pytest.mark.parametrize(
    ("view", "drawn"),
    [("comparison_viewer", "svg, canvas"), ("cluster_studio", "svg, canvas"),
     ("match_weights_chart", "svg, canvas")],
)  # fmt: skip
def test_splink_dashboard_renders_in_chromium(
    browser: Browser, steward_home: tuple[Path, dict[str, Any]], view: str, drawn: str
) -> None:
    path = Path(steward_home[1]["splink_dashboards"][view].value)
    tab = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto(path.as_uri())
    tab.locator(drawn).first.wait_for(timeout=30_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=ARTIFACTS / f"steward-{view}.png")
    assert errors == []
    tab.close()
