"""Briefings (HTML, Markdown, Excel): what they say about the Syria example, an infeasible
plan, hostile text, and that building them needs no network and fetches nothing."""

from __future__ import annotations

import argparse
import re
import socket
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import openpyxl
import plotly.offline
import pytest

import scnekit
from scnekit.cli_report import add_parser, run_report
from scnekit.export.briefing import html as briefing_html
from tests.support.paths import EXAMPLE

ATTACKS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')
FORMULA_LIKE = ("=HYPERLINK(\"http://x\")", "+1+1", "-2", "@SUM(A1)")


def hostile_document(attack: str, measure_title: str | None = None) -> dict[str, Any]:
    """A small feasible plan whose every text field holds ``attack``."""
    return {
        "scnekit": 1, "name": f"Plan {attack}", "description": f"About {attack}",
        "horizon": {"phases": 3, "labels": [f"Q1 {attack}", "Q2", "Q3"], "capacity": 3},
        "parties": [
            {"id": "a", "name": f"Side A {attack}", "notes": attack, "source": attack},
            {"id": "b", "name": f"Side B {attack}", "kind": "external", "notes": attack, "source": attack},
        ],
        "measures": [
            {"id": "m1", "title": measure_title or f"Step one {attack}", "by": "a", "cost": 1, "to": {"b": 3},
             "source": f"Report {attack}, sect. 1", "notes": attack, "category": attack, "duration": 2},
            {"id": "m2", "title": f"Step two {attack}", "by": "b", "cost": 1, "to": {"a": 3},
             "source": f"{attack}", "notes": attack},
            {"id": "m3", "title": f"Step three {attack}", "by": "b", "cost": 1, "to": {"a": 2}},
        ],
        "links": [{"kind": "reciprocal", "measures": ["m1", "m2"], "within": 1}],
        "milestones": [{"id": "k1", "title": f"Milestone {attack}", "all": ["m1", "m2"], "deadline": 3,
                        "notes": attack, "source": attack}],
        "rules": {"max_exposure": 2},
        "scenarios": [{"id": "other", "description": f"Scenario {attack}", "unavailable": ["m3"],
                       "set": {"measures.m1.cost": 2, "milestones.k1.deadline": 2}}],
    }


def infeasible_document() -> dict[str, Any]:
    """Two phases, a step that takes both, and a milestone due in phase 1 that needs it."""
    return {
        "scnekit": 1, "name": "Too soon", "horizon": {"phases": 2},
        "parties": [{"id": "a", "name": "Side A"}, {"id": "b", "name": "Side B"}],
        "measures": [{"id": "slow", "title": "A slow step", "by": "a", "cost": 1, "to": {"b": 2}, "duration": 2}],
        "milestones": [{"id": "early", "title": "Early milestone", "all": ["slow"], "deadline": 1}],
    }


@pytest.fixture(scope="module")
def syria() -> tuple[scnekit.Plan, scnekit.Roadmap]:
    plan = scnekit.load(EXAMPLE)
    return plan, scnekit.solve(plan)


@pytest.fixture(scope="module")
def syria_html(syria: tuple[scnekit.Plan, scnekit.Roadmap]) -> str:
    return syria[1].to_html()


class Tags(HTMLParser):
    """Every start tag of a page with its attributes, as a browser's tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append((tag, attrs))


def visible_text(html: str) -> str:
    """The page without its scripts and tags, entities decoded (roughly what a reader sees)."""
    import html as html_lib

    body = re.sub(r"<script\b[^>]*>.*?</script>", " ", html, flags=re.S)
    body = re.sub(r"<style\b[^>]*>.*?</style>", " ", body, flags=re.S)
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", body))


def without_plotly(html: str) -> str:
    """The page with the one inline copy of plotly.js taken out (checked to be plotly's own bundle)."""
    bundle = briefing_html._plotly_js()
    assert html.count(bundle) == 1
    return html.replace(bundle, "")


# -- content --------------------------------------------------------------------------


def test_html_says_what_the_roadmap_achieves(syria: tuple[scnekit.Plan, scnekit.Roadmap], syria_html: str) -> None:
    plan, roadmap = syria
    text = " ".join(visible_text(syria_html).split())
    for heading in ("Summary", "The roadmap, phase by phase", "Exchanges: what each side does in return",
                    "Milestones and deadlines", "What each party gives and receives", "Rules and assumptions",
                    "Sources of the measures"):
        assert heading in text
    assert text.index("Summary") < text.index("The roadmap, phase by phase")
    reached = [k for k in plan.milestones if roadmap.achieved.get(k.id) is not None]
    assert f"It reaches {len(reached)} of {len(plan.milestones)} milestones" in text
    assert f"schedules {len(roadmap.starts)} of the {len(plan.measures)} measures" in text
    for k in reached:
        assert f"{plan.horizon.label(roadmap.achieved[k.id])}: {k.title}" in text
    for t in range(1, plan.phases + 1):
        assert f"Phase {t} ({plan.horizon.label(t)})" in text
    for mid in roadmap.starts:  # every scheduled measure is said with its party's name
        m = plan.measure_by_id[mid]
        assert f"{plan.party_by_id[m.by].name}: “{m.title}”" in text


def test_reciprocal_steps_are_told_as_exchanges(syria: tuple[scnekit.Plan, scnekit.Roadmap],
                                                syria_html: str) -> None:
    plan, roadmap = syria
    text = " ".join(visible_text(syria_html).split())
    pairs = [link.measures for link in plan.links
             if link.kind == "reciprocal" and all(m in roadmap.starts for m in link.measures)]
    assert pairs, "the example's roadmap has exchanges"
    for a, b in pairs:
        first, second = sorted((a, b), key=lambda m: (roadmap.starts[m], (a, b).index(m)))
        ma, mb = plan.measure_by_id[first], plan.measure_by_id[second]
        assert f"“{ma.title}”" in text
        assert f"in return, {plan.party_by_id[mb.by].name}: “{mb.title}”" in text
    table = re.search(r'<section id="exchanges">.*?</section>', syria_html, flags=re.S)
    assert table is not None and table.group().count("<tr>") == len(pairs) + 1


def test_sources_rules_and_scenario_assumptions() -> None:
    plan = scnekit.load(EXAMPLE)
    scenario = next(s for s in plan.scenarios if s.unavailable and s.set)
    roadmap = scnekit.solve(plan, scenario.id)
    text = " ".join(visible_text(roadmap.to_html()).split())
    assert " ".join((scenario.description or "").split()) in text
    for mid in scenario.unavailable:
        assert f"“{plan.measure_by_id[mid].title}”" in text
    assert text.count("(in the base plan:") + text.count("(not set in the base plan)") == len(scenario.set)
    documents = {m.source.split(",")[0].split("(")[0].strip() for m in plan.measures if m.source}
    assert any(d in text for d in documents)
    for m in plan.measures:
        if m.source:
            assert " ".join(m.source.split()) in text


def test_comparison_of_several_scenarios(syria: tuple[scnekit.Plan, scnekit.Roadmap]) -> None:
    plan, roadmap = syria
    other = plan.scenarios[0].id
    html = roadmap.to_html(compare_with=[scnekit.solve(plan, other)])
    text = " ".join(visible_text(html).split())
    assert "Scenarios compared" in text
    assert "Each scenario is solved on its own and compared with “base”" in text
    assert 'data-figure="figure-comparison"' in html
    assert "Scenarios compared" not in visible_text(roadmap.to_html())


def test_an_infeasible_scenario_gives_a_briefing_that_says_why() -> None:
    roadmap = scnekit.solve(scnekit.loads(infeasible_document()))
    assert roadmap.status == scnekit.Status.INFEASIBLE and roadmap.conflicts
    html = roadmap.to_html()
    text = " ".join(visible_text(html).split())
    assert "No roadmap can keep every rule" in text
    assert "Why there is no roadmap" in text
    for conflict in roadmap.conflicts:
        assert " ".join(conflict.detail.split()) in text
    assert "The roadmap, phase by phase" not in text
    markdown = roadmap.to_markdown()
    assert "No roadmap can keep every rule" in markdown
    assert "Why there is no roadmap" in markdown


def test_markdown_has_the_same_sections_and_tables(syria: tuple[scnekit.Plan, scnekit.Roadmap]) -> None:
    plan, roadmap = syria
    text = roadmap.to_markdown()
    assert text.startswith("# ")
    for heading in ("## Summary", "## The roadmap, phase by phase", "## Exchanges: what each side does in return",
                    "## Milestones and deadlines", "## What each party gives and receives",
                    "### Exposure phase by phase", "## Rules and assumptions", "## Sources of the measures"):
        assert heading in text
    assert "<script" not in text and "<div" not in text  # no figures, no HTML
    header = "| Party | " + " | ".join(plan.horizon.label(t) for t in range(1, plan.phases + 1)) + " |"
    assert header in text
    for party in plan.parties:  # one exposure row per party, as many cells as phases
        rows = [line for line in text.splitlines() if line.startswith(f"| {party.name.replace('|', '')}")]
        assert any(line.count("|") == plan.phases + 2 for line in rows), party.id


def test_excel_sheets_numbers_and_headers(tmp_path: Path, syria: tuple[scnekit.Plan, scnekit.Roadmap]) -> None:
    plan, roadmap = syria
    path = tmp_path / "briefing.xlsx"
    roadmap.to_excel(path, compare_with=[scnekit.solve(plan, plan.scenarios[0].id)])
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["summary", "schedule", "milestones", "exposure", "received", "walk-away",
                               "measures", "assumptions", "comparison", "scenarios"]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.bold for cell in sheet[1] if cell.value is not None)
        assert all(sheet.column_dimensions[c.column_letter].width > 2 for c in sheet[1])
    schedule = book["schedule"]
    headers = [c.value for c in schedule[1]]
    assert headers[:3] == ["measure", "title", "by"]
    assert schedule.max_row == len(roadmap.starts) + 1
    start = headers.index("start") + 1
    for row in schedule.iter_rows(min_row=2):
        assert isinstance(row[start - 1].value, int)
        assert row[start - 1].data_type == "n"
        mid = row[0].value
        assert row[start - 1].value == roadmap.starts[mid]
    exposure = book["exposure"]
    assert [c.value for c in exposure[1]][2:] == [plan.horizon.label(t) for t in range(1, plan.phases + 1)]
    for row in exposure.iter_rows(min_row=2):
        party = row[0].value
        assert [c.value for c in row[2:]] == pytest.approx(list(roadmap.exposure[party]))
        assert all(c.data_type == "n" for c in row[2:])
    assert book["walk-away"].max_row == len(roadmap.walkaway()) + 1
    assert book["measures"].max_row == len(plan.measures) + 1


@pytest.mark.parametrize("title", FORMULA_LIKE)
def test_excel_text_that_looks_like_a_formula_stays_text(tmp_path: Path, title: str) -> None:
    roadmap = scnekit.solve(scnekit.loads(hostile_document("x", measure_title=title)))
    path = tmp_path / "briefing.xlsx"
    roadmap.to_excel(path)
    book = openpyxl.load_workbook(path)
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value == title]
    assert cells, f"{title!r} is in the workbook"
    assert all(c.data_type == "s" for c in cells)
    formulas = [c.coordinate for sheet in book.worksheets for row in sheet.iter_rows() for c in row
                if c.data_type == "f"]
    assert formulas == []


# -- escaping -------------------------------------------------------------------------


@pytest.mark.parametrize("attack", ATTACKS)
def test_every_user_text_is_escaped_in_html(attack: str) -> None:
    plan = scnekit.loads(hostile_document(attack))
    roadmaps = [scnekit.solve(plan), scnekit.solve(plan, "other")]
    assert all(r.is_ok for r in roadmaps)
    html = roadmaps[0].to_html(compare_with=roadmaps[1:])
    page = without_plotly(html)
    assert "alert(1)" in page  # the text is there ...
    assert "<script>alert(1)" not in page and "<img src=x" not in page  # ... never as a tag
    tags = Tags()
    tags.feed(html)
    assert "img" not in {tag for tag, _ in tags.seen}
    assert not [(tag, name) for tag, attrs in tags.seen for name, _ in attrs if name.startswith("on")]
    scripts = [dict(attrs) for tag, attrs in tags.seen if tag == "script"]
    assert [s for s in scripts if s.get("type") != "application/json"] == [{}, {}]  # plotly.js and the boot
    # the figures' JSON never closes its script element, whatever the titles hold
    for data in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', page, flags=re.S):
        assert "<" not in data and ">" not in data
    # and every kind of text reaches the page, escaped
    text = visible_text(page)
    for what in (f"Plan {attack}", f"Side A {attack}", f"Step one {attack}", f"Milestone {attack}",
                 f"Scenario {attack}", f"Report {attack}, sect. 1", f"About {attack}"):
        assert what in text, what


@pytest.mark.parametrize("attack", ATTACKS)
def test_markdown_escapes_user_text(attack: str) -> None:
    roadmap = scnekit.solve(scnekit.loads(hostile_document(attack)))
    text = roadmap.to_markdown()
    assert not re.search(r"(?<!\\)[<>]", text)  # every angle bracket is backslash-escaped: never a tag
    assert "\\<img" in text or "\\<script" in text


# -- nothing leaves the machine ----------------------------------------------------------


URL_FETCH = re.compile(r"""(?:\b(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//)"""
                       r"""|@import|url\(\s*["']?\s*(?:https?:)?//""", re.I)


def test_briefings_are_built_offline_and_fetch_nothing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a briefing tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    plan = scnekit.load(EXAMPLE)
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers(dest="command"), "limits")
    outputs = {}
    for suffix in (".html", ".md", ".xlsx"):
        out = tmp_path / f"briefing{suffix}"
        args = parser.parse_args(["report", str(EXAMPLE), "--scenario", "base", "--scenario",
                                  plan.scenarios[0].id, "--out", str(out)])
        assert run_report(args) == 0
        outputs[suffix] = out
    html = outputs[".html"].read_text(encoding="utf-8")
    assert openpyxl.load_workbook(outputs[".xlsx"]).sheetnames[0] == "summary"
    assert outputs[".md"].read_text(encoding="utf-8").startswith("# ")
    # plotly.js is inline, exactly as the installed plotly ships it, and nothing in it is a
    # fetch a browser would make: its few http(s) strings are text (licences, map styles)
    bundle = plotly.offline.get_plotlyjs()
    assert bundle in html
    assert not URL_FETCH.search(bundle.replace('href="https:', "").replace("href='http:", ""))
    assert "<script" not in bundle.lower() and "<link" not in bundle.lower()
    # everything else in the page fetches nothing, from anywhere
    page = without_plotly(html)
    assert not URL_FETCH.search(page), URL_FETCH.search(page)
    assert not re.search(r"<(?:script|img|link|iframe|embed|object|source)\b[^>]*\b(?:src|href)\s*=", page, re.I)
    assert "http://" not in page and "https://" not in page
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert policy is not None and "default-src &#39;none&#39;" in policy.group(1)


def test_report_refuses_an_unknown_suffix_and_an_unwritable_path(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers(dest="command"), "limits")
    for out, said in ((tmp_path / "b.pdf", "end the name with .html, .md or .xlsx"),
                      (tmp_path / "missing" / "b.html", "does not exist")):
        with pytest.raises(scnekit.UsageError, match=re.escape(said)):
            run_report(parser.parse_args(["report", str(EXAMPLE), "--out", str(out)]))
    infeasible = tmp_path / "plan.yaml"
    import yaml

    infeasible.write_text(yaml.safe_dump(infeasible_document()), encoding="utf-8")
    out = tmp_path / "b.md"
    assert run_report(parser.parse_args(["report", str(infeasible), "--out", str(out)])) == 1
    assert "Why there is no roadmap" in out.read_text(encoding="utf-8")
