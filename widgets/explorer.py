"""The live roadmap explorer: controls on the left, the roadmap's views on the right.

Built over the engine: :class:`scnekit.Session` solves (reusing the HiGHS model when
only parameters change), :meth:`Draft.plan` builds the model the controls describe,
and :mod:`scnekit.fileformat.savefile` writes scenarios and the autosave. Solves run on a
background thread, one at a time, always on the latest state of the controls. The Compare
tab solves scenarios of the file on a second background thread, as
:func:`scnekit.analysis.compare.compare` does but with a stop for a newer request or a
closed explorer, so a comparison never holds up the roadmap on screen. The Trade-off tab
(the exposure frontier of the settings on screen), the Robust start tab (first steps
shared by scenarios of the file) and the Progress tab (the rest re-planned from a record of
what happened) have a thread each too; the Walk-away tab follows the roadmap on screen.

After an exact solve, the roadmap shown is the optimum that moves the fewest measures of
the one on screen before (see :mod:`.steady`), so equally good roadmaps do not reshuffle.
The progress record is part of the explorer's state: each change of it is undoable and
autosaved with the draft, and :meth:`Explorer.save_progress` writes it to a file of its own.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from scnekit import load, loads
from scnekit.analysis.compare import comparison
from scnekit.analysis.frontier import Frontier, FrontierPoint, frontier
from scnekit.analysis.replan import Replan, replan
from scnekit.analysis.robust import robust
from scnekit.engine.session import Session
from scnekit.errors import InputError, ScnekitError, UsageError
from scnekit.fileformat.progress import parse_progress, progress_document, progress_of, read_progress, write_progress
from scnekit.fileformat.savefile import (
    Autosave,
    Draft,
    add_scenario,
    autosave_path,
    autosave_paths,
    new_session,
    newest_first,
    pin_overrides,
    read_autosave_file,
    write_autosave,
)
from scnekit.history import Event, Happened, Progress
from scnekit.model import Plan, Scenario
from scnekit.roadmap import Roadmap, Status

from .compare import CompareView
from .controls import Controls, Edit
from .figure import plotlyjs
from .progress import ProgressView, event_of
from .robust import RobustView
from .runner import LatestOnly
from .status import error_html, problem_html, roadmap_html, steady_html
from .steady import Steadied, Walls
from .theme import STYLE
from .tradeoff import TradeoffView, point_html
from .views import Views
from .walkaway import WalkawayView

log = logging.getLogger(__name__)
CACHE_SIZE = 64
TABS = ("Roadmap", "Compare", "Trade-off", "Walk-away", "Robust start", "Progress")
PROGRESS_SUFFIX = ".progress.yaml"  # the record's own file: <scenario file stem>.progress.yaml beside it
# Seconds between two drawings of roadmaps found on the way to the optimum (see _Interim).
# Each drawing builds four figures in the kernel (tens of ms) and updates them in the page
# (about 25 ms in Chromium on the 2-core test machine, benchmarks/browser.py); drawing more
# often would compete with the solver for the CPU.
INTERIM_EVERY = 1.5


@dataclass(frozen=True)
class _Job:
    """One state of the controls to show: a valid model, or the reason there is none."""

    draft: Draft
    plan: Plan | None
    problem: ScnekitError | None
    generation: int
    nearby: tuple[Draft, ...] = ()  # settings one slider step away, to solve ahead
    base: Plan | None = None  # the file's plan these drafts apply to


@dataclass(frozen=True)
class _Shown:
    """A roadmap to put on screen as it is (a point of the frontier), with its status line."""

    roadmap: Roadmap
    status: str


@dataclass(frozen=True)
class _Comparing:
    """Scenarios of the file to compare, the first being the reference."""

    base: Plan
    scenarios: tuple[str, ...]


@dataclass(frozen=True)
class _Tradeoff:
    """The frontier to compute: the settings' plan (pins included), its parties and limit."""

    plan: Plan
    parties: tuple[str, ...]
    key: str
    label: str
    limit: float | None
    note: str


@dataclass(frozen=True)
class _Robust:
    """Robust first steps to find for scenarios of the file."""

    base: Plan
    scenarios: tuple[str, ...]
    shared: int
    criterion: str


@dataclass(frozen=True)
class _Replanning:
    """The rest to re-plan: the settings' plan (pins as rules) and the record."""

    plan: Plan
    progress: Progress
    label: str


@dataclass(frozen=True)
class _State:
    """What undo goes back to: the draft and the progress record."""

    draft: Draft
    progress: Progress | None


class _Superseded(Exception):
    """Raised from a progress callback to stop an analysis whose answer nobody waits for."""


class Explorer(widgets.VBox):  # type: ignore[misc]  # ipywidgets has no type hints
    """Explore the roadmaps of a scenario file live; displays itself in JupyterLab and Voilà.

    ``plan`` is a plan from :func:`scnekit.load` (or one of its scenarios), or a file path.
    With ``autosave`` every change is written beside the file, each explorer to its own
    ``<file>.autosave/<session>.yaml``, so explorers of one file never overwrite each
    other's. ``restore=True`` starts from the newest autosave of another session that
    holds work the file does not (the single ``<file>.autosave.yaml`` of earlier versions
    included), ``None`` offers a Restore button when there is one, ``False`` ignores them.
    ``time_limit`` bounds each solve in seconds.

    With ``anticipate`` (the default), once the roadmap on screen is proved optimal the
    explorer uses the idle time to solve the settings one slider step away (the slider
    moved last, the exposure limit of all parties, capacity), so that the next step
    shows its optimum at once. This work gives way to any change at once and is never
    shown; ``anticipate=False`` leaves the CPU idle between changes.
    """

    def __init__(self, plan: Plan | str | os.PathLike[str], *, autosave: bool = True,
                 restore: bool | None = None, time_limit: float | None = 30.0,
                 diagnose_seconds: float = 5.0, anticipate: bool = True) -> None:
        if time_limit is not None and time_limit <= 0:
            raise UsageError("time_limit must be a positive number of seconds (or None)")
        base, start = _open(plan)
        super().__init__()
        self._base = base
        self._autosave = autosave and base.path is not None
        self._session_id = new_session()
        self._time_limit = time_limit
        self._session = Session(diagnose_seconds=diagnose_seconds)
        self._compare_session = Session(diagnose_seconds=diagnose_seconds)  # the comparing thread's
        self._cache: OrderedDict[tuple[int, str], Roadmap] = OrderedDict()
        self._generation = 0
        self._roadmap: Roadmap | None = None
        self._plan: Plan | None = None
        self._history: list[_State] = []
        self._progress: Progress | None = None
        self._progress_files: set[Path] = set()  # record files this explorer read or wrote
        self._draft = Draft(scenario=start)
        self._closed = False
        self.views = Views()
        self.controls = Controls(base, self._edit)
        self.compare = CompareView()
        self.compare.set_scenarios(base.scenario_ids, start)
        self.tradeoff = TradeoffView([p.id for p in base.parties])
        self.walkaway = WalkawayView()
        self.robust = RobustView(base.phases)
        self.robust.set_scenarios(base.scenario_ids, start)
        self.progress_view = ProgressView(base.phases)
        self._anticipate = anticipate
        # settings to solve ahead of need, each with the generation and base of its job
        # (worker thread only)
        self._ahead: list[tuple[int, Plan, Draft]] = []
        self.anticipated = 0  # roadmaps solved ahead of need so far
        self._ahead_keys: set[tuple[int, str]] = set()
        self._walls = Walls()  # the wall on screen, and the one shown for each setting (solving thread)
        self._runner: LatestOnly[_Job | _Shown] = LatestOnly(self._show_job, on_busy=self._mark_busy,
                                                             on_error=self._worker_failed,
                                                             idle=self._next_ahead if anticipate else None)
        self._comparer: LatestOnly[_Comparing] = LatestOnly(self._run_comparison, on_busy=self.compare.set_busy,
                                                            on_error=self._comparison_failed,
                                                            name="scnekit-compare")
        self._frontier_runner: LatestOnly[_Tradeoff] = LatestOnly(
            self._run_frontier, on_busy=self.tradeoff.set_busy, on_error=self._frontier_failed,
            name="scnekit-frontier")
        self._robust_runner: LatestOnly[_Robust] = LatestOnly(
            self._run_robust, on_busy=self.robust.set_busy, on_error=self._robust_failed, name="scnekit-robust")
        self._replanner: LatestOnly[_Replanning] = LatestOnly(
            self._run_replan, on_busy=self.progress_view.set_busy, on_error=self._replan_failed,
            name="scnekit-replan")
        title = widgets.HTML(escape(base.name))
        title.add_class("scne-title")
        self.tabs = widgets.Tab([self.views.grid, self.compare.panel, self.tradeoff.panel, self.walkaway.panel,
                                 self.robust.panel, self.progress_view.panel], titles=TABS,
                                layout=widgets.Layout(width="100%", min_width="0"))
        self.tabs.add_class("scne-tabs")
        main = widgets.VBox([self.views.status, self.views.error, self.tabs],
                            layout=widgets.Layout(flex="1 1 auto", min_width="0", width="100%"))
        main.add_class("scne-main")
        body = widgets.HBox([self.controls.panel, main], layout=widgets.Layout(width="100%"))
        self.children = [widgets.HTML(STYLE), title, body]
        self.layout.width = "100%"
        self.add_class("scne-explorer")
        self._busy_lock = threading.Lock()  # a busy mark and its resending go out in order
        plotlyjs().when_a_view_starts(self._resend)
        self._wire()
        self._unreadable = ""  # the error area's note on autosaves that cannot be read
        unreadable_record = self._initial_progress()
        self._found = self._read_autosave() if base.path is not None and restore is not False else None
        if self._found is not None and restore:
            self._progress = self._restored_progress(self._found) or self._progress
            self._apply(self._found.draft, record=False, save=True, force=True)
            self._found = None
        else:
            self._apply(self._draft, record=False, save=False, force=True)
        if self._unreadable or unreadable_record:  # the first _apply cleared the error area: show them again
            self.views.show_error("<br>".join(x for x in (self._unreadable, unreadable_record) if x))
        self._offer_restore()

    # -- what scripts and tests read --------------------------------------------------

    @property
    def roadmap(self) -> Roadmap | None:
        """The roadmap on screen: the best so far while a solve runs, then the one it proved
        (None until the first roadmap is found)."""
        return self._roadmap

    @property
    def draft(self) -> Draft:
        """The state the controls describe: scenario, overrides, unavailable measures, pins."""
        return self._draft

    @property
    def plan(self) -> Plan | None:
        """The model the controls describe, or None when they describe no valid one."""
        return self._plan

    @property
    def base(self) -> Plan:
        """The scenario file's plan as written."""
        return self._base

    @property
    def autosave_path(self) -> Path | None:
        """Where this explorer autosaves (None for a plan without a file)."""
        return autosave_path(self._base.path, self._session_id) if self._base.path is not None else None

    def autosaves(self) -> list[Autosave]:
        """The autosaves of the file by other sessions, newest first; those that cannot be
        read are left out and named together in the error area."""
        if self._base.path is None:
            return []
        found: list[Autosave] = []
        unreadable: list[str] = []
        try:
            targets = autosave_paths(self._base.path)
        except OSError as exc:
            targets = []
            unreadable.append(error_html("The autosaves beside the file cannot be listed", exc))
        for target in targets:
            try:
                found.append(read_autosave_file(target, self._base.limits))
            except (ScnekitError, OSError) as exc:
                unreadable.append(error_html(f"The autosave {target.name} beside the file cannot be read", exc))
        self._unreadable = "<br>".join(unreadable)
        if unreadable:
            self.views.show_error(self._unreadable)
        return newest_first(a for a in found if a.session != self._session_id)

    @property
    def progress(self) -> Progress | None:
        """The progress record (None until one is read, set or recorded)."""
        return self._progress

    @property
    def replanned(self) -> Replan | None:
        """The Progress tab's last re-plan, or None."""
        return self.progress_view.replan

    @property
    def progress_path(self) -> Path | None:
        """Where :meth:`save_progress` writes by default: ``<stem>.progress.yaml`` beside the file."""
        path = self._base.path
        return None if path is None else Path(path).with_name(Path(path).stem + PROGRESS_SUFFIX)

    @property
    def can_undo(self) -> bool:
        return bool(self._history)

    def wait(self, timeout: float | None = 60.0) -> None:
        """Return once no solve of a change, no comparison and no analysis of a tab runs or
        waits (solving ahead may go on, and gives way to the next change); raise TimeoutError
        after ``timeout`` seconds."""
        until = None if timeout is None else time.monotonic() + timeout
        for runner in self._runners():
            left = None if until is None else max(0.0, until - time.monotonic())
            if not runner.wait(left):
                raise TimeoutError(f"the explorer was still solving after {timeout} s")

    # -- what the controls (and scripts) do ---------------------------------------------

    def apply(self, draft: Draft) -> None:
        """Show ``draft``: the same as moving the controls to it (undoable)."""
        self._apply(draft, record=True, save=True)

    def undo(self) -> bool:
        """Go back to the state before the last change (of the controls or of the progress
        record); False when there is none."""
        if not self._history:
            return False
        state = self._history.pop()
        changed = state.progress != self._progress
        self._progress = state.progress
        if state.draft.key() != self._draft.key():
            self._apply(state.draft, record=False, save=True)  # re-plans too, when there is a record
        else:
            self.controls.undo_button.disabled = not self._history
            if self._autosave:
                self._write_autosave(self._draft)
            if changed:
                self._progress_changed()
        return True

    # -- the progress record ------------------------------------------------------------

    def set_progress(self, progress: Progress) -> None:
        """Make ``progress`` the record (undoable, autosaved) and re-plan the rest from it.
        A record without a ``roadmap`` revises the roadmap on screen. An invalid record is
        refused with the validator's InputError (shown in the Progress tab); nothing changes."""
        if not isinstance(progress, Progress):
            raise UsageError(f"set_progress needs a scnekit.Progress, got {type(progress).__name__}")
        if progress.roadmap is None:
            progress = Progress(progress.now, progress.events, self._revised(), progress.file)
        self._change_progress(progress)

    def set_now(self, phase: int) -> None:
        """Phases 1..``phase`` have happened (0: none yet)."""
        current = self._current_progress()
        self._change_progress(Progress(int(phase), current.events, current.roadmap, current.file))

    def record(self, measure: str, status: Happened | str | None, started: int | None = None,  # noqa: PLR0917
               completed: int | None = None, ended: int | None = None, retry: bool = False,
               note: str | None = None) -> None:
        """Record what became of ``measure`` by now: ``status`` started, completed, failed or
        withdrawn, with the phases it needs (None or "not started": it had not started; its
        entry is removed). Refused with an InputError when the record would not be valid."""
        current = self._current_progress()
        events = [e for e in current.events if e.measure != measure]
        if status is not None and str(status) != "not started":
            try:
                happened = Happened(str(status))
            except ValueError:
                raise UsageError(f"status must be one of {', '.join(Happened)} or 'not started', "
                                 f"got {status!r}") from None
            event = Event(measure, happened, started=started, completed=completed, ended=ended, retry=bool(retry),
                          note=note)
            at = next((i for i, e in enumerate(current.events) if e.measure == measure), len(events))
            events.insert(at, event)
        self._change_progress(Progress(current.now, tuple(events), current.roadmap, current.file))

    def record_as_planned(self) -> None:
        """Record every measure the roadmap revised started by now, and the record does not
        name, as planned: started at its start, done where it completes by now."""
        current = self._current_progress()
        plan = self._plan or self._base
        named = set(current.by_measure)
        events = list(current.events)
        for mid, start in sorted((current.roadmap or {}).items(), key=lambda item: (item[1], item[0])):
            m = plan.measure_by_id.get(mid)
            if m is None or mid in named or start > current.now:
                continue
            done = m.completion(start)
            events.append(Event(mid, Happened.COMPLETED, started=start, completed=done) if done <= current.now
                          else Event(mid, Happened.STARTED, started=start))
        self._change_progress(Progress(current.now, tuple(events), current.roadmap, current.file))

    def save_progress(self, path: str | os.PathLike[str] | None = None, *, overwrite: bool = False) -> Path:
        """Write the record to a file of its own (default :attr:`progress_path`) and return it.
        A file this explorer neither read nor wrote is not overwritten unless ``overwrite``."""
        if self._progress is None:
            raise UsageError("there is no progress record to save yet")
        target = Path(path) if path is not None else self.progress_path
        if target is None:
            raise UsageError("this plan was not loaded from a file: name the file to save the record to")
        if target.exists() and target.resolve() not in self._progress_files and not overwrite:
            raise UsageError(f"{target.name} exists and was not written by this explorer; pass overwrite=True "
                             "to replace it")
        write_progress(target, self._progress)
        self._progress_files.add(target.resolve())
        self.progress_view.save_message.value = f"Saved the record to {escape(target.name)}"
        return target

    def pin(self, measure: str, phase: int) -> None:
        """Fix ``measure`` to start in ``phase``."""
        self.apply(Draft(self._draft.scenario, self._draft.set, self._draft.unavailable,
                         {**self._draft.pins, measure: phase}))

    def unpin(self, measure: str) -> None:
        self.apply(Draft(self._draft.scenario, self._draft.set, self._draft.unavailable,
                         {m: p for m, p in self._draft.pins.items() if m != measure}))

    def save_scenario(self, name: str, description: str | None = None) -> Scenario:
        """Add the current state to the scenario file as scenario ``name`` and return the entry.

        Pins become ``earliest``/``latest``/``mandatory`` overrides, so that
        ``scnekit.solve(scnekit.load(file), name)`` finds this roadmap's objective.
        """
        path = self._base.path
        if path is None:
            raise UsageError("this plan was not loaded from a file, so there is no file to save to")
        scenario = self._draft.to_scenario(self._base, name, description)
        self._base = add_scenario(path, scenario, limits=self._base.limits)
        self._generation += 1
        self.controls.show(self._base, self._draft, self._plan)
        self.compare.set_scenarios(self._base.scenario_ids, self._draft.scenario)
        self.robust.set_scenarios(self._base.scenario_ids, self._draft.scenario)
        self.robust.set_phases(self._base.phases)
        self.controls.save_message.value = (f"Saved scenario <b>{escape(name)}</b> to "
                                            f"{escape(Path(path).name)}")
        return scenario

    def compare_scenarios(self, scenarios: Sequence[str] | None = None) -> None:
        """Solve ``scenarios`` of the file (default: those chosen in the Compare tab) in the
        background and show what changes against the first; :meth:`wait` waits for it."""
        chosen = list(scenarios) if scenarios is not None else self.compare.chosen
        if len(chosen) < 2:
            raise UsageError("choose at least two scenarios to compare")
        unknown = [s for s in chosen if s not in self._base.scenario_ids]
        if unknown:
            raise UsageError(f"no scenario {', '.join(repr(s) for s in unknown)} in the file; it has: "
                             f"{', '.join(self._base.scenario_ids)}")
        self._comparer.submit(_Comparing(self._base, tuple(chosen)))

    def compute_frontier(self, parties: Sequence[str] | None = None) -> None:
        """Compute the exposure frontier of the settings on screen (pins included) over
        ``parties`` (default: those chosen in the Trade-off tab) in the background; a newer
        request stops this one. :meth:`wait` waits for it."""
        chosen = list(parties) if parties is not None else self.tradeoff.chosen
        if not chosen:
            raise UsageError("choose at least one party whose exposure counts in the peak")
        unknown = [p for p in chosen if p not in self._base.party_by_id]
        if unknown:
            raise UsageError(f"no party {', '.join(repr(p) for p in unknown)}; the file has: "
                             f"{', '.join(self._base.party_by_id)}")
        draft = self._draft
        # the pins as the rules they are, so that every roadmap of the frontier keeps them
        plan = Draft(draft.scenario, {**draft.set, **pin_overrides(draft.pins)}, draft.unavailable).plan(self._base)
        limits = [plan.rules.exposure_limit(p) for p in chosen]
        known = [x for x in limits if x is not None]
        limit = max(known) if known and len(known) == len(limits) else None
        note = ""
        if limit is None:
            note = ("No exposure limit is marked: "
                    + ("no chosen party has one." if not known else "some chosen parties have none."))
        elif min(known) < limit:
            note = (f"The chosen parties' exposure limits differ ({min(known):g} to {limit:g}): the dashed line "
                    f"marks the highest, the most any of them may reach.")
        self._frontier_runner.submit(_Tradeoff(plan, tuple(chosen), draft.key(), draft.label, limit, note))

    def load_frontier_point(self, index: int | None = None) -> FrontierPoint:
        """Put the roadmap of the frontier's point ``index`` (by peak exposure, from 0; default:
        the one chosen in the Trade-off tab) on the Roadmap tab, and return the point."""
        frontier = self.tradeoff.frontier
        chosen = self.tradeoff.points.value if index is None else index
        if frontier is None or chosen is None:
            raise UsageError("compute the frontier and choose one of its points first")
        try:
            point = self.tradeoff.point(int(chosen))
        except IndexError as exc:
            raise UsageError(str(exc)) from None
        self._runner.submit(_Shown(point.roadmap, point_html(point, frontier, self.tradeoff.label)))
        self.tabs.selected_index = 0
        return point

    def show_settings_roadmap(self) -> None:
        """Show the roadmap of the settings on screen again (after a frontier point was loaded)."""
        self._apply(self._draft, record=False, save=False, force=True)

    def find_robust_start(self, scenarios: Sequence[str] | None = None, shared: int | None = None,
                          criterion: str | None = None) -> None:
        """Find first steps over phases 1..``shared`` that ``scenarios`` of the file can all take
        (defaults: the Robust start tab's choices) in the background; :meth:`wait` waits for it."""
        chosen = list(scenarios) if scenarios is not None else self.robust.chosen
        if len(chosen) < 2:
            raise UsageError("choose at least two scenarios to share first steps")
        unknown = [s for s in chosen if s not in self._base.scenario_ids]
        if unknown:
            raise UsageError(f"no scenario {', '.join(repr(s) for s in unknown)} in the file; it has: "
                             f"{', '.join(self._base.scenario_ids)}")
        k = self.robust.shared.value if shared is None else shared
        self._robust_runner.submit(_Robust(self._base, tuple(chosen), int(k), criterion or self.robust.criterion.value))

    def restore(self) -> None:
        """Go to the newest state autosaved beside the file by another session that the file lacks."""
        found = self._found or self._read_autosave()
        if found is None:
            raise UsageError("there is no autosave to restore")
        self._found = None
        self._offer_restore()
        progress = self._restored_progress(found)
        if progress is not None and progress != self._progress:
            self._history.append(_State(self._draft, self._progress))
            self._progress = progress
            self._apply(found.draft, record=False, save=True, force=True)
        else:
            self.apply(found.draft)

    def close(self) -> None:
        """Stop the solving thread and close every widget of the explorer."""
        self._closed = True
        for runner in self._runners():  # those made: none when construction failed early
            runner.close()
        for widget in list(_descendants(self)):
            widget.close()
        super().close()

    # -- internals ----------------------------------------------------------------------

    def _runners(self) -> list[LatestOnly[Any]]:
        """The explorer's worker threads (those made so far)."""
        names = ("_runner", "_comparer", "_frontier_runner", "_robust_runner", "_replanner")
        return [r for r in (getattr(self, name, None) for name in names) if r is not None]

    def _apply(self, draft: Draft, *, record: bool, save: bool, force: bool = False) -> None:
        if not force and draft.key() == self._draft.key():
            return
        if record:
            self._history.append(_State(self._draft, self._progress))
        self._draft = draft
        self.views.clear_error()
        plan: Plan | None = None
        problem: ScnekitError | None = None
        try:
            plan = draft.plan(self._base)
        except ScnekitError as err:
            problem = err
        self._plan = plan
        self.controls.show(self._base, draft, plan)
        self.compare.set_scenarios(self._base.scenario_ids, draft.scenario)
        self.robust.set_scenarios(self._base.scenario_ids, draft.scenario)
        self.tradeoff.settings_changed(draft.key())
        self.controls.undo_button.disabled = not self._history
        self._runner.submit(_Job(draft, plan, problem, self._generation, self._nearby(draft, plan), self._base))
        if save and self._autosave:  # after the solve started: the room waits for the roadmap, not the disk
            self._write_autosave(draft)
        if self._progress is not None:
            self._progress_changed()

    def _show_job(self, job: _Job | _Shown) -> None:
        """Runs on the solving thread: solve (or reuse) and draw, or say why not."""
        self._ahead = []  # whatever was to be solved ahead belonged to an earlier state
        if isinstance(job, _Shown):
            self._show(job.roadmap, "", status=job.status)
            return
        if job.plan is None:
            assert job.problem is not None
            self.views.set_status(problem_html(job.problem, job.draft.label))
            return
        key = (job.generation, job.draft.key())
        roadmap = self._cache.get(key)
        reused = "" if roadmap is None else "ahead" if key in self._ahead_keys else "earlier"
        self._ahead_keys.discard(key)  # once shown, it is an earlier roadmap
        if roadmap is None:
            interim = _Interim(lambda r: self._show(r, job.draft.label, interim=True),
                               lambda: self._runner.superseded)
            try:
                roadmap = self._session.solve(job.plan, pins=job.draft.pins, time_limit=self._time_limit,
                                              progress=interim.offer, stop=interim.stale)
            except ScnekitError as err:
                self.views.set_status(problem_html(err, job.draft.label))
                return
            if roadmap.status in (Status.OPTIMAL, Status.INFEASIBLE):  # not one cut short by a newer change
                self._remember(key, roadmap)
            if interim.stale():
                return  # a newer change is waiting; this roadmap answers an old question
        if roadmap.status == Status.OPTIMAL and job.base is not None:
            self._ahead = [(job.generation, job.base, draft) for draft in job.nearby]
        optimum = roadmap
        drawn = False

        def draw_optimum() -> None:  # the steadying stage runs long: the proven optimum first
            nonlocal drawn
            drawn = True
            try:
                self._show(optimum, job.draft.label, reused=reused, settle=False, steadying=True)
            except Exception:
                log.exception("explorer: could not draw the optimum before steadying it")

        steadied = self._walls.steady(key, roadmap, lambda: self._pinned_plan(job),
                                      stop=lambda: self._closed or self._runner.superseded, slow=draw_optimum)
        if steadied is None:  # a newer change waits
            if drawn:
                self._walls.shown(optimum, key)
            return
        self._show(steadied.roadmap, job.draft.label, reused=reused, key=key, steadied=steadied)

    def _pinned_plan(self, job: _Job) -> Plan | None:
        """The job's model with its pins as rules, as the steadying stage needs them (None: invalid)."""
        if not job.draft.pins:
            return job.plan
        draft = job.draft
        try:
            return Draft(draft.scenario, {**draft.set, **pin_overrides(draft.pins)},
                         draft.unavailable).plan(job.base or self._base)
        except ScnekitError:
            return None

    def _show(self, roadmap: Roadmap, label: str, *, reused: str = "", interim: bool = False,
              status: str | None = None, key: object | None = None, settle: bool = True,
              steadied: Steadied | None = None, steadying: bool = False) -> None:
        """Draw ``roadmap``; unless it is one on the way (``interim``, or not ``settle``d) it
        becomes the wall the next roadmap is steadied against, and the one setting ``key`` shows."""
        if self._closed:
            return
        self._roadmap = roadmap
        self.views.show(roadmap)
        line = status if status is not None else roadmap_html(roadmap, label, reused=reused, interim=interim)
        if status is None and (steadied is not None or steadying):
            line += steady_html(steadied)
        self.views.set_status(line)
        if settle and not interim:
            self._walls.shown(roadmap, key)
        try:
            self.walkaway.show(roadmap)
        except Exception as exc:  # the roadmap is on screen; only this tab failed
            log.exception("explorer: could not draw the walk-away view")
            self.views.show_error(error_html("Could not draw who is tempted to walk away", exc))

    def _nearby(self, draft: Draft, plan: Plan | None) -> tuple[Draft, ...]:
        """The settings to solve ahead once ``draft``'s roadmap is proved (widgets' thread)."""
        if not self._anticipate or plan is None:
            return ()
        try:
            return tuple(self.controls.nearby(draft))
        except Exception:  # solving ahead is a bonus: the change itself must still be solved
            log.exception("explorer: could not list the settings one step away")
            return ()

    def _next_ahead(self) -> Callable[[], None] | None:
        """The worker's idle work: solve the next setting of :attr:`_ahead` not yet cached."""
        while self._ahead and not self._closed:
            generation, base, draft = self._ahead.pop(0)
            key = (generation, draft.key())
            if key in self._cache:
                continue
            try:
                plan = draft.plan(base)
            except ScnekitError:
                continue  # not a valid setting: nothing to prepare

            def solve_ahead(draft: Draft = draft, plan: Plan = plan, key: tuple[int, str] = key) -> None:
                roadmap = self._session.solve(plan, pins=draft.pins, time_limit=self._time_limit,
                                              stop=lambda: self._runner.superseded, diagnose=False)
                if roadmap.status == Status.OPTIMAL:
                    self._remember(key, roadmap)
                    self._ahead_keys.add(key)
                    self.anticipated += 1
            return solve_ahead
        return None

    def _remember(self, key: tuple[int, str], roadmap: Roadmap) -> None:
        self._cache[key] = roadmap
        self._ahead_keys.discard(key)
        while len(self._cache) > CACHE_SIZE:
            self._ahead_keys.discard(self._cache.popitem(last=False)[0])

    def _mark_busy(self, busy: bool) -> None:
        with self._busy_lock:
            if busy:
                self.add_class("scne-busy")
            else:
                self.remove_class("scne-busy")
        self.views.set_busy(busy)

    def _resend(self) -> None:
        """Send what the solving thread changes to every page again: a page that was loading
        the widgets when the first roadmap came may have missed the last changes, and would
        show "solving…" for ever (kernel's main thread, when a view starts on a page)."""
        if self._closed:
            return
        with self._busy_lock:
            self.send_state("_dom_classes")
        self.views.resend()
        self.walkaway.resend()

    def _worker_failed(self, error: BaseException) -> None:
        self.views.show_error(error_html("Could not update the roadmap", error))

    def _run_comparison(self, job: _Comparing) -> None:
        """Runs on the comparing thread: solve every scenario, then draw what changes. A newer
        request or closing the explorer stops it (the answer would be to an old question)."""
        began = time.perf_counter()

        def stale() -> bool:
            return self._closed or self._comparer.superseded

        roadmaps: dict[str, Roadmap] = {}
        for sid in job.scenarios:
            roadmaps[sid] = self._compare_session.solve(job.base.scenario(sid), time_limit=self._time_limit,
                                                        stop=stale)
            if stale():
                return
            self.compare.solved(sid, roadmaps[sid])
        self.compare.show(comparison(roadmaps), time.perf_counter() - began)

    def _comparison_failed(self, error: BaseException) -> None:
        self.compare.show_failure("The comparison failed; see the message above.")
        self.views.show_error(error_html("Could not compare the scenarios", error))

    def _compare_clicked(self) -> None:
        self.views.clear_error()
        self.compare_scenarios()

    def _run_frontier(self, job: _Tradeoff) -> None:
        """Runs on the frontier's thread: compute it, then draw it. A newer request or closing
        the explorer stops it after the solve under way (the engine tells of each roadmap found)."""
        began = time.perf_counter()
        found = 0

        def stale() -> bool:
            return self._closed or self._frontier_runner.superseded

        def progress(point: FrontierPoint) -> None:
            nonlocal found
            if stale():
                raise _Superseded
            found += 1
            self.tradeoff.progress(found, point)

        try:
            result: Frontier = frontier(job.plan, parties=job.parties, time_limit=self._time_limit,
                                        progress=progress)
        except _Superseded:
            return
        if stale():
            return
        self.tradeoff.show(result, limit=job.limit, key=job.key, label=job.label,
                           seconds=time.perf_counter() - began, note=job.note)

    def _frontier_failed(self, error: BaseException) -> None:
        self.tradeoff.show_failure("The frontier could not be computed; see the message above.")
        self.views.show_error(error_html("Could not compute the frontier", error))

    def _run_robust(self, job: _Robust) -> None:
        """Runs on the robust thread. The analysis cannot be stopped: a newer request waits
        for it, and an answer nobody waits for any more is dropped."""
        began = time.perf_counter()
        result = robust(job.base, job.scenarios, job.shared, job.criterion, time_limit=self._time_limit)
        if self._closed or self._robust_runner.superseded:
            return
        self.robust.show(result, time.perf_counter() - began)

    def _robust_failed(self, error: BaseException) -> None:
        self.robust.show_failure("No robust first steps could be found; see the message above.")
        self.views.show_error(error_html("Could not find robust first steps", error))

    def _edit(self, edit: Edit) -> None:
        if not self._guard("That change could not be made", lambda: self.apply(edit(self._draft))):
            self.controls.show(self._base, self._draft, self._plan)  # the controls back to what holds

    def _guard(self, what: str, action: Callable[[], object]) -> bool:
        """Run a callback; show any failure in the error area instead of a log nobody reads.
        Returns whether it succeeded."""
        try:
            action()
        except Exception as exc:
            log.exception("explorer: %s", what)
            self.views.show_error(error_html(what, exc))
            return False
        return True

    def _wire(self) -> None:
        c = self.controls
        c.undo_button.on_click(lambda _: self._guard("Could not undo", self.undo))
        c.reset_button.on_click(lambda _: self._edit(lambda d: Draft(scenario=d.scenario)))
        c.restore_button.on_click(lambda _: self._guard("Could not restore the autosave", self.restore))
        c.save_button.on_click(lambda _: self._guard("Could not save the scenario", self._save_clicked))
        self.compare.button.on_click(lambda _: self._guard("Could not compare the scenarios", self._compare_clicked))
        t = self.tradeoff
        t.button.on_click(lambda _: self._guard("Could not compute the frontier", self._clicked(self.compute_frontier)))
        t.load_button.on_click(lambda _: self._guard("Could not load the frontier point",
                                                     self._clicked(self.load_frontier_point)))
        t.back_button.on_click(lambda _: self._guard("Could not show the settings' roadmap",
                                                     self._clicked(self.show_settings_roadmap)))
        self.robust.button.on_click(lambda _: self._guard("Could not find robust first steps",
                                                          self._clicked(self.find_robust_start)))
        p = self.progress_view
        p.record_button.on_click(lambda _: self._guard("Could not record", self._clicked(self._record_clicked)))
        p.as_planned.on_click(lambda _: self._guard("Could not record the rest as planned",
                                                    self._clicked(self.record_as_planned)))
        p.save_button.on_click(lambda _: self._guard("Could not save the progress record",
                                                     self._clicked(self._save_progress_clicked)))
        p.now.observe(lambda change: self._guard("Could not set the phases done", lambda: self._now_moved(change)),
                      names="value")

    def _clicked(self, action: Callable[[], object]) -> Callable[[], object]:
        """``action`` after clearing the error area (a button press starts afresh)."""
        def run() -> object:
            self.views.clear_error()
            return action()
        return run

    def _save_clicked(self) -> None:
        c = self.controls
        c.save_message.value = ""
        self.save_scenario(c.save_name.value.strip(), c.save_description.value.strip() or None)
        c.save_name.value = ""
        c.save_description.value = ""

    # -- the progress record (internals) --------------------------------------------------

    def _progress_document(self) -> dict[str, Any] | None:
        return None if self._progress is None else progress_document(self._progress)

    def _initial_progress(self) -> str:
        """Start from the record beside the file (``<stem>.progress.yaml``), else the file's own
        ``progress`` section; returns the error area's words when it cannot be read."""
        target = self.progress_path
        try:
            if target is not None and target.is_file():
                self._progress = read_progress(target, self._base, self._base.limits)
                self._progress_files.add(target.resolve())
            else:
                self._progress = progress_of(self._base)
        except (ScnekitError, OSError) as exc:
            return error_html("The progress record beside the file cannot be read", exc)
        return ""

    def _restored_progress(self, found: Autosave) -> Progress | None:
        """The record an autosave kept, validated against the file (None: none, or not valid)."""
        if found.progress is None:
            return None
        try:
            return parse_progress(found.progress, self._base, file=str(found.path))
        except ScnekitError as exc:
            self.views.show_error(error_html("The autosave's progress record cannot be read", exc))
            return None

    def _revised(self) -> dict[str, int]:
        """The roadmap a record revises, where it gives none: the roadmap on screen."""
        roadmap = self._roadmap
        if roadmap is None or not roadmap.is_ok:
            raise UsageError("there is no roadmap on screen yet to record progress against; wait for one")
        return dict(roadmap.starts)

    def _current_progress(self) -> Progress:
        """The record to change: the one kept, or an empty one revising the roadmap on screen."""
        current = self._progress
        if current is None:
            return Progress(0, (), self._revised())
        if current.roadmap is None:
            return Progress(current.now, current.events, self._revised(), current.file)
        return current

    def _change_progress(self, progress: Progress) -> None:
        """Validate ``progress`` against the settings' model; keep it (undoable, autosaved) and
        re-plan, or show why not and change nothing."""
        plan = self._plan or self._base
        try:
            checked = parse_progress(progress_document(progress), plan, file=progress.file)
        except InputError as err:
            self.progress_view.show_invalid(err)
            raise
        if checked == self._progress:
            self.progress_view.clear_message()
            self.progress_view.show_record(self._progress, plan)  # the controls back to the record
            return
        self._history.append(_State(self._draft, self._progress))
        self._progress = checked
        self.controls.undo_button.disabled = False
        if self._autosave:
            self._write_autosave(self._draft)
        self.progress_view.clear_message()
        self._progress_changed()

    def _progress_changed(self) -> None:
        """Show the record and re-plan the rest of the settings on screen from it (widgets' thread)."""
        self.progress_view.show_record(self._progress, self._plan)
        if self._progress is None:
            self.progress_view.show_waiting("No progress record: nothing to re-plan.")
            return
        draft = self._draft
        try:  # the pins as the rules they are, as for the frontier
            plan = Draft(draft.scenario, {**draft.set, **pin_overrides(draft.pins)}, draft.unavailable).plan(self._base)
        except ScnekitError:
            self.progress_view.show_waiting("The settings are not valid input (see the Roadmap tab): "
                                            "nothing to re-plan.")
            return
        self._replanner.submit(_Replanning(plan, self._progress, draft.label))

    def _run_replan(self, job: _Replanning) -> None:
        """Runs on the re-planning thread; a newer request or closing the explorer stops it."""
        began = time.perf_counter()

        def stale() -> bool:
            return self._closed or self._replanner.superseded

        result = replan(job.plan, job.progress, revised=job.progress.roadmap, time_limit=self._time_limit, stop=stale)
        if stale():
            return
        self.progress_view.show(result, time.perf_counter() - began, job.label)

    def _replan_failed(self, error: BaseException) -> None:
        self.progress_view.show_failure("The rest could not be re-planned; see the message above.")
        self.views.show_error(error_html("Could not re-plan from the progress record", error))

    def _record_clicked(self) -> None:
        measure, status, started, ended, retry, note = self.progress_view.editor_event()
        with contextlib.suppress(InputError):  # the Progress tab says why; nothing changed
            self.record(**event_of(measure, status, started, ended, retry=retry, note=note))

    def _now_moved(self, change: dict[str, Any]) -> None:
        if self.progress_view.syncing:
            return
        try:
            self.set_now(int(change["new"]))
        except InputError:
            self.progress_view.show_record(self._progress, self._plan)  # the slider back to the record

    def _save_progress_clicked(self) -> None:
        self.progress_view.save_message.value = ""
        self.save_progress()

    def _read_autosave(self) -> Autosave | None:
        """The autosave to offer back: the newest of another session holding work the file lacks."""
        return next((a for a in self.autosaves() if not a.draft.saved_in(self._base)
                     or (a.progress is not None and a.progress != self._progress_document())), None)

    def _write_autosave(self, draft: Draft) -> None:
        assert self._base.path is not None
        try:
            write_autosave(self._base.path, draft, self._session_id, progress=self._progress_document())
        except (ScnekitError, OSError) as exc:
            self.views.show_error(error_html("Could not write the autosave", exc))

    def _offer_restore(self) -> None:
        button = self.controls.restore_button
        if self._found is None:
            button.layout.display = "none"
            return
        when = self._found.saved_at.astimezone().strftime("%d %b %H:%M")
        button.description = f"Restore unsaved work from {when}"
        button.layout.display = None


def _open(plan: Plan | str | os.PathLike[str]) -> tuple[Plan, str]:
    """The file's base plan and the scenario to start from."""
    if isinstance(plan, (str, os.PathLike)):
        return load(plan), "base"
    if not isinstance(plan, Plan):
        raise UsageError(f"Explorer needs a plan from scnekit.load or a file path, got {type(plan).__name__}")
    if plan.scenario_id == "base":
        return plan, "base"
    base = loads(plan.document, plan.path, limits=plan.limits)
    if plan.scenario_id not in base.scenario_ids:
        raise UsageError(f"'{plan.scenario_id}' is not a scenario of the file; pass the plan from "
                         "scnekit.load (the explorer builds variants itself)")
    return base, plan.scenario_id


def _descendants(widget: widgets.Widget) -> Iterator[widgets.Widget]:
    for child in getattr(widget, "children", ()):
        yield child
        yield from _descendants(child)


class _Interim:
    """Decides which roadmaps found on the way to the optimum reach the screen.

    The first one is drawn at once (the room sees an answer while the proof runs); later
    ones at most every ``every`` seconds, so drawing never slows the solver much. Nothing
    is drawn once ``stale`` says a newer change waits.
    """

    def __init__(self, draw: Callable[[Roadmap], None], stale: Callable[[], bool], *,
                 every: float = INTERIM_EVERY) -> None:
        self._draw = draw
        self.stale = stale
        self._every = every
        self._last: float | None = None

    def offer(self, roadmap: Roadmap) -> None:
        now = time.perf_counter()
        if self.stale() or (self._last is not None and now - self._last < self._every):
            return
        self._last = now
        try:
            self._draw(roadmap)
        except Exception:  # a drawing on the way must not end the solve; the final one shows errors
            log.exception("explorer: could not draw the best roadmap so far")
