"""The live roadmap explorer: controls on the left, the roadmap's views on the right.

Built over the engine: :class:`scnekit.Session` solves (reusing the HiGHS model when
only parameters change), :meth:`Draft.plan` builds the model the controls describe,
and :mod:`scnekit.fileformat.savefile` writes scenarios and the autosave. Solves run on a
background thread, one at a time, always on the latest state of the controls. The Compare
tab solves scenarios of the file on a second background thread, as
:func:`scnekit.analysis.compare.compare` does but with a stop for a newer request or a
closed explorer, so a comparison never holds up the roadmap on screen. The Trade-off tab
(the exposure frontier of the settings on screen) and the Robust start tab (first steps
shared by scenarios of the file) have a thread each too; the Walk-away tab follows the
roadmap on screen.
"""

from __future__ import annotations

import logging
import os
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
from scnekit.analysis.robust import robust
from scnekit.engine.session import Session
from scnekit.errors import ScnekitError, UsageError
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
from scnekit.model import Plan, Scenario
from scnekit.roadmap import Roadmap, Status

from .compare import CompareView
from .controls import Controls, Edit
from .robust import RobustView
from .runner import LatestOnly
from .status import error_html, problem_html, roadmap_html
from .theme import STYLE
from .tradeoff import TradeoffView, point_html
from .views import Views
from .walkaway import WalkawayView

log = logging.getLogger(__name__)
CACHE_SIZE = 64
TABS = ("Roadmap", "Compare", "Trade-off", "Walk-away", "Robust start")
# Seconds between two drawings of roadmaps found on the way to the optimum (see _Interim).
# A browser takes about 0.5 s to redraw the four views of the Syria example (Chromium on
# the 2-core test machine); drawing more often would compete with the solver for the CPU.
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
        self._history: list[Draft] = []
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
        self._anticipate = anticipate
        # settings to solve ahead of need, each with the generation and base of its job
        # (worker thread only)
        self._ahead: list[tuple[int, Plan, Draft]] = []
        self.anticipated = 0  # roadmaps solved ahead of need so far
        self._ahead_keys: set[tuple[int, str]] = set()
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
        title = widgets.HTML(escape(base.name))
        title.add_class("scne-title")
        self.tabs = widgets.Tab([self.views.grid, self.compare.panel, self.tradeoff.panel, self.walkaway.panel,
                                 self.robust.panel], titles=TABS, layout=widgets.Layout(width="100%", min_width="0"))
        self.tabs.add_class("scne-tabs")
        main = widgets.VBox([self.views.status, self.views.error, self.tabs],
                            layout=widgets.Layout(flex="1 1 auto", min_width="0", width="100%"))
        main.add_class("scne-main")
        body = widgets.HBox([self.controls.panel, main], layout=widgets.Layout(width="100%"))
        self.children = [widgets.HTML(STYLE), title, body]
        self.layout.width = "100%"
        self.add_class("scne-explorer")
        self._wire()
        self._unreadable = ""  # the error area's note on autosaves that cannot be read
        self._found = self._read_autosave() if base.path is not None and restore is not False else None
        if self._found is not None and restore:
            self._apply(self._found.draft, record=False, save=True, force=True)
            self._found = None
        else:
            self._apply(self._draft, record=False, save=False, force=True)
        if self._unreadable:  # the first _apply cleared the error area: show them again
            self.views.show_error(self._unreadable)
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
        """Go back to the state before the last change; False when there is none."""
        if not self._history:
            return False
        self._apply(self._history.pop(), record=False, save=True)
        return True

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
        names = ("_runner", "_comparer", "_frontier_runner", "_robust_runner")
        return [r for r in (getattr(self, name, None) for name in names) if r is not None]

    def _apply(self, draft: Draft, *, record: bool, save: bool, force: bool = False) -> None:
        if not force and draft.key() == self._draft.key():
            return
        if record:
            self._history.append(self._draft)
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
        if save and self._autosave:
            self._write_autosave(draft)
        self._runner.submit(_Job(draft, plan, problem, self._generation, self._nearby(draft, plan), self._base))

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
        self._show(roadmap, job.draft.label, reused=reused)

    def _show(self, roadmap: Roadmap, label: str, *, reused: str = "", interim: bool = False,
              status: str | None = None) -> None:
        if self._closed:
            return
        self._roadmap = roadmap
        self.views.show(roadmap)
        self.views.set_status(status if status is not None else
                              roadmap_html(roadmap, label, reused=reused, interim=interim))
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
        if busy:
            self.add_class("scne-busy")
        else:
            self.remove_class("scne-busy")
        self.views.set_busy(busy)

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
        self._guard("That change could not be made", lambda: self.apply(edit(self._draft)))

    def _guard(self, what: str, action: Callable[[], object]) -> None:
        """Run a callback; show any failure in the error area instead of a log nobody reads."""
        try:
            action()
        except Exception as exc:
            log.exception("explorer: %s", what)
            self.views.show_error(error_html(what, exc))

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

    def _read_autosave(self) -> Autosave | None:
        """The autosave to offer back: the newest of another session holding work the file lacks."""
        return next((a for a in self.autosaves() if not a.draft.saved_in(self._base)), None)

    def _write_autosave(self, draft: Draft) -> None:
        assert self._base.path is not None
        try:
            write_autosave(self._base.path, draft, self._session_id)
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
