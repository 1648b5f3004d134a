"""Solve a plan: build (or update) the model, run HiGHS, return a :class:`Roadmap`."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Protocol

import numpy as np

from scnekit.errors import SolverError, UsageError
from scnekit.ledger import evaluate
from scnekit.model import Plan
from scnekit.roadmap import Conflict, Roadmap, Status

from .diagnose import diagnose as find_conflicts
from .formulation import Formulation, Stopped
from .heuristic import construct, sketch
from .highs import NO_HEURISTICS, HighsModel, Outcome, Region
from .large import LargeSearch, Result, takes

#: A roadmap is proved optimal when the bound exceeds its objective by at most this much
#: (absolute) plus OPTIMAL_REL of the objective: far below one unit of any objective the
#: format allows (a relative 1e-6 alone let an objective of 8 million stop 3 short).
OPTIMAL_ABS = 1e-6
OPTIMAL_REL = 1e-10


def proven(objective: float, bound: float) -> bool:
    """Whether ``bound`` proves ``objective`` optimal (see :data:`OPTIMAL_ABS`); never for
    an objective that is not finite (no roadmap yet: its tolerance would be infinite)."""
    if not math.isfinite(objective):
        return False
    return bound - objective <= OPTIMAL_ABS + OPTIMAL_REL * abs(objective)
# Columns from which the final MIP runs without HiGHS presolve. Measured on generated
# plans (benchmarks/RESULTS.md): at 3000 x 24 (81k columns) presolve and the setup after
# it took about 75 s before the root LP, while without presolve the root LP and its first
# cut round were done in 14 s; below about 20k columns presolve pays for itself.
LARGE = 20_000
# Cuts HiGHS keeps in its pool for the final MIP (its default is 10000). On the Syria
# example's re-solves most of the MIP's time went into separating and re-solving with
# thousands of pooled cuts that barely move the bound: 12 re-solves, median 2.29 s with
# the default, 1.25 s with 30, 0.99 s with 10, 0.91-1.00 s with 1-3 (benchmarks/RESULTS.md).
CUT_POOL = 10
# A roadmap this close to the LP bound leaves the final MIP to prove rather than search.
CLOSE = 0.05
# Columns below which the final MIP runs without HiGHS' restart (presolving again once
# the root has fixed many columns). On the Syria example's 30 workshop re-solves (574
# columns) the restart cost more than it saved: CPU 16.5 s -> 12.8 s over 3 runs, LP
# iterations 96770 -> 86938 (benchmarks/RESULTS.md, round 7). Larger models, not
# measured, keep it.
NO_RESTART_BELOW = 2_000


# Proven optima a Session keeps per model (see Session._still_optimal). Each costs a
# comparison of bounds and, where that passes, a check of its roadmap against the rows:
# at 1000 x 24 about 0.1 ms and 1 ms (benchmarks/RESULTS.md, round 3).
PROOFS = 16


class Builder(Protocol):
    """What builds a model for a Session: :class:`Formulation` or a subclass of it."""

    def __call__(self, plan: Plan, *, pins: Mapping[str, int] | None = ...,
                 stop: Callable[[], bool] | None = ...) -> Formulation: ...


class Session:
    """Solves a sequence of related plans, reusing the model where the structure allows.

    A workshop changes exposure limits, capacity, availability and pins far more often
    than anything else; those are bound and right-hand-side changes on the model
    already loaded into HiGHS. Costs, values, milestone weights, objective weights and a
    deadline's phase are coefficient changes on it
    (:func:`~scnekit.engine.formulation.structure_key` says what still rebuilds: a deadline
    added or removed, a party's first cost, and every change to the structure).
    """

    def __init__(self, *, diagnose_seconds: float = 10.0, formulation: Builder | None = None,
                 history: bool = True) -> None:
        """``formulation`` builds the model of a plan (default: :class:`Formulation`); an
        analysis passes a subclass that adds its own rows and bounds.

        ``history=False`` makes every solve independent of the ones before: no guide from
        the last roadmap, no kept proofs, no warm start in HiGHS. Where a plan has several
        optimal roadmaps, the one returned then depends on the plan alone (a sweep's rows
        do not depend on which worker solved what before); the model is still reused."""
        self.diagnose_seconds = diagnose_seconds
        self.history = history
        self._build: Builder = formulation or Formulation
        self._formulation: Formulation | None = None
        self._model: HighsModel | None = None
        self._last_starts: dict[str, int] = {}
        # proven optima of this model (and their values as a vector) with the coefficients
        # (HighsModel.fingerprint) and bounds they were proved under, newest first
        self._proofs: deque[tuple[bytes, Region, Outcome, np.ndarray]] = deque(maxlen=PROOFS)
        self.rebuilds = 0
        self.kept = 0  # solves answered by a proven optimum that still holds (see _still_optimal)

    def solve(self, plan: Plan, *, pins: Mapping[str, int] | None = None,
              time_limit: float | None = None, gap: float = 0.0,
              progress: Callable[[Roadmap], None] | None = None,
              stop: Callable[[], bool] | None = None, diagnose: bool = True) -> Roadmap:
        """Solve ``plan`` (a base plan or one returned by ``plan.scenario(id)``).

        ``progress`` receives each better roadmap found on the way (status ``feasible``,
        its gap measured against the best bound known then), for a view that should not
        wait for the proof. ``stop`` is polled while the solver runs; once it returns
        True the solve ends with the best roadmap found so far (``feasible``, or
        ``unknown`` if none), as a time limit would. ``diagnose=False`` skips naming the
        conflicts of an infeasible plan (a roadmap computed ahead of need).

        ``time_limit`` counts from the call: building the model, the search and the
        diagnosis of an infeasible plan all fit in it (HiGHS stops softly, so a run can
        end some tens of milliseconds late; a limit shorter than building the model ends
        right after the build).
        """
        check_arguments(plan, pins=pins, time_limit=time_limit, gap=gap)
        began = time.perf_counter()
        if self._build is Formulation and takes(plan):
            return _solve_large(plan, pins, time_limit=time_limit, gap=gap, progress=progress, stop=stop,
                                began=began)
        try:
            formulation, model = self._load(plan, pins, stop)
            if not self.history:
                self._forget(model)
        except Stopped:
            return Roadmap(plan=plan, status=Status.UNKNOWN, seconds=time.perf_counter() - began,
                           pins=dict(pins or {}))
        built = time.perf_counter() - began

        def result(outcome: Outcome, conflicts: tuple[Conflict, ...] = ()) -> Roadmap:
            return _roadmap(plan, pins, formulation, outcome, conflicts, began=began, built=built)

        report = None if progress is None else (lambda outcome: progress(result(outcome)))
        region = model.region()
        if formulation.impossible:
            outcome = Outcome(Status.INFEASIBLE, {}, None, None, 0.0)
        elif (kept := self._still_optimal(model, region)) is not None:
            outcome = kept  # the proof keeps its own (looser) region
        else:
            ceiling, start = self._known(model, region)
            outcome = self._search(plan, pins, formulation, model, time_limit=_left(time_limit, began),
                                   gap=gap, report=report, stop=stop, ceiling=ceiling, start=start)
            if outcome.state == Status.OPTIMAL and _within(outcome, outcome.bound, 0.0):
                self._proofs.appendleft((model.fingerprint, region, outcome, model.vector(outcome.values)))
        if outcome.values:
            self._last_starts = dict(formulation.starts(outcome.values))
        conflicts: tuple[Conflict, ...] = ()
        if outcome.state == Status.INFEASIBLE and diagnose and not (stop is not None and stop()):
            left = _left(time_limit, began)
            seconds = self.diagnose_seconds if left is None else min(self.diagnose_seconds, max(left, 0.5))
            conflicts = tuple(find_conflicts(plan, pins, seconds=seconds))
        return result(outcome, conflicts)

    def _forget(self, model: HighsModel) -> None:
        """Start the next solve as a fresh Session would (see ``history``)."""
        self._last_starts = {}
        self._proofs.clear()
        model.highs.clearSolver()

    def _still_optimal(self, model: HighsModel, region: Region) -> Outcome | None:
        """A proven optimum of this model that answers this solve too, if there is one.

        Only a proof under the same matrix and objective counts (the same
        :attr:`~scnekit.engine.highs.HighsModel.fingerprint`: a cost, value, weight or
        deadline changed in place makes the model another). When every bound is then at
        least as tight as when an optimum was proved, every roadmap feasible now was
        feasible then, so a proven optimum that keeps the tighter bounds is optimal still.
        A stricter limit that does not bite, an unused measure made unavailable, or a
        return to settings solved before needs no search.
        """
        for fingerprint, before, proved, vector in self._proofs:
            if fingerprint == model.fingerprint and region.within(before) and model.satisfies(vector):
                self.kept += 1
                return Outcome(Status.OPTIMAL, proved.values, proved.objective, proved.bound, 0.0)
        return None

    def _known(self, model: HighsModel, region: Region) -> tuple[float | None, Outcome | None]:
        """What the kept proofs tell a solve they do not answer: a bound and a start.

        Both for maximising models only. The bound (a ceiling) is the least optimum proved
        under the same matrix and objective over bounds that all hold this solve's: every
        roadmap feasible now was feasible there, so none does better. The start is the best
        kept roadmap that keeps every row and bound now, valued at the objective now.
        """
        ceiling: float | None = None
        start: Outcome | None = None
        if not model.maximise:  # the search compares roadmaps as a maximiser does
            return ceiling, start
        for fingerprint, before, proved, vector in self._proofs:
            if fingerprint == model.fingerprint and proved.objective is not None and region.within(before):
                ceiling = proved.objective if ceiling is None else min(ceiling, proved.objective)
            if model.satisfies(vector):
                objective = float(model.costs @ vector)
                if start is None or start.objective is None or objective > start.objective:
                    start = Outcome(Status.FEASIBLE, proved.values, objective, None, 0.0)
        return ceiling, start

    def _search(self, plan: Plan, pins: Mapping[str, int] | None, formulation: Formulation,
                model: HighsModel, *, time_limit: float | None, gap: float,
                report: Callable[[Outcome], None] | None = None,
                stop: Callable[[], bool] | None = None, ceiling: float | None = None,
                start: Outcome | None = None) -> Outcome:
        """Find a roadmap fast, then let the MIP prove (or improve) it: the steps of
        :class:`_Search`, each of which may end the search. ``ceiling`` and ``start`` are
        as :meth:`_known` gives them."""
        search = _Search(plan, pins, formulation, model, time_limit=time_limit, gap=gap, report=report,
                         stop=stop, previous=self._last_starts, ceiling=ceiling, start=start)
        if not formulation.variables:
            return model.run(time_limit=time_limit, gap=gap)
        return (search.relaxation() or search.construction() or search.neighbourhood()
                or search.final_mip())

    def _load(self, plan: Plan, pins: Mapping[str, int] | None,
              stop: Callable[[], bool] | None = None) -> tuple[Formulation, HighsModel]:
        """The loaded model with ``plan``'s parameters, rebuilt only where its structure differs
        (:func:`~scnekit.engine.formulation.structure_key`): else bounds and coefficients
        change in place.
        Raises :class:`~scnekit.engine.formulation.Stopped` when ``stop`` ends a rebuild."""
        f = self._formulation
        if f is not None and self._model is not None and f.accepts(plan):
            f.apply(plan, pins)
            self._model.sync()
            return f, self._model
        f = self._build(plan, pins=pins, stop=stop)
        f.checkpoint()
        model = HighsModel.from_formulation(f)
        self._formulation, self._model = f, model
        self._proofs.clear()
        self.rebuilds += 1
        return f, self._model


class _Search:
    """One search for a roadmap, in steps over a small shared state (the LP, its bound, the
    best roadmap so far, the time left). Each step returns the final outcome when the
    search ends there, or None to hand over to the next:

    1. :meth:`relaxation`: the LP relaxation gives a bound and start phases to follow
       (and proves infeasibility when it has no solution).
    2. :meth:`construction`: :func:`~scnekit.engine.heuristic.construct` builds a feasible
       roadmap led by the previous roadmap (a re-solve) or by the LP; where it cannot
       keep a deadline or a minimum, :func:`~scnekit.engine.heuristic.sketch` gives the nearest.
    3. :meth:`neighbourhood`: RINS, the MIP restricted to the columns where that roadmap
       and the LP disagree; it ends the search when within ``gap`` of the bound.
    4. :meth:`final_mip`: the full MIP from the best roadmap found.

    A ``ceiling`` (an optimum proved earlier over looser bounds, see
    :meth:`Session._known`) caps the bound: a roadmap that reaches it is optimal, and the
    search ends there, inside HiGHS too. A ``start`` (a roadmap proved earlier that is
    feasible now) ends the search when it reaches the bound.

    Each better roadmap goes to ``report`` as it is found; ``stop`` ends the search
    between steps and inside HiGHS.
    """

    def __init__(self, plan: Plan, pins: Mapping[str, int] | None, formulation: Formulation,
                 model: HighsModel, *, time_limit: float | None, gap: float,
                 report: Callable[[Outcome], None] | None, stop: Callable[[], bool] | None,
                 previous: Mapping[str, int], ceiling: float | None = None,
                 start: Outcome | None = None) -> None:
        self.plan, self.pins, self.formulation, self.model = plan, pins, formulation, model
        self.time_limit, self.gap, self.report, self.stop = time_limit, gap, report, stop
        self.previous = previous
        self.ceiling, self.start = ceiling, start
        self.began = time.perf_counter()
        self.lp: Outcome | None = None  # the relaxation, where it was solved to optimality
        self.bound: float | None = None  # the LP's bound on the objective
        self.best: Outcome | None = None  # the best roadmap found so far
        self.around: dict[str, float] = {}  # the roadmap RINS searches around

    def elapsed(self) -> float:
        return time.perf_counter() - self.began

    def left(self) -> float | None:
        return None if self.time_limit is None else max(0.01, self.time_limit - self.elapsed())

    def halted(self) -> bool:
        return self.stop is not None and self.stop()

    def stopped(self) -> Outcome:
        """The outcome of a search stopped on request: the best roadmap so far, if any."""
        if self.best is None:
            return Outcome(Status.UNKNOWN, {}, None, None, self.elapsed())
        return Outcome(Status.FEASIBLE, self.best.values, self.best.objective, self.best.bound, self.elapsed())

    def better(self, values: dict[str, float], objective: float | None, bound: float | None) -> None:
        """Keep a better roadmap and report it."""
        self.best = Outcome(Status.FEASIBLE, values, objective, bound, self.elapsed())
        if self.report is not None:
            self.report(self.best)

    def relaxation(self) -> Outcome | None:
        lp = self.model.relaxation(time_limit=self.left(), stop=self.stop)
        if lp.state == Status.INFEASIBLE:
            return Outcome(Status.INFEASIBLE, {}, None, None, lp.seconds)
        if self.halted():
            return self.stopped()
        self.bound = _least(lp.objective, self.ceiling)
        self.lp = lp if lp.state == Status.OPTIMAL else None  # else straight to the full MIP
        return None

    def construction(self) -> Outcome | None:
        if self.lp is not None:
            self._greedy()
        start = self.start
        # only a start that reaches the bound: one below it, given to RINS and HiGHS in place
        # of the greedy's, made the Syria example's re-solves slower (benchmarks/RESULTS.md, round 7)
        if start is not None and start.objective is not None and _within(start, self.bound, 0.0) and (
                self.best is None or self.best.objective is None or start.objective > self.best.objective + 1e-9):
            self.better(start.values, start.objective, self.bound)
            self.around = start.values
        return None

    def _greedy(self) -> None:
        """The greedy's roadmap, led by the previous roadmap or by the LP."""
        assert self.lp is not None
        plan, f = self.plan, self.formulation
        lp_guide = _lp_guide(f, self.lp.values)
        starts = None
        for guide in (self.previous, lp_guide):
            if guide and starts is None:
                starts = construct(plan, f.windows, guide, self.pins)
        point = f.point(starts) if starts is not None else {}
        if starts is not None and self.model.satisfies(point):  # never trust a heuristic over the rows
            self.better(point, evaluate(plan, starts).objective, self.bound)
            self.around = point
        else:
            # the greedy missed a deadline, a minimum or a mandatory measure: RINS around
            # it (where it disagrees with the LP) looks for a roadmap that keeps them all
            self.around = f.point(sketch(plan, f.windows, lp_guide, self.pins))

    def neighbourhood(self) -> Outcome | None:
        if self.lp is None:
            return None
        best, bound, gap = self.best, self.bound, self.gap
        if (best is None or not _within(best, bound, gap)) and not self.halted():
            sub = self.model.neighbourhood(self.around, self.lp.values,
                                           time_limit=_share(self.left(), self.lp.seconds),
                                           gap=min(gap, 1e-4) if gap else 0.0, stop=self.stop)
            if sub.values and sub.objective is not None and (
                    best is None or best.objective is None or sub.objective > best.objective + 1e-9):
                self.better(sub.values, sub.objective, bound)
        best = self.best
        if best is not None and _within(best, bound, gap):
            state = Status.OPTIMAL if _within(best, bound, 0.0) else Status.FEASIBLE
            return Outcome(state, best.values, best.objective, bound, self.elapsed())
        return None

    def final_mip(self) -> Outcome:
        best, bound, ceiling = self.best, self.bound, self.ceiling
        if best is not None and _within(best, bound, self.gap):  # a start that reached the ceiling
            state = Status.OPTIMAL if _within(best, bound, 0.0) else Status.FEASIBLE
            return Outcome(state, best.values, best.objective, bound, self.elapsed())
        options: dict[str, bool | int | float | str] = {}
        if best is not None:
            self.model.suggest(best.values)
            options["mip_heuristic_run_feasibility_jump"] = False  # it only looks for a first roadmap
            if _within(best, bound, CLOSE):
                # what is left is mostly proof: on the Syria example's re-solves HiGHS'
                # RINS and RENS took about 40 % of the time (median 3.2 s -> 1.9 s without)
                options.update(NO_HEURISTICS)
        if self.halted():
            return self.stopped()
        if len(self.formulation.variables) >= LARGE:
            options["presolve"] = "off"
        else:
            options["mip_pool_soft_limit"] = CUT_POOL
        if len(self.formulation.variables) < NO_RESTART_BELOW:
            options["mip_allow_restart"] = False
        record = best.objective if best is not None and best.objective is not None else -math.inf

        def improved(found: Outcome) -> None:
            nonlocal record
            if found.objective is not None and found.objective > record + 1e-9:
                record = found.objective
                self.better(found.values, found.objective, bound if found.bound is None else found.bound)

        def reached() -> bool:
            return ceiling is not None and proven(record, ceiling)

        def stop() -> bool:  # HiGHS cannot prove what the ceiling proves: it stops there
            return reached() or self.halted()

        outcome = self.model.run(time_limit=self.left(), gap=self.gap, options=options,
                                 stop=self.stop if ceiling is None else stop,
                                 found=improved if self.report is not None or ceiling is not None else None)
        seconds = self.elapsed()
        if reached() and self.best is not None:
            return Outcome(Status.OPTIMAL, self.best.values, self.best.objective, bound, seconds)
        if best is not None and best.objective is not None and (
                outcome.objective is None or outcome.objective < best.objective - 1e-9):
            if outcome.state == Status.INFEASIBLE:
                raise SolverError("HiGHS found no roadmap where the heuristic found one")
            mip_bound = outcome.bound if outcome.bound is not None else bound
            return Outcome(Status.FEASIBLE, best.values, best.objective, mip_bound, seconds)
        # stopped before HiGHS had a bound of its own: the LP's still holds
        final_bound = bound if outcome.bound is None and outcome.state == Status.FEASIBLE else outcome.bound
        return Outcome(outcome.state, outcome.values, outcome.objective, final_bound, seconds)


def _solve_large(plan: Plan, pins: Mapping[str, int] | None, *, time_limit: float | None, gap: float,
                 progress: Callable[[Roadmap], None] | None, stop: Callable[[], bool] | None,
                 began: float) -> Roadmap:
    """A very large plan (:mod:`~scnekit.engine.large`): no whole model, no LP."""
    setup = time.perf_counter() - began

    def roadmap(result: Result) -> Roadmap:
        rel_gap, state, reported = None, result.state, result.bound
        if state.found and result.objective is not None:
            bound = result.bound if result.bound is not None else math.inf
            rel_gap = max(0.0, bound - result.objective) / max(1.0, abs(result.objective))
            if proven(result.objective, bound):  # the bound is valid: nothing scores more
                # (a Lagrangian bound carries rounding of its multipliers: it proves its roadmap)
                state, rel_gap, reported = Status.OPTIMAL, 0.0, result.objective
        return Roadmap(plan=plan, status=state, starts=result.starts, gap=rel_gap,
                       seconds=time.perf_counter() - began, bound=reported, solver_seconds=result.seconds,
                       build_seconds=setup, pins=dict(pins or {}))

    search = LargeSearch(plan, pins, time_limit=_left(time_limit, began), gap=gap, stop=stop,
                         report=None if progress is None else (lambda result: progress(roadmap(result))))
    return roadmap(search.run())


def _lp_guide(formulation: Formulation, lp: Mapping[str, float]) -> dict[str, float]:
    """The first phase by which the LP has started at least half of each measure."""
    guide: dict[str, float] = {}
    for mid, steps in formulation.started.items():
        for t, var in steps.items():
            if lp.get(var.name, 0.0) >= 0.5:
                guide[mid] = float(t)
                break
    return guide


def solve(plan: Plan, scenario: str | None = None, time_limit: float | None = None, *,
          gap: float = 0.0, pins: Mapping[str, int] | None = None,
          progress: Callable[[Roadmap], None] | None = None,
          stop: Callable[[], bool] | None = None) -> Roadmap:
    """Solve one scenario of ``plan`` to optimality (or until ``time_limit`` seconds).

    ``gap`` lets the solver stop once within that relative gap of its bound; the roadmap
    is then ``feasible`` unless the gap closed. ``pins`` fixes measures to start phases.
    ``progress`` and ``stop`` are as in :meth:`Session.solve`.
    """
    check_arguments(plan, time_limit=time_limit, gap=gap)
    return Session().solve(plan.scenario(scenario), pins=pins, time_limit=time_limit, gap=gap,
                           progress=progress, stop=stop)


def _roadmap(plan: Plan, pins: Mapping[str, int] | None, formulation: Formulation, outcome: Outcome,
             conflicts: tuple[Conflict, ...], *, began: float, built: float) -> Roadmap:
    """The :class:`Roadmap` of an outcome, its objective and gap recomputed from the schedule."""
    starts = formulation.starts(outcome.values)
    status, rel_gap = outcome.state, None
    if status.found:
        objective = evaluate(plan, starts).objective
        bound = outcome.bound if outcome.bound is not None else objective
        rel_gap = max(0.0, bound - objective) / max(1.0, abs(objective))
        if status == Status.OPTIMAL and not proven(objective, bound):
            status = Status.FEASIBLE
        if status == Status.OPTIMAL:
            rel_gap = 0.0
    return Roadmap(plan=plan, status=status, starts=starts, gap=rel_gap, seconds=time.perf_counter() - began,
                   conflicts=conflicts, bound=outcome.bound, solver_seconds=outcome.seconds,
                   build_seconds=built, pins=dict(pins or {}))


def _least(a: float | None, b: float | None) -> float | None:
    """The lesser of two bounds, either of which may be missing."""
    return b if a is None else a if b is None else min(a, b)


def _left(time_limit: float | None, began: float) -> float | None:
    """What is left of ``time_limit`` seconds counted from ``began`` (a sliver at least)."""
    return None if time_limit is None else max(0.01, time_limit - (time.perf_counter() - began))


def _within(best: Outcome, bound: float | None, gap: float) -> bool:
    """Whether ``best`` is within ``gap`` of ``bound`` (the measure of :class:`Roadmap`)."""
    if bound is None or best.objective is None:
        return False
    return proven(best.objective, bound) or (
        max(0.0, bound - best.objective) / max(1.0, abs(best.objective)) <= gap)


def _share(left: float | None, lp_seconds: float) -> float:
    """Time for the RINS sub-MIP: a few LP solves' worth, at most a third of what is left."""
    budget = max(1.0, 5.0 * lp_seconds)
    return budget if left is None else min(budget, max(0.01, left / 3))


def check_arguments(plan: Plan, *, pins: Mapping[str, int] | None = None, time_limit: float | None = None,
                    gap: float = 0.0) -> None:
    """Raise :class:`UsageError` for a time limit, gap or pin that cannot be meant."""
    if not isinstance(plan, Plan):
        raise UsageError(f"expected a Plan (from scnekit.load), got {type(plan).__name__}")
    if time_limit is not None and (isinstance(time_limit, bool) or not isinstance(time_limit, (int, float))
                                   or not math.isfinite(time_limit) or time_limit <= 0):
        raise UsageError(f"time_limit must be a positive number of seconds, got {time_limit!r}")
    if isinstance(gap, bool) or not isinstance(gap, (int, float)) or not 0 <= gap < 1:
        raise UsageError(f"gap must be a fraction from 0 to 1, got {gap!r}")
    for mid, phase in (pins or {}).items():
        if mid not in plan.measure_by_id:
            raise UsageError(f"cannot pin '{mid}': no such measure")
        if isinstance(phase, bool) or not isinstance(phase, int) or not 1 <= phase <= plan.phases:
            raise UsageError(f"cannot pin '{mid}' to {phase!r}: phases run from 1 to {plan.phases}")
