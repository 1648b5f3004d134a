"""Re-planning without upheaval: among roadmaps with the best objective, the one that moves
the fewest measures of the roadmap being revised (a second, exact stage), or the best
roadmap that moves at most K of them.

A measure moves when its start differs from the revised roadmap's, "not scheduled"
being a start like any other. With x_m(p) = S_m(p) - S_m(p - 1) (m starts exactly at p),
moved_m = 1 - x_m(p) for a measure the revised roadmap starts at p, and S_m(T) for one
it leaves out: linear in the model's running sums, so the count is one more column."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pulp

from scnekit.engine.formulation import Formulation, Terms
from scnekit.engine.highs import HighsModel
from scnekit.engine.pulp_compat import EQ, GE, expression
from scnekit.ledger import evaluate
from scnekit.model import Plan
from scnekit.roadmap import Status

#: the best objective is kept to within this (relative, at least this absolute)
KEEP = 1e-7


class MovesFormulation(Formulation):
    """The plan's model with a ``moves`` column counting the measures that move against
    ``previous`` (``{measure: start}``; a measure absent is one the revised roadmap leaves
    out), at most ``most()`` of them, and optionally a row keeping the objective at least
    ``floor()``. Measures in ``ignore`` are not counted: the past's, and those that cannot
    keep their start whatever the rest does (due before now, failed, out of their window)."""

    def __init__(self, plan: Plan, previous: Mapping[str, int], *, most: Callable[[], int | None] = lambda: None,
                 floor: Callable[[], float | None] = lambda: None, ignore: frozenset[str] = frozenset(),
                 pins: Mapping[str, int] | None = None, stop: Callable[[], bool] | None = None) -> None:
        self.previous = dict(previous)
        self.ignore = ignore
        self._most = most
        self._floor = floor
        self.moves: pulp.LpVariable | None = None
        self.floor_row: pulp.LpConstraint | None = None
        self.constant_moves = 0
        super().__init__(plan, pins=pins, stop=stop)

    def _build(self) -> None:
        super()._build()
        terms, constant = self.moved_terms()
        self.constant_moves = constant
        self.moves = self._variable("moves", pulp.LpContinuous, 0, None)
        terms[self.moves] = -1.0
        self._row("moves_count", terms, EQ, -float(constant))
        if self._floor() is not None:  # the plan's objective (it follows costs, values and weights)
            self.floor_row = self._row("objective_floor", self.objective_terms(), GE, 0.0,
                                       follows=lambda: (self.objective_terms(), 0.0), tags=["objective"])

    def moved_terms(self) -> tuple[Terms, int]:
        """Σ moved_m as ``{variable: coefficient}`` and a constant."""
        terms: Terms = {}
        constant = 0
        for m in self.plan.measures:
            if m.id in self.ignore:
                continue
            window = self.windows[m.id]
            before = self.previous.get(m.id)
            if before is None:
                if window is not None:
                    _add(terms, self.scheduled(m.id), 1.0)
                continue
            if window is None or not window[0] <= before <= window[1]:
                constant += 1  # it cannot start where it was: it moves whatever happens
                continue
            constant += 1
            _add(terms, self.s(m.id, before), -1.0)
            _add(terms, self.s(m.id, before - 1), 1.0)
        return terms, constant

    def apply(self, plan: Plan, pins: Mapping[str, int] | None = None) -> None:
        super().apply(plan, pins)
        if self.moves is not None:
            most = self._most()
            self.moves.upBound = None if most is None else float(most)
        floor = self._floor()
        if self.floor_row is not None and floor is not None:
            self.floor_row.changeRHS(floor)

    def count(self, starts: Mapping[str, int]) -> int:
        """How many counted measures ``starts`` moves."""
        return sum(1 for m in self.plan.measures
                   if m.id not in self.ignore and starts.get(m.id) != self.previous.get(m.id))


def fewest_moves(plan: Plan, best: Mapping[str, int], previous: Mapping[str, int], *,
                 ignore: frozenset[str] = frozenset(), time_limit: float | None = None,
                 stop: Callable[[], bool] | None = None) -> tuple[dict[str, int], bool]:
    """Among roadmaps of ``plan`` whose objective is at least ``best``'s (an optimal
    roadmap), one that moves the fewest measures of ``previous``. Returns it, and whether
    that is proven (False: the time limit ended the search; the roadmap is then the best
    found, never worse than ``best`` in objective nor in moves)."""
    target = evaluate(plan, best).objective
    keep = max(KEEP, KEEP * abs(target))
    f = MovesFormulation(plan, previous, floor=lambda: target - keep, ignore=ignore, stop=stop)
    assert f.moves is not None
    f.base_problem.sense = pulp.LpMinimize
    f.base_problem.setObjective(expression({f.moves: 1.0}))
    model = HighsModel.from_formulation(f)
    start = f.point(best)
    start[f.moves.name] = float(f.count(best))
    model.suggest(start)
    outcome = model.run(time_limit=time_limit, stop=stop)
    if outcome.state not in (Status.OPTIMAL, Status.FEASIBLE):
        return dict(best), False
    found = f.starts(outcome.values)
    if evaluate(plan, found).objective < target - keep or f.count(found) > f.count(best):
        return dict(best), False
    return found, outcome.state == Status.OPTIMAL


def least_moves(plan: Plan, previous: Mapping[str, int], *, ignore: frozenset[str] = frozenset(),
                time_limit: float | None = None, stop: Callable[[], bool] | None = None) -> int | None:
    """The fewest measures of ``previous`` that any roadmap of ``plan`` must move (None: no
    roadmap, or the time limit ended the search before a proof)."""
    f = MovesFormulation(plan, previous, ignore=ignore, stop=stop)
    assert f.moves is not None
    f.base_problem.sense = pulp.LpMinimize
    f.base_problem.setObjective(expression({f.moves: 1.0}))
    outcome = HighsModel.from_formulation(f).run(time_limit=time_limit, stop=stop)
    if outcome.state != Status.OPTIMAL or outcome.objective is None:
        return None
    return round(outcome.objective)


def _add(terms: Terms, var: pulp.LpVariable | None, coef: float) -> None:
    if var is not None:
        terms[var] = terms.get(var, 0.0) + coef
