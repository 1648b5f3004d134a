"""The workshop dashboard when every figure widget misses anywidget's start-up deadline.

A server and a page of its own, after the main workshop test's page and kernel are gone,
so that only one kernel and one page share the machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from . import explorer_page as ui
from .servers import Server, workshop

# anywidget gives each model 2 s to load its module; a model that misses them applies no trait
# update ever after. On a loaded machine that happens; here every such deadline is missed.
MISS_THE_START_UP_DEADLINE = """
(() => {
  const timeout = AbortSignal.timeout.bind(AbortSignal);
  window.__scneMissed = 0;
  AbortSignal.timeout = (ms) => {
    if (ms !== 2000) return timeout(ms);
    window.__scneMissed += 1;
    const missed = new AbortController();
    setTimeout(() => missed.abort(new DOMException("deadline missed on purpose", "TimeoutError")), 0);
    return missed.signal;
  };
})();
"""


@pytest.fixture(scope="module")
def server(example_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with workshop(example_folder / "syria_scne.yaml", tmp_path_factory.mktemp("voila-deadline")) as running:
        yield running


def test_views_follow_the_slider_when_widgets_missed_their_start_up_deadline(browser: Any, server: Server,
                                                                             artifacts: Path) -> None:
    """The figures reach the page through the shared plotly.js widget, so a figure whose
    model missed anywidget's start-up deadline still follows every move."""
    page = browser.new_page()
    try:
        page.add_init_script(MISS_THE_START_UP_DEADLINE)
        page.goto(server.url, timeout=180_000)
        ui.wait_for_explorer(page, artifacts / "voila-deadline-missed.png", server.diagnosis)  # views started first
        assert page.evaluate("() => window.__scneMissed") >= 4
        before = ui.timeline_html(page)
        latencies = ui.zigzag(page, moves=2, amplitude=2)
        print(f"Voila, start-up deadline missed: {latencies.summary()}")
        assert all(first is not None for first in latencies.first), "a view did not follow the slider"
        assert ui.timeline_html(page) != before
        assert ui.error_text(page) == ""
    finally:
        page.close()
