"""Pictures of a roadmap: pure functions from a :class:`~scnekit.roadmap.Roadmap` to a plotly figure;
and of analyses over several: :func:`compare_figure` (a :class:`~scnekit.analysis.compare.Comparison`),
:func:`sweep_figure` (the rows of :func:`~scnekit.analysis.sweep.sweep`), :func:`frontier_figure`
(a :class:`~scnekit.analysis.frontier.Frontier`), :func:`stake_heatmap` (a roadmap's walk-away
stakes) and :func:`robust_figure` (a :class:`~scnekit.analysis.robust.RobustResult`).

Every figure puts phases on a numeric axis labelled with the horizon's labels, gives each
party one colour in all four figures, and uses fonts large enough for a projector. A
roadmap without a schedule (infeasible, or stopped before any was found) gives an empty
figure whose annotation says why. Traces and layout are built as plain dicts and handed
to plotly once, which keeps a redraw in a live workshop cheap.

plotly reads a little HTML in every text it draws; every text of a user enters a figure
through :func:`plain`, so that it shows as typed (a ``<a href>`` in a title is text, not a link).
"""

from __future__ import annotations

import json
import math
import numbers
import textwrap
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

from scnekit.analysis.compare import Comparison
from scnekit.analysis.sweep import BASE_COLUMNS, INVALID
from scnekit.errors import UsageError
from scnekit.model import Plan
from scnekit.roadmap import Roadmap, Status

if TYPE_CHECKING:  # read by attribute only: drawing needs none of the solving code they import
    from scnekit.analysis.frontier import Frontier
    from scnekit.analysis.robust import RobustResult

Trace = dict[str, Any]
#: A figure as plotly.js takes it: ``{"data": [traces], "layout": {...}}``.
Spec = dict[str, Any]
FONT = {"family": "Arial, Helvetica, sans-serif", "size": 16}
TITLE_SIZE = 22
# D3's ten, then five darker ones that stay apart from them, then more for large files.
PALETTE = [*qualitative.D3, "#393b79", "#e7ba52", "#843c39", "#00a08a", "#7b4173", *qualitative.Dark24]
ON_TIME, NO_DEADLINE, MISSED = "#1b7837", "#2166ac", "#b2182b"


def plain(text: str) -> str:
    """``text`` as plotly draws it literally: plotly reads a little HTML (``<a href>``, ``<b>``,
    ``<br>``, ``<span style>``...) in every text it draws, so a user's ``<`` and ``>`` become
    ``&lt;`` and ``&gt;`` (and ``&`` first ``&amp;``, so that an entity typed is shown as typed);
    plotly turns the entities back into the characters on screen. Every text of a user (names,
    titles, phase labels, descriptions, scenario and sweep names, messages quoting them) goes
    through this before it enters a figure; scnekit's own markup is added around it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def party_colors(plan: Plan) -> dict[str, str]:
    """One colour per party, in the order the file lists them."""
    return {p.id: PALETTE[i % len(PALETTE)] for i, p in enumerate(plan.parties)}


def empty(title: str, message: str) -> go.Figure:
    """A figure with no data and ``message`` in its middle (both plotly text: a user's text in them
    goes through :func:`plain` first)."""
    return go.Figure(empty_spec(title, message))


def empty_spec(title: str, message: str) -> Spec:
    """:func:`empty` as the plain dict plotly.js draws."""
    layout = _layout(title)
    layout["xaxis"] = {"visible": False}
    layout["yaxis"] = {"visible": False}
    layout["annotations"] = [{"text": message, "x": 0.5, "y": 0.5, "xref": "paper", "yref": "paper",
                              "showarrow": False, "align": "center", "font": {"size": 18, "color": "#444"}}]
    return {"data": [], "layout": layout}


def timeline(roadmap: Roadmap) -> go.Figure:
    """The schedule: one bar per scheduled measure over the phases it runs, one colour per implementer."""
    return go.Figure(timeline_spec(roadmap))


def timeline_spec(roadmap: Roadmap) -> Spec:
    """:func:`timeline` as the plain dict plotly.js draws (not validated by plotly)."""
    title = _title("Roadmap", roadmap)
    if not roadmap.is_ok:
        return empty_spec(title, _no_roadmap(roadmap))
    plan, colors = roadmap.plan, party_colors(roadmap.plan)
    records = [{str(k): v for k, v in row.items()} for row in roadmap.schedule.to_dict("records")]
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in records:
        rows[row["by"]].append(row)
    data = [_bars(plan.party_by_id[p].name, p, colors[p], rows[p]) for p in colors if rows[p]]
    marks, mark_rows = _milestone_marks(roadmap)
    order = [*mark_rows, *(plain(r["measure"]) for r in records)]
    layout = _layout(title, {**_phase_axis(plan), "side": "top", "title": {"text": ""}})  # phases on top
    layout["yaxis"] = {**layout["yaxis"], "categoryorder": "array", "categoryarray": order[::-1],
                       "tickfont": {"size": 13}}
    layout["margin"] = {**layout["margin"], "t": 110}
    layout.update(barmode="overlay", height=max(420, 140 + 24 * len(order)))
    layout["legend"] = {**layout["legend"], "title": {**layout["legend"]["title"], "text": "implemented by"}}
    return {"data": [*marks, *data], "layout": layout}


def exposure(roadmap: Roadmap) -> go.Figure:
    """E_p(t) for every party, with each party's exposure limit as a dashed line."""
    return go.Figure(exposure_spec(roadmap))


def exposure_spec(roadmap: Roadmap) -> Spec:
    """:func:`exposure` as the plain dict plotly.js draws (not validated by plotly)."""
    title = _title("Exposure: cost committed minus value received", roadmap)
    if not roadmap.is_ok:
        return empty_spec(title, _no_roadmap(roadmap))
    plan, frame, colors = roadmap.plan, roadmap.exposure, party_colors(roadmap.plan)
    phases = [int(t) for t in frame.index]
    data: list[Trace] = []
    for party in plan.parties:
        values = [float(x) for x in frame[party.id]]
        limit = plan.rules.exposure_limit(party.id)
        shown: Any = True if any(abs(v) > 1e-9 for v in values) else "legendonly"
        data.append({
            "type": "scatter", "x": phases, "y": values, "name": plain(party.id), "legendgroup": party.id,
            "mode": "lines+markers", "line": {"color": colors[party.id], "width": 3}, "marker": {"size": 8},
            "visible": shown,
            "hovertemplate": f"<b>{plain(party.id)}</b> at %{{x}}: exposure %{{y:g}}<extra></extra>"})
        if limit is not None:
            data.append({
                "type": "scatter", "x": [phases[0] - 0.5, phases[-1] + 0.5], "y": [limit, limit],
                "name": f"limit: {plain(party.id)}", "legendgroup": party.id, "showlegend": False, "mode": "lines",
                "line": {"color": colors[party.id], "width": 2, "dash": "dash"}, "visible": shown,
                "hovertemplate": f"<b>{plain(party.id)}</b>: limit {limit:g}<extra></extra>"})
    layout = _layout(title, _phase_axis(plan), height=560)
    layout["yaxis"] = {**layout["yaxis"], "title": {"text": "exposure"}, "zeroline": True,
                       "zerolinewidth": 2, "zerolinecolor": "#888"}
    layout["legend"] = {**layout["legend"], "y": -0.1,
                        "title": {**layout["legend"]["title"], "text": "party (dashed: its limit)"}}
    return {"data": data, "layout": layout}


def flows(roadmap: Roadmap) -> go.Figure:
    """Who gives to whom: value of the scheduled measures from implementer (left) to recipient (right)."""
    return go.Figure(flows_spec(roadmap))


def flows_spec(roadmap: Roadmap) -> Spec:
    """:func:`flows` as the plain dict plotly.js draws (not validated by plotly)."""
    title = _title("Who gives to whom", roadmap)
    if not roadmap.is_ok:
        return empty_spec(title, _no_roadmap(roadmap))
    plan = roadmap.plan
    totals: dict[tuple[str, str], float] = defaultdict(float)
    measures: dict[tuple[str, str], list[str]] = defaultdict(list)
    for mid in roadmap.starts:
        m = plan.measure_by_id[mid]
        for party, value in m.to.items():
            if value > 0:
                totals[m.by, party] += value
                measures[m.by, party].append(mid)
    if not totals:
        return empty_spec(title, "The roadmap schedules no measure that gives value to anyone.")
    colors = party_colors(plan)
    order = [p.id for p in plan.parties]
    givers = [p for p in order if any(g == p for g, _ in totals)]
    takers = [p for p in order if any(r == p for _, r in totals)]
    nodes = [*givers, *takers]
    links = sorted(totals, key=lambda gr: (order.index(gr[0]), order.index(gr[1])))
    sankey = {
        "type": "sankey", "arrangement": "snap",
        "node": {"label": [f"{plain(p)} gives" for p in givers] + [f"{plain(p)} receives" for p in takers],
                 "color": [colors[p] for p in nodes], "pad": 14, "thickness": 18,
                 "customdata": [plain(plan.party_by_id[p].name) for p in nodes],
                 "hovertemplate": "%{customdata}<br>%{value:g}<extra></extra>"},
        "link": {"source": [givers.index(g) for g, _ in links],
                 "target": [len(givers) + takers.index(r) for _, r in links],
                 "value": [totals[gr] for gr in links],
                 "color": [_fade(colors[g]) for g, _ in links],
                 "customdata": [plain(", ".join(measures[gr])) for gr in links],
                 "hovertemplate": ("%{source.label} to %{target.label}: %{value:g}"
                                   "<br>through %{customdata}<extra></extra>")}}
    return {"data": [sankey], "layout": _layout(title, height=max(480, 40 * len(nodes) // 2 + 160))}


def milestones(roadmap: Roadmap) -> go.Figure:
    """For each milestone: the phase it is achieved in against its deadline."""
    return go.Figure(milestones_spec(roadmap))


def milestones_spec(roadmap: Roadmap) -> Spec:
    """:func:`milestones` as the plain dict plotly.js draws (not validated by plotly)."""
    title = _title("Milestones: achieved vs deadline", roadmap)
    plan = roadmap.plan
    if not plan.milestones:
        return empty_spec(title, "This plan has no milestones.")
    if not roadmap.is_ok:
        return empty_spec(title, _no_roadmap(roadmap))
    frame = roadmap.milestones
    ids = [plain(str(k)) for k in frame["milestone"]]
    titles = [plain(str(t)) for t in frame["title"]]
    achieved = [None if _missing(a) else int(a) for a in frame["achieved"]]
    deadline = [None if _missing(d) else int(d) for d in frame["deadline"]]
    data: list[Trace] = []
    allowed = [(k, d) for k, d in zip(ids, deadline, strict=True) if d is not None]
    if allowed:
        data.append({
            "type": "bar", "orientation": "h", "name": "time allowed", "y": [k for k, _ in allowed],
            "base": [0.5] * len(allowed), "x": [d - 0.5 for _, d in allowed], "width": 0.5,
            "marker": {"color": "rgba(120,120,120,0.18)"}, "customdata": [d for _, d in allowed],
            "hovertemplate": "<b>%{y}</b>: due by phase %{customdata}<extra></extra>"})
        data.append({
            "type": "scatter", "x": [d for _, d in allowed], "y": [k for k, _ in allowed], "name": "deadline",
            "mode": "markers", "marker": {"symbol": "line-ns", "size": 30, "line": {"width": 4, "color": "#333"}},
            "hovertemplate": "<b>%{y}</b>: deadline %{x}<extra></extra>"})
    for name, color, due in (("achieved by its deadline", ON_TIME, True),
                             ("achieved (no deadline)", NO_DEADLINE, False)):
        rows = [(k, a, t) for k, a, d, t in zip(ids, achieved, deadline, titles, strict=True)
                if a is not None and (d is not None) == due]
        if rows:
            data.append({
                "type": "scatter", "x": [a for _, a, _ in rows], "y": [k for k, _, _ in rows], "name": name,
                "mode": "markers", "customdata": [t for _, _, t in rows],
                "marker": {"symbol": "circle", "size": 18, "color": color, "line": {"width": 1, "color": "#000"}},
                "hovertemplate": "<b>%{y}</b>: achieved in phase %{x}<br>%{customdata}<extra></extra>"})
    never = [k for k, a in zip(ids, achieved, strict=True) if a is None]
    if never:
        data.append({
            "type": "scatter", "x": [plan.phases + 0.4] * len(never), "y": never, "name": "not achieved",
            "mode": "text", "text": ["not achieved"] * len(never), "textposition": "middle left",
            "textfont": {"color": MISSED, "size": 15}, "hoverinfo": "skip"})
    layout = _layout(title, _phase_axis(plan))
    layout["yaxis"] = {**layout["yaxis"], "categoryorder": "array", "categoryarray": ids[::-1]}
    layout.update(height=max(360, 160 + 44 * len(ids)), barmode="overlay")
    layout["legend"] = {**layout["legend"], "y": -0.1}
    return {"data": data, "layout": layout}


# -- several roadmaps ------------------------------------------------------------------

REFERENCE_GREY = "#555"
# Marker of a change: the start (or achievement) moved later or earlier, appeared or went.
LATER, EARLIER, GAINED, GONE = "triangle-right", "triangle-left", "star", "x"
COMPARE_KEY = "○ reference · ▶ later · ◀ earlier · ★ added · ✕ dropped · ◆ rows: milestones"


@dataclass(frozen=True)
class _Row:
    """One row of the comparison: a measure's start or a milestone's achievement."""

    id: str
    title: str
    milestone: bool
    reference: int | None

    @property
    def label(self) -> str:
        return f"◆ {plain(self.id)}" if self.milestone else plain(self.id)


@dataclass(frozen=True)
class _Change:
    id: str
    milestone: bool
    kind: str
    before: int | None
    after: int | None


def compare_figure(comparison: Comparison) -> go.Figure:
    """Where the other scenarios' roadmaps differ from the first's, one row per measure
    or milestone that differs anywhere: the reference's phase as a ring, each scenario's
    as a coloured marker, joined by a line so that a move reads as an arrow."""
    roadmaps, reference = comparison.roadmaps, comparison.reference
    others = list(roadmaps)[1:]
    missing = [sid for sid in others if not roadmaps[sid].is_ok]
    title = _compare_title(reference, others, missing)
    message = _nothing_to_compare(comparison, missing)
    if message:
        return empty(title, message)
    plan = max((r.plan for r in roadmaps.values() if r.is_ok), key=lambda p: p.phases)
    rows = _compare_rows(comparison)
    position = {(row.milestone, row.id): y for y, row in enumerate(rows)}
    data: list[Trace] = []
    drawn = [sid for sid in others if roadmaps[sid].is_ok]
    for k, sid in enumerate(drawn):
        offset = (k - (len(drawn) - 1) / 2) * min(0.3, 0.7 / len(drawn))
        changes = _changes_of(comparison, sid)
        if changes:
            name = _scenario_name(comparison, sid)
            color = PALETTE[k % len(PALETTE)]
            moves = [(position[c.milestone, c.id] + offset, c) for c in changes]
            data += [_move_lines(name, color, moves), _move_marks(name, color, moves, plan)]
    data.append(_reference_marks(reference, rows, plan))  # last: its rings stay visible over the changes
    return go.Figure(data=data, layout=_compare_layout(title, plan, rows))


def _compare_title(reference: str, others: list[str], missing: list[str]) -> str:
    note = f" · no roadmap: {plain(', '.join(missing))}" if missing else ""
    return (f"Compared with {plain(reference)} <span style='font-size:15px;color:#666'>· "
            f"{plain(', '.join(others)) or 'no other scenario'}{note}</span>")


def _nothing_to_compare(comparison: Comparison, missing: list[str]) -> str:
    """Why there is nothing to draw, or "" when there is."""
    roadmaps, reference = comparison.roadmaps, plain(comparison.reference)
    lacking = "<br>".join(f"{plain(sid)}: no roadmap ({roadmaps[sid].status})" for sid in missing)
    if not roadmaps[comparison.reference].is_ok:
        return (f"{reference} has no roadmap ({roadmaps[comparison.reference].status}): "
                "there is nothing to compare with.")
    if len(roadmaps) == 1:
        return "Only one scenario: choose at least two to compare."
    if len(missing) == len(roadmaps) - 1:
        return f"No other scenario has a roadmap to compare with {reference}:<br>{lacking}"
    if comparison.measures.empty and comparison.milestones.empty:
        same = [sid for sid in list(roadmaps)[1:] if sid not in missing]
        return (f"No difference: {plain(', '.join(same))} {'has' if len(same) == 1 else 'have'} the same roadmap "
                f"as {reference}." + (f"<br><br>{lacking}" if lacking else ""))
    return ""


def _compare_rows(comparison: Comparison) -> list[_Row]:
    """Milestones that differ anywhere, then measures, each by the reference's phase."""
    reference = comparison.roadmaps[comparison.reference]
    plan = reference.plan
    out: list[_Row] = []
    for frame, key, milestone in ((comparison.milestones, "milestone", True), (comparison.measures, "measure", False)):
        order = [k.id for k in plan.milestones] if milestone else [m.id for m in plan.measures]
        titles = ({k.id: k.title for k in plan.milestones} if milestone
                  else {m.id: m.title for m in plan.measures})
        found = reference.achieved if milestone else reference.starts
        later = {str(i): min(int(t) for t in f["to"].dropna()) if f["to"].notna().any() else plan.phases + 1
                 for i, f in frame.groupby(key)}
        ids = sorted(later, key=lambda i: (found.get(i) or plan.phases + 1, later[i], order.index(i)))
        out += [_Row(i, titles[i], milestone, found.get(i)) for i in ids]
    return out


def _changes_of(comparison: Comparison, sid: str) -> list[_Change]:
    out = []
    for frame, key, milestone in ((comparison.milestones, "milestone", True), (comparison.measures, "measure", False)):
        for row in frame[frame["scenario"] == sid].to_dict("records"):
            out.append(_Change(str(row[key]), milestone, str(row["change"]), _phase_or_none(row["from"]),
                               _phase_or_none(row["to"])))
    return out


def _scenario_name(comparison: Comparison, sid: str) -> str:
    """The legend's name: the scenario and its objective against the reference's."""
    objective = comparison.roadmaps[sid].objective or 0.0
    delta = objective - (comparison.roadmaps[comparison.reference].objective or 0.0)
    return f"{plain(sid)}: objective {objective:g} ({delta:+g})"


def _reference_marks(reference: str, rows: list[_Row], plan: Plan) -> Trace:
    shown = sorted(((y, row) for y, row in enumerate(rows) if row.reference is not None),
                   key=lambda yr: yr[1].milestone)  # a ring first: the legend shows the first symbol
    return {
        "type": "scatter", "mode": "markers", "name": f"{plain(reference)} (reference)", "legendrank": 1,
        "x": [row.reference for _, row in shown], "y": [y for y, _ in shown],
        "marker": {"symbol": ["diamond-open" if row.milestone else "circle-open" for _, row in shown],
                   "size": 17, "color": REFERENCE_GREY, "line": {"width": 2.5, "color": REFERENCE_GREY}},
        "customdata": [[plain(row.id), plain(row.title), plain(_was(row, plan))] for _, row in shown],
        "hovertemplate": "<b>%{customdata[0]}</b> · %{fullData.name}<br>%{customdata[1]}<br>%{customdata[2]}"
                         "<extra></extra>"}


def _move_lines(name: str, color: str, moves: list[tuple[float, _Change]]) -> Trace:
    """A segment from the reference's phase to the scenario's, for every moved row; the
    scenario's legend entry (its markers take several symbols)."""
    xs: list[int | None] = []
    ys: list[float | None] = []
    for y, c in moves:
        if c.before is not None and c.after is not None:
            xs += [c.before, c.after, None]
            ys += [y, y, None]
    return {"type": "scatter", "mode": "lines", "name": name, "legendgroup": name, "showlegend": True,
            "x": xs or [None], "y": ys or [None],  # a null point keeps the legend entry
            "line": {"color": color, "width": 3}, "hoverinfo": "skip"}


def _move_marks(name: str, color: str, moves: list[tuple[float, _Change]], plan: Plan) -> Trace:
    """The scenario's phase for every changed row (the reference's phase when it is dropped)."""
    return {
        "type": "scatter", "mode": "markers", "name": name, "legendgroup": name, "showlegend": False,
        "x": [c.before if c.after is None else c.after for _, c in moves], "y": [y for y, _ in moves],
        "marker": {"symbol": [_change_symbol(c) for _, c in moves], "size": 17, "color": color,
                   "line": {"width": 1, "color": "#222"}},
        "customdata": [[plain(c.id), plain(_change_words(c, plan))] for _, c in moves],
        "hovertemplate": "<b>%{customdata[0]}</b> · %{fullData.name}<br>%{customdata[1]}<extra></extra>"}


def _change_symbol(change: _Change) -> str:
    if change.before is None:
        return GAINED
    if change.after is None:
        return GONE
    return LATER if change.after > change.before else EARLIER


def _change_words(change: _Change, plan: Plan) -> str:
    what = "achieved" if change.milestone else "starts"
    if change.before is None:
        return f"{change.kind}: {what} in {_phase_words(plan, change.after)}"
    if change.after is None:
        return f"{change.kind}: was {what} in {_phase_words(plan, change.before)}"
    return (f"{what} {'later' if change.after > change.before else 'earlier'}: "
            f"{_phase_words(plan, change.before)} → {_phase_words(plan, change.after)}")


def _was(row: _Row, plan: Plan) -> str:
    return f"{'achieved' if row.milestone else 'starts'} in {_phase_words(plan, row.reference)}"


def _phase_words(plan: Plan, phase: int | None) -> str:
    if phase is None:
        return "no phase"
    return f"{plan.horizon.label(phase)} (phase {phase})" if plan.horizon.labels else f"phase {phase}"


def _phase_or_none(value: Any) -> int | None:
    return None if _missing(value) else int(value)


def _compare_layout(title: str, plan: Plan, rows: list[_Row]) -> dict[str, Any]:
    layout = _layout(title, {**_phase_axis(plan), "side": "top"}, height=max(420, 190 + 30 * len(rows)))
    layout["yaxis"] = {**layout["yaxis"], "tickvals": list(range(len(rows))), "ticktext": [r.label for r in rows],
                       "range": [len(rows) - 0.5, -0.5], "tickfont": {"size": 13}, "zeroline": False}
    marked = sum(r.milestone for r in rows)
    layout["shapes"] = [{"type": "rect", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": -0.5,
                         "y1": marked - 0.5, "fillcolor": "rgba(27,120,55,0.08)", "line": {"width": 0},
                         "layer": "below"}] if marked else []
    layout["margin"] = {**layout["margin"], "t": 140}
    layout["annotations"] = [_note(COMPARE_KEY, 1, 42, size=14)]  # above the phases
    return layout


# -- sweeps ----------------------------------------------------------------------------

FAILED = {INVALID: ("cross", "invalid values"), Status.INFEASIBLE: ("x", "infeasible"),
          Status.UNKNOWN: ("diamond-open", "no answer")}
SWEEP_KEY = "● optimal · ○ feasible, not proved optimal · no roadmap: ✕ infeasible · ✚ invalid values · ◇ no answer"
TOP, GAP, CELL = 380, 90, 28  # pixels: the objective panel, the space below it, one milestone row


def sweep_paths(rows: pd.DataFrame) -> list[str]:
    """The varied paths of sweep rows: every column that is not a result."""
    results = {"scenario", *BASE_COLUMNS}
    return [str(c) for c in rows.columns if str(c) not in results and not str(c).startswith("achieved:")]


def sweep_figure(rows: pd.DataFrame, x: str, *, milestones: bool = True) -> go.Figure:
    """The objective against the varied value ``x``, one line per scenario (per scenario and
    combination of the other varied values, when there are more); variants without a
    roadmap are gaps in the lines, marked (and explained on hover) in a strip below them.
    With ``milestones``, a second panel gives the phase each milestone is achieved in."""
    varied = sweep_paths(rows)
    if x not in varied:
        raise UsageError(f"{x!r} is not a varied column of these sweep rows; the varied ones are: "
                         f"{', '.join(varied) or 'none'}")
    records = [{str(k): v for k, v in r.items()} for r in rows.to_dict("records")]
    scenarios = list(dict.fromkeys(str(r["scenario"]) for r in records))
    note = (f" <span style='font-size:15px;color:#666'>· scenario {plain(scenarios[0])}</span>"
            if len(scenarios) == 1 else "")
    title = f"Objective against {plain(x)}{note}"
    if not records:
        return empty(title, "The sweep has no variants.")
    numeric = all(_is_number(r[x]) for r in records)
    # a value that is not a number is a category: its text is the axis's tick label
    place: Callable[[Any], Any] = float if numeric else (lambda value: plain(_value_text(value)))
    if numeric:
        records.sort(key=lambda r: float(r[x]))
    groups = _sweep_groups(records, [p for p in varied if p != x], len(scenarios) > 1)
    failing = [name for name, members in groups.items() if not all(_has_roadmap(r) for r in members)]
    data: list[Trace] = []
    for i, (name, members) in enumerate(groups.items()):
        color = PALETTE[i % len(PALETTE)]
        data.append(_objective_line(name, color, [place(r[x]) for r in members], members))
        if name in failing:
            failed = [r for r in members if not _has_roadmap(r)]
            level = 1 - (failing.index(name) + 0.5) / len(failing)  # the first line on top
            data.append(_failure_marks(name, color, level, [place(r[x]) for r in failed], failed))
    columns = list(dict.fromkeys(place(r[x]) for r in records))
    columns = sorted(columns) if numeric else columns
    ids = [str(c).removeprefix("achieved:") for c in rows.columns if str(c).startswith("achieved:")]
    grid = _milestone_grid(groups, ids, x, place, columns) if milestones and ids else None
    layout = _sweep_layout(title, _sweep_axis(x, numeric, columns), len(grid["y"]) if grid else 0, len(failing))
    return go.Figure(data=[*data, *([grid] if grid else [])], layout=layout)


def _sweep_groups(records: list[dict[str, Any]], others: list[str], named: bool) -> dict[str, list[dict[str, Any]]]:
    """The variants of each line, named by scenario (when several) and the other varied values
    (names as plotly draws them: escaped)."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        parts = ", ".join(f"{plain(p)}={plain(_value_text(r[p]))}" for p in others)
        scenario = plain(str(r["scenario"]))
        groups[(f"{scenario} · {parts}" if named else parts) if parts else scenario].append(r)
    return dict(groups)


def _objective_line(name: str, color: str, xs: list[Any], members: list[dict[str, Any]]) -> Trace:
    found = [_has_roadmap(r) for r in members]
    return {
        "type": "scatter", "mode": "lines+markers", "name": name, "legendgroup": name, "x": xs,
        "y": [float(r["objective"]) if ok else None for r, ok in zip(members, found, strict=True)],
        "connectgaps": False, "line": {"color": color, "width": 3},
        "marker": {"size": 10, "color": color, "symbol": [
            "circle" if str(r["status"]) == Status.OPTIMAL else "circle-open" for r in members]},
        "customdata": [_outcome(r) for r in members],
        "hovertemplate": "<b>%{fullData.name}</b><br>at %{x}: objective %{y:g}<br>%{customdata}<extra></extra>"}


def _failure_marks(name: str, color: str, level: float, xs: list[Any], failed: list[dict[str, Any]]) -> Trace:
    """Variants without a roadmap, in the strip under the objective panel (axis y3)."""
    return {
        "type": "scatter", "mode": "markers", "name": name, "legendgroup": name, "showlegend": False,
        "x": xs, "y": [level] * len(xs), "yaxis": "y3",
        "marker": {"size": 12, "color": color, "line": {"width": 2, "color": color},
                   "symbol": [FAILED.get(str(r["status"]), FAILED[Status.UNKNOWN])[0] for r in failed]},
        "customdata": [_outcome(r) for r in failed],
        "hovertemplate": "<b>%{fullData.name}</b><br>at %{x}: %{customdata}<extra></extra>"}


def _milestone_grid(groups: dict[str, list[dict[str, Any]]], ids: list[str], x: str,
                    place: Callable[[Any], Any], columns: list[Any]) -> Trace | None:
    """A heat map, one row per milestone (and line): the phase it is achieved in at each
    value of x; 0 (drawn as –) when it is not, a gap when the variant has no roadmap."""
    labels: list[str] = []
    z: list[list[int | None]] = []
    for name, members in groups.items():
        by_x = {place(r[x]): r for r in members}
        for k in ids:
            labels.append(f"{name} · {plain(k)}" if len(groups) > 1 else plain(k))
            z.append([_achieved(by_x.get(c), k) for c in columns])
    if all(v is None for row in z for v in row):
        return None  # no variant has a roadmap
    last = max(v for row in z for v in row if v is not None)
    cut = 0.5 / max(last, 1)
    return {
        "type": "heatmap", "x": columns, "y": labels, "z": z, "zmin": 0, "zmax": max(last, 1),
        "text": [["" if v is None else "–" if v == 0 else str(v) for v in row] for row in z],
        "texttemplate": "%{text}", "textfont": {"size": 14},
        "customdata": [["" if v is None else "not achieved" if v == 0 else f"achieved in phase {v}" for v in row]
                       for row in z],
        "xaxis": "x2", "yaxis": "y2", "showscale": False, "xgap": 2, "ygap": 2, "hoverongaps": False,
        "colorscale": [[0, "#f4c7c3"], [cut, "#f4c7c3"], [cut, "#deebf7"], [1, "#2166ac"]], "name": "milestones",
        "hovertemplate": "<b>%{y}</b> at %{x}: %{customdata}<extra></extra>"}


def _sweep_layout(title: str, axis: dict[str, Any], rows: int, failing: int) -> dict[str, Any]:
    """From the top: the objective panel, a strip for variants without a roadmap (when
    there are any), the milestones' panel (when ``rows``). Sizes in pixels."""
    panel = max(3, rows) * CELL if rows else 0
    strip = min(200, 12 + 22 * failing) if failing else 0
    below = panel + (GAP if rows else 0)
    plot = below + strip + TOP
    layout = _layout(title, {**axis, "anchor": "y3" if strip else "y"}, height=plot + 230)
    style = dict(layout["yaxis"])
    layout["yaxis"] = {**style, "title": {"text": "objective"}, "domain": [(below + strip + 8) / plot, 1]}
    layout["margin"] = {**layout["margin"], "t": 100}
    annotations = [_note(SWEEP_KEY, 1, 8, size=14)]
    shapes = []
    if strip:
        layout["yaxis3"] = {**style, "domain": [below / plot, (below + strip) / plot], "range": [0, 1],
                            "fixedrange": True, "showgrid": False, "tickvals": [0.5], "ticktext": ["no roadmap"],
                            "tickfont": {"size": 13, "color": MISSED}, "ticks": ""}
        shapes.append({"type": "rect", "xref": "paper", "x0": 0, "x1": 1, "yref": "y3", "y0": 0, "y1": 1,
                       "fillcolor": "rgba(178,24,43,0.07)", "line": {"width": 0}, "layer": "below"})
    if rows:
        layout["xaxis"]["title"] = {"text": ""}
        layout["xaxis2"] = {**layout["xaxis"], **axis, "anchor": "y2", "matches": "x", "showgrid": False}
        layout["yaxis2"] = {**style, "domain": [0, panel / plot], "anchor": "x2", "autorange": "reversed",
                            "tickfont": {"size": 13}, "showgrid": False, "ticks": ""}
        annotations.append(_note("Phase each milestone is achieved in (– not achieved; blank: no roadmap)",
                                 panel / plot, 8))
    layout.update(annotations=annotations, shapes=shapes)
    layout["legend"] = {**layout["legend"], "y": -80 / plot}
    return layout


def _note(text: str, y: float, shift: int, size: int = 16) -> dict[str, Any]:
    """A line of text at the left, just above paper height ``y``."""
    return {"text": text, "xref": "paper", "yref": "paper", "x": 0, "y": y, "xanchor": "left", "yanchor": "bottom",
            "yshift": shift, "showarrow": False, "align": "left", "font": {"size": size, "color": "#444"}}


def _sweep_axis(x: str, numeric: bool, columns: list[Any]) -> dict[str, Any]:
    axis: dict[str, Any] = {"title": {"text": plain(x)}}
    if not numeric:
        return {**axis, "type": "category", "categoryorder": "array", "categoryarray": columns}
    ticks = columns
    if len(ticks) <= 12:
        axis.update(tickmode="array", tickvals=ticks, ticktext=[f"{v:g}" for v in ticks])
    return axis


def _outcome(row: dict[str, Any]) -> str:
    """The variant's status in words, with the gap or the reason (wrapped for the hover box)."""
    status = str(row["status"])
    if status == Status.FEASIBLE and not _missing(row.get("gap")):
        return f"feasible, within {100 * float(row['gap']):.1f}% of the best possible"
    if _has_roadmap(row):
        return status
    why = "" if _missing(row.get("error")) else str(row["error"])
    lines = textwrap.wrap(textwrap.shorten(why, 400), 70)  # escaped after wrapping: no entity is cut
    return "<br>".join([plain(FAILED.get(status, (None, status))[1]), *map(plain, lines)])


def _has_roadmap(row: dict[str, Any]) -> bool:
    return str(row["status"]) in (Status.OPTIMAL, Status.FEASIBLE) and not _missing(row.get("objective"))


def _achieved(row: dict[str, Any] | None, milestone: str) -> int | None:
    """The phase ``milestone`` is achieved in, 0 when it is not, None without a roadmap."""
    if row is None or not _has_roadmap(row):
        return None
    value = row.get(f"achieved:{milestone}")
    return 0 if value is None or _missing(value) else int(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)) and math.isfinite(value)


def _value_text(value: Any) -> str:
    """A varied value as the file would write it (``none`` for a missing one)."""
    if isinstance(value, str):
        return value
    if _is_number(value) and float(value).is_integer():
        return str(int(value))
    if not isinstance(value, (list, dict)) and _missing(value):
        return "none"
    return json.dumps(value, default=str)


# -- the exposure frontier, walk-away stakes, robust first steps -----------------------

FRONTIER_LINE, FRONTIER_POINT, LIMIT_COLOR = "#2166ac", "#08306b", "#b2182b"
# Stakes: red below 0 (tempted to walk away: never paler than TEMPTED, however large the
# positive stakes), near-white at 0, blue above; the last phase in grey.
DEEP_RED, TEMPTED, ZERO, LIGHT_BLUE, DEEP_BLUE = "#b2182b", "#f4a582", "#f7f7f7", "#d1e5f0", "#2166ac"
LAST_PHASE = "#d9d9d9"
OWN_OPTIMUM, ROBUST_ANSWER = "#bdbdbd", "#2166ac"


def frontier_figure(frontier: Frontier, *, limit: float | None = None) -> go.Figure:
    """What safety costs: the best objective against the peak exposure allowed, a step
    (the best objective stays that of the point to its left until the next point), one
    marker per point of the frontier, and the exposure limit in force at ``limit``."""
    plan = frontier.points[0].roadmap.plan if frontier.points else None
    every = plan is not None and set(frontier.parties) == {p.id for p in plan.parties}
    parties = "all parties" if every else ", ".join(frontier.parties)
    notes = [f"scenario {plain(frontier.scenario)}",
             f"peak over {plain(textwrap.shorten(parties, 60))}" if parties else ""]
    if frontier.status == Status.FEASIBLE and frontier.points:
        notes.append("a solve was cut short: points may not be exact")
    if frontier.truncated:
        notes.append(f"first {len(frontier.points)} points only")
    title = (f"What safety costs: objective against peak exposure <span style='font-size:15px;color:#666'>· "
             f"{' · '.join(n for n in notes if n)}</span>")
    if not frontier.points:
        return empty(title, _no_frontier(frontier))
    points = frontier.points
    best = max(points, key=lambda p: p.objective)
    peaks = [p.peak_exposure for p in points]
    objectives = [p.objective for p in points]
    right = max(peaks[-1], limit if limit is not None else peaks[-1])
    span = max(right - peaks[0], 1.0)
    steps: Trace = {
        "type": "scatter", "mode": "lines", "name": "best objective at that peak", "x": [*peaks, right],
        "y": [*objectives, objectives[-1]], "line": {"shape": "hv", "color": FRONTIER_LINE, "width": 3},
        "hoverinfo": "skip"}
    marks: Trace = {
        "type": "scatter", "mode": "markers+text", "name": "frontier point (a roadmap)", "x": peaks,
        "y": objectives, "text": [f"{j:g}" for j in objectives], "textposition": "top center",
        "textfont": {"size": 14, "color": FRONTIER_POINT}, "cliponaxis": False,
        "marker": {"size": 14, "color": FRONTIER_POINT, "line": {"width": 2, "color": "white"}},
        "customdata": [[best.objective - p.objective, len(p.roadmap.starts), _left_out(p.roadmap, best.roadmap)]
                       for p in points],
        "hovertemplate": ("<b>peak exposure %{x:g}</b><br>objective %{y:g}<br>gives up %{customdata[0]:g} "
                          "against the best<br>%{customdata[1]} measures%{customdata[2]}<extra></extra>")}
    low, high = min(objectives), max(objectives)
    pad = max(high - low, abs(high), 1.0) * 0.08
    layout = _layout(title, {"title": {"text": "peak exposure allowed (largest E over the parties and phases)"},
                             "range": [peaks[0] - 0.08 * span, right + 0.08 * span], "zeroline": False},
                     height=520)
    layout["yaxis"] = {**layout["yaxis"], "title": {"text": "objective"}, "range": [low - pad, high + 2 * pad]}
    layout["shapes"] = [{"type": "rect", "xref": "x", "yref": "paper", "x0": peaks[0] - 0.08 * span,
                         "x1": peaks[0], "y0": 0, "y1": 1, "fillcolor": "rgba(120,120,120,0.12)",
                         "line": {"width": 0}, "layer": "below"}]
    layout["annotations"] = [{"text": "no roadmap this low", "x": peaks[0] - 0.04 * span, "xref": "x",
                              "y": 0.98, "yref": "paper", "yanchor": "top", "showarrow": False, "textangle": -90,
                              "font": {"size": 14, "color": "#666"}}]
    if limit is not None:
        layout["shapes"].append({"type": "line", "xref": "x", "yref": "paper", "x0": limit, "x1": limit, "y0": 0,
                                 "y1": 1, "line": {"color": LIMIT_COLOR, "width": 3, "dash": "dash"},
                                 "name": "current limit"})
        layout["annotations"].append({"text": f"current limit {limit:g}", "x": limit, "xref": "x", "y": 1,
                                      "yref": "paper", "xanchor": "right", "yanchor": "bottom",
                                      "showarrow": False, "font": {"size": 15, "color": LIMIT_COLOR}})
    layout["margin"] = {**layout["margin"], "t": 90, "b": 100}
    layout["legend"] = {**layout["legend"], "y": -0.2}  # below the axis title
    return go.Figure(data=[steps, marks], layout=layout)


def _no_frontier(frontier: Frontier) -> str:
    if frontier.status == Status.INFEASIBLE:
        rules = sorted({str(c.rule).replace("_", " ") for c in frontier.conflicts})
        head = "No roadmap keeps every rule, so there is no frontier"
        return head + (":<br>these rules cannot all hold together: " + ", ".join(rules) if rules else ".")
    return "No roadmap was found within the time limit, so there is no frontier."


def _left_out(roadmap: Roadmap, best: Roadmap) -> str:
    """The measures of the best roadmap this one leaves out, for a hover box."""
    gone = [m for m in best.starts if m not in roadmap.starts]
    if not gone:
        return ""
    return "<br>leaves out: " + "<br>".join(map(plain, textwrap.wrap(", ".join(gone), 60, break_on_hyphens=False)))


def stake_heatmap(roadmap: Roadmap) -> go.Figure:
    """Who is tempted to walk away: each party's stake (what it still gains, net, by carrying
    on to the end) after each phase; red below 0. The last phase has nothing left to gain
    (its stake is 0 by definition) and is greyed."""
    title = _title("Stake in going on: what each party still gains by carrying on to the end", roadmap)
    if not roadmap.is_ok:
        return empty(title, _no_roadmap(roadmap))
    plan = roadmap.plan
    frame = roadmap.walkaway()
    parties = [p.id for p in plan.parties]
    rows = [plain(p) for p in parties]  # the y axis's labels
    T = plan.phases
    cells = {(str(r["party"]), int(r["phase"])): r for r in frame.to_dict("records")}
    before = list(range(1, T))
    stake = [[float(cells[p, t]["stake"]) for t in before] for p in parties]
    banked = [[float(cells[p, t]["banked"]) for t in before] for p in parties]
    low = min((v for row in stake for v in row), default=0.0)
    high = max((v for row in stake for v in row), default=0.0)
    low, high = min(low, 0.0), max(high, 0.0)
    if high - low < 1e-9:
        high = 1.0
    names = {p.id: plain(p.name) for p in plan.parties}
    data: list[Trace] = []
    if before:
        data.append({
            "type": "heatmap", "x": before, "y": rows, "z": stake, "zmin": low, "zmax": high,
            "colorscale": _stake_scale(low, high), "xgap": 2, "ygap": 2, "name": "stake",
            "text": [[f"<b>{v:g}</b>" if v < 0 else f"{v:g}" for v in row] for row in stake],
            "texttemplate": "%{text}",
            "textfont": {"size": 15},
            "customdata": [[[names[p], plain(plan.horizon.label(t)), b, "tempted to walk away" if s < 0 else
                             "gains by going on" if s > 0 else "neither gains nor loses by going on"]
                            for t, b, s in zip(before, brow, srow, strict=True)]
                           for p, brow, srow in zip(parties, banked, stake, strict=True)],
            "colorbar": {"title": {"text": "stake", "side": "top"}, "thickness": 14, "len": 0.9},
            "hovertemplate": ("<b>%{y}</b> (%{customdata[0]}) after %{customdata[1]}<br>banked %{customdata[2]:g}"
                              "<br>stake %{z:g}: %{customdata[3]}<extra></extra>")})
    data.append({
        "type": "heatmap", "x": [T], "y": rows, "z": [[0] for _ in parties], "zmin": 0, "zmax": 1,
        "colorscale": [[0, LAST_PHASE], [1, LAST_PHASE]], "showscale": False, "xgap": 2, "ygap": 2,
        "name": "last phase", "text": [["end"] for _ in parties], "texttemplate": "%{text}",
        "textfont": {"size": 13, "color": "#777"},
        "customdata": [[[names[p], plain(plan.horizon.label(T)), float(cells[p, T]["banked"])]] for p in parties],
        "hovertemplate": ("<b>%{y}</b> (%{customdata[0]}) at the end, %{customdata[1]}<br>banked "
                          "%{customdata[2]:g}; nothing left to gain or lose<extra></extra>")})
    layout = _layout(title, {**_phase_axis(plan), "showgrid": False}, height=max(300, 170 + 38 * len(parties)))
    layout["yaxis"] = {**layout["yaxis"], "autorange": "reversed", "showgrid": False, "tickfont": {"size": 14}}
    layout["showlegend"] = False
    layout["annotations"] = [_note("red: tempted to walk away (stake below 0) · grey: the last phase, "
                                   "nothing left to gain", 1, 4, size=14)]
    layout["margin"] = {**layout["margin"], "t": 100}
    return go.Figure(data=data, layout=layout)


def _stake_scale(low: float, high: float) -> list[list[Any]]:
    """A colour scale over [low, high] (low <= 0 <= high) that breaks at 0: every stake below
    0 is plainly red, 0 is near-white, positive stakes grow blue."""
    zero = -low / (high - low)
    scale: list[list[Any]] = []
    if zero > 0:
        cut = max(0.0, zero - 1e-6)
        scale += [[0.0, DEEP_RED], [cut, TEMPTED], [cut, ZERO]]
    else:
        scale += [[0.0, ZERO]]
    if zero < 1:
        scale += [[zero, ZERO], [min(1.0, zero + 1e-6), LIGHT_BLUE], [1.0, DEEP_BLUE]]
    else:
        scale += [[1.0, ZERO]]
    return scale


def robust_figure(result: RobustResult) -> go.Figure:
    """Robust first steps: each scenario's objective with the shared first steps against its
    own optimum (the gap between them is the price of robustness), the first steps below."""
    span = "phase 1" if result.shared == 1 else f"phases 1-{result.shared}"
    title = (f"Robust first steps <span style='font-size:15px;color:#666'>· shared over {span} · "
             f"{'best worst case' if str(result.criterion) == 'worst' else 'best mean'} · "
             f"{result.status!s}</span>")
    if result.value is None:
        if result.status == Status.INFEASIBLE:
            why = [*result.reasons] or ["the scenarios cannot start the same measures"]
            # each reason a bullet, wrapped, then escaped (so that no entity is cut by the wrapping)
            message = "No first steps are common to every scenario:<br>" + "<br>".join(
                "<br>".join(map(plain, textwrap.wrap("• " + r, 90, break_on_hyphens=False, subsequent_indent="   ")))
                for r in why)
        else:
            message = "No answer was found within the time limit."
        fig = empty(title, message)
        fig.layout.annotations[0].align = "left"  # the reasons read as a list
        return fig
    ids = list(result.scenarios)
    shown = [plain(s) for s in ids]  # the category axis's labels
    own = [result.scenarios[s].optimum for s in ids]
    here = [result.scenarios[s].roadmap.objective for s in ids]
    prices = [result.scenarios[s].price for s in ids]
    data: list[Trace] = [
        {"type": "bar", "name": "its own optimum", "x": shown, "y": own, "marker": {"color": OWN_OPTIMUM},
         "text": [_number(v) for v in own], "textposition": "outside",
         "hovertemplate": "<b>%{x}</b>: optimum on its own %{y:g}<extra></extra>"},
        {"type": "bar", "name": "with the shared first steps", "x": shown, "y": here,
         "marker": {"color": ROBUST_ANSWER}, "textposition": "outside",
         "text": [_number(v) if not p else f"{_number(v)} (−{p:g})" for v, p in zip(here, prices, strict=True)],
         "customdata": [_number(p) for p in prices],
         "hovertemplate": ("<b>%{x}</b>: objective %{y:g} with the shared first steps<br>price of robustness "
                           "%{customdata}<extra></extra>")}]
    plan = next(iter(result.scenarios.values())).roadmap.plan
    by_phase: dict[int, list[str]] = defaultdict(list)
    for step in result.first_steps:
        by_phase[int(step["start"])].append(str(step["measure"]))
    lines = ["Shared first steps:" + ("" if by_phase else " none (no measure starts in the shared phases)")]
    for t in sorted(by_phase):
        lines += textwrap.wrap(f"{_phase_words(plan, t)}: {', '.join(by_phase[t])}", 110, break_on_hyphens=False,
                               initial_indent="  ", subsequent_indent="      ")
    lines = [plain(line).replace("  ", "&nbsp;&nbsp;") for line in lines]
    if str(result.criterion) == "worst":
        worst = [s for s, v in zip(ids, here, strict=True) if v is not None and v <= result.value + 1e-9]
        value = f"worst objective {result.value:g} ({plain(', '.join(worst))})"
    else:
        value = f"mean objective {result.value:g}"
    layout = _layout(title, {"title": {"text": ""}, "type": "category"}, height=460 + 22 * len(lines))
    layout["yaxis"] = {**layout["yaxis"], "title": {"text": "objective"}, "rangemode": "tozero"}
    layout.update(barmode="group", bargap=0.3)
    layout["annotations"] = [_note(value + " · (−n): the price of robustness, n below its own optimum", 1, 4,
                                   size=14),
                             {**_note("<br>".join(lines), 0, 0, size=14), "yanchor": "top", "yshift": -70}]
    layout["margin"] = {**layout["margin"], "t": 100, "b": 70 + 22 * len(lines)}
    layout["legend"] = {**layout["legend"], "y": 1.0, "yanchor": "bottom", "x": 1, "xanchor": "right"}
    return go.Figure(data=data, layout=layout)


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def _bars(name: str, party: str, color: str, rows: list[dict[str, Any]]) -> Trace:
    """One horizontal bar per measure that ``party`` implements, pinned ones outlined."""
    return {  # the party's name in customdata too: in the template itself plotly would read a %{...} in it
        "type": "bar", "orientation": "h", "name": plain(party), "y": [plain(r["measure"]) for r in rows],
        "base": [r["start"] - 0.5 for r in rows], "x": [r["end"] - r["start"] + 1 for r in rows],
        "marker": {"color": color, "line": {"color": "#000", "width": [3 if r["pinned"] else 0 for r in rows]}},
        "customdata": [[plain(r["title"]), plain(r["category"] or "-"), plain(r["start_label"]),
                        plain(r["end_label"]), "yes" if r["pinned"] else "no", plain(name)] for r in rows],
        "hovertemplate": ("<b>%{y}</b><br>%{customdata[0]}<br>by %{customdata[5]}<br>category: %{customdata[1]}"
                          "<br>%{customdata[2]} to %{customdata[3]}<br>pinned: %{customdata[4]}<extra></extra>")}


def _milestone_marks(roadmap: Roadmap) -> tuple[list[Trace], list[str]]:
    """A diamond on a row of its own for each achieved milestone, and the rows' names."""
    reached = [(k.id, k.title, roadmap.achieved.get(k.id)) for k in roadmap.plan.milestones]
    reached = [(k, title, a) for k, title, a in reached if a is not None]
    if not reached:
        return [], []
    rows = [f"◆ {plain(k)}" for k, _, _ in reached]
    return [{
        "type": "scatter", "x": [a for _, _, a in reached], "y": rows, "name": "milestone achieved",
        "mode": "markers", "customdata": [plain(title) for _, title, _ in reached],
        "marker": {"symbol": "diamond", "size": 16, "color": ON_TIME, "line": {"width": 1, "color": "#000"}},
        "hovertemplate": "<b>%{y}</b> achieved in phase %{x}<br>%{customdata}<extra></extra>"}], rows


def _layout(title: str, xaxis: dict[str, Any] | None = None, height: int = 480) -> dict[str, Any]:
    """A plain white look written out in full (plotly's named templates cost ~15 ms a figure),
    with plotly's empty template written as plotly writes it, so that the dict plotly.js is
    sent equals the figure plotly validates."""
    axis = {"visible": True, "showgrid": True, "gridcolor": "#e5e5e5", "zeroline": False,
            "linecolor": "#999", "automargin": True}
    return {"title": {"text": title, "font": {"size": TITLE_SIZE}, "x": 0.01, "xanchor": "left"},
            "template": {"data": {"scatter": [{"type": "scatter"}]}}, "font": FONT, "paper_bgcolor": "white",
            "plot_bgcolor": "white", "colorway": PALETTE, "xaxis": {**axis, **(xaxis or {})}, "yaxis": dict(axis),
            "height": height, "showlegend": True,
            "margin": {"l": 20, "r": 20, "t": 70, "b": 50}, "hoverlabel": {"font": {"size": 15}},
            # below the plot, not beside it: the plot keeps the full width of a narrow view
            "legend": {"font": {"size": 14}, "orientation": "h", "x": 0, "xanchor": "left",
                       "y": -0.04, "yanchor": "top", "title": {"side": "top left"}}}


def _title(what: str, roadmap: Roadmap) -> str:
    return f"{what} <span style='font-size:15px;color:#666'>· scenario {plain(roadmap.scenario)}</span>"


def _phase_axis(plan: Plan) -> dict[str, Any]:
    phases = list(range(1, plan.phases + 1))
    return {"tickmode": "array", "tickvals": phases, "ticktext": [plain(plan.horizon.label(t)) for t in phases],
            "range": [0.5, plan.phases + 0.5], "title": {"text": ""}}  # the labels say it; the legend sits below


def _no_roadmap(roadmap: Roadmap) -> str:
    if roadmap.status == Status.INFEASIBLE:
        rules = sorted({c.rule.replace("_", " ") for c in roadmap.conflicts})
        head = "No roadmap: these rules cannot all hold together"
        return head + (":<br>" + ", ".join(rules) if rules else ".") + "<br>(see the status for details)"
    return "No roadmap was found within the time limit."


def _fade(color: str) -> str:
    """A plotly colour (``#rrggbb`` or ``rgb(r,g,b)``) at 45 % opacity."""
    if color.startswith("#"):
        r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    else:
        r, g, b = (int(float(x)) for x in color[color.index("(") + 1:color.index(")")].split(",")[:3])
    return f"rgba({r},{g},{b},0.45)"


def _missing(value: Any) -> bool:
    return value is None or bool(pd.isna(value))
