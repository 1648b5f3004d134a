"""The figures draw exactly the roadmap they are given, and say why when there is none."""

from __future__ import annotations

import html
import json
import re
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest
import yaml

import scnekit
from scnekit.analysis.compare import Comparison, compare, comparison
from scnekit.analysis.frontier import Frontier, frontier
from scnekit.analysis.robust import RobustResult, robust
from scnekit.analysis.sweep import sweep
from scnekit.errors import UsageError
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


SPECS = [figures.timeline_spec, figures.exposure_spec, figures.flows_spec, figures.milestones_spec]


def spec_roadmaps() -> list[tuple[str, str]]:
    """Every scenario of every bundled case and of the Syria example (feasible or not)."""
    found = []
    for file in [*sorted(CASES.glob("case-*.yaml")), SYRIA]:
        plan = scnekit.load(file)
        found += [(str(file), sid) for sid in ["base", *(s.id for s in plan.scenarios)]]
    return found


@pytest.mark.parametrize(("file", "scenario"), spec_roadmaps(), ids=lambda v: Path(v).stem)
def test_the_plain_dicts_the_explorer_sends_are_the_validated_figures(file: str, scenario: str) -> None:
    """The explorer sends each view's dict unvalidated (plotly's validation costs 5-15 ms a
    figure): it must be exactly the figure plotly validates, with no key plotly would rename
    (``legend_title_text``) or name it would resolve (``template: "none"``)."""
    roadmap = scnekit.solve(scnekit.load(file), scenario)
    for spec_of, draw in zip(SPECS, DRAW, strict=True):
        spec = spec_of(roadmap)
        sent = json.loads(json.dumps(spec))
        assert sent == json.loads(go.Figure(spec).to_json()), spec_of.__name__
        assert sent == json.loads(draw(roadmap).to_json()), spec_of.__name__


# -- comparing scenarios ---------------------------------------------------------------------


def infeasible_scenarios() -> list[tuple[str, str]]:
    """(case file, scenario) pairs without a roadmap, as tests/cases/expected.json records them."""
    expected = json.loads((CASES / "expected.json").read_text(encoding="utf-8"))
    return [(case, sid) for case, scenarios in expected.items() for sid, answer in scenarios.items()
            if answer["optimum"] is None]


@pytest.fixture(scope="module")
def earthquake() -> Comparison:
    return compare(scnekit.load(SYRIA), ["base", "earthquake"])


def rows_of(fig: go.Figure) -> dict[int, str]:
    return dict(zip(fig.layout.yaxis.tickvals, fig.layout.yaxis.ticktext, strict=True))


def test_compare_figure_marks_every_changed_measure_and_milestone(earthquake: Comparison) -> None:
    assert not earthquake.measures.empty and not earthquake.milestones.empty
    fig = figures.compare_figure(earthquake)
    rows = rows_of(fig)
    (marks,) = [t for t in fig.data if t.mode == "markers" and t.name.startswith("earthquake")]
    drawn = {rows[round(y)]: x for x, y in zip(marks.x, marks.y, strict=True)}
    expected = {r["measure"]: r["from"] if pd.isna(r["to"]) else r["to"]
                for r in earthquake.measures.to_dict("records")}
    expected |= {f"◆ {r['milestone']}": r["from"] if pd.isna(r["to"]) else r["to"]
                 for r in earthquake.milestones.to_dict("records")}
    assert drawn == expected
    symbols = dict(zip([rows[round(y)] for y in marks.y], marks.marker.symbol, strict=True))
    for r in earthquake.measures.to_dict("records"):
        if r["change"] == "added":
            assert symbols[r["measure"]] == "star"
        elif r["change"] == "moved":
            assert symbols[r["measure"]] == ("triangle-right" if r["to"] > r["from"] else "triangle-left")


def test_compare_figure_draws_the_reference_and_a_line_per_move(earthquake: Comparison) -> None:
    fig = figures.compare_figure(earthquake)
    rows = rows_of(fig)
    reference = next(t for t in fig.data if t.name == "base (reference)")
    base = earthquake.roadmaps["base"]
    starts = {rows[y]: x for x, y in zip(reference.x, reference.y, strict=True)}
    assert starts == {r: (base.achieved if r.startswith("◆ ") else base.starts)[r.removeprefix("◆ ")]
                      for r in rows.values()
                      if (base.achieved if r.startswith("◆ ") else base.starts).get(r.removeprefix("◆ "))}
    (lines,) = [t for t in fig.data if t.mode == "lines"]
    segments = {rows[round(y)]: (a, b) for a, b, y in zip(lines.x[::3], lines.x[1::3], lines.y[::3], strict=True)}
    moved = earthquake.measures[earthquake.measures["change"] == "moved"]
    assert {m: segments[m] for m in moved["measure"]} == {
        r["measure"]: (r["from"], r["to"]) for r in moved.to_dict("records")}
    assert list(fig.layout.xaxis.ticktext) == list(base.plan.horizon.labels or ())


def test_compare_figure_names_the_scenarios(earthquake: Comparison) -> None:
    fig = figures.compare_figure(earthquake)
    assert "base" in fig.layout.title.text and "earthquake" in fig.layout.title.text
    names = {t.name for t in fig.data if t.showlegend is not False}
    delta = earthquake.roadmaps["earthquake"].objective - earthquake.roadmaps["base"].objective
    assert names == {"base (reference)", f"earthquake: objective {earthquake.roadmaps['earthquake'].objective:g} "
                                         f"({delta:+g})"}
    hover = [c[1] for t in fig.data if t.mode == "markers" and t.name.startswith("earthquake") for c in t.customdata]
    assert any("Q" in h and "→" in h for h in hover)  # moves in the horizon's labels


def test_compare_figure_with_a_scenario_without_roadmap() -> None:
    case, sid = infeasible_scenarios()[0]
    broken = scnekit.solve(scnekit.load(CASES / case), sid)
    assert not broken.is_ok
    solved = compare(scnekit.load(CASES / "case-1004.yaml"), ["base", "shock"])
    fig = figures.compare_figure(comparison({**solved.roadmaps, "broken": broken}))
    assert "no roadmap: broken" in fig.layout.title.text
    assert [t.name for t in fig.data if t.mode == "markers"] == ["shock: objective 44 (-17)", "base (reference)"]
    alone = figures.compare_figure(comparison({"base": solved.roadmaps["base"], "broken": broken}))
    assert not alone.data and "broken: no roadmap" in alone.layout.annotations[0].text


def test_compare_figure_when_the_reference_has_no_roadmap() -> None:
    case = infeasible_scenarios()[0][0]
    fig = figures.compare_figure(compare(scnekit.load(CASES / case)))
    assert isinstance(fig, go.Figure) and not fig.data
    assert "base has no roadmap (infeasible)" in fig.layout.annotations[0].text


def test_compare_figure_of_identical_roadmaps_says_no_difference(case: scnekit.Roadmap) -> None:
    fig = figures.compare_figure(comparison({"shock": case, "again": case}))
    assert not fig.data
    assert "No difference" in fig.layout.annotations[0].text and "again" in fig.layout.annotations[0].text


# -- sweeps ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def swept() -> pd.DataFrame:
    """case-1004 under both scenarios; exposure limit -1 is refused by the format."""
    with ThreadPoolExecutor(1) as pool:
        rows = sweep(scnekit.load(CASES / "case-1004.yaml"), {"rules.max_exposure": [2, -1, 0, 1, 3]},
                     scenarios="all", executor=pool)
    assert set(rows["status"]) == {"optimal", "invalid"}
    return rows


def lines_of(fig: go.Figure) -> dict[str, go.Scatter]:
    return {t.name: t for t in fig.data if t.type == "scatter" and t.mode == "lines+markers"}


def test_sweep_figure_has_one_line_per_scenario_with_the_rows_objectives(swept: pd.DataFrame) -> None:
    fig = figures.sweep_figure(swept, "rules.max_exposure")
    lines = lines_of(fig)
    assert set(lines) == {"base", "shock"}
    for sid, line in lines.items():
        rows = swept[swept["scenario"] == sid].sort_values("rules.max_exposure")
        assert list(line.x) == list(rows["rules.max_exposure"])
        assert list(line.y) == [None if pd.isna(v) else v for v in rows["objective"]]
    assert fig.layout.xaxis.title.text == "rules.max_exposure" or fig.layout.xaxis2.title.text == "rules.max_exposure"


def test_sweep_figure_leaves_gaps_for_invalid_rows_and_says_why(swept: pd.DataFrame) -> None:
    fig = figures.sweep_figure(swept, "rules.max_exposure")
    for line in lines_of(fig).values():
        assert line.y[0] is None and line.connectgaps is False  # -1 comes first, and is invalid
    marks = [t for t in fig.data if t.yaxis == "y3"]
    assert {t.name for t in marks} == {"base", "shock"}
    for t in marks:
        assert list(t.x) == [-1] and list(t.marker.symbol) == ["cross"]
        said = t.customdata[0].replace("<br>", " ")  # the reason is wrapped
        assert "invalid" in said and "must not be negative" in said


def test_sweep_figure_milestone_panel_is_the_achieved_columns(swept: pd.DataFrame) -> None:
    fig = figures.sweep_figure(swept, "rules.max_exposure")
    (heat,) = [t for t in fig.data if t.type == "heatmap"]
    assert list(heat.x) == [-1, 0, 1, 2, 3]
    for label, row in zip(heat.y, heat.z, strict=True):
        sid, milestone = label.split(" · ")
        rows = swept[swept["scenario"] == sid].sort_values("rules.max_exposure")
        expected = [None if s != "optimal" else 0 if pd.isna(a) else a
                    for s, a in zip(rows["status"], rows[f"achieved:{milestone}"], strict=True)]
        assert list(row) == expected
    assert not [t for t in figures.sweep_figure(swept, "rules.max_exposure", milestones=False).data
                if t.type == "heatmap"]


def test_sweep_figure_names_a_line_per_combination_of_the_other_values() -> None:
    with ThreadPoolExecutor(1) as pool:
        rows = sweep(scnekit.load(CASES / "case-1004.yaml"),
                     {"rules.max_exposure": [0, 2], "horizon.capacity": [0, 2]}, scenarios="all", executor=pool)
    fig = figures.sweep_figure(rows, "rules.max_exposure")
    assert set(lines_of(fig)) == {f"{s} · horizon.capacity={c}" for s in ("base", "shock") for c in (0, 2)}
    infeasible = [t for t in fig.data if t.yaxis == "y3"]
    assert {t.name for t in infeasible} == {"base · horizon.capacity=0", "shock · horizon.capacity=0"}
    assert all(set(t.marker.symbol) == {"x"} and "infeasible" in t.customdata[0] for t in infeasible)
    by_capacity = lines_of(figures.sweep_figure(rows, "horizon.capacity"))
    assert set(by_capacity) == {f"{s} · rules.max_exposure={e}" for s in ("base", "shock") for e in (0, 2)}


def test_sweep_figure_refuses_an_x_that_was_not_varied(swept: pd.DataFrame) -> None:
    for x in ("objective", "achieved:calm", "rules.capacity"):
        with pytest.raises(UsageError, match=re.escape(f"{x!r} is not a varied column")) as raised:
            figures.sweep_figure(swept, x)
        assert "the varied ones are: rules.max_exposure" in str(raised.value)


# -- the exposure frontier, walk-away stakes, robust first steps -----------------------------


@pytest.fixture(scope="module")
def steps() -> Frontier:
    """case-1008's base: three points of the frontier, one of its roadmaps with a party tempted."""
    found = frontier(scnekit.load(CASES / "case-1008.yaml"))
    assert found.status == "optimal" and len(found.points) == 3
    return found


def frontier_marks(fig: go.Figure) -> go.Scatter:
    (marks,) = [t for t in fig.data if t.mode == "markers+text"]
    return marks


def test_frontier_figure_points_are_the_frontiers(steps: Frontier) -> None:
    fig = figures.frontier_figure(steps, limit=5)
    marks = frontier_marks(fig)
    assert list(marks.x) == [p.peak_exposure for p in steps.points]
    assert list(marks.y) == [p.objective for p in steps.points]
    best = max(p.objective for p in steps.points)
    table = steps.table
    assert [c[0] for c in marks.customdata] == [best - p.objective for p in steps.points]
    assert [c[0] for c in marks.customdata] == list(table["cost_of_safety"])
    assert [c[1] for c in marks.customdata] == list(table["measures"])
    assert "gives up" in marks.hovertemplate and "measures" in marks.hovertemplate
    (line,) = [t for t in fig.data if t.mode == "lines"]
    assert line.line.shape == "hv"  # a step: the best objective holds until the next point
    assert list(line.x) == [*marks.x, 5] and list(line.y) == [*marks.y, marks.y[-1]]
    assert "scenario base" in fig.layout.title.text and "all parties" in fig.layout.title.text


def test_frontier_figure_marks_the_current_limit(steps: Frontier) -> None:
    fig = figures.frontier_figure(steps, limit=5)
    (limit,) = [s for s in fig.layout.shapes if s.type == "line"]
    assert limit.x0 == limit.x1 == 5 and limit.yref == "paper" and limit.line.dash == "dash"
    assert any(a.text == "current limit 5" for a in fig.layout.annotations)
    assert fig.layout.xaxis.range[1] > 5  # the line is inside the plot
    unmarked = figures.frontier_figure(steps)
    assert not [s for s in unmarked.layout.shapes if s.type == "line"]
    assert not [a for a in unmarked.layout.annotations if "current limit" in a.text]
    assert list(frontier_marks(unmarked).x) == [p.peak_exposure for p in steps.points]


def test_frontier_figure_of_chosen_parties_names_them() -> None:
    plan = scnekit.load(CASES / "case-1008.yaml")
    chosen = [p.id for p in plan.parties][:2]
    fig = figures.frontier_figure(frontier(plan, parties=chosen))
    assert f"peak over {', '.join(chosen)}" in fig.layout.title.text


def test_frontier_figure_without_a_roadmap_says_why() -> None:
    found = frontier(scnekit.load(CASES / "case-1002.yaml"))
    assert found.status == "infeasible" and not found.points and found.conflicts
    fig = figures.frontier_figure(found, limit=1)
    assert not fig.data and not fig.layout.shapes
    (note,) = fig.layout.annotations
    assert "no frontier" in note.text
    for rule in {c.rule for c in found.conflicts}:
        assert rule.replace("_", " ") in note.text


def test_stake_heatmap_cells_are_the_walkaway_stakes(steps: Frontier) -> None:
    roadmap = steps.points[-1].roadmap
    rows = roadmap.walkaway()
    assert rows["tempted"].any()  # some cell is red
    fig = figures.stake_heatmap(roadmap)
    heat, last = fig.data
    plan = roadmap.plan
    T = plan.phases
    assert list(heat.y) == [p.id for p in plan.parties] and list(heat.x) == list(range(1, T))
    for party, zrow, trow, crow in zip(heat.y, heat.z, heat.text, heat.customdata, strict=True):
        mine = rows[rows["party"] == party].set_index("phase")
        assert list(zrow) == [mine.loc[t, "stake"] for t in range(1, T)]
        assert [c[2] for c in crow] == [mine.loc[t, "banked"] for t in range(1, T)]
        assert [re.sub("</?b>", "", t) for t in trow] == [f"{mine.loc[t, 'stake']:g}" for t in range(1, T)]
        assert [t.startswith("<b>") for t in trow] == [bool(mine.loc[t, "tempted"]) for t in range(1, T)]
    assert "banked" in heat.hovertemplate and "stake" in heat.hovertemplate
    assert heat.zmin < 0 < heat.zmax  # a diverging scale that breaks at 0
    (_, red), (cut, pale), (edge, zero), *_ = heat.colorscale  # red up to a hard break just below 0
    assert (red, pale, zero) == (figures.DEEP_RED, figures.TEMPTED, figures.ZERO)
    assert cut == edge == pytest.approx(-heat.zmin / (heat.zmax - heat.zmin), abs=1e-5)
    # the last phase: shown, greyed, its stake 0 by definition
    assert list(last.x) == [T] and {c for _, c in last.colorscale} == {figures.LAST_PHASE}
    assert all(rows[(rows["phase"] == T)]["stake"] == 0)
    assert [row[0][2] for row in last.customdata] == [
        rows[(rows["party"] == p) & (rows["phase"] == T)]["banked"].item() for p in last.y]
    assert list(fig.layout.xaxis.ticktext) == [plan.horizon.label(t) for t in range(1, T + 1)]


def test_stake_heatmap_of_no_roadmap_is_empty(infeasible: scnekit.Roadmap) -> None:
    fig = figures.stake_heatmap(infeasible)
    assert not fig.data and "No roadmap" in fig.layout.annotations[0].text


@pytest.fixture(scope="module")
def shared() -> RobustResult:
    result = robust(scnekit.load(CASES / "case-1008.yaml"), ["base", "shock"], 2)
    assert result.status == "optimal" and result.value is not None and result.first_steps
    return result


def test_robust_figure_bars_are_each_scenarios_objective_and_optimum(shared: RobustResult) -> None:
    fig = figures.robust_figure(shared)
    own, here = fig.data
    ids = list(shared.scenarios)
    assert list(own.x) == list(here.x) == ids
    assert list(own.y) == [shared.scenarios[s].optimum for s in ids]
    assert list(here.y) == [shared.scenarios[s].roadmap.objective for s in ids]
    assert list(here.customdata) == [f"{shared.scenarios[s].price:g}" for s in ids]
    notes = " ".join(a.text for a in fig.layout.annotations)
    for step in shared.first_steps:
        assert step["measure"] in notes
    assert f"objective {shared.value:g}" in notes and "phases 1-2" in fig.layout.title.text


def test_robust_figure_without_common_first_steps_says_why() -> None:
    result = robust(scnekit.load(CASES / "case-1002.yaml"), ["base", "shock"], 1)
    assert result.status == "infeasible" and result.reasons
    fig = figures.robust_figure(result)
    assert not fig.data
    assert "no roadmap of its own" in fig.layout.annotations[0].text


# -- user text is text: plotly's HTML subset never reads it as markup ------------------------

LINK = '<a href="http://example.invalid">x</a> & <b>y</b>'
LINK_SHOWN = '&lt;a href="http://example.invalid"&gt;x&lt;/a&gt; &amp; &lt;b&gt;y&lt;/b&gt;'


def linked_document() -> dict[str, object]:
    """A small plan whose every text field holds LINK; scenario late moves a measure and a
    milestone, stuck has no roadmap (its conflict quotes a milestone's title and a phase label)."""
    return {
        "scnekit": 1, "name": f"Plan {LINK}", "description": f"About {LINK}",
        "horizon": {"phases": 3, "labels": [f"Q1 {LINK}", f"Q2 {LINK}", "Q3"], "capacity": 3},
        "parties": [{"id": "a", "name": f"Side A {LINK}", "notes": LINK, "source": LINK},
                    {"id": "b", "name": f"Side B {LINK}", "kind": "external", "notes": LINK}],
        "measures": [
            {"id": "m1", "title": f"Step one {LINK}", "by": "a", "cost": 1, "to": {"b": 3}, "category": LINK,
             "duration": 2, "notes": LINK, "source": LINK},
            {"id": "m2", "title": f"Step two {LINK}", "by": "b", "cost": 1, "to": {"a": 3}, "category": LINK},
            {"id": "m3", "title": f"Step three {LINK}", "by": "b", "cost": 1, "to": {"a": 2}},
        ],
        "links": [{"kind": "reciprocal", "measures": ["m1", "m2"], "within": 1}],
        "milestones": [{"id": "k1", "title": f"Milestone {LINK}", "all": ["m1", "m2"], "deadline": 3,
                        "notes": LINK}],
        "rules": {"max_exposure": 2},
        "scenarios": [
            {"id": "other", "description": f"Scenario {LINK}", "unavailable": ["m3"], "set": {"measures.m1.cost": 2}},
            {"id": "late", "description": LINK, "set": {"horizon.capacity": 1}},
            {"id": "stuck", "description": LINK, "set": {"milestones.k1.deadline": 1}},
        ],
    }


@pytest.fixture(scope="module")
def linked() -> scnekit.Plan:
    return scnekit.loads(linked_document())


def linked_figures(plan: scnekit.Plan) -> dict[str, go.Figure]:
    """Every figure function over the plan of LINK, through every path that draws user text."""
    base, late, stuck = (scnekit.solve(plan, s) for s in ("base", "late", "stuck"))
    assert base.is_ok and late.is_ok and not stuck.is_ok
    with ThreadPoolExecutor(1) as pool:
        rows = sweep(plan, {"measures.m1.title": [LINK, "plain"], "measures.m1.by": ["a", LINK],
                            "rules.max_exposure": [1, 2]}, scenarios=["base", "late"], executor=pool)
    assert LINK in " ".join(str(e) for e in rows["error"].dropna())  # an invalid variant quotes the value
    shared = robust(plan, ["base", "late"], 2)
    assert shared.status == "optimal" and shared.first_steps
    refused = robust(plan, ["base", "stuck"], 1)
    assert refused.status == "infeasible" and LINK in " ".join(refused.reasons)
    drawn = {f"{draw.__name__}": draw(base) for draw in [*DRAW, figures.stake_heatmap]}
    drawn |= {f"{draw.__name__} (no roadmap)": draw(stuck) for draw in [*DRAW, figures.stake_heatmap]}
    drawn |= {
        "compare_figure": figures.compare_figure(compare(plan, ["base", "late", "other", "stuck"])),
        "compare_figure (named by the caller)": figures.compare_figure(comparison({"base": base, LINK: late})),
        "compare_figure (no difference)": figures.compare_figure(comparison({LINK: base, "again": base})),
        "compare_figure (reference without roadmap)": figures.compare_figure(comparison({LINK: stuck,
                                                                                         "base": base})),
        "sweep_figure (values on the axis)": figures.sweep_figure(rows, "measures.m1.title"),
        "sweep_figure (values in the names)": figures.sweep_figure(rows, "rules.max_exposure"),
        "frontier_figure": figures.frontier_figure(frontier(plan), limit=3),
        "robust_figure": figures.robust_figure(shared),
        "robust_figure (no first steps)": figures.robust_figure(refused),
    }
    return drawn


def texts(value: object) -> list[str]:
    """Every string in a figure's JSON (keys too)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*texts(k), *texts(v))]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in texts(v)]
    if hasattr(value, "tolist"):
        return texts(value.tolist())
    return []


def hovertemplates(value: object) -> list[str]:
    """Every hovertemplate in a figure's JSON, a sankey's nodes' and links' too."""
    if isinstance(value, dict):
        return [*([value["hovertemplate"]] if "hovertemplate" in value else []),
                *(h for k, v in value.items() if k != "hovertemplate" for h in hovertemplates(v))]
    if isinstance(value, (list, tuple)):
        return [h for v in value for h in hovertemplates(v)]
    return []


def test_plain_escapes_ampersand_first() -> None:
    assert figures.plain(LINK) == LINK_SHOWN
    assert figures.plain("&lt;b&gt; &amp;") == "&amp;lt;b&amp;gt; &amp;amp;"  # an entity typed shows as typed
    assert figures.plain("m1-a_2") == "m1-a_2"  # ids are left as they are


def test_user_text_never_becomes_plotly_markup(linked: scnekit.Plan) -> None:
    drawn = linked_figures(linked)
    for name, fig in drawn.items():
        strings = texts(fig.to_plotly_json())
        markup = [s for s in strings if re.search(r"<a\b|</a>|<b>y|y</b>", s)]
        assert not markup, (name, markup)
        bare = [s for s in strings if re.search(r"&(?!amp;|lt;|gt;|nbsp;)", s)]  # every & is an entity
        assert not bare, (name, bare)
        if name != "frontier_figure" and "(no roadmap)" not in name:  # those say only ids, rules and numbers
            shown = [s.replace("<br>   ", " ") for s in strings]  # robust_figure wraps its reasons
            assert any(LINK_SHOWN in s for s in shown), name  # the user's text is there, escaped
        if fig.data:  # scnekit's own markup is still markup
            hovers = hovertemplates(fig.to_plotly_json()["data"])
            assert hovers and all(h.endswith("<extra></extra>") for h in hovers), name
            assert all("<b>" in h or "<br>" in h for h in hovers), (name, hovers)
        else:
            assert "<span style='font-size:15px;color:#666'>· " in fig.layout.title.text, name
    assert sum("<br>" in s for fig in drawn.values() for s in texts(fig.to_plotly_json())) > 20


def test_user_text_is_shown_as_typed(linked: scnekit.Plan) -> None:
    """Unescaped, the drawn text is the plan's text; a party's name never enters a hovertemplate
    (where plotly would also read a %{...} in it)."""
    roadmap = scnekit.solve(linked)
    timeline = figures.timeline(roadmap)
    bars = [t for t in timeline.data if t.type == "bar"]
    assert bars
    for trace in bars:
        party = linked.party_by_id[trace.name]
        for y, row in zip(trace.y, trace.customdata, strict=True):
            measure = linked.measure_by_id[y]
            assert [html.unescape(v) for v in (row[0], row[1], row[5])] == [measure.title, measure.category or "-",
                                                                          party.name]
        assert "Side" not in trace.hovertemplate and "%{customdata[5]}" in trace.hovertemplate
    assert [html.unescape(t) for t in timeline.layout.xaxis.ticktext] == list(linked.horizon.labels or ())
    assert "<b>%{y}</b><br>" in bars[0].hovertemplate
    (sankey,) = figures.flows(roadmap).data
    assert {html.unescape(n) for n in sankey.node.customdata} == {p.name for p in linked.parties}
    sweep_axis = figures.sweep_figure(
        sweep(linked, {"measures.m1.title": [LINK, "plain"]}), "measures.m1.title").layout.xaxis
    assert [html.unescape(v) for v in sweep_axis.categoryarray] == [LINK, "plain"]
