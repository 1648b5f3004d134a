"""The HTML briefing in Chromium, offline from a file:// address: hostile text stays text,
nothing is requested from anywhere else, the figures draw, and it prints on A4."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import scnekit
from tests.support.paths import EXAMPLE
from tests.test_briefing import ATTACKS, hostile_document
from tests.test_figures import LINK, linked_document

SECTIONS = ["summary", "roadmap", "exchanges", "milestones", "parties", "assumptions", "comparison", "sources"]


def _open(browser: Any, path: Path) -> tuple[Any, list[str], list[str]]:
    """``path`` in a new offline page; the dialogs it opens and the console errors it logs."""
    page = browser.new_page()
    dialogs: list[str] = []
    errors: list[str] = []

    def dismiss(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    browser.set_offline(True)
    browser.requested.clear()
    page.goto(path.as_uri())
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
    page.wait_for_timeout(300)
    return page, dialogs, errors


@pytest.mark.parametrize("attack", ATTACKS)
def test_hostile_briefing_is_inert_offline(browser: Any, tmp_path: Path, attack: str) -> None:
    plan = scnekit.loads(hostile_document(attack))
    roadmap = scnekit.solve(plan)
    path = tmp_path / "hostile.html"
    path.write_text(roadmap.to_html(compare_with=[scnekit.solve(plan, "other")]), encoding="utf-8")
    page, dialogs, errors = _open(browser, path)
    try:
        assert dialogs == []
        assert errors == []
        assert page.locator("img").count() == 0
        assert page.get_by_text(f"Step one {attack}", exact=False).first.is_visible()
        assert attack in page.locator("h1").inner_text()
        assert page.locator(".js-plotly-plot").count() >= 4
        assert page.locator(".main-svg").count() >= 4
        for element in page.locator(".js-plotly-plot").all():  # hovering over the figures runs no script either
            element.hover()
        assert dialogs == []
        left = [url for url in browser.requested if not url.startswith("file://")]
        assert left == [], left
    finally:
        page.close()
        browser.set_offline(False)


def test_syria_briefing_sections_and_print(browser: Any, tmp_path: Path, artifacts: Path) -> None:
    plan = scnekit.load(EXAMPLE)
    roadmap = scnekit.solve(plan)
    others = [scnekit.solve(plan, s.id) for s in plan.scenarios[:2]]
    path = tmp_path / "syria.html"
    path.write_text(roadmap.to_html(compare_with=others), encoding="utf-8")
    page, dialogs, errors = _open(browser, path)
    try:
        assert dialogs == [] and errors == []
        assert page.locator(".js-plotly-plot").count() == 5  # timeline, milestones, exposure, flows, comparison
        folder = artifacts / "briefing"
        folder.mkdir(exist_ok=True)
        for section in SECTIONS:
            element = page.locator(f"section#{section}")
            assert element.count() == 1, section
            element.screenshot(path=str(folder / f"{section}.png"))
        for figure in page.locator(".figure").all():  # no figure is wider than the page's column
            box, column = figure.bounding_box(), page.locator("main").bounding_box()
            assert box["x"] >= column["x"] and box["x"] + box["width"] <= column["x"] + column["width"] + 1
        pdf = page.pdf(format="A4", print_background=True)
        (folder / "syria.pdf").write_bytes(pdf)
        pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
        # one or more pages a section; a handful each for the long ones, never dozens
        assert len(SECTIONS) <= pages <= 30, pages
        left = [url for url in browser.requested if not url.startswith("file://")]
        assert left == [], left
    finally:
        page.close()
        browser.set_offline(False)


def test_briefing_figures_show_user_markup_as_text(browser: Any, tmp_path: Path, artifacts: Path) -> None:
    """plotly reads a little HTML in the texts it draws (an ``<a href>`` becomes an svg link);
    a plan's texts are drawn as typed: no link in any figure, the markup visible as text."""
    plan = scnekit.loads(linked_document())
    roadmap = scnekit.solve(plan)
    path = tmp_path / "linked.html"
    path.write_text(roadmap.to_html(compare_with=[scnekit.solve(plan, "late")]), encoding="utf-8")
    page, dialogs, errors = _open(browser, path)
    try:
        assert dialogs == [] and errors == []
        assert page.locator(".js-plotly-plot").count() == 5
        assert page.locator(".js-plotly-plot a").count() == 0  # plotly draws a link as an svg <a>
        assert page.locator("[href*='example.invalid']").count() == 0
        timeline = page.locator("#figure-timeline")
        ticks = timeline.locator(".xtick text").all_text_contents()
        assert f"Q1 {LINK}" in ticks, ticks  # the phase label, as typed
        # (plotly hides a tick label that runs past the figure's edge: Q1's, this long, does)
        assert timeline.locator(".xtick text", has_text=f"Q2 {LINK}").first.is_visible()
        bar = timeline.locator(".bars .point path").first
        bar.hover(force=True)  # plotly takes the pointer on a layer above the bars
        hover = page.locator("#figure-timeline .hovertext")
        hover.wait_for(timeout=5_000)
        said = hover.first.text_content() or ""
        assert f"Step one {LINK}" in said or f"Step two {LINK}" in said or f"Step three {LINK}" in said, said
        assert f"Side A {LINK}" in said or f"Side B {LINK}" in said, said
        assert page.locator(".js-plotly-plot a").count() == 0  # none in the hover label either
        folder = artifacts / "briefing"
        folder.mkdir(exist_ok=True)
        timeline.screenshot(path=str(folder / "linked-timeline.png"))
        legend = page.locator("#figure-comparison .legendtext").all_text_contents()
        assert legend and all("<" not in name for name in legend)  # scenario ids, drawn plainly
        flows = page.locator("#figure-flows")
        flows.locator(".sankey-node rect").first.hover(force=True)
        flows.locator(".hovertext").wait_for(timeout=5_000)
        assert f"Side A {LINK}" in (flows.locator(".hovertext").first.text_content() or "")
        assert page.locator(".js-plotly-plot a").count() == 0
        left = [url for url in browser.requested if not url.startswith("file://")]
        assert left == [], left
    finally:
        page.close()
        browser.set_offline(False)
