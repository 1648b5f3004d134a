"""The explorer's Walk-away tab: who is tempted to walk away from the roadmap on screen.

Drawn from the roadmap itself (:meth:`~scnekit.roadmap.Roadmap.walkaway`, about a
millisecond), so it follows every roadmap the Roadmap tab shows, on the thread that shows it.
Its heat map is a :class:`.figure.Figure`, updated in place like the Roadmap tab's views;
while the tab is hidden the page does not draw it, and draws the newest one when it shows.
"""

from __future__ import annotations

import threading
from html import escape

import ipywidgets as widgets
import plotly.graph_objects as go

from scnekit.export import figures
from scnekit.roadmap import Roadmap

from .figure import Figure

TITLE = "Stake in going on"


class WalkawayView:
    """The stakes of the roadmap on screen as a heat map, and each tempted party in words."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.sentences = widgets.HTML("<i>No roadmap yet.</i>")
        self.sentences.add_class("scne-walkaway-sentences")
        self.output = Figure("walkaway", layout=widgets.Layout(width="100%", min_width="0"))
        self.output.add_class("scne-walkaway-figure")
        self.figure: go.Figure = figures.empty(TITLE, "Solving the first roadmap…")
        self.lines: list[str] = []
        self._draw(self.figure)
        self.panel = widgets.VBox([self.sentences, self.output], layout=widgets.Layout(width="100%", min_width="0"))
        self.panel.add_class("scne-walkaway")

    def show(self, roadmap: Roadmap) -> None:
        """Draw the stakes of ``roadmap`` and say who is tempted (safe from the solving thread)."""
        self.lines = tempted(roadmap)
        self._draw(figures.stake_heatmap(roadmap))
        if not roadmap.is_ok:
            text = "<i>No roadmap on screen: nobody's stake to show.</i>"
        elif not self.lines:
            text = "<b>No party is tempted to walk away</b>: every stake stays at 0 or above until the end."
        else:
            items = "".join(f"<li>{escape(line)}</li>" for line in self.lines)
            text = (f"<b>Tempted to walk away</b> (better off stopping than carrying on to the "
                    f"end):<ul style='margin:4px 0'>{items}</ul>")
        with self._lock:  # a resend from another thread never goes out after a newer text
            self.sentences.value = text

    def resend(self) -> None:
        """Send the sentences to every page again (see :meth:`.views.Views.resend`)."""
        with self._lock:
            self.sentences.send_state("value")

    def _draw(self, figure: go.Figure) -> None:
        self.figure = figure
        self.output.show(figure)  # nothing is sent when it is the figure shown already


def tempted(roadmap: Roadmap) -> list[str]:
    """One sentence per party whose stake falls below 0 after some phase, in the file's order:
    "us is tempted after phases 1-4; its stake falls to -3"."""
    if not roadmap.is_ok:
        return []
    frame = roadmap.walkaway()
    out = []
    for party in roadmap.plan.parties:
        rows = frame[(frame["party"] == party.id) & frame["tempted"]]
        if rows.empty:
            continue
        phases = sorted(int(t) for t in rows["phase"])
        low = float(rows["stake"].min())
        worst = [int(t) for t in rows.loc[rows["stake"] == low, "phase"]]
        when = f" (after phase {worst[0]})" if len(phases) > 1 and len(worst) == 1 else ""
        out.append(f"{party.id} is tempted after {_phases(phases)}; its stake falls to {low:g}{when}")
    return out


def _phases(phases: list[int]) -> str:
    """1, 2, 3, 4, 6 as "phases 1-4 and 6"; a single one as "phase 2"."""
    runs: list[tuple[int, int]] = []
    for t in phases:
        if runs and t == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], t)
        else:
            runs.append((t, t))
    parts = [f"{a}" if a == b else f"{a}-{b}" for a, b in runs]
    words = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"phase {words}" if len(phases) == 1 else f"phases {words}"
