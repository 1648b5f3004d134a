"""Hand a PuLP model to HiGHS in bulk and keep it there for re-solves.

PuLP's own HiGHS interface adds columns and rows one Python call at a time and
rebuilds the solver model on every solve. Here the matrix goes over once as arrays;
a re-solve pushes only the bounds (the parameters a workshop changes) and runs again.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass

import highspy
import numpy as np
import pulp

from .errors import SolverError


@dataclass(frozen=True)
class Outcome:
    """What one HiGHS run found."""

    state: str  # optimal | feasible | infeasible | unknown
    values: dict[str, float]  # by variable name
    objective: float | None
    bound: float | None
    seconds: float


class HighsModel:
    """A PuLP problem loaded into one ``highspy.Highs`` instance."""

    def __init__(self, problem: pulp.LpProblem, variables: list[pulp.LpVariable],
                 rows: list[pulp.LpConstraint], *, names: bool = False) -> None:
        self.variables = variables
        self.rows = rows
        self.index = {var.name: i for i, var in enumerate(variables)}
        self.highs = highspy.Highs()  # type: ignore[no-untyped-call]
        self.highs.setOptionValue("output_flag", False)
        n = len(variables)
        lower, upper = self._col_bounds()
        self.highs.addVars(n, lower, upper)
        integer = np.array([i for i, v in enumerate(variables) if v.cat == pulp.LpInteger], dtype=np.int32)
        if len(integer):
            self.highs.changeColsIntegrality(len(integer), integer,
                                             np.full(len(integer), 1, dtype=np.uint8))
        objective = problem.objective
        cost_terms = list(objective.items()) if objective is not None else []
        cost_idx = np.array([self.index[v.name] for v, _ in cost_terms], dtype=np.int32)
        costs = np.array([c for _, c in cost_terms], dtype=np.float64)
        if len(cost_idx):
            self.highs.changeColsCost(len(cost_idx), cost_idx, costs)
        self.offset = float(objective.constant) if objective is not None else 0.0
        sense = highspy.ObjSense.kMaximize if problem.sense == pulp.LpMaximize else highspy.ObjSense.kMinimize
        self.highs.changeObjectiveSense(sense)
        starts, indices, values = [0], [], []
        for row in rows:
            for var, coef in row.items():
                indices.append(self.index[var.name])
                values.append(coef)
            starts.append(len(indices))
        low, high = self._row_bounds()
        self.highs.addRows(len(rows), low, high, len(indices), np.array(starts[:-1], dtype=np.int32),
                           np.array(indices, dtype=np.int32), np.array(values, dtype=np.float64))
        if names:
            for i, var in enumerate(variables):
                self.highs.passColName(i, var.name)
            for i, row in enumerate(rows):
                self.highs.passRowName(i, row.name)

    def _col_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        inf = highspy.kHighsInf
        lower = np.array([-inf if v.lowBound is None else v.lowBound for v in self.variables], dtype=np.float64)
        upper = np.array([inf if v.upBound is None else v.upBound for v in self.variables], dtype=np.float64)
        return lower, upper

    def _row_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        inf = highspy.kHighsInf
        low = np.empty(len(self.rows))
        high = np.empty(len(self.rows))
        for i, row in enumerate(self.rows):
            rhs = -row.constant
            low[i] = rhs if row.sense in (pulp.LpConstraintGE, pulp.LpConstraintEQ) else -inf
            high[i] = rhs if row.sense in (pulp.LpConstraintLE, pulp.LpConstraintEQ) else inf
        return low, high

    def sync(self) -> None:
        """Push the PuLP model's current variable bounds and right-hand sides."""
        cols = np.arange(len(self.variables), dtype=np.int32)
        lower, upper = self._col_bounds()
        self.highs.changeColsBounds(len(cols), cols, lower, upper)
        rows = np.arange(len(self.rows), dtype=np.int32)
        low, high = self._row_bounds()
        if len(rows):
            self.highs.changeRowsBounds(len(rows), rows, low, high)  # type: ignore[attr-defined]

    def suggest(self, values: Mapping[str, float]) -> None:
        """Offer a starting solution (HiGHS checks it and ignores it if it does not fit)."""
        idx = np.array([self.index[v] for v in values if v in self.index], dtype=np.int32)
        vals = np.array([values[v] for v in values if v in self.index], dtype=np.float64)
        if len(idx):
            self.highs.setSolution(len(idx), idx, vals)

    def run(self, *, time_limit: float | None = None, gap: float = 0.0) -> Outcome:
        """Solve; ``gap`` is the relative gap at which HiGHS may stop."""
        if not self.variables:
            return self._run_empty()
        h = self.highs
        h.setOptionValue("time_limit", float(time_limit) if time_limit else highspy.kHighsInf)
        h.setOptionValue("mip_rel_gap", float(gap))
        began = time.perf_counter()
        h.run()
        seconds = time.perf_counter() - began
        status = h.getModelStatus()
        info = h.getInfo()
        has_solution = info.primal_solution_status == 2
        S = highspy.HighsModelStatus
        if status == S.kOptimal:
            state = "optimal"
        elif status in (S.kInfeasible, S.kUnboundedOrInfeasible):
            state = "infeasible"
        elif has_solution and status in (S.kTimeLimit, S.kInterrupt, S.kIterationLimit,
                                         S.kSolutionLimit, S.kObjectiveBound, S.kObjectiveTarget):
            state = "feasible"
        elif status in (S.kTimeLimit, S.kInterrupt, S.kIterationLimit):
            state = "unknown"
        else:
            raise SolverError(f"HiGHS stopped with status {h.modelStatusToString(status)}")
        values: dict[str, float] = {}
        objective = bound = None
        if has_solution and state != "infeasible":
            col = np.asarray(h.getSolution().col_value)
            values = dict(zip(self.index, col.tolist(), strict=True))
            objective = float(info.objective_function_value)
            dual = float(info.mip_dual_bound)
            bound = dual if math.isfinite(dual) else (objective if state == "optimal" else None)
        return Outcome(state, values, objective, bound, seconds)

    def _run_empty(self) -> Outcome:
        """A model without columns (nothing can be scheduled): feasible iff every row admits 0."""
        low, high = self._row_bounds()
        feasible = bool(np.all(low <= 1e-9) and np.all(high >= -1e-9))
        if not feasible:
            return Outcome("infeasible", {}, None, None, 0.0)
        return Outcome("optimal", {}, self.offset, self.offset, 0.0)
