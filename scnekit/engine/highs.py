"""Hand a PuLP model to HiGHS in bulk and keep it there for re-solves.

PuLP's own HiGHS interface adds columns and rows one Python call at a time and
rebuilds the solver model on every solve. Here the matrix goes over once as arrays;
a re-solve pushes the bounds and the objective and matrix coefficients that changed
(the parameters a workshop changes) and runs again.
"""

from __future__ import annotations

import hashlib
import math
import struct
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import highspy
import numpy as np
import pulp

from scnekit.errors import SolverError
from scnekit.roadmap import Status

from .solver_process import new_highs, running

if TYPE_CHECKING:
    from .formulation import Formulation


_DEFAULTS: dict[str, bool | int | float | str] = {
    "presolve": "choose", "mip_heuristic_run_feasibility_jump": True, "mip_heuristic_effort": 0.05,
    "mip_heuristic_run_rins": True, "mip_heuristic_run_rens": True, "mip_heuristic_run_root_reduced_cost": True,
    "mip_pool_soft_limit": 10000, "mip_allow_restart": True, "mip_max_improving_sols": highspy.kHighsIInf,
    "presolve_rule_off": 0,
}
# HiGHS' sub-MIP heuristics, off for a run that starts from a roadmap close to the bound
# (scnekit has run RINS itself): measured in benchmarks/RESULTS.md
NO_HEURISTICS: dict[str, bool | int | float | str] = {
    "mip_heuristic_run_rins": False, "mip_heuristic_run_rens": False,
}


class Changes(Protocol):
    """Where a model's coefficient changes come from (a Formulation): every change in order,
    ``(column, old, new)`` for the objective and ``(row, column, old, new)`` for the matrix."""

    cost_log: list[tuple[int, float, float]]
    coefficient_log: list[tuple[int, int, float, float]]


@dataclass(frozen=True)
class Region:
    """The bounds of a loaded model's columns and rows: with its matrix and objective fixed,
    they decide which roadmaps are feasible."""

    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray

    def within(self, other: Region, tolerance: float = 1e-9) -> bool:
        """Whether every bound is at least as tight as ``other``'s: then every roadmap
        feasible here was feasible there."""
        return bool(np.all(self.col_lower >= other.col_lower - tolerance)
                    and np.all(self.col_upper <= other.col_upper + tolerance)
                    and np.all(self.row_lower >= other.row_lower - tolerance)
                    and np.all(self.row_upper <= other.row_upper + tolerance))


@dataclass(frozen=True)
class Outcome:
    """What one HiGHS run found."""

    state: Status
    values: dict[str, float]  # by variable name
    objective: float | None
    bound: float | None
    seconds: float


class HighsModel:
    """A PuLP problem loaded into one ``highspy.Highs`` instance."""

    def __init__(self, problem: pulp.LpProblem, variables: list[pulp.LpVariable],
                 rows: list[pulp.LpConstraint], *, names: bool = False,
                 pairs: tuple[list[int], list[int], list[str]] | None = None,
                 changes: Changes | None = None) -> None:
        """Load ``problem``'s objective, ``variables`` and ``rows``, then ``pairs``: rows
        ``variables[a] - variables[b] <= 0`` given as column indices (and names).
        :meth:`sync` pushes the coefficient changes ``changes`` logs from now on."""
        self.variables = variables
        self.rows = rows
        self.index = {var.name: i for i, var in enumerate(variables)}
        self.highs = new_highs()
        n = len(variables)
        lower, upper = self._col_bounds()
        self.highs.addVars(n, lower, upper)
        integer = np.array([i for i, v in enumerate(variables) if v.cat == pulp.LpInteger], dtype=np.int32)
        self.integer = integer
        self._triplets: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # see _matrix
        if len(integer):
            self.highs.changeColsIntegrality(len(integer), integer,
                                             np.full(len(integer), 1, dtype=np.uint8))
        objective = problem.objective
        cost_terms = list(objective.items()) if objective is not None else []
        cost_idx = np.array([self.index[v.name] for v, _ in cost_terms], dtype=np.int32)
        costs = np.array([c for _, c in cost_terms], dtype=np.float64)
        if len(cost_idx):
            self.highs.changeColsCost(len(cost_idx), cost_idx, costs)
        self.costs = np.zeros(n)  # the objective as loaded and pushed
        self.costs[cost_idx] = costs
        self._changes = changes
        self._seen = (len(changes.cost_log), len(changes.coefficient_log)) if changes is not None else (0, 0)
        self._edited: dict[tuple[int, int], tuple[float, float]] = {}  # (row, col) -> (as loaded, now)
        self.fingerprint = self._fingerprint()
        self.offset = float(objective.constant) if objective is not None else 0.0
        self.maximise = problem.sense == pulp.LpMaximize
        sense = highspy.ObjSense.kMaximize if self.maximise else highspy.ObjSense.kMinimize
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
        self._region = Region(lower, upper, low, high)
        self._pair_rows = 0
        if pairs is not None and len(pairs[0]):
            k = self._pair_rows = len(pairs[0])
            index = np.empty(2 * k, dtype=np.int32)
            index[0::2], index[1::2] = pairs[0], pairs[1]
            value = np.tile(np.array([1.0, -1.0]), k)
            self.highs.addRows(k, np.full(k, -highspy.kHighsInf), np.zeros(k), 2 * k,
                               np.arange(0, 2 * k, 2, dtype=np.int32), index, value)
        if names:
            for i, var in enumerate(variables):
                self.highs.passColName(i, var.name)
            for i, row in enumerate(rows):
                self.highs.passRowName(i, row.name)
            for i, name in enumerate(pairs[2] if pairs is not None else []):
                self.highs.passRowName(len(rows) + i, name)

    @classmethod
    def from_formulation(cls, f: Formulation, *, names: bool = False) -> HighsModel:
        """Load a :class:`~scnekit.engine.formulation.Formulation` (its rows and its bulk pairs)."""
        return cls(f.base_problem, f.variables, f.rows, names=names, pairs=f.pairs, changes=f)

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
        """Push the PuLP model's current variable bounds and right-hand sides, and the
        objective and matrix coefficients changed since the last sync (only those)."""
        self._push_coefficients()
        cols = np.arange(len(self.variables), dtype=np.int32)
        lower, upper = self._col_bounds()
        self.highs.changeColsBounds(len(cols), cols, lower, upper)
        rows = np.arange(len(self.rows), dtype=np.int32)
        low, high = self._row_bounds()
        if len(rows):
            self.highs.changeRowsBounds(len(rows), rows, low, high)  # type: ignore[attr-defined]
        self._region = Region(lower, upper, low, high)

    def _push_coefficients(self) -> None:
        """Push the coefficient changes logged since the last sync (see :class:`Changes`);
        a row or column changed and changed back costs nothing."""
        if self._changes is None:
            return
        cost_log, coefficient_log = self._changes.cost_log, self._changes.coefficient_log
        seen_costs, seen_coefficients = self._seen
        if seen_costs == len(cost_log) and seen_coefficients == len(coefficient_log):
            return
        self._seen = (len(cost_log), len(coefficient_log))
        costs = {col: new for col, _, new in cost_log[seen_costs:]}
        idx = np.array([col for col, new in costs.items() if self.costs[col] != new], dtype=np.int32)
        if len(idx):
            values = np.array([costs[col] for col in idx.tolist()], dtype=np.float64)
            self.highs.changeColsCost(len(idx), idx, values)
            self.costs[idx] = values
        entries: dict[tuple[int, int], tuple[float, float]] = {}
        for row, col, old, new in coefficient_log[seen_coefficients:]:
            loaded, _ = self._edited.get((row, col), entries.get((row, col), (old, old)))
            entries[(row, col)] = (loaded, new)
        changed = inserted = False
        for (row, col), (loaded, new) in entries.items():
            now = self._edited.get((row, col), (loaded, loaded))[1]
            if new != now:
                if self.highs.changeCoeff(row, col, new) == highspy.HighsStatus.kError:
                    raise SolverError(f"HiGHS refused the coefficient of column {col} in row {row}")
                changed = True
                inserted = inserted or now == 0
            self._edited[(row, col)] = (loaded, new)
        if inserted:
            self._in_row_order()
        if changed:
            self._triplets = None  # the matrix satisfies() reads
        if changed or len(idx):
            self.fingerprint = self._fingerprint()

    def _in_row_order(self) -> None:
        """Put each column's entries in row order, as a model loaded from nothing has them.

        ``changeCoeff`` may put a new entry out of order, and HiGHS' path, so which of
        several optimal roadmaps it returns, can depend on the order: a Session without
        history answers by the plan alone. The matrix goes back whole (``passModel``; this
        drops HiGHS' basis), only after a change that added an entry."""
        lp = self.highs.getLp()
        a = lp.a_matrix_
        if a.format_ != highspy.MatrixFormat.kColwise:
            return
        start = np.asarray(a.start_, dtype=np.int64)
        index = np.asarray(a.index_, dtype=np.int32)
        value = np.asarray(a.value_, dtype=np.float64)
        order = np.lexsort((index, np.repeat(np.arange(lp.num_col_), np.diff(start))))
        if np.array_equal(order, np.arange(len(order))):
            return
        a.index_, a.value_ = index[order], value[order]
        lp.a_matrix_ = a
        if self.highs.passModel(lp) == highspy.HighsStatus.kError:
            raise SolverError("HiGHS refused the model with its coefficients in row order")

    def _fingerprint(self) -> bytes:
        """A digest of the objective and matrix as pushed (the same for the same coefficients,
        whatever the changes in between): a proof holds for one fingerprint only."""
        digest = hashlib.blake2b((self.costs + 0.0).tobytes(), digest_size=16)  # + 0.0: no -0.0
        for (row, col), (loaded, now) in sorted(self._edited.items()):
            if now != loaded:
                digest.update(struct.pack("<qqd", row, col, now + 0.0))
        return digest.digest()

    def region(self) -> Region:
        """The bounds last loaded or pushed by :meth:`sync`."""
        return self._region

    def vector(self, values: Mapping[str, float]) -> np.ndarray:
        """Variable values by name as an array in the model's column order (missing: 0)."""
        return np.array([values.get(name, 0.0) for name in self.index], dtype=np.float64)

    def _matrix(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The constraint matrix as (row, column, coefficient) arrays, read from HiGHS once
        and again after :meth:`sync` changed a coefficient. (At 1000 x 24 reading it took
        most of the 38 ms of a check.)"""
        if self._triplets is None:
            lp = self.highs.getLp()
            a = lp.a_matrix_
            index = np.asarray(a.index_, dtype=np.int64)  # empty lists would come back as floats
            value = np.asarray(a.value_, dtype=np.float64)
            start = np.asarray(a.start_, dtype=np.int64)
            if a.format_ == highspy.MatrixFormat.kColwise:
                rows, cols = index, np.repeat(np.arange(lp.num_col_), np.diff(start))
            else:
                rows, cols = np.repeat(np.arange(lp.num_row_), np.diff(start)), index
            self._triplets = (rows, cols, value)
        return self._triplets

    def satisfies(self, values: Mapping[str, float] | np.ndarray, tolerance: float = 1e-6) -> bool:
        """Whether ``values`` (by name, or a :meth:`vector`) keep every row, integrality and
        bound of the model, with the bounds last loaded or pushed by :meth:`sync`."""
        x = values if isinstance(values, np.ndarray) else self.vector(values)
        region = self._region  # the bounds pushed last; the two-term rows after them are a - b <= 0
        if np.any(x < region.col_lower - tolerance) or np.any(x > region.col_upper + tolerance):
            return False
        if len(self.integer) and np.any(np.abs(x[self.integer] - np.round(x[self.integer])) > tolerance):
            return False
        rows, cols, value = self._matrix()
        activity = np.bincount(rows, weights=value * x[cols], minlength=len(self.rows) + self._pair_rows)
        ranged = activity[:len(self.rows)]
        return bool(np.all(ranged >= region.row_lower - tolerance)
                    and np.all(ranged <= region.row_upper + tolerance)
                    and np.all(activity[len(self.rows):] <= tolerance))

    def suggest(self, values: Mapping[str, float]) -> None:
        """Offer a starting solution (HiGHS checks it and ignores it if it does not fit)."""
        idx = np.array([self.index[v] for v in values if v in self.index], dtype=np.int32)
        vals = np.array([values[v] for v in values if v in self.index], dtype=np.float64)
        if len(idx):
            self.highs.setSolution(len(idx), idx, vals)

    def _time_limit(self, seconds: float | None, *, lp: bool = False) -> None:
        """Set HiGHS' time limit for the next run.

        HiGHS 1.15 measures an LP's limit on the instance's run clock, which goes on
        across runs (a re-solve with a plain limit stops at once), and a MIP's limit from
        the start of the run; so an LP's limit adds the time already on the clock."""
        if not seconds:
            self.highs.setOptionValue("time_limit", highspy.kHighsInf)
            return
        offset = self.highs.getRunTime() if lp else 0.0
        self.highs.setOptionValue("time_limit", offset + float(seconds))

    def relaxation(self, *, time_limit: float | None = None, stop: Callable[[], bool] | None = None) -> Outcome:
        """Solve the LP relaxation: its objective bounds the MIP's, its values guide heuristics.
        ``stop`` is as in :meth:`run` (a stopped LP gives state ``unknown``)."""
        h, ints = self.highs, self.integer
        if len(ints):
            h.changeColsIntegrality(len(ints), ints, np.zeros(len(ints), dtype=np.uint8))
        try:
            self._time_limit(time_limit, lp=True)
            began = time.perf_counter()
            with _Hooks(self, stop, None), running():
                h.run()
            seconds = time.perf_counter() - began
            status = h.getModelStatus()
            S = highspy.HighsModelStatus
            if status in (S.kInfeasible, S.kUnboundedOrInfeasible):
                return Outcome(Status.INFEASIBLE, {}, None, None, seconds)
            if status != S.kOptimal:
                return Outcome(Status.UNKNOWN, {}, None, None, seconds)
            col = np.asarray(h.getSolution().col_value)
            objective = float(h.getInfo().objective_function_value)
            return Outcome(Status.OPTIMAL, dict(zip(self.index, col.tolist(), strict=True)), objective,
                           objective, seconds)
        finally:
            if len(ints):
                h.changeColsIntegrality(len(ints), ints, np.ones(len(ints), dtype=np.uint8))

    def neighbourhood(self, incumbent: Mapping[str, float], guide: Mapping[str, float], *,
                      time_limit: float | None = None, gap: float = 0.0,
                      stop: Callable[[], bool] | None = None) -> Outcome:
        """RINS: solve the MIP with every integer column fixed where ``incumbent`` and ``guide``
        (an LP solution) agree, starting from ``incumbent``; the bounds are restored after.

        The sub-MIP keeps every row, so what it finds is feasible for the full model; its
        bound is not a bound of the full model (the caller keeps the LP's).
        """
        names = list(self.index)
        fixed = [i for i in self.integer.tolist()
                 if abs(incumbent.get(names[i], 0.0) - guide.get(names[i], 0.0)) <= 1e-6]
        idx = np.array(fixed, dtype=np.int32)
        vals = np.array([round(incumbent.get(names[i], 0.0)) for i in fixed], dtype=np.float64)
        lower, upper = self._col_bounds()
        keep = (lower[idx] <= vals) & (vals <= upper[idx])
        idx, vals = idx[keep], vals[keep]
        if len(idx):
            self.highs.changeColsBounds(len(idx), idx, vals, vals)
        try:
            self.suggest(incumbent)
            return self.run(time_limit=time_limit, gap=gap, stop=stop)
        finally:
            if len(idx):
                self.highs.changeColsBounds(len(idx), idx, lower[idx], upper[idx])

    def run(self, *, time_limit: float | None = None, gap: float = 0.0,
            options: Mapping[str, bool | int | float | str] | None = None,
            stop: Callable[[], bool] | None = None,
            found: Callable[[Outcome], None] | None = None) -> Outcome:
        """Solve; ``gap`` is the relative gap at which HiGHS may stop. ``options`` are HiGHS
        options for this run only (HiGHS' defaults are restored after it).

        ``stop`` is asked at HiGHS' interrupt points; once it says True the run ends with
        the best roadmap so far (state ``feasible``, or ``unknown`` without one).
        ``found`` receives every improving roadmap HiGHS finds during the run.
        """
        if not self.variables:
            return self._run_empty()
        h = self.highs
        self._time_limit(time_limit)
        h.setOptionValue("mip_rel_gap", float(gap))
        for key, value in (options or {}).items():
            h.setOptionValue(key, value)
        began = time.perf_counter()
        try:
            with _Hooks(self, stop, found), running():
                h.run()
        finally:
            for key in options or {}:
                h.setOptionValue(key, _DEFAULTS[key])
        seconds = time.perf_counter() - began
        status = h.getModelStatus()
        info = h.getInfo()
        has_solution = info.primal_solution_status == 2
        S = highspy.HighsModelStatus
        if status == S.kOptimal:
            state = Status.OPTIMAL
        elif status in (S.kInfeasible, S.kUnboundedOrInfeasible):
            state = Status.INFEASIBLE
        elif has_solution and status in (S.kTimeLimit, S.kInterrupt, S.kIterationLimit,
                                         S.kSolutionLimit, S.kObjectiveBound, S.kObjectiveTarget):
            state = Status.FEASIBLE
        elif status in (S.kTimeLimit, S.kInterrupt, S.kIterationLimit):
            state = Status.UNKNOWN
        else:
            raise SolverError(f"HiGHS stopped with status {h.modelStatusToString(status)}")
        values: dict[str, float] = {}
        objective = bound = None
        if has_solution and state != Status.INFEASIBLE:
            col = np.asarray(h.getSolution().col_value)
            values = dict(zip(self.index, col.tolist(), strict=True))
            objective = float(info.objective_function_value)
            dual = float(info.mip_dual_bound)
            bound = dual if math.isfinite(dual) else (objective if state == Status.OPTIMAL else None)
        return Outcome(state, values, objective, bound, seconds)

    def _run_empty(self) -> Outcome:
        """A model without columns (nothing can be scheduled): feasible iff every row admits 0."""
        low, high = self._row_bounds()
        feasible = bool(np.all(low <= 1e-9) and np.all(high >= -1e-9))
        if not feasible:
            return Outcome(Status.INFEASIBLE, {}, None, None, 0.0)
        return Outcome(Status.OPTIMAL, {}, self.offset, self.offset, 0.0)


class _Hooks:
    """HiGHS callbacks for one run: interrupt on ``stop``, report improving roadmaps to
    ``found``.

    An exception raised by ``stop`` or ``found`` must not unwind through HiGHS (the
    instance would be left unusable): it is kept, the run is interrupted, and it is
    raised again once HiGHS has returned.
    """

    def __init__(self, model: HighsModel, stop: Callable[[], bool] | None,
                 found: Callable[[Outcome], None] | None) -> None:
        self.model = model
        self.stop = stop
        self.found = found
        self.error: BaseException | None = None
        self.began = time.perf_counter()
        h = model.highs
        self.hooks: list[tuple[Any, Callable[[Any], None]]] = []
        if stop is not None or found is not None:  # an error in ``found`` interrupts too
            self.hooks += [(h.cbMipInterrupt, self._interrupt), (h.cbSimplexInterrupt, self._interrupt),
                           (h.cbIpmInterrupt, self._interrupt)]
        if found is not None:
            self.hooks.append((h.cbMipImprovingSolution, self._improved))

    def __enter__(self) -> _Hooks:
        for event, hook in self.hooks:
            event.subscribe(hook)
        return self

    def __exit__(self, kind: object, value: object, trace: object) -> None:
        for event, hook in self.hooks:
            event.unsubscribe(hook)
        if self.error is not None and kind is None:
            raise self.error

    def _interrupt(self, event: Any) -> None:
        try:
            # always written: HiGHS keeps the flag from an interrupted run into the next
            event.interrupt(self.error is not None or bool(self.stop and self.stop()))
        except BaseException as exc:  # kept and raised after the run (see the class doc)
            self._fail(event, exc)

    def _improved(self, event: Any) -> None:
        if self.error is not None or self.found is None:
            return
        try:
            out = event.data_out
            col = np.asarray(out.mip_solution, dtype=np.float64)
            if len(col) != len(self.model.variables):
                return  # not a solution of the model as loaded
            dual = float(out.mip_dual_bound)
            self.found(Outcome(Status.FEASIBLE, dict(zip(self.model.index, col.tolist(), strict=True)),
                               float(out.objective_function_value), dual if math.isfinite(dual) else None,
                               time.perf_counter() - self.began))
        except BaseException as exc:  # kept and raised after the run (see the class doc)
            self._fail(event, exc)

    def _fail(self, event: Any, exc: BaseException) -> None:
        if self.error is None:
            self.error = exc
        event.interrupt(True)
