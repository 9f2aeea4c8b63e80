"""Fixtures of the browser test: tmp homes, the tiny evaluation run, ``dagster dev`` and a
headless Debian Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg
import pytest
from playwright.sync_api import sync_playwright

from synthmass_assets.definitions import definitions
from synthmass_assets_tests.ui.dagster_dev import DagsterDev, write_instance_settings
from synthmass_assets_tests.ui.tiny_run import materialize_upstream

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, ViewportSize

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts" / "ui"
CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialling Google on a closed network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT: ViewportSize = {"width": 1600, "height": 1000}
RESOLUTION_METRICS = dg.AssetKey(["evaluation", "resolution_metrics"])

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"Debian Chromium not found at {CHROMIUM}: apt-get install chromium chromium-driver "
    "(.ci/run does this)",
)


@pytest.fixture(scope="module")
def homes(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A fresh DAGSTER_HOME (without the sign-up dialog) and SYNTHMASS_HOME."""
    root = tmp_path_factory.mktemp("ui")
    dagster_home, synthmass_home = root / "dagster_home", root / "synthmass_home"
    write_instance_settings(dagster_home)
    return dagster_home, synthmass_home


@pytest.fixture(scope="module")
def ui_definitions(homes: tuple[Path, Path]) -> dg.Definitions:
    """The code location's definitions, bound to the tmp SYNTHMASS_HOME."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SYNTHMASS_HOME", str(homes[1]))
        patch.delenv("SYNTHMASS_DEPLOYMENT", raising=False)
        return definitions()


@pytest.fixture(scope="module")
def metrics_run(
    homes: tuple[Path, Path], ui_definitions: dg.Definitions
) -> dg.ExecuteInProcessResult | Exception | None:
    """The evaluation track up to ``resolution_metrics`` (and the training track it needs),
    materialized on a tiny config into the tmp homes; None while the asset is not defined.

    An error is returned, not raised, so that it fails only the test that reads the run.
    """
    keys = ui_definitions.get_repository_def().asset_graph.get_all_asset_keys()
    if RESOLUTION_METRICS not in keys:
        return None
    with dg.DagsterInstance.from_config(str(homes[0])) as instance:
        try:
            return materialize_upstream(ui_definitions, RESOLUTION_METRICS, instance)
        except Exception as error:  # reported by the test that needs the run
            return error


@pytest.fixture(scope="module")
def dagster_ui(
    homes: tuple[Path, Path], metrics_run: dg.ExecuteInProcessResult | Exception | None
) -> Iterator[DagsterDev]:
    """``dagster dev`` on a free loopback port over the tmp homes, started after the tiny run
    (so that its results show) and stopped with SIGINT at the end of the module."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, DAGSTER_HOME=str(homes[0]), SYNTHMASS_HOME=str(homes[1]))
    env.pop("SYNTHMASS_DEPLOYMENT", None)
    with DagsterDev(REPO_ROOT, env, log_path=ARTIFACTS / "dagster-dev.log") as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless system Chromium (Playwright's own browser download is never used)."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item,
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the test item, so that fixtures can see a failure."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser tab (own cookies and storage) for one test; when the test fails, the
    tab's last state is saved as ``failure-<test>.png``."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(30_000)
    tab = context.new_page()
    yield tab
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        tab.screenshot(path=ARTIFACTS / f"failure-{request.node.name}.png", full_page=True)
    context.close()
