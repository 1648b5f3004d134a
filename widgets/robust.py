"""The explorer's Robust start tab: first steps that every chosen scenario of the file can share.

The explorer runs :func:`scnekit.analysis.robust.robust` on a worker thread of its own
(see :class:`~.runner.LatestOnly`); this view holds the controls and shows the answer:
the shared first steps as a table, each scenario's objective against its own optimum,
or why there are none.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import ipywidgets as widgets
import plotly.graph_objects as go

from scnekit.analysis.robust import RobustResult
from scnekit.export import figures
from scnekit.model import Plan
from scnekit.roadmap import Status

from .compare import default_choice
from .views import bundle

TITLE = "Robust first steps"
HINT = ("Choose scenarios and how many phases they share, then press Find first steps: the measures to start "
        "now that every chosen scenario can build on.")
CRITERIA = (("best worst case", "worst"), ("best mean", "mean"))
CELL = "style='padding:2px 10px;text-align:left'"
NUMBER = "style='padding:2px 10px;text-align:right'"


class RobustView:
    """Scenarios, K (phases shared), the criterion and a button; the answer in tables and a figure."""

    def __init__(self, phases: int) -> None:
        wide = {"description_width": "110px"}
        self.scenarios = widgets.SelectMultiple(description="scenarios", rows=6, style=wide,
                                                layout=widgets.Layout(width="420px"))
        self.scenarios.add_class("scne-robust-scenarios")
        self.shared = widgets.IntSlider(value=1, min=1, max=max(1, phases - 1), description="shared phases",
                                        style=wide, layout=widgets.Layout(width="420px"),
                                        tooltip="the phases 1..K whose measures every scenario starts alike")
        self.shared.add_class("scne-robust-shared")
        self.criterion = widgets.ToggleButtons(options=CRITERIA, value="worst", description="maximise",
                                               style={**wide, "button_width": "130px"})
        self.criterion.add_class("scne-robust-criterion")
        self.button = widgets.Button(description="Find first steps", button_style="primary",
                                     tooltip="Roadmaps, one per scenario, that start the same measures in the "
                                             "shared phases",
                                     layout=widgets.Layout(width="auto", min_width="150px"))
        self.button.add_class("scne-robust-button")
        self.status = widgets.HTML(f"<i>{escape(HINT)}</i>")
        self.status.add_class("scne-robust-status")
        self.tables = widgets.HTML()
        self.tables.add_class("scne-robust-tables")
        self.output = widgets.Output(layout=widgets.Layout(width="100%", min_width="0"))
        self.output.add_class("scne-robust-figure")
        self.figure: go.Figure = figures.empty(TITLE, HINT)
        self.result: RobustResult | None = None
        self._default: tuple[str, ...] = ()
        self._draw(self.figure)
        settings = widgets.VBox([self.shared, self.criterion])
        controls = widgets.HBox([self.scenarios, settings, self.button],
                                layout=widgets.Layout(align_items="flex-start", grid_gap="12px",
                                                      flex_flow="row wrap"))
        self.panel = widgets.VBox([controls, self.status, self.tables, self.output],
                                  layout=widgets.Layout(width="100%", min_width="0"))
        self.panel.add_class("scne-robust")

    @property
    def chosen(self) -> list[str]:
        """The scenarios selected, in the file's order."""
        picked = set(self.scenarios.value)
        return [s for s in self.scenarios.options if s in picked]

    def set_scenarios(self, ids: Sequence[str], current: str) -> None:
        """Offer the file's scenarios; keep a selection the user made, else ``base`` and ``current``."""
        default = default_choice(ids, current)
        kept = tuple(s for s in self.scenarios.value if s in ids)
        if list(self.scenarios.options) != list(ids):
            self.scenarios.options = list(ids)
        untouched = not kept or tuple(self.scenarios.value) == self._default
        self.scenarios.value = default if untouched else kept
        self._default = default

    def set_phases(self, phases: int) -> None:
        """K runs from 1 to the file's last phase but one."""
        self.shared.max = max(1, phases - 1)

    def set_busy(self, busy: bool) -> None:
        if busy:
            self.panel.add_class("scne-computing")
            self.status.value = (f"<b>Solving</b> {escape(', '.join(self.chosen))} with phases 1-{self.shared.value} "
                                 "shared&hellip;")
        else:
            self.panel.remove_class("scne-computing")

    def show(self, result: RobustResult, seconds: float) -> None:
        """Show ``result``: its figure, the first steps and the scenarios as tables, or why there are none."""
        self.result = result
        self._draw(figures.robust_figure(result))
        span = "phase 1" if result.shared == 1 else f"phases 1-{result.shared}"
        names = escape(", ".join(result.scenarios))
        took = f" &middot; <span style='color:#666'>{seconds:.1f} s</span>"
        if result.value is None:
            if result.status == Status.INFEASIBLE:
                self.status.value = (f"<b>No common first steps</b>: {names} cannot start the same measures in "
                                     f"{span}{took}")
                why = "".join(f"<li>{escape(r)}</li>" for r in result.reasons) or "<li>no reason was found</li>"
                self.tables.value = f"<ul style='margin:4px 0'>{why}</ul>"
            else:
                self.status.value = (f"<b>No answer</b>: the time limit ran out before roadmaps sharing {span} "
                                     f"were found for {names}{took}")
                self.tables.value = ""
            return
        kind = "worst" if str(result.criterion) == "worst" else "mean"
        verdict = "" if result.status == Status.OPTIMAL else (
            f" &middot; <span style='color:#8a5a00'>{escape(str(result.status))}: the time limit ran out, "
            f"within {100 * (result.gap or 0.0):.1f}% of the best possible</span>")
        self.status.value = (f"<b>Robust first steps</b> for {names}, {span} shared &middot; {kind} objective "
                             f"<b>{result.value:g}</b>{verdict}{took}")
        self.tables.value = _steps_table(result) + _scenarios_table(result)

    def show_failure(self, message: str) -> None:
        self.status.value = f"<span style='color:#b2182b'>{escape(message)}</span>"

    def _draw(self, figure: go.Figure) -> None:
        self.figure = figure
        self.output.outputs = (bundle(figure),)


def _steps_table(result: RobustResult) -> str:
    plan: Plan = next(iter(result.scenarios.values())).roadmap.plan
    if not result.first_steps:
        return "<p><b>Shared first steps</b>: none: no measure starts in the shared phases.</p>"
    rows = []
    for step in result.first_steps:
        mid, start = str(step["measure"]), int(step["start"])
        m = plan.measure_by_id.get(mid)
        rows.append(f"<tr><td {CELL}>{escape(plan.horizon.label(start))}</td><td {CELL}><b>{escape(mid)}</b></td>"
                    f"<td {CELL}>{escape(m.title if m else '')}</td><td {CELL}>{escape(m.by if m else '')}</td></tr>")
    head = "".join(f"<th {CELL}>{h}</th>" for h in ("starts", "measure", "title", "by"))
    return (f"<p style='margin:6px 0 2px'><b>Shared first steps</b></p><table class='scne-robust-steps'>"
            f"<tr>{head}</tr>{''.join(rows)}</table>")


def _scenarios_table(result: RobustResult) -> str:
    rows = []
    for sid, answer in result.scenarios.items():
        cells = [_number(answer.roadmap.objective), _number(answer.optimum), _number(answer.price)]
        rows.append(f"<tr><td {CELL}><b>{escape(sid)}</b></td>"
                    + "".join(f"<td {NUMBER}>{c}</td>" for c in cells) + "</tr>")
    head = (f"<th {CELL}>scenario</th><th {NUMBER}>objective here</th><th {NUMBER}>own optimum</th>"
            f"<th {NUMBER}>price</th>")
    return (f"<p style='margin:8px 0 2px'><b>Each scenario</b> (price: its own optimum minus its objective with "
            f"the shared first steps)</p><table class='scne-robust-scenarios-table'><tr>{head}</tr>"
            f"{''.join(rows)}</table>")


def _number(value: float | None) -> str:
    return "&ndash;" if value is None else escape(f"{value:g}")
