"""What safety costs: the exact Pareto frontier between the objective J and the peak
exposure P (ANALYSIS.md section 3).

P is the largest E_p(t) over the chosen parties and every phase. The method is the
epsilon-constraint one, tightened to the next distinct value: solve for the largest J
with P <= cap (a continuous ``peak`` column bounded above by the cap, above every
E_p(t) row of the chosen parties), read the roadmap's own peak P', keep (P', J), and
solve again with cap = P' - EPSILON. Each solve is exact, caps strictly decrease, and
a point is kept only when the next one has a smaller J, so every non-dominated (P, J)
pair is found and no other. Re-solves change one bound: the model is built once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pandas as pd
import pulp

from scnekit.engine.formulation import Formulation, Terms
from scnekit.engine.pulp_compat import LE
from scnekit.engine.session import Session, check_arguments
from scnekit.errors import UsageError
from scnekit.model import FORMAT_VERSION, Plan
from scnekit.roadmap import Roadmap, Status

from .choice import pick

#: Peak exposures closer than this are one value: well above the solver's feasibility
#: tolerance (1e-6), far below any difference a plan's costs and values make. Absolute,
#: with a relative part only where floating point would lose it (|P| above 1e5).
EPSILON = 1e-4
EPSILON_REL = 1e-9
MAX_POINTS = 50


@dataclass(frozen=True)
class FrontierPoint:
    """A non-dominated roadmap: no roadmap has a peak as low and an objective as high."""

    peak_exposure: float
    objective: float
    roadmap: Roadmap


@dataclass(frozen=True)
class Frontier:
    """The frontier of one scenario, points by peak exposure ascending."""

    scenario: str
    parties: tuple[str, ...]
    status: Status  # optimal: exact; feasible: a solve was cut short; infeasible: no roadmap
    points: tuple[FrontierPoint, ...] = ()
    truncated: bool = False
    conflicts: tuple[Any, ...] = field(default=(), repr=False)

    @property
    def table(self) -> pd.DataFrame:
        """One row per point: peak exposure, objective, measures scheduled, and the
        objective given up against the point with the highest objective."""
        best = max((p.objective for p in self.points), default=0.0)
        return pd.DataFrame([{"peak_exposure": p.peak_exposure, "objective": p.objective,
                              "cost_of_safety": best - p.objective, "measures": len(p.roadmap.starts)}
                             for p in self.points],
                            columns=["peak_exposure", "objective", "cost_of_safety", "measures"])

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``scnekit frontier``."""
        out: dict[str, Any] = {"format": FORMAT_VERSION, "scenario": self.scenario, "parties": list(self.parties),
                               "status": str(self.status),
                               "points": [{"peak_exposure": p.peak_exposure, "objective": p.objective,
                                           "roadmap": p.roadmap.to_dict()} for p in self.points]}
        if self.truncated:
            out["truncated"] = True
        if self.conflicts:
            out["conflicts"] = [c.to_dict() for c in self.conflicts]
        return out


class _PeakFormulation(Formulation):
    """The plan's model with a ``peak`` column above E_p(t) of the chosen parties; its upper
    bound (the cap) is a parameter like any limit, set by :meth:`apply`."""

    def __init__(self, plan: Plan, parties: Sequence[str], cap: Callable[[], float], *,
                 pins: Mapping[str, int] | None = None, stop: Callable[[], bool] | None = None) -> None:
        self.peak_parties = tuple(parties)
        self._cap = cap
        self.peak: pulp.LpVariable | None = None
        super().__init__(plan, pins=pins, stop=stop)

    def _build(self) -> None:
        super()._build()
        self.peak = self._variable("peak_exposure", pulp.LpContinuous, None, None)
        for party in self.peak_parties:
            for t in range(1, self.plan.phases + 1):
                terms, _ = self._peak_row(party, t)
                self._row(f"peak_{party}_{t}", terms, LE, 0.0, follows=partial(self._peak_row, party, t),
                          tags=[("party", party)])

    def _peak_row(self, party: str, t: int) -> tuple[Terms, float]:
        """E_p(t) - peak (its coefficients follow costs and values, see Formulation._row)."""
        assert self.peak is not None
        terms = self.exposure_terms(party, t)
        terms[self.peak] = terms.get(self.peak, 0.0) - 1.0
        return terms, 0.0

    def apply(self, plan: Plan, pins: Mapping[str, int] | None = None) -> None:
        super().apply(plan, pins)
        if self.peak is not None:
            cap = self._cap()
            self.peak.upBound = None if math.isinf(cap) else cap


def frontier(plan: Plan, scenario: str | None = None, parties: Sequence[str] | str | None = None, *,
             max_points: int = MAX_POINTS, time_limit: float | None = None,
             progress: Callable[[FrontierPoint], None] | None = None) -> Frontier:
    """The exact frontier between objective and peak exposure of ``scenario`` (default
    ``base``) over ``parties`` (default: all). ``time_limit`` bounds each solve (a solve
    cut short makes the answer ``feasible``, not exact); ``progress`` is told of each
    roadmap found on the way."""
    chosen = _parties(plan, parties)
    if max_points < 1:
        raise UsageError(f"max_points must be at least 1, got {max_points}")
    check_arguments(plan, time_limit=time_limit)
    model = plan.scenario(scenario)
    cap = [math.inf]
    session = Session(formulation=lambda p, *, pins=None, stop=None: _PeakFormulation(
        p, chosen, lambda: cap[0], pins=pins, stop=stop))
    found: list[FrontierPoint] = []
    exact = True
    truncated = False
    while True:
        roadmap = session.solve(model, time_limit=time_limit, diagnose=not found)
        if not roadmap.is_ok:
            if not found:
                return Frontier(model.scenario_id, chosen, roadmap.status, conflicts=roadmap.conflicts)
            exact = exact and roadmap.status == Status.INFEASIBLE
            break
        exact = exact and roadmap.status == Status.OPTIMAL
        point = FrontierPoint(peak(roadmap, chosen), float(roadmap.objective or 0.0), roadmap)
        if found and point.peak_exposure > cap[0] + EPSILON:
            exact = False  # the solver kept a peak above the cap (its tolerance): stop, and say so
            break
        if progress is not None:
            progress(point)
        if found and point.objective >= found[-1].objective - 1e-9:
            found[-1] = point  # as good for less exposure: the earlier one was dominated
        else:
            if len(found) == max_points:
                truncated = True
                break
            found.append(point)
        cap[0] = point.peak_exposure - max(EPSILON, EPSILON_REL * abs(point.peak_exposure))
    points = tuple(sorted(found, key=lambda p: p.peak_exposure))
    return Frontier(model.scenario_id, chosen, Status.OPTIMAL if exact else Status.FEASIBLE, points, truncated)


def peak(roadmap: Roadmap, parties: Sequence[str]) -> float:
    """P: the largest exposure of any of ``parties`` in any phase, from the roadmap's ledger."""
    exposure = roadmap.exposure
    return float(max(exposure[p].max() for p in parties))


def _parties(plan: Plan, parties: Sequence[str] | str | None) -> tuple[str, ...]:
    return tuple(pick(parties, [p.id for p in plan.parties], "party", "known"))
