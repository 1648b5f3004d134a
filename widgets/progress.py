"""The explorer's Progress tab: record what has happened, and see the rest re-planned.

The record (:class:`scnekit.history.Progress`) is edited one measure at a time: choose
a measure, what became of it and when, press Record. The table lists what the record
says of every measure the roadmap revised started by ``now`` (and of any other measure
it names). The explorer re-plans on a worker thread of its own
(:func:`scnekit.replan`, see :class:`~.runner.LatestOnly`); this view shows the answer:
the re-planned roadmap in the usual four views with the phases that happened shaded,
the rules the past broke, the rules let go, and each measure that moved, with why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from html import escape
from typing import Any

import ipywidgets as widgets

from scnekit.analysis.replan import Replan
from scnekit.errors import InputError, ScnekitError
from scnekit.history import Event, Happened, Progress
from scnekit.model import Plan

from .status import conflicts_html
from .views import Views

HINT = ("Set how many phases have happened, then record what became of each measure: done, under way, failed "
        "or withdrawn, and when. A measure the record does not name had not started. The rest of the horizon "
        "is re-planned from where things stand, moving as few measures of the roadmap revised as the best "
        "roadmap allows.")
NOT_STARTED = "not started"
STATUSES = ((NOT_STARTED, NOT_STARTED), ("under way", Happened.STARTED.value), ("done", Happened.COMPLETED.value),
            ("failed", Happened.FAILED.value), ("withdrawn", Happened.WITHDRAWN.value))
WORDS = {Happened.STARTED: "under way", Happened.COMPLETED: "done", Happened.FAILED: "failed",
         Happened.WITHDRAWN: "withdrawn"}
CELL = "style='padding:2px 10px;text-align:left;vertical-align:top'"
WIDE = {"description_width": "110px"}


class ProgressView:
    """The record's controls, its table, and the re-plan: status, breaches, moves and views."""

    def __init__(self, phases: int) -> None:
        self._syncing = False
        self._plan: Plan | None = None
        self._progress: Progress | None = None
        self.now = widgets.IntSlider(value=0, min=0, max=phases, description="phases done", style=WIDE,
                                     continuous_update=False, layout=widgets.Layout(width="420px"),
                                     tooltip="the phases 1..now have happened")
        self.now.add_class("scne-progress-now")
        self.as_planned = _button("Record the rest as planned", "scne-progress-as-planned",
                                  "Record every measure the roadmap revised started by now, and the record does "
                                  "not name yet, as it was planned")
        self.measure = widgets.Dropdown(description="measure", style=WIDE, layout=widgets.Layout(width="420px"))
        self.measure.add_class("scne-progress-measure")
        self.status = widgets.Dropdown(description="status", options=STATUSES, value=NOT_STARTED,
                                       style=WIDE, layout=widgets.Layout(width="280px"))
        self.status.add_class("scne-progress-status")
        self.started = widgets.Dropdown(description="started", style={"description_width": "70px"},
                                        layout=widgets.Layout(width="200px"))
        self.started.add_class("scne-progress-started")
        self.ended = widgets.Dropdown(description="ended", style={"description_width": "110px"},
                                      layout=widgets.Layout(width="240px"),
                                      tooltip="the phase it completed, failed or was withdrawn")
        self.ended.add_class("scne-progress-ended")
        self.retry = widgets.Checkbox(description="may be tried again", indent=False,
                                      layout=widgets.Layout(width="auto"))
        self.retry.add_class("scne-progress-retry")
        self.note = widgets.Text(description="note", placeholder="optional", style=WIDE,
                                 layout=widgets.Layout(width="640px"))
        self.note.add_class("scne-progress-note")
        self.record_button = _button("Record", "scne-progress-record", "Record what became of this measure",
                                     style="primary")
        self.save_button = _button("Save record", "scne-progress-save",
                                   "Write the record to its own file beside the scenario file")
        self.save_message = widgets.HTML()
        self.save_message.add_class("scne-progress-save-message")
        self.message = widgets.HTML()
        self.message.add_class("scne-progress-message")
        self.table = widgets.HTML("<i>Nothing recorded yet.</i>")
        self.table.add_class("scne-progress-table")
        self.result = widgets.HTML(f"<i>{escape(HINT)}</i>")
        self.result.add_class("scne-progress-result")
        self.moves = widgets.HTML()
        self.moves.add_class("scne-progress-moves")
        self.views = Views(css="scne-progress")
        self.replan: Replan | None = None
        self.measure.observe(lambda _: self._quietly(self._fill_editor), names="value")
        self.status.observe(lambda _: self._quietly(self._enable), names="value")
        editor = widgets.HBox([self.status, self.started, self.ended, self.retry],
                              layout=widgets.Layout(flex_flow="row wrap", align_items="center"))
        self.panel = widgets.VBox([
            widgets.HBox([self.now, self.as_planned], layout=widgets.Layout(align_items="center",
                                                                            flex_flow="row wrap")),
            self.measure, editor, widgets.HBox([self.note, self.record_button],
                                               layout=widgets.Layout(align_items="center", flex_flow="row wrap")),
            self.message, self.table, widgets.HBox([self.save_button, self.save_message],
                                                   layout=widgets.Layout(align_items="center")),
            self.result, self.moves, self.views.grid,
        ], layout=widgets.Layout(width="100%", min_width="0"))
        self.panel.add_class("scne-progress")

    # -- the record -------------------------------------------------------------------

    def show_record(self, progress: Progress | None, plan: Plan | None) -> None:
        """Set the slider, the editor's choices and the table from ``progress`` (None: no record yet)."""
        if plan is not None:
            self._plan = plan
        self._progress = progress
        plan = self._plan
        with self._quiet():
            if plan is not None:
                self.now.max = plan.phases
            self.now.value = 0 if progress is None else min(progress.now, self.now.max)
            if plan is not None:
                options = self._measure_options(plan, progress)
                keep = self.measure.value
                if list(self.measure.options) != options:
                    self.measure.options = options
                if options:
                    ids = [v for _, v in options]
                    self.measure.value = keep if keep in ids else ids[0]
            self._fill_editor()
        self.table.value = self._table(progress)

    def editor_event(self) -> tuple[str, str, int | None, int | None, bool, str | None]:
        """What the editor describes: measure, status (or "not started"), started, ended, retry, note."""
        return (str(self.measure.value), str(self.status.value), self.started.value, self.ended.value,
                bool(self.retry.value), self.note.value.strip() or None)

    def show_invalid(self, error: ScnekitError) -> None:
        """The validator's words on a record refused (nothing changed)."""
        if isinstance(error, InputError):
            items = "".join(f"<li><code>{escape(p.path)}</code>: {escape(p.message)}</li>" if p.path
                            else f"<li>{escape(p.message)}</li>" for p in error.problems)
        else:
            items = f"<li>{escape(str(error))}</li>"
        self.message.value = ("<span style='color:#b2182b;font-weight:bold'>Not recorded</span>: the record would "
                              f"not be valid, so nothing changed:<ul style='margin:4px 0'>{items}</ul>")

    def clear_message(self) -> None:
        self.message.value = ""

    # -- the re-plan ------------------------------------------------------------------

    def set_busy(self, busy: bool) -> None:
        if busy:
            self.panel.add_class("scne-computing")
            self.result.value = "<b>Re-planning</b> the rest from the record&hellip;"
        else:
            self.panel.remove_class("scne-computing")

    def show(self, result: Replan, seconds: float, label: str) -> None:
        """Show the re-plan: the roadmap (past phases shaded), what the past broke, what moved."""
        self.replan = result
        roadmap = result.roadmap
        now = roadmap.progress.now if roadmap.progress is not None else 0
        self.views.show(roadmap, past=now)
        plan = roadmap.plan
        took = f" &middot; <span style='color:#666'>{seconds:.1f} s</span>"
        if now:
            happened = ("phase 1" if now == 1 else f"phases 1-{now}") + f" ({escape(plan.horizon.label(now))} and " \
                       "before, shaded grey) happened as recorded"
        else:
            happened = "nothing has happened yet"
        head = f"<b>Scenario</b> {escape(label)} &middot; <b>re-planned from phase {now + 1}</b>: {happened}"
        if roadmap.is_ok:
            verdict = "optimal" if roadmap.status == "optimal" else f"{escape(str(roadmap.status))} (time limit)"
            self.result.value = (f"{head} &middot; {verdict} &middot; objective <b>{roadmap.objective:g}</b>"
                                 f"{took}")
        else:
            self.result.value = f"{head}{took}<br>{conflicts_html(roadmap)}"
        self.moves.value = _breaches(result) + _moves(result)

    def show_failure(self, message: str) -> None:
        self.result.value = f"<span style='color:#b2182b'>{escape(message)}</span>"
        self.moves.value = ""

    def show_waiting(self, message: str) -> None:
        self.result.value = f"<i>{escape(message)}</i>"
        self.moves.value = ""

    # -- internals --------------------------------------------------------------------

    def _measure_options(self, plan: Plan, progress: Progress | None) -> list[tuple[str, str]]:
        """Measures started by now in the roadmap revised first (by start), then the rest by id."""
        revised = dict(progress.roadmap or {}) if progress is not None else {}
        now = progress.now if progress is not None else 0
        early = sorted((s, mid) for mid, s in revised.items() if s <= now and mid in plan.measure_by_id)
        first = [mid for _, mid in early]
        rest = sorted(m.id for m in plan.measures if m.id not in set(first))
        return [(f"{mid} (planned {plan.horizon.label(revised[mid])})" if mid in revised else mid, mid)
                for mid in [*first, *rest]]

    def _fill_editor(self) -> None:
        """Set the editor from what the record says of the chosen measure (or what was planned)."""
        progress, plan = self._progress, self._plan
        now = progress.now if progress is not None else 0
        phases = [("–", None), *((f"{plan.horizon.label(t)}" if plan else str(t), t) for t in range(1, now + 1))]
        for box in (self.started, self.ended):
            if list(box.options) != phases:
                box.options = phases
        mid = self.measure.value
        event = progress.by_measure.get(mid) if progress is not None and mid else None
        planned = (progress.roadmap or {}).get(mid) if progress is not None and mid else None
        if event is None:
            self.status.value = NOT_STARTED
            self.started.value = planned if planned is not None and planned <= now else None
            self.ended.value = None
            self.retry.value = False
            self.note.value = ""
        else:
            self.status.value = Happened(event.status).value
            self.started.value = event.started if event.started is not None and event.started <= now else None
            finished = event.completed if event.completed is not None else event.ended
            self.ended.value = finished if finished is not None and finished <= now else None
            self.retry.value = event.retry
            self.note.value = event.note or ""
        self._enable()

    def _enable(self) -> None:
        status = self.status.value
        self.started.disabled = status == NOT_STARTED
        self.ended.disabled = status in (NOT_STARTED, Happened.STARTED.value)
        self.retry.disabled = status not in (Happened.FAILED.value, Happened.WITHDRAWN.value)
        self.ended.description = {"completed": "done in", "failed": "failed in",
                                  "withdrawn": "withdrawn in"}.get(status, "ended")

    def _table(self, progress: Progress | None) -> str:
        if progress is None or self._plan is None:
            return "<i>Nothing recorded yet: move the slider to the phases done, or record a measure.</i>"
        plan = self._plan
        revised = dict(progress.roadmap or {})
        events = progress.by_measure
        shown = [mid for _, mid in sorted((s, mid) for mid, s in revised.items() if s <= progress.now)]
        shown += [e.measure for e in progress.events if e.measure not in set(shown)]
        if not shown:
            return (f"<i>The roadmap revised starts nothing in phases 1-{progress.now} and nothing is recorded."
                    "</i>" if progress.now else "<i>No phase has happened yet (phases done: 0).</i>")
        rows = []
        for mid in shown:
            m = plan.measure_by_id.get(mid)
            planned = revised.get(mid)
            event = events.get(mid)
            what = "<span style='color:#666'>no record: not started</span>" if event is None else _event_words(
                event, plan)
            rows.append(f"<tr class='scne-progress-row' data-measure='{escape(mid)}'><td {CELL}><b>{escape(mid)}"
                        f"</b></td><td {CELL}>{escape(m.title if m else '')}</td>"
                        f"<td {CELL}>{escape(plan.horizon.label(planned)) if planned else 'not planned'}</td>"
                        f"<td {CELL}>{what}</td></tr>")
        head = "".join(f"<th {CELL}>{h}</th>" for h in ("measure", "title", "planned start", "what happened"))
        return (f"<p style='margin:6px 0 2px'><b>The record</b> after phase {progress.now}</p>"
                f"<table class='scne-progress-events'><tr>{head}</tr>{''.join(rows)}</table>")

    @contextmanager
    def _quiet(self) -> Iterator[None]:
        was, self._syncing = self._syncing, True
        try:
            yield
        finally:
            self._syncing = was

    def _quietly(self, action: Callable[[], None]) -> None:
        if self._syncing:
            return
        with self._quiet():
            action()

    @property
    def syncing(self) -> bool:
        """Whether the view is setting its own controls (their changes are not the user's)."""
        return self._syncing


def _event_words(event: Event, plan: Plan) -> str:
    def at(t: int | None) -> str:
        return escape(plan.horizon.label(t)) if t is not None else "?"
    status = Happened(event.status)
    colour = {Happened.FAILED: "#b2182b", Happened.WITHDRAWN: "#b2182b", Happened.COMPLETED: "#1b7837"}.get(
        status, "#8a5a00")
    words = f"<b style='color:{colour}'>{WORDS[status]}</b>"
    if event.started is not None:
        words += f", started {at(event.started)}"
    if event.completed is not None:
        words += f", done {at(event.completed)}"
    if event.ended is not None:
        words += f", {status.value} {at(event.ended)}"
    if event.retry:
        words += ", may be tried again"
    if event.note:
        words += f"<br><span style='color:#555'>{escape(event.note)}</span>"
    return words


def _breaches(result: Replan) -> str:
    out = ""
    if result.breaches:
        items = "".join(f"<li>{escape(b.text)}</li>" for b in result.breaches)
        out += (f"<p style='margin:6px 0 2px'><b>Rules the past already broke</b></p>"
                f"<ul class='scne-progress-breaches' style='margin:2px 0'>{items}</ul>")
    if result.dropped:
        items = "".join(f"<li>{escape(d.text)}</li>" for d in result.dropped)
        out += (f"<p style='margin:6px 0 2px'><b>Rules the rest is planned without</b></p>"
                f"<ul class='scne-progress-dropped' style='margin:2px 0'>{items}</ul>")
    return out


def _moves(result: Replan) -> str:
    plan = result.roadmap.plan
    n = len(result.moves)
    fewest = "" if result.fewest else " (the time limit ended the search for fewer)"
    head = (f"<p style='margin:6px 0 2px'><b>What moved against the roadmap revised</b>: "
            f"{n} measure{'' if n == 1 else 's'}{fewest}</p>")
    if not result.moves:
        return head + "<p class='scne-progress-no-moves' style='margin:2px 0'><i>Nothing moves.</i></p>"

    def phase(t: int | None, none: str) -> str:
        return none if t is None else escape(plan.horizon.label(t)) if 1 <= t <= plan.phases else f"phase {t}"
    items = "".join(f"<li><b>{escape(m.measure)}</b>: {phase(m.before, 'not scheduled')} &rarr; "
                    f"{phase(m.after, 'dropped')}{': ' + escape(m.reason) if m.reason else ''}</li>"
                    for m in result.moves)
    return head + f"<ul class='scne-progress-move-list' style='margin:2px 0'>{items}</ul>"


def _button(text: str, css: str, tooltip: str, style: str = "") -> widgets.Button:
    button = widgets.Button(description=text, tooltip=tooltip, button_style=style,
                            layout=widgets.Layout(width="auto", min_width="110px"))
    button.add_class(css)
    return button


def event_of(measure: str, status: str, started: int | None, ended: int | None, *, retry: bool,
             note: str | None) -> dict[str, Any]:
    """The editor's fields as :meth:`Explorer.record`'s keywords (``ended`` is the completion of a done one)."""
    done = status == Happened.COMPLETED.value
    return {"measure": measure, "status": None if status == NOT_STARTED else status, "started": started,
            "completed": ended if done else None,
            "ended": ended if status in (Happened.FAILED.value, Happened.WITHDRAWN.value) else None,
            "retry": retry, "note": note}
