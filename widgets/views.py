"""The explorer's views: four plotly figures, a status line and an error area.

Each figure is a :class:`.figure.Figure` widget: the page gets plotly.js once per kernel
(one shared widget) and applies each new figure with ``Plotly.react`` on the same element,
so a slider move updates the four views in place instead of rebuilding them. Setting a
figure is one message, the widget's state keeps the current figure for any page that
connects later, and it is safe from the solving thread. (plotly's ``FigureWidget`` would
update in place too, but each one ships plotly's 5 MB bundle as its own module; on a busy
machine its model misses anywidget's 2 s start-up deadline and then drops every update.)

``Views(mode="output")`` keeps the earlier design, each figure an ``ipywidgets.Output``
replaced by plotly's mime bundle (drawn by JupyterLab's and Voilà's ``jupyterlab-plotly``
extension), for comparison: ``benchmarks/browser.py --views output`` selects it in the
kernel through the ``SCNEKIT_VIEWS`` environment variable.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import plotly.graph_objects as go
import plotly.io as pio

from scnekit.export import figures
from scnekit.export.figures import Spec
from scnekit.roadmap import Roadmap

from .figure import CONFIG, Figure
from .status import BUSY

MIME = "application/vnd.plotly.v1+json"
MODES = ("figure", "output")
# each view drawn from a plain dict: plotly's validation of a figure costs 5-15 ms, and the
# dicts equal the validated figures (tests/test_figures.py checks it)
FIGURES: dict[str, Callable[[Roadmap], Spec]] = {
    "timeline": figures.timeline_spec, "exposure": figures.exposure_spec, "flows": figures.flows_spec,
    "milestones": figures.milestones_spec}
TITLES = {"timeline": "Roadmap", "exposure": "Exposure", "flows": "Who gives to whom",
          "milestones": "Milestones"}


class Views:
    """Figures, status and error area. ``show`` is safe to call from the solving thread."""

    def __init__(self, css: str = "scne", *, mode: str | None = None) -> None:
        mode = mode or os.environ.get("SCNEKIT_VIEWS") or "figure"
        if mode not in MODES:
            raise ValueError(f"Views mode must be one of {MODES}, not {mode!r}")
        self.mode = mode
        self.widgets: dict[str, Figure | widgets.Output] = {}
        self._specs: dict[str, Spec] = {}  # what each view shows
        self._built: dict[str, go.Figure] = {}  # mode "output": plotly's figure of each spec
        self._batch = 0  # drawings so far: the figures of one show() share a number
        self._bundles: dict[str, dict[str, Any]] = {}  # mode "output": the bundle each view shows
        for name in FIGURES:
            layout = widgets.Layout(width="100%", min_width="0")
            label = name if css == "scne" else f"{css.removeprefix('scne-')}-{name}"  # in the page's draw log
            view = Figure(label, layout=layout) if mode == "figure" else widgets.Output(layout=layout)
            view.add_class(f"{css}-{name}")
            view.add_class(f"{css}-view")
            self.widgets[name] = view
        self.status = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.status.add_class("scne-status")
        self.error = widgets.HTML(layout=widgets.Layout(width="100%", display="none"))
        self.error.add_class("scne-error")
        cells = [self._cell(name) for name in FIGURES]
        self.grid = widgets.GridBox(cells, layout=widgets.Layout(
            width="100%", grid_gap="12px", grid_template_columns="minmax(0, 1fr) minmax(0, 1fr)",
            grid_template_areas='"timeline timeline" "exposure milestones" "flows flows"'))
        self.grid.add_class(f"{css}-views")
        self._lock = threading.Lock()
        self._status_body = ""
        self._busy = False
        for name in FIGURES:
            self._draw(name, figures.empty_spec(TITLES[name], "Solving the first roadmap…"))

    @property
    def outputs(self) -> dict[str, Figure | widgets.Output]:
        """The widget that shows each view (a :class:`.figure.Figure`, or an ``Output`` in
        the earlier design); the name is kept for scripts written against that design."""
        return self.widgets

    @property
    def figures(self) -> dict[str, go.Figure]:
        """The figure each view shows, as plotly's validated figure (built when asked for)."""
        return {name: self.figure(name) for name in FIGURES}

    def figure(self, name: str) -> go.Figure:
        view = self.widgets[name]
        if isinstance(view, Figure):
            shown = view.figure
            assert shown is not None  # every view is drawn from the start
            return shown
        if name not in self._built:
            self._built[name] = go.Figure(self._specs[name])
        return self._built[name]

    @property
    def timeline(self) -> go.Figure:
        """The figure on screen in the timeline view."""
        return self.figure("timeline")

    @property
    def exposure(self) -> go.Figure:
        return self.figure("exposure")

    @property
    def flows(self) -> go.Figure:
        return self.figure("flows")

    @property
    def milestones(self) -> go.Figure:
        return self.figure("milestones")

    def show(self, roadmap: Roadmap, *, past: int = 0) -> None:
        """Draw ``roadmap`` in every view; with ``past``, phases 1..past are shaded as history
        on the timeline and the exposure view."""
        with self._lock:
            self._batch += 1
            batch = self._batch
        for name, draw in FIGURES.items():  # each sent once built: the page draws it while the next is built
            spec = draw(roadmap)
            if past > 0 and roadmap.is_ok and name in ("timeline", "exposure"):
                shade_past(spec, past)
            self._draw(name, spec, batch)

    def set_status(self, html: str) -> None:
        with self._lock:
            self._status_body = html
            self._render()

    def set_busy(self, busy: bool) -> None:
        with self._lock:
            self._busy = busy
            self._render()

    def resend(self) -> None:
        """Send the status and the error area to every page again, as they are now (a page that
        was loading the widgets when they changed may have missed the change)."""
        with self._lock:
            self.status.send_state("value")
            self.error.send_state("value")
            self.error.layout.send_state("display")

    def show_error(self, html: str) -> None:
        with self._lock:
            self.error.value = html
            self.error.layout.display = None

    def clear_error(self) -> None:
        with self._lock:
            if self.error.value:
                self.error.value = ""
                self.error.layout.display = "none"

    def _draw(self, name: str, spec: Spec, batch: int = 0) -> None:
        """Show ``spec`` unless the view already shows the same one (nothing is sent then)."""
        view = self.widgets[name]
        if isinstance(view, Figure):
            view.show(spec, batch)
            return
        self._specs[name] = spec
        self._built.pop(name, None)
        drawn = bundle(spec)  # the earlier design: each redraw rebuilds the plot in the browser
        if self._bundles.get(name) != drawn:
            self._bundles[name] = drawn
            stamped = json.loads(json.dumps(drawn))  # the drawing's number, for benchmarks/browser.py
            stamped["data"][MIME]["layout"]["meta"] = {"scne_batch": batch, "scne_sent": time.time() * 1000.0}
            view.outputs = (stamped,)

    def _render(self) -> None:
        self.status.value = self._status_body + (f" &middot; {BUSY}" if self._busy else "")

    def _cell(self, name: str) -> widgets.Box:
        box = widgets.Box([self.widgets[name]], layout=widgets.Layout(grid_area=name, width="100%"))
        box.add_class("scne-cell")
        return box


def shade_past(spec: Spec, now: int) -> None:
    """Shade phases 1..``now`` (the x axis counts phases; each spans t - 0.5 to t + 0.5) as past,
    as plotly's ``add_vrect`` does."""
    layout = spec["layout"]
    layout["shapes"] = [*layout.get("shapes", []), {
        "type": "rect", "xref": "x", "yref": "y domain", "x0": 0.5, "x1": now + 0.5, "y0": 0, "y1": 1,
        "fillcolor": "#888", "opacity": 0.15, "layer": "below", "line": {"width": 0}}]
    layout["annotations"] = [*layout.get("annotations", []), {
        "text": "happened", "xref": "x", "yref": "y domain", "x": 0.5, "y": 1, "xanchor": "left",
        "yanchor": "top", "showarrow": False, "font": {"size": 13, "color": "#444"}}]


def bundle(spec: Spec) -> dict[str, Any]:
    """``spec`` as a display_data output that JupyterLab and Voilà draw with plotly.js."""
    drawn = json.loads(pio.to_json(spec, validate=False))
    title = (drawn["layout"].get("title") or {}).get("text") or "figure"
    return {"output_type": "display_data", "metadata": {},
            "data": {MIME: {**drawn, "config": CONFIG}, "text/plain": f"<plotly figure: {title}>"}}
