"""The figures draw exactly the roadmap they are given, and say why when there is none."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import plotly.graph_objects as go
import pytest
import yaml

import scnekit
from scnekit.export import figures
from scnekit.fileformat.scenarios import variant

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "cases"
SYRIA = ROOT / "examples" / "syria_scne.yaml"
DRAW = [figures.timeline, figures.exposure, figures.flows, figures.milestones]


@pytest.fixture(scope="module")
def case() -> scnekit.Roadmap:
    roadmap = scnekit.solve(scnekit.load(CASES / "case-1004.yaml"), "shock")
    assert roadmap.status == "optimal" and len(roadmap.starts) >= 3
    return roadmap


@pytest.fixture(scope="module")
def infeasible() -> scnekit.Roadmap:
    roadmap = scnekit.solve(scnekit.load(CASES / "case-1002.yaml"))
    assert roadmap.status == "infeasible" and roadmap.conflicts
    return roadmap


def test_timeline_bars_are_the_schedule(case: scnekit.Roadmap) -> None:
    fig = figures.timeline(case)
    drawn = {}
    for trace in fig.data:
        if trace.type != "bar":
            continue
        for y, base, x in zip(trace.y, trace.base, trace.x, strict=True):
            drawn[y] = (trace.name, base + 0.5, base + x - 0.5)
    expected = {r.measure: (r.by, r.start, r.end) for r in case.schedule.itertuples()}
    assert drawn == expected


def test_timeline_colours_follow_the_implementing_party(case: scnekit.Roadmap) -> None:
    colors = figures.party_colors(case.plan)
    for trace in figures.timeline(case).data:
        if trace.type == "bar":
            assert trace.marker.color == colors[trace.name]
    assert len(set(colors.values())) == len(colors)


def test_timeline_marks_achieved_milestones(case: scnekit.Roadmap) -> None:
    marks = [t for t in figures.timeline(case).data if t.name == "milestone achieved"]
    achieved = {k: a for k, a in case.achieved.items() if a is not None}
    assert achieved, "the case should achieve a milestone"
    assert dict(zip([y.removeprefix("◆ ") for y in marks[0].y], marks[0].x, strict=True)) == achieved


def test_phase_labels_on_the_x_axis(tmp_path: Path) -> None:
    text = (CASES / "case-1004.yaml").read_text(encoding="utf-8")
    path = tmp_path / "labelled.yaml"
    path.write_text(text.replace("  phases: 4\n", "  phases: 4\n  labels: [Jan, Feb, Mar, Apr]\n"),
                    encoding="utf-8")
    roadmap = scnekit.solve(scnekit.load(path), "shock")
    for draw in (figures.timeline, figures.exposure, figures.milestones):
        axis = draw(roadmap).layout.xaxis
        assert list(axis.ticktext) == ["Jan", "Feb", "Mar", "Apr"]
        assert list(axis.tickvals) == [1, 2, 3, 4]


def test_exposure_traces_equal_the_ledger(case: scnekit.Roadmap) -> None:
    fig = figures.exposure(case)
    lines = {t.name: t for t in fig.data if not t.name.startswith("limit: ")}
    assert set(lines) == {p.id for p in case.plan.parties}
    for party, trace in lines.items():
        assert list(trace.y) == list(case.exposure[party])
        assert list(trace.x) == list(case.exposure.index)


def test_exposure_limits_are_dashed_lines(case: scnekit.Roadmap) -> None:
    fig = figures.exposure(case)
    limits = {t.name.removeprefix("limit: "): t for t in fig.data if t.name.startswith("limit: ")}
    expected = {p.id: case.plan.rules.exposure_limit(p.id) for p in case.plan.parties}
    assert set(limits) == {p for p, v in expected.items() if v is not None}
    for party, trace in limits.items():
        assert trace.line.dash == "dash"
        assert set(trace.y) == {expected[party]}


def test_flows_are_the_value_each_implementer_gives_each_party(case: scnekit.Roadmap) -> None:
    (sankey,) = figures.flows(case).data
    labels = list(sankey.node.label)
    drawn = {(labels[s].removesuffix(" gives"), labels[t].removesuffix(" receives")): v
             for s, t, v in zip(sankey.link.source, sankey.link.target, sankey.link.value, strict=True)}
    expected: dict[tuple[str, str], float] = defaultdict(float)
    for mid in case.starts:
        m = case.plan.measure_by_id[mid]
        for party, value in m.to.items():
            if value > 0:
                expected[m.by, party] += value
    assert drawn == dict(expected)


def test_flows_count_scheduled_measures_only(case: scnekit.Roadmap) -> None:
    (sankey,) = figures.flows(case).data
    unscheduled = {m.id for m in case.plan.measures} - set(case.starts)
    assert unscheduled, "the case should leave a measure out"
    for through in sankey.link.customdata:
        assert not set(through.split(", ")) & unscheduled


def test_milestones_achieved_against_deadline(case: scnekit.Roadmap) -> None:
    fig = figures.milestones(case)
    points = {}
    for trace in fig.data:
        if trace.name.startswith("achieved"):
            points.update(zip(trace.y, trace.x, strict=True))
    assert points == {k: a for k, a in case.achieved.items() if a is not None}
    deadlines = next(t for t in fig.data if t.name == "deadline")
    assert dict(zip(deadlines.y, deadlines.x, strict=True)) == {
        k.id: k.deadline for k in case.plan.milestones if k.deadline is not None}


def test_milestone_never_achieved_is_said(case: scnekit.Roadmap) -> None:
    plan = scnekit.load(CASES / "case-1004.yaml")
    bare = scnekit.Session().solve(variant(plan, unavailable=[m.id for m in plan.measures
                                                               if not m.mandatory],
                                           set={f"milestones.{k.id}.deadline": None
                                                for k in plan.milestones}))
    assert bare.is_ok and all(a is None for a in bare.achieved.values())
    never = next(t for t in figures.milestones(bare).data if t.name == "not achieved")
    assert set(never.y) == {k.id for k in plan.milestones}


def test_plan_without_milestones_says_so(tmp_path: Path) -> None:
    text = (CASES / "case-1009.yaml").read_text(encoding="utf-8")
    document = yaml.safe_load(text)
    document.pop("milestones")
    roadmap = scnekit.solve(scnekit.loads(document))
    assert roadmap.is_ok
    fig = figures.milestones(roadmap)
    assert not fig.data and "no milestones" in fig.layout.annotations[0].text
    assert not [t for t in figures.timeline(roadmap).data if t.name == "milestone achieved"]


@pytest.mark.parametrize("draw", DRAW, ids=lambda f: f.__name__)
def test_infeasible_roadmap_gives_an_explained_empty_figure(infeasible: scnekit.Roadmap, draw: object) -> None:
    fig = draw(infeasible)  # type: ignore[operator]
    assert isinstance(fig, go.Figure)
    assert len(fig.data) == 0
    (note,) = fig.layout.annotations
    assert "No roadmap" in note.text
    for rule in {c.rule for c in infeasible.conflicts}:
        assert rule.replace("_", " ") in note.text


@pytest.mark.parametrize("draw", DRAW, ids=lambda f: f.__name__)
def test_titles_name_the_scenario_and_fonts_are_large(case: scnekit.Roadmap, draw: object) -> None:
    fig = draw(case)  # type: ignore[operator]
    assert "scenario shock" in fig.layout.title.text
    assert fig.layout.font.size >= 16 and fig.layout.title.font.size >= 20


@pytest.mark.skipif(not SYRIA.exists(), reason="the Syria example is not there yet")
def test_syria_scenario_figures() -> None:
    roadmap = scnekit.solve(scnekit.load(SYRIA), "track-collapse")
    assert roadmap.is_ok
    timeline = figures.timeline(roadmap)
    shown = {y for t in timeline.data if t.type == "bar" for y in t.y}
    assert shown == set(roadmap.starts)
    assert list(timeline.layout.xaxis.ticktext) == list(roadmap.plan.horizon.labels or ())
    for draw in DRAW:
        assert draw(roadmap).data
