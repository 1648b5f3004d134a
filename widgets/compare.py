"""The explorer's Compare tab: solve scenarios of the file side by side and show what changes.

The explorer owns the solving (on a worker thread of its own, see :class:`~.runner.LatestOnly`);
this view holds the controls and draws what it is given. Drawing is safe from that thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import ipywidgets as widgets
import plotly.graph_objects as go

from scnekit.analysis.compare import Comparison
from scnekit.export import figures
from scnekit.roadmap import Roadmap

from .views import bundle

TITLE = "Compare scenarios"
HINT = "Choose two or more scenarios and press Compare."


class CompareView:
    """A multi-select of the file's scenarios, a Compare button, the figure and the changes in words."""

    def __init__(self) -> None:
        self.scenarios = widgets.SelectMultiple(description="scenarios", rows=6, style={"description_width": "90px"},
                                                layout=widgets.Layout(width="420px"))
        self.scenarios.add_class("scne-compare-scenarios")
        self.button = widgets.Button(description="Compare", button_style="primary",
                                     tooltip="Solve the chosen scenarios and show what changes against the first",
                                     layout=widgets.Layout(width="auto", min_width="110px"))
        self.button.add_class("scne-compare-button")
        self.status = widgets.HTML(f"<i>{HINT}</i> The first one chosen is the reference.")
        self.status.add_class("scne-compare-status")
        self.sentences = widgets.HTML()
        self.sentences.add_class("scne-compare-sentences")
        self.output = widgets.Output(layout=widgets.Layout(width="100%", min_width="0"))
        self.output.add_class("scne-compare-figure")
        self.figure: go.Figure = figures.empty(TITLE, HINT)
        self.comparison: Comparison | None = None
        self._default: tuple[str, ...] = ()
        self._draw(self.figure)
        controls = widgets.HBox([self.scenarios, self.button], layout=widgets.Layout(align_items="flex-start",
                                                                                    grid_gap="12px"))
        self.panel = widgets.VBox([controls, self.status, self.sentences, self.output],
                                  layout=widgets.Layout(width="100%", min_width="0"))
        self.panel.add_class("scne-compare")

    @property
    def chosen(self) -> list[str]:
        """The scenarios selected, in the file's order (so ``base``, when chosen, is the reference)."""
        picked = set(self.scenarios.value)
        return [s for s in self.scenarios.options if s in picked]

    def set_scenarios(self, ids: Sequence[str], current: str) -> None:
        """Offer the file's scenarios; keep a selection the user made, else choose ``base``
        with ``current`` (or the first other scenario)."""
        default = default_choice(ids, current)
        kept = tuple(s for s in self.scenarios.value if s in ids)
        if list(self.scenarios.options) != list(ids):
            self.scenarios.options = list(ids)
        untouched = not kept or tuple(self.scenarios.value) == self._default
        self.scenarios.value = default if untouched else kept
        self._default = default

    def set_busy(self, busy: bool) -> None:
        """Mark a comparison running (the button waits for it)."""
        self.button.disabled = busy
        if busy:
            self.panel.add_class("scne-comparing")
            self.status.value = f"<b>Solving</b> {escape(', '.join(self.chosen))}&hellip;"
        else:
            self.panel.remove_class("scne-comparing")

    def solved(self, scenario: str, roadmap: Roadmap) -> None:
        """Say which scenario was just solved (called while the comparison runs)."""
        self.status.value = (f"<b>Solving</b>&hellip; {escape(scenario)}: {escape(str(roadmap.status))} "
                             f"in {roadmap.seconds:.1f} s")

    def show(self, comparison: Comparison, seconds: float) -> None:
        """Draw ``comparison``: the figure, one sentence per scenario after the reference."""
        self.comparison = comparison
        self._draw(figures.compare_figure(comparison))
        items = "".join(f"<li>{escape(line)}</li>" for line in comparison.sentences())
        self.sentences.value = f"<ul style='margin:4px 0'>{items}</ul>" if items else ""
        names = ", ".join(comparison.roadmaps)
        self.status.value = (f"<b>Compared</b> {escape(names)} with <b>{escape(comparison.reference)}</b> "
                             f"in {seconds:.1f} s")

    def show_failure(self, message: str) -> None:
        """Say the comparison failed (the explorer's error area says why)."""
        self.status.value = f"<span style='color:#b2182b'>{escape(message)}</span>"

    def _draw(self, figure: go.Figure) -> None:
        self.figure = figure
        self.output.outputs = (bundle(figure),)


def default_choice(ids: Sequence[str], current: str) -> tuple[str, ...]:
    """``base`` and ``current`` (or the first other scenario): what a tab offers until the user chooses."""
    others = [s for s in ids if s != "base"]
    if not others:
        return tuple(ids)
    second = current if current in others else others[0]
    return tuple(s for s in ids if s in ("base", second))
