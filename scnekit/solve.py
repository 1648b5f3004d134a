"""Solve a plan: build (or update) the model, run HiGHS, return a :class:`Roadmap`."""

from __future__ import annotations

import time
from collections.abc import Mapping

from .diagnose import diagnose
from .errors import UsageError
from .formulation import Formulation
from .highs import HighsModel, Outcome
from .ledger import evaluate
from .model import Plan
from .roadmap import Conflict, Roadmap

OPTIMAL_GAP = 1e-6


class Session:
    """Solves a sequence of related plans, reusing the model where the structure allows.

    A workshop changes exposure limits, capacity, availability and pins far more often
    than anything else; those are bound and right-hand-side changes on the model
    already loaded into HiGHS. Any other change rebuilds the model.
    """

    def __init__(self, *, diagnose_seconds: float = 10.0) -> None:
        self.diagnose_seconds = diagnose_seconds
        self._formulation: Formulation | None = None
        self._model: HighsModel | None = None
        self._last: Outcome | None = None
        self.rebuilds = 0

    def solve(self, plan: Plan, *, pins: Mapping[str, int] | None = None,
              time_limit: float | None = None, gap: float = 0.0) -> Roadmap:
        """Solve ``plan`` (a base plan or one returned by ``plan.scenario(id)``)."""
        _check_pins(plan, pins)
        began = time.perf_counter()
        formulation, model = self._load(plan, pins)
        built = time.perf_counter() - began
        if formulation.impossible:
            outcome = Outcome("infeasible", {}, None, None, 0.0)
        else:
            if self._last is not None and self._last.values:
                model.suggest(self._last.values)
            outcome = model.run(time_limit=time_limit, gap=gap)
        self._last = outcome if outcome.values else self._last
        starts = formulation.starts(outcome.values)
        conflicts: tuple[Conflict, ...] = ()
        if outcome.state == "infeasible":
            conflicts = tuple(diagnose(plan, pins, seconds=self.diagnose_seconds))
        status, rel_gap = outcome.state, None
        if status in ("optimal", "feasible"):
            objective = evaluate(plan, starts).objective
            bound = outcome.bound if outcome.bound is not None else objective
            rel_gap = max(0.0, bound - objective) / max(1.0, abs(objective))
            if status == "optimal" and rel_gap > OPTIMAL_GAP:
                status = "feasible"
            if status == "optimal":
                rel_gap = 0.0
        seconds = time.perf_counter() - began
        return Roadmap(plan=plan, status=status, starts=starts, gap=rel_gap, seconds=seconds,
                       conflicts=conflicts, bound=outcome.bound, solver_seconds=outcome.seconds,
                       build_seconds=built, pins=dict(pins or {}))

    def _load(self, plan: Plan, pins: Mapping[str, int] | None) -> tuple[Formulation, HighsModel]:
        f = self._formulation
        if f is not None and self._model is not None:
            try:
                f.apply(plan, pins)
            except ValueError:
                f = None
            else:
                self._model.sync()
                return f, self._model
        f = Formulation(plan, pins=pins)
        self._formulation, self._model, self._last = f, HighsModel(f.problem, f.variables, f.rows), None
        self.rebuilds += 1
        return f, self._model


def solve(plan: Plan, scenario: str | None = None, time_limit: float | None = None, *,
          gap: float = 0.0, pins: Mapping[str, int] | None = None) -> Roadmap:
    """Solve one scenario of ``plan`` to optimality (or until ``time_limit`` seconds).

    ``gap`` lets the solver stop once within that relative gap of its bound; the roadmap
    is then ``feasible`` unless the gap closed. ``pins`` fixes measures to start phases.
    """
    if time_limit is not None and time_limit <= 0:
        raise UsageError("time_limit must be a positive number of seconds")
    if not 0 <= gap < 1:
        raise UsageError("gap must be a fraction from 0 to 1")
    return Session().solve(plan.scenario(scenario), pins=pins, time_limit=time_limit, gap=gap)


def _check_pins(plan: Plan, pins: Mapping[str, int] | None) -> None:
    for mid, phase in (pins or {}).items():
        if mid not in plan.measure_by_id:
            raise UsageError(f"cannot pin '{mid}': no such measure")
        if not isinstance(phase, int) or not 1 <= phase <= plan.phases:
            raise UsageError(f"cannot pin '{mid}' to {phase!r}: phases run from 1 to {plan.phases}")
