"""The explorer's Trade-off tab: what safety costs, the exposure frontier of the plan on screen.

The explorer computes the frontier on a worker thread of its own (see
:class:`~.runner.LatestOnly`); this view holds the controls and draws what it is given,
keeping the last figure while a newer frontier is computed. The figure is shown as
plotly's mime bundle in an ``Output``, like every view of the explorer (see
:mod:`.views` for why not a ``FigureWidget``), so a point cannot be clicked: a dropdown
of the points and a button put a point's roadmap on the Roadmap tab instead.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from html import escape

import ipywidgets as widgets
import plotly.graph_objects as go

from scnekit.analysis.frontier import Frontier, FrontierPoint
from scnekit.export import figures
from scnekit.roadmap import Roadmap, Status

from .status import roadmap_html
from .views import bundle

TITLE = "What safety costs"
HINT = "Press Compute frontier: the best objective for each peak exposure, for the settings on screen."
PICK = "choose a point of the frontier"


class TradeoffView:
    """Parties to count in the peak, a Compute button, the frontier, and a way to load its points."""

    def __init__(self, parties: Sequence[str]) -> None:
        wide = {"description_width": "90px"}
        self.parties = widgets.SelectMultiple(options=list(parties), value=tuple(parties), description="parties",
                                              rows=min(6, max(2, len(parties))), style=wide,
                                              tooltip="the parties whose exposure counts in the peak",
                                              layout=widgets.Layout(width="300px"))
        self.parties.add_class("scne-tradeoff-parties")
        self.button = widgets.Button(description="Compute frontier", button_style="primary",
                                     tooltip="The best objective for every peak exposure, for the settings on screen",
                                     layout=widgets.Layout(width="auto", min_width="150px"))
        self.button.add_class("scne-tradeoff-button")
        self.points = widgets.Dropdown(description="roadmap at", options=[(PICK, None)], value=None, disabled=True,
                                       style=wide, layout=widgets.Layout(width="360px"))
        self.points.add_class("scne-tradeoff-points")
        self.load_button = widgets.Button(description="Show on the Roadmap tab", disabled=True,
                                          tooltip="Put the chosen point's roadmap on the Roadmap tab",
                                          layout=widgets.Layout(width="auto", min_width="190px"))
        self.load_button.add_class("scne-tradeoff-load")
        self.back_button = widgets.Button(description="Back to the settings' roadmap",
                                          tooltip="Show the roadmap of the settings on screen again",
                                          layout=widgets.Layout(width="auto", min_width="210px"))
        self.back_button.add_class("scne-tradeoff-back")
        self.status = widgets.HTML(f"<i>{escape(HINT)}</i>")
        self.status.add_class("scne-tradeoff-status")
        self.output = widgets.Output(layout=widgets.Layout(width="100%", min_width="0"))
        self.output.add_class("scne-tradeoff-figure")
        self.figure: go.Figure = figures.empty(TITLE, HINT)
        self.frontier: Frontier | None = None
        self.limit: float | None = None
        self.label = ""  # the settings the frontier shown is of
        self._lock = threading.Lock()
        self._body = ""  # the status line without the notes below
        self._computed_for: tuple[str, str] | None = None  # (draft key, label) of the frontier shown
        self._current = ""  # the draft key on screen
        self._draw(self.figure)
        controls = widgets.HBox([self.parties, widgets.VBox([self.button])],
                                layout=widgets.Layout(align_items="flex-start", grid_gap="12px"))
        load = widgets.HBox([self.points, self.load_button, self.back_button],
                            layout=widgets.Layout(align_items="center", grid_gap="8px", flex_flow="row wrap"))
        self.panel = widgets.VBox([controls, self.status, self.output, load],
                                  layout=widgets.Layout(width="100%", min_width="0"))
        self.panel.add_class("scne-tradeoff")

    @property
    def chosen(self) -> list[str]:
        """The parties selected, in the file's order."""
        picked = set(self.parties.value)
        return [p for p in self.parties.options if p in picked]

    def point(self, index: int) -> FrontierPoint:
        """The ``index``-th point (by peak, from 0) of the frontier shown."""
        if self.frontier is None or not self.frontier.points:
            raise IndexError("there is no frontier point to load: compute the frontier first")
        if not 0 <= index < len(self.frontier.points):
            raise IndexError(f"the frontier has {len(self.frontier.points)} points; there is no point {index}")
        return self.frontier.points[index]

    def set_busy(self, busy: bool) -> None:
        """Mark a frontier being computed (the figure shown stays until the new one is ready)."""
        if busy:
            self.panel.add_class("scne-computing")
            self._set_body("<b>Computing the frontier</b>&hellip; (the figure below is the last one)"
                           if self.frontier is not None else "<b>Computing the frontier</b>&hellip;")
        else:
            self.panel.remove_class("scne-computing")

    def progress(self, found: int, point: FrontierPoint) -> None:
        """Say how far the computation is (called on the computing thread)."""
        self._set_body(f"<b>Computing the frontier</b>&hellip; {found} roadmap{'' if found == 1 else 's'} so far "
                       f"(the last: peak exposure {point.peak_exposure:g}, objective {point.objective:g})")

    def show(self, frontier: Frontier, *, limit: float | None, key: str, label: str, seconds: float,
             note: str = "") -> None:
        """Draw ``frontier`` of the settings ``key`` (named ``label``) with the exposure limit ``limit``."""
        self.frontier, self.limit, self.label = frontier, limit, label
        self._draw(figures.frontier_figure(frontier, limit=limit))
        options: list[tuple[str, int | None]] = [(PICK, None)]
        best = max((p.objective for p in frontier.points), default=0.0)
        for i, p in enumerate(frontier.points):
            given = "" if p.objective >= best else f", gives up {best - p.objective:g}"
            options.append((f"peak {p.peak_exposure:g} · objective {p.objective:g}{given}", i))
        self.points.options = options
        self.points.value = len(frontier.points) - 1 if frontier.points else None
        self.points.disabled = self.load_button.disabled = not frontier.points
        n = len(frontier.points)
        if frontier.points:
            verdict = (f"<b>Frontier</b> of {escape(label)}: {n} point{'' if n == 1 else 's'}, peak exposure "
                       f"{frontier.points[0].peak_exposure:g} to {frontier.points[-1].peak_exposure:g} over "
                       f"{escape(_parties(frontier))}")
            if frontier.status == Status.FEASIBLE:
                verdict += " &middot; <span style='color:#8a5a00'>a solve was cut short by the time limit: the " \
                           "points may not be exact</span>"
            if frontier.truncated:
                verdict += f" &middot; only the first {n} points"
        elif frontier.status == Status.INFEASIBLE:
            verdict = f"<b>No frontier</b> for {escape(label)}: no roadmap keeps every rule (see the figure)"
        else:
            verdict = f"<b>No frontier</b> for {escape(label)}: no roadmap was found within the time limit"
        verdict += f" &middot; computed in {seconds:.1f} s"
        if note:
            verdict += f"<br><span style='color:#666'>{escape(note)}</span>"
        with self._lock:
            self._computed_for = (key, label)
        self._set_body(verdict)

    def show_failure(self, message: str) -> None:
        """Say the computation failed (the explorer's error area says why)."""
        self._set_body(f"<span style='color:#b2182b'>{escape(message)}</span>")

    def settings_changed(self, key: str) -> None:
        """The controls now describe the settings ``key``: a frontier of others is marked as such."""
        with self._lock:
            self._current = key
        self._render()

    def _set_body(self, html: str) -> None:
        with self._lock:
            self._body = html
        self._render()

    def _render(self) -> None:
        with self._lock:
            stale = self._computed_for is not None and self._computed_for[0] != self._current
            note = ("<br><span class='scne-tradeoff-stale' style='color:#8a5a00'>This frontier is of "
                    f"<b>{escape(self._computed_for[1])}</b> before the last changes: press Compute frontier "
                    "for the settings on screen.</span>") if stale and self._computed_for else ""
            self.status.value = self._body + note

    def _draw(self, figure: go.Figure) -> None:
        self.figure = figure
        self.output.outputs = (bundle(figure),)


def point_html(point: FrontierPoint, frontier: Frontier, label: str) -> str:
    """The explorer's status line for a frontier point's roadmap on screen."""
    roadmap: Roadmap = point.roadmap
    return (f"<b>Frontier point</b> at peak exposure <b>{point.peak_exposure:g}</b> "
            f"<span style='color:#666'>(over {escape(_parties(frontier))})</span> &middot; "
            + roadmap_html(roadmap, label)
            + " &middot; <span style='color:#666'>change a setting, or press Back on the Trade-off tab, for the "
              "settings' own roadmap</span>")


def _parties(frontier: Frontier) -> str:
    plan = frontier.points[0].roadmap.plan if frontier.points else None
    if plan is not None and set(frontier.parties) == {p.id for p in plan.parties}:
        return "all parties"
    return ", ".join(frontier.parties)
