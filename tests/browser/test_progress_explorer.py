"""The Explorer's Progress tab in JupyterLab: set the phases done, mark a measure failed, see what moved."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scnekit.workshop import dashboard_notebook

from . import explorer_page as ui
from .servers import Server, jupyterlab
from .test_lab_explorer import dismiss_news, start_explorer

NOTEBOOK = "progress.ipynb"
TAB = ".scne-tabs .lm-TabBar-tab"


@pytest.fixture(scope="module")
def lab(example_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    (example_folder / NOTEBOOK).write_text(json.dumps(dashboard_notebook()), encoding="utf-8")
    with jupyterlab(example_folder, tmp_path_factory.mktemp("lab-home")) as running:
        yield running


def test_progress_tab_marks_a_measure_failed_and_shows_what_moved(browser: Any, lab: Server,
                                                                    artifacts: Path) -> None:
    page = browser.new_page()
    page.goto(f"{lab.url}lab/tree/{NOTEBOOK}", timeout=180_000)
    page.wait_for_selector(".jp-Notebook .jp-Cell .cm-content", timeout=120_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)
    dismiss_news(page)
    start_explorer(page)

    page.locator(TAB, has_text="Progress").click()
    page.wait_for_selector(".scne-progress-now", state="visible")
    readout = page.locator(".scne-progress-now .widget-readout")
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("2")
    page.keyboard.press("Enter")
    # the record revises the roadmap on screen: its measures started by Q2 are listed first
    page.wait_for_function("() => document.querySelector('.scne-progress-table').innerText.includes('after phase 2')",
                           timeout=60_000)
    page.locator(".scne-progress-as-planned").click()  # phases 1-2 went as planned, but for one measure
    page.wait_for_function("() => document.querySelector('.scne-progress-table').innerText.includes('done')",
                           timeout=60_000)
    measure = page.locator(".scne-progress-measure select")
    label = measure.locator("option").first.inner_text().replace("\xa0", " ")
    assert "planned Q" in label, label
    page.locator(".scne-progress-status select").select_option(label="failed")
    page.locator(".scne-progress-ended select").select_option(label="Q2")
    page.locator(".scne-progress-record").click()
    page.wait_for_function(
        "() => { const m = document.querySelector('.scne-progress-moves');"
        " return m && m.innerText.includes('What moved') && !document.querySelector('.scne-computing'); }",
        timeout=120_000)
    moves = page.inner_text(".scne-progress-moves")
    table = page.inner_text(".scne-progress-table")
    print(moves[:800])
    assert "failed" in table
    assert "it failed" in moves  # the failed measure moved, with why
    page.wait_for_selector(".scne-progress-timeline .trace", state="attached", timeout=60_000)
    page.locator(".scne-progress-now").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "lab-progress.png"), full_page=False)
    page.locator(".scne-progress-result").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "lab-progress-moves.png"), full_page=False)
    page.locator(".scne-progress-timeline").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "lab-progress-timeline.png"), full_page=False)
    assert ui.error_text(page) == ""
    assert ui.foreign_requests(browser.requested) == []
    page.close()
