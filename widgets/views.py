"""The explorer's views: four plotly figures, a status line and an error area.

Each figure is shown in an ``ipywidgets.Output`` as plotly's own mime bundle, drawn by
the plotly.js that JupyterLab and Voilà load once from the local ``jupyterlab-plotly``
extension. (A ``FigureWidget`` would update in place, but each one ships plotly's 5 MB
bundle through the kernel as a widget trait; on a busy machine its model misses
anywidget's start-up deadline and then silently drops every later update.) Replacing
an Output's content is one message, it keeps the current figure for any page that
connects later, and it is safe from the solving thread.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import plotly.graph_objects as go
import plotly.io as pio

from scnekit.export import figures
from scnekit.roadmap import Roadmap

from .status import BUSY

MIME = "application/vnd.plotly.v1+json"
CONFIG = {"displaylogo": False, "responsive": True}
FIGURES: dict[str, Callable[[Roadmap], go.Figure]] = {
    "timeline": figures.timeline, "exposure": figures.exposure, "flows": figures.flows,
    "milestones": figures.milestones}
TITLES = {"timeline": "Roadmap", "exposure": "Exposure", "flows": "Who gives to whom",
          "milestones": "Milestones"}


class Views:
    """Figures, status and error area. ``show`` is safe to call from the solving thread."""

    def __init__(self, css: str = "scne") -> None:
        self.outputs: dict[str, widgets.Output] = {}
        self.figures: dict[str, go.Figure] = {}
        for name in FIGURES:
            out = widgets.Output(layout=widgets.Layout(width="100%", min_width="0"))
            out.add_class(f"{css}-{name}")
            out.add_class(f"{css}-view")
            self.outputs[name] = out
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
            self._draw(name, figures.empty(TITLES[name], "Solving the first roadmap…"))

    @property
    def timeline(self) -> go.Figure:
        """The figure on screen in the timeline view."""
        return self.figures["timeline"]

    @property
    def exposure(self) -> go.Figure:
        return self.figures["exposure"]

    @property
    def flows(self) -> go.Figure:
        return self.figures["flows"]

    @property
    def milestones(self) -> go.Figure:
        return self.figures["milestones"]

    def show(self, roadmap: Roadmap, *, past: int = 0) -> None:
        """Draw ``roadmap`` in every view; with ``past``, phases 1..past are shaded as history
        on the timeline and the exposure view."""
        for name, draw in FIGURES.items():
            figure = draw(roadmap)
            if past > 0 and roadmap.is_ok and name in ("timeline", "exposure"):
                shade_past(figure, past)
            self._draw(name, figure)

    def set_status(self, html: str) -> None:
        with self._lock:
            self._status_body = html
            self._render()

    def set_busy(self, busy: bool) -> None:
        with self._lock:
            self._busy = busy
            self._render()

    def show_error(self, html: str) -> None:
        self.error.value = html
        self.error.layout.display = None

    def clear_error(self) -> None:
        if self.error.value:
            self.error.value = ""
            self.error.layout.display = "none"

    def _draw(self, name: str, figure: go.Figure) -> None:
        """Show ``figure`` unless the view already shows the same one: each redraw costs a
        browser a few hundred milliseconds of plotly rendering (and a flicker)."""
        self.figures[name] = figure
        drawn = bundle(figure)
        if self.outputs[name].outputs != (drawn,):
            self.outputs[name].outputs = (drawn,)

    def _render(self) -> None:
        self.status.value = self._status_body + (f" &middot; {BUSY}" if self._busy else "")

    def _cell(self, name: str) -> widgets.Box:
        box = widgets.Box([self.outputs[name]], layout=widgets.Layout(grid_area=name, width="100%"))
        box.add_class("scne-cell")
        return box


def shade_past(figure: go.Figure, now: int) -> None:
    """Shade phases 1..``now`` (the x axis counts phases; each spans t - 0.5 to t + 0.5) as past."""
    figure.add_vrect(x0=0.5, x1=now + 0.5, fillcolor="#888", opacity=0.15, layer="below", line_width=0,
                     annotation_text="happened", annotation_position="top left",
                     annotation_font={"size": 13, "color": "#444"})


def bundle(figure: go.Figure) -> dict[str, Any]:
    """``figure`` as a display_data output that JupyterLab and Voilà draw with plotly.js."""
    spec = json.loads(pio.to_json(figure, validate=False))
    title = figure.layout.title.text or "figure"
    return {"output_type": "display_data", "metadata": {},
            "data": {MIME: {**spec, "config": CONFIG}, "text/plain": f"<plotly figure: {title}>"}}
