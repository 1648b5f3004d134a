"""The workshop dashboard as a facilitator shows it: ``scnekit workshop`` (Voilà) in Chromium.

The tests share one server and one page, and run in order: open, move the exposure
slider 20 times (timed), move a milestone's deadline, make the scenario infeasible, check
nothing left the machine.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import scnekit

from . import explorer_page as ui
from .servers import Server, workshop

# Speed is reported, not asserted (benchmarks measure it): this bound only catches a view
# that never updates. SCNEKIT_SLIDER_WORST_S changes it.
WORST_SECONDS = float(os.environ.get("SCNEKIT_SLIDER_WORST_S", "30"))
TIMINGS: dict[str, Any] = {}
# Seconds between paced moves: a room looks and talks before the next "what if?"
PAUSE_SECONDS = 6.0


@pytest.fixture(scope="module")
def server(example_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with workshop(example_folder / "syria_scne.yaml", tmp_path_factory.mktemp("voila-home")) as running:
        TIMINGS["server_ready_s"] = round(running.ready_seconds, 2)
        print(f"workshop server ready in {running.ready_seconds:.1f} s at {running.url}")
        yield running


@pytest.fixture(scope="module")
def page(browser: Any, server: Server, artifacts: Path) -> Iterator[Any]:
    page = browser.new_page()
    began = time.perf_counter()
    page.goto(server.url, timeout=180_000)
    TIMINGS["page_loaded_s"] = round(time.perf_counter() - began, 2)
    ui.wait_for_explorer(page, artifacts / "voila-not-settled.png", server.diagnosis)
    TIMINGS["page_to_explorer_s"] = round(time.perf_counter() - began, 2)
    print(f"Voila cold start: page to rendered Explorer in {TIMINGS['page_to_explorer_s']} s")
    page.screenshot(path=str(artifacts / "voila-opened.png"))
    view_screenshots(page, artifacts, "")
    yield page
    (artifacts / "voila-timings.json").write_text(json.dumps(TIMINGS, indent=2) + "\n")
    print(f"timings: {artifacts / 'voila-timings.json'}")
    page.close()


def view_screenshots(page: Any, artifacts: Path, suffix: str) -> None:
    """Each view whole, for a person to look at: in a viewport tall enough for the tallest
    (the page scrolls inside Voilà's own container, so a taller element would be cut)."""
    page.set_viewport_size({"width": 1366, "height": 3200})
    try:
        page.wait_for_timeout(300)
        for view in ("timeline", "exposure", "flows", "milestones"):
            page.locator(f".scne-{view}").screenshot(path=str(artifacts / f"voila-{view}{suffix}.png"))
    finally:
        page.set_viewport_size({"width": 1366, "height": 900})
        page.wait_for_timeout(300)


def test_dashboard_shows_the_explorer_and_no_code(page: Any) -> None:
    assert page.locator(".jp-InputArea:visible, .jp-InputPrompt:visible").count() == 0
    body = page.inner_text("body")
    assert "import scnekit" not in body and "Traceback" not in body
    assert ui.status_text(page)
    assert ui.error_text(page) == ""


def test_exposure_slider_updates_timeline_and_status(page: Any, artifacts: Path) -> None:
    seen = [(ui.status_text(page), ui.timeline_html(page))]
    latencies = ui.zigzag(page, moves=20, after_each=lambda: seen.append(
        (ui.status_text(page), ui.timeline_html(page))))
    solves = [ui.solve_seconds(status) for status, _ in seen[1:]]
    first = latencies.first_shown
    TIMINGS.update(slider_moves=latencies.seconds, slider_median_s=latencies.median,
                   slider_worst_s=latencies.worst, solver_seconds_shown=solves,
                   first_redraw=latencies.first,
                   first_redraw_median_s=statistics.median(first) if first else None,
                   first_redraw_worst_s=max(first) if first else None)
    print(f"Voila slider to updated view: {latencies.summary()}")
    print(f"  of which the solve (as the status reports it): {solves}")
    page.screenshot(path=str(artifacts / "voila-workshop.png"))
    assert len({status for status, _ in seen}) > 1, "the status never changed"
    assert len({timeline for _, timeline in seen}) > 1, "the timeline never changed"
    assert ui.error_text(page) == ""
    assert latencies.worst < WORST_SECONDS, latencies.summary()


def test_views_are_updated_in_place(page: Any, artifacts: Path) -> None:
    """A move updates each view's plot element (Plotly.react), never replaces it; plotly.js
    was evaluated once for the page."""
    before = ui.plots(page, tag="kept")
    assert all(p is not None and p["first"] and p["plots"] == 1 for p in before), before
    latencies = ui.zigzag(page, moves=4, amplitude=2)
    print(f"Voila, views updated in place: {latencies.summary()}")
    after = ui.plots(page)
    for was, now in zip(before, after, strict=True):
        assert now is not None and now["plots"] == 1
        assert now["mark"] == f"kept-{now['view']}", "the plot element was replaced"
        assert now["first"] == was["first"]  # type: ignore[index]
    assert sum(now["draws"] for now in after) > sum(was["draws"] for was in before)  # type: ignore[index,misc]
    assert ui.plotly_evaluations(page) == 1
    view_screenshots(page, artifacts, "-updated")
    assert ui.error_text(page) == ""


def test_paced_moves_show_solved_ahead_optima(page: Any) -> None:
    """A room pauses between moves; the explorer uses the pause to solve the next steps.

    The capacity slider, which no earlier test moved: no setting it reaches was shown before.
    """
    shown: list[str] = []
    latencies = ui.zigzag(page, moves=6, amplitude=3, pause=PAUSE_SECONDS, slider=ui.CAPACITY,
                          after_each=lambda: shown.append(ui.status_text(page)))
    ahead = sum("solved ahead" in status for status in shown)
    TIMINGS.update(paced_pause_s=PAUSE_SECONDS, paced_moves=latencies.seconds,
                   paced_median_s=latencies.median, paced_worst_s=latencies.worst, paced_solved_ahead=ahead)
    print(f"Voila, {PAUSE_SECONDS} s between moves: {latencies.summary()}")
    print(f"  {ahead} of {len(shown)} moves showed an optimum solved ahead")
    assert ahead >= 1, shown
    assert ui.error_text(page) == ""


def test_milestone_deadline_dropdown_updates_the_status(page: Any, artifacts: Path) -> None:
    """A quarter earlier for frontline calm, chosen in the Milestones section: the status line
    shows the roadmap for it; the deadline goes back afterwards, for the tests that follow."""
    page.get_by_text("Milestones: deadlines and weights").click()
    deadline = page.locator(".scne-deadline-frontline-calm select")
    deadline.wait_for(state="visible")
    assert deadline.locator("option:checked").inner_text() == "Q4"
    before = ui.status_text(page)
    since = float(page.evaluate("() => performance.now()"))
    deadline.select_option(label="Q3")
    TIMINGS["deadline_s"] = round(ui.wait_settled(page, since), 2)
    after = ui.status_text(page)
    print(f"deadline Q4 -> Q3 settled in {TIMINGS['deadline_s']} s; status: {after[:300]!r}")
    assert after != before
    assert "optimal" in after or "no roadmap" in after.lower()
    assert ui.error_text(page) == ""
    page.locator(".scne-milestone-controls").screenshot(path=str(artifacts / "voila-milestone-controls.png"))
    page.get_by_text("Measure: cost and value to each party").click()
    page.locator(".scne-measure-search input").fill("ceasefire")
    page.wait_for_function("() => document.querySelector('.scne-measure-editor').innerText.includes('(ceasefire-')",
                           timeout=30_000)
    page.locator(".scne-measure-editor").screenshot(path=str(artifacts / "voila-measure-editor.png"))
    since = float(page.evaluate("() => performance.now()"))
    deadline.select_option(label="Q4")
    ui.wait_settled(page, since)
    assert ui.error_text(page) == ""


def test_walkaway_tab_shows_the_stakes_of_the_roadmap_on_screen(page: Any, artifacts: Path) -> None:
    """The Walk-away tab's heat map is not drawn while the tab is hidden (the slider moves
    before this test drew nothing there), and shows at the tab's width once opened."""
    draws = "() => Number(document.querySelector('.scne-walkaway-figure .scne-plot').dataset.scneDraws || 0)"
    assert page.evaluate(draws) == 0
    tabs = ".scne-tabs .lm-TabBar-tab"
    page.locator(tabs, has_text="Walk-away").click()
    try:
        page.wait_for_selector(".scne-walkaway-figure .heatmaplayer image", state="visible", timeout=60_000)
        assert page.evaluate(draws) == 1  # only the newest figure
        page.wait_for_timeout(500)  # the resize to the tab's width
        width = page.evaluate("() => document.querySelector('.scne-walkaway-figure .main-svg').getBoundingClientRect().width")
        box = page.evaluate("() => document.querySelector('.scne-walkaway').getBoundingClientRect().width")
        assert width > 0.8 * box, (width, box)
        assert "walk away" in page.inner_text(".scne-walkaway-sentences")
        page.locator(".scne-walkaway").screenshot(path=str(artifacts / "voila-walkaway.png"))
    finally:
        page.locator(tabs, has_text="Roadmap").click()
    assert ui.error_text(page) == ""


def test_infeasible_exposure_names_the_conflicts(page: Any, example_folder: Path, artifacts: Path) -> None:
    plan = scnekit.load(example_folder / "syria_scne.yaml")
    low, _, _ = ui.slider_bounds(page)
    TIMINGS["infeasible_s"] = round(ui.wait_settled(page, ui.set_slider(page, int(low))), 2)
    page.screenshot(path=str(artifacts / "voila-infeasible.png"))
    text = ui.status_text(page)
    print(f"infeasible after {TIMINGS['infeasible_s']} s; status: {text[:400]!r}")
    assert "infeasible" in text.lower() or "no roadmap" in text.lower()
    named = [p.id for p in plan.parties if p.name in text or f"'{p.id}'" in text]
    assert named, f"no party named in the status: {text!r}"
    assert ui.error_text(page) == ""


def test_nothing_left_this_machine(browser: Any, page: Any) -> None:
    assert browser.requested, "no requests were recorded"
    assert ui.foreign_requests(browser.requested) == []
