"""Pictures of a roadmap: pure functions from a :class:`~scnekit.roadmap.Roadmap` to a plotly figure.

Every figure puts phases on a numeric axis labelled with the horizon's labels, gives each
party one colour in all four figures, and uses fonts large enough for a projector. A
roadmap without a schedule (infeasible, or stopped before any was found) gives an empty
figure whose annotation says why. Traces and layout are built as plain dicts and handed
to plotly once, which keeps a redraw in a live workshop cheap.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

from scnekit.model import Plan
from scnekit.roadmap import Roadmap, Status

Trace = dict[str, Any]
FONT = {"family": "Arial, Helvetica, sans-serif", "size": 16}
TITLE_SIZE = 22
# D3's ten, then five darker ones that stay apart from them, then more for large files.
PALETTE = [*qualitative.D3, "#393b79", "#e7ba52", "#843c39", "#00a08a", "#7b4173", *qualitative.Dark24]
ON_TIME, NO_DEADLINE, MISSED = "#1b7837", "#2166ac", "#b2182b"


def party_colors(plan: Plan) -> dict[str, str]:
    """One colour per party, in the order the file lists them."""
    return {p.id: PALETTE[i % len(PALETTE)] for i, p in enumerate(plan.parties)}


def empty(title: str, message: str) -> go.Figure:
    """A figure with no data and ``message`` in its middle."""
    layout = _layout(title)
    layout["xaxis"] = {"visible": False}
    layout["yaxis"] = {"visible": False}
    layout["annotations"] = [{"text": message, "x": 0.5, "y": 0.5, "xref": "paper", "yref": "paper",
                              "showarrow": False, "align": "center", "font": {"size": 18, "color": "#444"}}]
    return go.Figure(layout=layout)


def timeline(roadmap: Roadmap) -> go.Figure:
    """The schedule: one bar per scheduled measure over the phases it runs, one colour per implementer."""
    title = _title("Roadmap", roadmap)
    if not roadmap.is_ok:
        return empty(title, _no_roadmap(roadmap))
    plan, colors = roadmap.plan, party_colors(roadmap.plan)
    records = [{str(k): v for k, v in row.items()} for row in roadmap.schedule.to_dict("records")]
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in records:
        rows[row["by"]].append(row)
    data = [_bars(plan.party_by_id[p].name, p, colors[p], rows[p]) for p in colors if rows[p]]
    marks, mark_rows = _milestone_marks(roadmap)
    order = [*mark_rows, *(r["measure"] for r in records)]
    layout = _layout(title, {**_phase_axis(plan), "side": "top", "title": {"text": ""}})  # phases on top
    layout["yaxis"] = {**layout["yaxis"], "categoryorder": "array", "categoryarray": order[::-1],
                       "tickfont": {"size": 13}}
    layout["margin"] = {**layout["margin"], "t": 110}
    layout.update(barmode="overlay", legend_title_text="implemented by", height=max(420, 140 + 24 * len(order)))
    return go.Figure(data=[*marks, *data], layout=layout)


def exposure(roadmap: Roadmap) -> go.Figure:
    """E_p(t) for every party, with each party's exposure limit as a dashed line."""
    title = _title("Exposure: cost committed minus value received", roadmap)
    if not roadmap.is_ok:
        return empty(title, _no_roadmap(roadmap))
    plan, frame, colors = roadmap.plan, roadmap.exposure, party_colors(roadmap.plan)
    phases = [int(t) for t in frame.index]
    data: list[Trace] = []
    for party in plan.parties:
        values = [float(x) for x in frame[party.id]]
        limit = plan.rules.exposure_limit(party.id)
        shown: Any = True if any(abs(v) > 1e-9 for v in values) else "legendonly"
        data.append({
            "type": "scatter", "x": phases, "y": values, "name": party.id, "legendgroup": party.id,
            "mode": "lines+markers", "line": {"color": colors[party.id], "width": 3}, "marker": {"size": 8},
            "visible": shown, "hovertemplate": f"<b>{party.id}</b> at %{{x}}: exposure %{{y:g}}<extra></extra>"})
        if limit is not None:
            data.append({
                "type": "scatter", "x": [phases[0] - 0.5, phases[-1] + 0.5], "y": [limit, limit],
                "name": f"limit: {party.id}", "legendgroup": party.id, "showlegend": False, "mode": "lines",
                "line": {"color": colors[party.id], "width": 2, "dash": "dash"}, "visible": shown,
                "hovertemplate": f"<b>{party.id}</b>: limit {limit:g}<extra></extra>"})
    layout = _layout(title, _phase_axis(plan), height=560)
    layout["yaxis"] = {**layout["yaxis"], "title": {"text": "exposure"}, "zeroline": True,
                       "zerolinewidth": 2, "zerolinecolor": "#888"}
    layout["legend_title_text"] = "party (dashed: its limit)"
    layout["legend"] = {**layout["legend"], "y": -0.1}
    return go.Figure(data=data, layout=layout)


def flows(roadmap: Roadmap) -> go.Figure:
    """Who gives to whom: value of the scheduled measures from implementer (left) to recipient (right)."""
    title = _title("Who gives to whom", roadmap)
    if not roadmap.is_ok:
        return empty(title, _no_roadmap(roadmap))
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
        return empty(title, "The roadmap schedules no measure that gives value to anyone.")
    colors = party_colors(plan)
    order = [p.id for p in plan.parties]
    givers = [p for p in order if any(g == p for g, _ in totals)]
    takers = [p for p in order if any(r == p for _, r in totals)]
    nodes = [*givers, *takers]
    links = sorted(totals, key=lambda gr: (order.index(gr[0]), order.index(gr[1])))
    sankey = {
        "type": "sankey", "arrangement": "snap",
        "node": {"label": [f"{p} gives" for p in givers] + [f"{p} receives" for p in takers],
                 "color": [colors[p] for p in nodes], "pad": 14, "thickness": 18,
                 "customdata": [plan.party_by_id[p].name for p in nodes],
                 "hovertemplate": "%{customdata}<br>%{value:g}<extra></extra>"},
        "link": {"source": [givers.index(g) for g, _ in links],
                 "target": [len(givers) + takers.index(r) for _, r in links],
                 "value": [totals[gr] for gr in links],
                 "color": [_fade(colors[g]) for g, _ in links],
                 "customdata": [", ".join(measures[gr]) for gr in links],
                 "hovertemplate": ("%{source.label} to %{target.label}: %{value:g}"
                                   "<br>through %{customdata}<extra></extra>")}}
    return go.Figure(data=[sankey], layout=_layout(title, height=max(480, 40 * len(nodes) // 2 + 160)))


def milestones(roadmap: Roadmap) -> go.Figure:
    """For each milestone: the phase it is achieved in against its deadline."""
    title = _title("Milestones: achieved vs deadline", roadmap)
    plan = roadmap.plan
    if not plan.milestones:
        return empty(title, "This plan has no milestones.")
    if not roadmap.is_ok:
        return empty(title, _no_roadmap(roadmap))
    frame = roadmap.milestones
    ids = list(frame["milestone"])
    titles = list(frame["title"])
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
    return go.Figure(data=data, layout=layout)


def _bars(name: str, party: str, color: str, rows: list[dict[str, Any]]) -> Trace:
    """One horizontal bar per measure that ``party`` implements, pinned ones outlined."""
    return {
        "type": "bar", "orientation": "h", "name": party, "y": [r["measure"] for r in rows],
        "base": [r["start"] - 0.5 for r in rows], "x": [r["end"] - r["start"] + 1 for r in rows],
        "marker": {"color": color, "line": {"color": "#000", "width": [3 if r["pinned"] else 0 for r in rows]}},
        "customdata": [[r["title"], r["category"] or "-", r["start_label"], r["end_label"],
                        "yes" if r["pinned"] else "no"] for r in rows],
        "hovertemplate": (f"<b>%{{y}}</b><br>%{{customdata[0]}}<br>by {name}<br>category: %{{customdata[1]}}"
                          "<br>%{customdata[2]} to %{customdata[3]}<br>pinned: %{customdata[4]}<extra></extra>")}


def _milestone_marks(roadmap: Roadmap) -> tuple[list[Trace], list[str]]:
    """A diamond on a row of its own for each achieved milestone, and the rows' names."""
    reached = [(k.id, k.title, roadmap.achieved.get(k.id)) for k in roadmap.plan.milestones]
    reached = [(k, title, a) for k, title, a in reached if a is not None]
    if not reached:
        return [], []
    rows = [f"◆ {k}" for k, _, _ in reached]
    return [{
        "type": "scatter", "x": [a for _, _, a in reached], "y": rows, "name": "milestone achieved",
        "mode": "markers", "customdata": [title for _, title, _ in reached],
        "marker": {"symbol": "diamond", "size": 16, "color": ON_TIME, "line": {"width": 1, "color": "#000"}},
        "hovertemplate": "<b>%{y}</b> achieved in phase %{x}<br>%{customdata}<extra></extra>"}], rows


def _layout(title: str, xaxis: dict[str, Any] | None = None, height: int = 480) -> dict[str, Any]:
    """A plain white look written out in full (plotly's named templates cost ~15 ms a figure).

    Annotations, axis visibility and height are always given, so a live figure that is
    updated with this layout (which merges) never keeps them from an earlier one.
    """
    axis = {"visible": True, "showgrid": True, "gridcolor": "#e5e5e5", "zeroline": False,
            "linecolor": "#999", "automargin": True}
    return {"title": {"text": title, "font": {"size": TITLE_SIZE}, "x": 0.01, "xanchor": "left"},
            "template": "none", "font": FONT, "paper_bgcolor": "white", "plot_bgcolor": "white",
            "colorway": PALETTE, "xaxis": {**axis, **(xaxis or {})}, "yaxis": dict(axis),
            "annotations": [], "height": height, "showlegend": True,
            "margin": {"l": 20, "r": 20, "t": 70, "b": 50}, "hoverlabel": {"font": {"size": 15}},
            # below the plot, not beside it: the plot keeps the full width of a narrow view
            "legend": {"font": {"size": 14}, "orientation": "h", "x": 0, "xanchor": "left",
                       "y": -0.04, "yanchor": "top", "title": {"side": "top left"}}}


def _title(what: str, roadmap: Roadmap) -> str:
    return f"{what} <span style='font-size:15px;color:#666'>· scenario {roadmap.scenario}</span>"


def _phase_axis(plan: Plan) -> dict[str, Any]:
    phases = list(range(1, plan.phases + 1))
    return {"tickmode": "array", "tickvals": phases, "ticktext": [plan.horizon.label(t) for t in phases],
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
