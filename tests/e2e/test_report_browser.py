"""The report in headless Chromium (Debian's chromium, driven by playwright).

Loaded from file:// like a reader would: no console or page errors, no request leaving the
folder, one circle per prefecture-level node, the tables present, markup in scraped titles
shown as text with no dialog opened. The demo report's screenshot goes to docs/report.png
(for the README). Skipped with the reason when Chromium is missing and cannot be installed.
"""
from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from analysis.report import build_report
from tests.support.browser import LAUNCH_ARGS, BrowserUnavailable, ensure_chromium
from tests.support.report_warehouse import PERIOD, XSS_INSTITUTION, XSS_TITLE, build_report_warehouse
from warehouse.db import open_reader, published_path
from warehouse.report_data import load_report_data

sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.browser

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "report.png"
TABLES = ("table1-ours", "table2-ours", "table3-ours", "table4-ours", "agreements-table", "sources-table",
          "runs-table")


@pytest.fixture(scope="module")
def chromium() -> str:
    try:
        return ensure_chromium()
    except BrowserUnavailable as exc:
        pytest.skip(f"headless Chromium is not available: {exc}")


@contextmanager
def loaded(chromium: str, index: Path):
    """The report open in a page, with what the page reported while loading."""
    seen = {"console errors": [], "page errors": [], "dialogs": [], "requests": []}
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: seen["console errors"].append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda exc: seen["page errors"].append(str(exc)))
            page.on("dialog", lambda dialog: (seen["dialogs"].append(dialog.message), dialog.dismiss()))
            page.on("request", lambda request: seen["requests"].append(request.url))
            page.goto(index.resolve().as_uri(), wait_until="load")
            yield page, seen
        finally:
            browser.close()


def prefecture_nodes(db: Path) -> int:
    con = open_reader(db)
    try:
        return con.execute("SELECT count(*) FROM v_rankings WHERE period = ? AND level = 'prefecture'",
                           [PERIOD]).fetchone()[0]
    finally:
        con.close()


def check_page(page, seen: dict, n_nodes: int) -> None:
    assert seen["console errors"] == [] and seen["page errors"] == [] and seen["dialogs"] == []
    assert seen["requests"] and all(url.startswith("file://") for url in seen["requests"])  # works offline
    assert n_nodes > 0 and page.locator("svg#network-prefecture circle.node").count() == n_nodes
    assert page.locator("svg#network-prefecture").bounding_box()["width"] > 600  # drawn, not collapsed
    for table in TABLES:
        assert page.locator(f"table#{table} tbody tr").count() > 0, table


def test_markup_in_scraped_titles_stays_inert_in_the_browser(tmp_path, chromium):
    db = published_path(build_report_warehouse(tmp_path / "w.duckdb"))
    index = build_report(load_report_data(db), tmp_path / "report", period=PERIOD)
    with loaded(chromium, index) as (page, seen):
        check_page(page, seen, prefecture_nodes(db))
        assert page.locator("script").count() == 0
        titles = page.locator("#agreements-table td.title").all_inner_texts()
        assert any(XSS_TITLE in title for title in titles)  # the tags are visible text
        assert XSS_INSTITUTION in page.locator("#agreements-table .parties li").all_inner_texts()


@pytest.mark.flow
@pytest.mark.slow
def test_demo_report_in_the_browser_and_its_screenshot(chromium, cli_demo, tmp_path):
    """The screenshot goes to tmp; ``UPDATE_SCREENSHOT=1`` also copies it to docs/report.png
    (the README shows it), so a test run never leaves the working tree changed."""
    directory, _ = cli_demo
    screenshot = tmp_path / "report.png"
    with loaded(chromium, directory / "report" / "index.html") as (page, seen):
        check_page(page, seen, prefecture_nodes(directory / "healthcoop-latest.duckdb"))
        assert page.locator("svg#network-institution circle.node").count() == 30
        figure = page.locator("figure:has(svg#network-prefecture)").bounding_box()
        page.screenshot(path=str(screenshot), full_page=True,
                        clip={"x": 0, "y": 0, "width": 1280, "height": figure["y"] + figure["height"] + 24})
    assert screenshot.stat().st_size > 50_000
    if os.environ.get("UPDATE_SCREENSHOT") == "1":
        shutil.copyfile(screenshot, SCREENSHOT)
