"""The Dagster UI in a real browser: lineage with every stage, the metrics page with its table
and plot, and the Launchpad of a population asset with its defaults.

Screenshots land in ``test-artifacts/ui/``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import dagster as dg
import pytest
import yaml
from playwright.sync_api import expect

from synthmass_assets.living.definitions import definitions as living_definitions
from synthmass_assets.population.config import population_config_for
from synthmass_assets.tracks import EVALUATION
from synthmass_assets_tests.ui.conftest import ARTIFACTS, RESOLUTION_METRICS, needs_chromium
from synthmass_assets_tests.ui.dagster_dev import DagsterDev

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page, ViewportSize

STAGE_GROUPS = {"population", "augmentation", "resolution", "classifier", "mpi"}
METHODS = ("splink_at_0.99", "splink_best_threshold", "synthmass")
POPULATION_FIELDS = ("population", "seed", "reference_date", "history_years", "state")
# CSS-module class prefixes of Dagster 1.13's UI (the hash suffix changes between builds).
GROUP_NODE = "[class*='CollapsedGroupNode_collapsedGroupNodeBox']"
CONFIG_HELP = "[class*='ConfigEditorHelp_container']"
LAUNCHPAD_VIEWPORT: ViewportSize = {"width": 1600, "height": 1300}


def definition_groups(defs: dg.Definitions) -> set[str]:
    graph = defs.get_repository_def().asset_graph
    return {str(graph.get(key).group_name) for key in graph.get_all_asset_keys()}


def settle(page: Page) -> None:
    """Wait until the page's finite animations (a dialog fading in) have finished."""
    page.evaluate(
        """() => Promise.all(document.getAnimations()
            .filter(a => a.effect && a.effect.getComputedTiming().endTime !== Infinity)
            .map(a => a.finished.catch(() => null)))"""
    )


def decoded_png_width(images: Locator) -> int:
    """Pixel width of the first of ``images`` once the browser decoded it; 0 when none."""
    if not images.count():
        return 0
    return int(images.first.evaluate("image => image.decode().then(() => image.naturalWidth)"))


def test_definitions_hold_all_five_stage_groups(ui_definitions: dg.Definitions) -> None:
    assert definition_groups(ui_definitions) >= STAGE_GROUPS


@needs_chromium
def test_lineage_shows_every_stage_group(
    dagster_ui: DagsterDev, page: Page, ui_definitions: dg.Definitions
) -> None:
    # workspace.yaml also loads the living index's code location; its upstream specs are the
    # main location's assets, shown in their own groups.
    living = living_definitions().get_repository_def().asset_graph
    expected = definition_groups(ui_definitions) | {
        str(living.get(key).group_name)
        for key in living.get_all_asset_keys()
        if living.get(key).is_materializable
    }
    page.goto(dagster_ui.url("/asset-groups"))
    nodes = page.locator(GROUP_NODE)
    nodes.first.wait_for()  # the whole graph renders at once
    expect(page.get_by_text("fetching statuses")).to_have_count(0)
    page.screenshot(path=ARTIFACTS / "lineage.png")
    shown = {text.strip().splitlines()[0] for text in nodes.all_inner_texts()}
    assert shown == expected


@needs_chromium
def test_resolution_metrics_page_shows_table_and_plot(
    dagster_ui: DagsterDev, page: Page, metrics_run: dg.ExecuteInProcessResult | Exception | None
) -> None:
    if metrics_run is None:
        pytest.skip("evaluation/resolution_metrics is not defined yet (mpi stage not landed)")
    if isinstance(metrics_run, Exception):
        pytest.fail(f"the tiny run up to evaluation/resolution_metrics raised {metrics_run!r}")
    materialized = {event.asset_key for event in metrics_run.get_asset_materialization_events()}
    failed = [event.step_key for event in metrics_run.get_step_failure_events()]
    assert RESOLUTION_METRICS in materialized, (
        f"the tiny run did not materialize evaluation/resolution_metrics; failed steps: {failed}"
    )

    page.goto(dagster_ui.url("/assets/evaluation/resolution_metrics"))
    # Markdown over 1,000 characters (every image) opens from a "[Show Markdown]" link.
    markdown_links = page.get_by_text("[Show Markdown]")
    markdown_links.first.wait_for()
    inline_tables = page.locator("table table").filter(has_text=METHODS[-1])
    metadata = inline_tables.first if inline_tables.count() else markdown_links.first
    metadata.scroll_into_view_if_needed()
    page.screenshot(path=ARTIFACTS / "resolution_metrics.png")
    tables = inline_tables.all_inner_texts()
    plots = 0
    for index in range(markdown_links.count()):
        markdown_links.nth(index).click()
        dialog = page.get_by_role("dialog")
        close = dialog.get_by_role("button", name="Close")
        close.wait_for()
        table = dialog.locator("table").filter(has_text=METHODS[-1])
        tables += table.all_inner_texts()
        settle(page)
        if decoded_png_width(dialog.locator("img[src^='data:image/png']")) > 0:
            plots += 1
            page.screenshot(path=ARTIFACTS / f"resolution_metrics_plot_{plots}.png")
        elif table.count():
            page.screenshot(path=ARTIFACTS / "resolution_metrics_table.png")
        close.click()
        dialog.wait_for(state="hidden")
    assert any(all(method in text for method in METHODS) for text in tables), (
        f"no metrics table with the methods {METHODS} in the metadata"
    )
    assert plots, "no plot image in the metadata of evaluation/resolution_metrics"


@needs_chromium
def test_population_launchpad_shows_config_defaults(dagster_ui: DagsterDev, page: Page) -> None:
    page.set_viewport_size(LAUNCHPAD_VIEWPORT)  # tall enough for every field's help
    page.goto(dagster_ui.url("/assets/evaluation/patients"))
    header = page.locator("div:has(> span > button:has-text('Materialize'))")
    header.locator("button:has([aria-label='arrow_drop_down'])").click()
    page.get_by_role("menuitem", name="Open launchpad").click()
    # The eight tables are one multi-asset: the UI asks to confirm materializing them all.
    confirm = page.get_by_role("button", name="Confirm")
    editor = page.locator(".CodeMirror")
    editor.or_(confirm).first.wait_for()
    if confirm.is_visible():
        confirm.click()
    editor.wait_for()
    text = editor.evaluate("element => element.CodeMirror.getValue()")
    population = yaml.safe_load(text)["ops"][f"{EVALUATION.name}_population"]["config"]
    # Placing the cursor in the op's config shows its fields and help in the side panel.
    page.locator(".CodeMirror-line", has_text=f"population: {EVALUATION.population}").click()
    help_panel = page.locator(CONFIG_HELP)
    help_panel.get_by_text("synthea_csv_dir", exact=True).scroll_into_view_if_needed()
    expect(page.get_by_text("No errors")).to_be_visible()  # the defaults validate
    page.screenshot(path=ARTIFACTS / "launchpad.png")

    defaults = population_config_for(EVALUATION)()
    shown = {field: str(population[field]) for field in POPULATION_FIELDS}
    assert shown == {field: str(getattr(defaults, field)) for field in POPULATION_FIELDS}
    assert population["population"] == 2_500
    help_text = help_panel.inner_text()
    assert all(f"{field}?:" in help_text for field in (*POPULATION_FIELDS, "synthea_csv_dir"))
