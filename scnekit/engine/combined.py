"""Several formulations side by side in one HiGHS model, joined by rows across them.

An analysis that asks for one roadmap per scenario in a single integer program (robust
first steps, ANALYSIS.md section 4) loads each scenario's
:class:`~scnekit.engine.formulation.Formulation` as a block of columns and rows, in bulk
as :class:`~scnekit.engine.highs.HighsModel` loads one, then adds its own columns and
rows over the blocks. Columns are addressed by index: block ``b``'s variable ``v`` is
column ``blocks[b].offset + (v's index in the formulation)``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import highspy
import numpy as np
import pulp

from scnekit.errors import SolverError
from scnekit.roadmap import Status

from .formulation import Formulation
from .solver_process import new_highs, running

INF = highspy.kHighsInf


@dataclass(frozen=True)
class Block:
    """One formulation's place in the combined model."""

    formulation: Formulation
    offset: int  # its first column
    index: Mapping[str, int]  # variable name -> column in the combined model

    def column(self, var: pulp.LpVariable) -> int:
        return self.index[var.name]

    def values(self, x: np.ndarray) -> dict[str, float]:
        """The block's variable values by name (as :meth:`Formulation.starts` reads them)."""
        return {name: float(x[i]) for name, i in self.index.items()}

    def objective(self) -> tuple[dict[int, float], float]:
        """The formulation's objective as ``({column: coefficient}, constant)``."""
        objective = self.formulation.base_problem.objective
        if objective is None:
            return {}, 0.0
        terms: dict[int, float] = {}
        for var, coef in objective.items():
            i = self.index[var.name]
            terms[i] = terms.get(i, 0.0) + float(coef)
        return terms, float(objective.constant)


@dataclass(frozen=True)
class Run:
    """What one HiGHS run of the combined model found: ``x`` holds every column's value
    (None without a solution); ``objective`` and ``bound`` include the offset."""

    state: Status
    x: np.ndarray | None
    objective: float | None
    bound: float | None
    seconds: float


class Combined:
    """Formulations loaded as column blocks of one ``highspy.Highs`` (made by ``new_highs``),
    maximising an objective set by :meth:`maximise` over extra columns and rows."""

    def __init__(self, formulations: Sequence[Formulation]) -> None:
        self.highs = new_highs()
        self.blocks: list[Block] = []
        self.integer: list[int] = []
        self.columns = 0
        self.offset = 0.0
        for f in formulations:
            self._load(f)
        self.highs.changeObjectiveSense(highspy.ObjSense.kMaximize)

    def _load(self, f: Formulation) -> None:
        if f.elastic:
            raise ValueError("an elastic formulation minimises relaxations; combine exact models only")
        start = self.columns
        index = {var.name: start + i for i, var in enumerate(f.variables)}
        self.blocks.append(Block(f, start, index))
        lower = [-INF if v.lowBound is None else float(v.lowBound) for v in f.variables]
        upper = [INF if v.upBound is None else float(v.upBound) for v in f.variables]
        self.highs.addVars(len(lower), np.array(lower, dtype=np.float64), np.array(upper, dtype=np.float64))
        self.columns += len(lower)
        integer = [start + i for i, v in enumerate(f.variables) if v.cat == pulp.LpInteger]
        if integer:
            self.highs.changeColsIntegrality(len(integer), np.array(integer, dtype=np.int32),
                                             np.ones(len(integer), dtype=np.uint8))
        self.integer += integer
        starts: list[int] = []
        indices: list[int] = []
        values: list[float] = []
        low: list[float] = []
        high: list[float] = []
        for row in f.rows:
            starts.append(len(indices))
            for var, coef in row.items():
                indices.append(index[var.name])
                values.append(float(coef))
            rhs = -float(row.constant)
            low.append(rhs if row.sense in (pulp.LpConstraintGE, pulp.LpConstraintEQ) else -INF)
            high.append(rhs if row.sense in (pulp.LpConstraintLE, pulp.LpConstraintEQ) else INF)
        if starts:
            self.highs.addRows(len(starts), np.array(low, dtype=np.float64), np.array(high, dtype=np.float64),
                               len(indices), np.array(starts, dtype=np.int32), np.array(indices, dtype=np.int32),
                               np.array(values, dtype=np.float64))
        a, b, _ = f.pairs
        k = len(a)
        if k:  # the two-term rows a - b <= 0, as HighsModel loads them
            pair = np.empty(2 * k, dtype=np.int32)
            pair[0::2] = np.asarray(a, dtype=np.int32) + start
            pair[1::2] = np.asarray(b, dtype=np.int32) + start
            self.highs.addRows(k, np.full(k, -INF), np.zeros(k), 2 * k, np.arange(0, 2 * k, 2, dtype=np.int32),
                               pair, np.tile(np.array([1.0, -1.0]), k))

    def add_column(self, lower: float = -INF, upper: float = INF) -> int:
        """A new continuous column; returns its index."""
        self.highs.addVar(float(lower), float(upper))
        self.columns += 1
        return self.columns - 1

    def add_row(self, terms: Mapping[int, float], lower: float = -INF, upper: float = INF) -> None:
        """The row ``lower <= sum of coefficient * column <= upper``."""
        idx = np.array(list(terms), dtype=np.int32)
        val = np.array(list(terms.values()), dtype=np.float64)
        self.highs.addRow(float(lower), float(upper), len(idx), idx, val)

    def fix(self, columns: Iterable[int], value: float) -> None:
        """Fix columns to ``value``."""
        for i in columns:
            self.highs.changeColBounds(i, float(value), float(value))

    def maximise(self, terms: Mapping[int, float], offset: float = 0.0) -> None:
        """Make ``sum of coefficient * column + offset`` the objective (every other cost 0)."""
        costs = np.zeros(self.columns)
        for i, c in terms.items():
            costs[i] += c
        self.highs.changeColsCost(self.columns, np.arange(self.columns, dtype=np.int32), costs)
        self.offset = float(offset)

    def vector(self, values: Sequence[Mapping[str, float]], extra: Mapping[int, float] | None = None) -> np.ndarray:
        """A point of the combined model from each block's values by name (missing: 0) and
        ``extra`` columns by index."""
        x = np.zeros(self.columns)
        for block, given in zip(self.blocks, values, strict=True):
            for name, v in given.items():
                if name in block.index:
                    x[block.index[name]] = v
        for i, v in (extra or {}).items():
            x[i] = v
        return x

    def suggest(self, x: np.ndarray) -> None:
        """Offer a starting solution (HiGHS checks it and ignores it if it does not fit)."""
        self.highs.setSolution(self.columns, np.arange(self.columns, dtype=np.int32), np.asarray(x, dtype=np.float64))

    def run(self, *, time_limit: float | None = None, gap: float = 0.0,
            options: Mapping[str, bool | int | float | str] | None = None) -> Run:
        """Solve; ``gap`` is the relative gap at which HiGHS may stop, ``options`` stay set."""
        h = self.highs
        lp = not self.integer  # HiGHS counts an LP's limit on the run clock (see HighsModel._time_limit)
        h.setOptionValue("time_limit", INF if not time_limit else float(time_limit)
                         + (h.getRunTime() if lp else 0.0))
        h.setOptionValue("mip_rel_gap", float(gap))
        for key, value in (options or {}).items():
            h.setOptionValue(key, value)
        began = time.perf_counter()
        with running():
            h.run()
        seconds = time.perf_counter() - began
        status = h.getModelStatus()
        info = h.getInfo()
        has_solution = info.primal_solution_status == 2
        S = highspy.HighsModelStatus
        if status == S.kModelEmpty:  # no columns: feasible when every row admits 0
            return self._run_empty(seconds)
        if status == S.kOptimal:
            state = Status.OPTIMAL
        elif status in (S.kInfeasible, S.kUnboundedOrInfeasible):
            state = Status.INFEASIBLE
        elif status in (S.kTimeLimit, S.kInterrupt, S.kIterationLimit, S.kSolutionLimit):
            state = Status.FEASIBLE if has_solution else Status.UNKNOWN
        else:
            raise SolverError(f"HiGHS stopped with status {h.modelStatusToString(status)}")
        if not has_solution or state == Status.INFEASIBLE:
            return Run(state, None, None, None, seconds)
        x = np.asarray(h.getSolution().col_value, dtype=np.float64).copy()
        objective = float(info.objective_function_value) + self.offset
        dual = float(info.mip_dual_bound) if self.integer else math.nan
        bound = dual + self.offset if math.isfinite(dual) else (objective if state == Status.OPTIMAL else None)
        return Run(state, x, objective, bound, seconds)

    def _run_empty(self, seconds: float) -> Run:
        lp = self.highs.getLp()
        low, high = np.asarray(lp.row_lower_, dtype=np.float64), np.asarray(lp.row_upper_, dtype=np.float64)
        if np.any(low > 1e-9) or np.any(high < -1e-9):
            return Run(Status.INFEASIBLE, None, None, None, seconds)
        return Run(Status.OPTIMAL, np.zeros(0), self.offset, self.offset, seconds)
