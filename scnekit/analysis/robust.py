"""Robust first steps (ANALYSIS.md section 4): one roadmap per scenario, all starting the
same measures in phases 1..K, with the best worst-case (or mean) objective.

One integer program holds every chosen scenario's model as a block of columns
(:class:`~scnekit.engine.combined.Combined`). Rows tie the running sums
S_m^a(t) = S_m^b(t) for every measure m and t <= K, which makes the sets
{(m, s_m): s_m <= K} equal; where S_m(t) is identically 0 in one scenario it is fixed
to 0 in all. ``worst`` maximises a column z with z <= J^a for every scenario a (J^a is
the objective of a's formulation, constant included); ``mean`` maximises z with
n z <= sum of the J^a.

The steps:

1. each scenario alone (a :class:`~scnekit.engine.session.Session`): its optimum, or the
   conflicts that leave it without a roadmap;
2. a start: the first steps of the scenario with the smallest optimum (less those some
   scenario cannot take then), held while every other scenario is solved again. When
   that start reaches the bound the optima give (the smallest, or the mean), it is the
   answer and nothing else runs;
3. the combined program, from that start where there is one;
4. for ``worst``, each scenario again with the first steps held, from its roadmap in the
   answer: beside the worst case the program accepts any roadmap at least as good, and
   this gives each the best it can have with those first steps (``mean`` does so by itself).

When no common first steps exist, pairs of scenarios are tried to say which cannot be
tied, with the measures mandatory early in one and out of reach in the other.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from scnekit.engine.combined import Block, Combined
from scnekit.engine.formulation import Formulation
from scnekit.engine.highs import NO_HEURISTICS, HighsModel
from scnekit.engine.session import Session, check_arguments, proven
from scnekit.errors import UsageError
from scnekit.ledger import evaluate
from scnekit.model import FORMAT_VERSION, Plan, RuleKind
from scnekit.roadmap import Conflict, Roadmap, Status

from .compare import scenario_list

# HiGHS options for the combined program. Measured on the Syria example (base, earthquake,
# us-russia-frozen; K = 1, 2, 3; two runs each on a loaded 2-core machine): a cut pool of
# 10 as the engine's final MIP (scnekit.engine.session.CUT_POOL), 5.5 s against 12 s at
# HiGHS' default for K = 2; no restart after root fixing, K = 2: 5.5 -> 4.1-4.6 s,
# K = 3: 4.1-4.5 -> 2.4-2.6 s, K = 1: unchanged.
CUT_POOL = 10
COMBINED: dict[str, bool | int | float | str] = {"mip_pool_soft_limit": CUT_POOL, "mip_allow_restart": False}


class Criterion(StrEnum):
    """What the robust roadmaps maximise over the scenarios."""

    WORST = "worst"
    MEAN = "mean"


@dataclass(frozen=True)
class ScenarioAnswer:
    """One scenario in a robust answer: its roadmap there, and the scenario solved alone."""

    roadmap: Roadmap
    alone: Roadmap

    @property
    def optimum(self) -> float | None:
        """The scenario's own optimum (the best known, should its own solve have been stopped)."""
        if not self.alone.is_ok:
            return None
        own = self.alone.objective
        assert own is not None
        if self.alone.status != Status.OPTIMAL and self.roadmap.objective is not None:
            return max(own, self.roadmap.objective)
        return own

    @property
    def price(self) -> float | None:
        """What sharing the first steps costs this scenario: its optimum minus its objective here."""
        optimum, objective = self.optimum, self.roadmap.objective
        return None if optimum is None or objective is None else optimum - objective

    def to_dict(self) -> dict[str, Any]:
        return {**self.roadmap.to_dict(), "optimum": self.optimum, "price": self.price}


@dataclass(frozen=True)
class RobustResult:
    """Roadmaps, one per scenario, that share their first ``shared`` phases.

    ``value`` is the smallest (``worst``) or mean objective of the roadmaps, recomputed
    from their schedules; ``first_steps`` the (measure, start) pairs with start <= K
    that all of them hold. Each roadmap carries the robust answer's status and gap.
    When ``status`` is infeasible, ``reasons`` says why in words and each scenario's
    roadmap carries the conflicts that concern it.
    """

    status: Status
    shared: int
    criterion: Criterion
    value: float | None
    first_steps: list[dict[str, Any]]
    scenarios: dict[str, ScenarioAnswer]
    reasons: tuple[str, ...] = ()
    gap: float | None = None
    seconds: float = 0.0
    #: seconds of each step: alone, start, combined, each (the scenarios again with the first steps held), diagnosis
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def roadmaps(self) -> dict[str, Roadmap]:
        return {sid: s.roadmap for sid, s in self.scenarios.items()}

    @property
    def summary(self) -> pd.DataFrame:
        """One row per scenario: status, objective here, own optimum, price."""
        rows = [{"scenario": sid, "status": str(s.roadmap.status), "objective": s.roadmap.objective,
                 "optimum": s.optimum, "price": s.price} for sid, s in self.scenarios.items()]
        return pd.DataFrame(rows, columns=["scenario", "status", "objective", "optimum", "price"]).set_index(
            "scenario")

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``scnekit robust`` (ANALYSIS.md section 4)."""
        return {"format": FORMAT_VERSION, "status": str(self.status), "shared": self.shared,
                "criterion": str(self.criterion), "value": self.value, "first_steps": list(self.first_steps),
                "scenarios": {sid: s.to_dict() for sid, s in self.scenarios.items()}}


def robust(plan: Plan, scenarios: Sequence[str] | str | None, shared: int, criterion: Criterion | str = "worst",
           *, time_limit: float | None = None) -> RobustResult:
    """Roadmaps for ``scenarios`` (ids, a comma list, or None/"all") that start the same
    measures in phases 1..``shared`` and maximise the ``worst`` or ``mean`` objective.

    ``time_limit`` bounds the whole analysis (the scenarios alone, the combined program,
    any diagnosis); stopped early, the answer is ``feasible`` with its gap, or ``unknown``.
    """
    began = time.perf_counter()
    check_arguments(plan, time_limit=time_limit)
    chosen = scenario_list(plan, scenarios)
    try:
        crit = Criterion(criterion)
    except ValueError:
        raise UsageError(f"criterion must be 'worst' or 'mean', got {criterion!r}") from None
    plans = {sid: plan.scenario(sid) for sid in chosen}
    horizon = min(p.phases for p in plans.values())
    if isinstance(shared, bool) or not isinstance(shared, int) or not 0 <= shared <= horizon:
        raise UsageError(f"shared must be a number of phases from 0 to {horizon}, got {shared!r}")
    return _Robust(plans, shared, crit, time_limit, began).solve()


class _Robust:
    """The steps of one robust analysis over a shared clock."""

    def __init__(self, plans: dict[str, Plan], shared: int, criterion: Criterion, time_limit: float | None,
                 began: float) -> None:
        self.plans, self.shared, self.criterion = plans, shared, criterion
        self.time_limit, self.began = time_limit, began
        self.timings: dict[str, float] = {}
        self._models: dict[int, HighsModel] = {}

    def left(self) -> float | None:
        if self.time_limit is None:
            return None
        return max(0.01, self.time_limit - (time.perf_counter() - self.began))

    def out_of_time(self) -> bool:
        return self.time_limit is not None and time.perf_counter() - self.began >= self.time_limit

    def lap(self, name: str, since: float) -> float:
        now = time.perf_counter()
        self.timings[name] = now - since
        return now

    def solve(self) -> RobustResult:
        mark = time.perf_counter()
        session = Session()
        alone = {sid: session.solve(p, time_limit=self.left()) for sid, p in self.plans.items()}
        mark = self.lap("alone", mark)
        if any(r.status == Status.INFEASIBLE for r in alone.values()):
            return self.alone_infeasible(alone)
        if not all(r.is_ok for r in alone.values()):
            return self.answer(Status.UNKNOWN, alone, None)
        forms = [Formulation(p) for p in self.plans.values()]
        # the scenarios' own optima bound the answer: a start that reaches the bound is optimal
        tops = [r.objective if r.status == Status.OPTIMAL else r.bound for r in alone.values()]
        ceiling = None if any(t is None for t in tops) else self.score([t for t in tops if t is not None])
        start = self.start(forms, alone)
        mark = self.lap("start", mark)
        if start is not None and ceiling is not None and start[1] >= ceiling - _tolerance(ceiling):
            return self.answer(Status.OPTIMAL, alone, start[0], ceiling)
        model, z = self.combined(forms)
        if start is not None:
            model.suggest(model.vector([f.point(start[0][sid]) for sid, f in zip(self.plans, forms, strict=True)],
                                       {z: start[1]}))
        run = model.run(time_limit=self.left(), options=COMBINED)
        mark = self.lap("combined", mark)
        if run.state == Status.INFEASIBLE:
            return self.not_shared(alone, forms)
        if run.x is None:  # out of time
            return self.answer(Status.UNKNOWN, alone, None) if start is None else self.answer(
                Status.FEASIBLE, alone, start[0], ceiling)
        starts = {sid: block.formulation.starts(block.values(run.x))
                  for sid, block in zip(self.plans, model.blocks, strict=True)}
        if self.criterion == Criterion.WORST:
            self.each(forms, starts, tops, proven=run.state == Status.OPTIMAL)
            self.lap("each", mark)
        return self.answer(run.state, alone, starts, run.bound)

    def combined(self, forms: list[Formulation]) -> tuple[Combined, int]:
        """The integer program over every scenario, and its column z: the worst J^a
        (z <= J^a for every a) or their mean."""
        model = _model(forms, self.shared)
        J = [block.objective() for block in model.blocks]
        z = model.add_column()
        if self.criterion == Criterion.WORST:
            for terms, constant in J:
                model.add_row({z: 1.0, **{i: -c for i, c in terms.items()}}, upper=constant)
        else:
            total, constant = _sum(J)
            model.add_row({z: float(len(J)), **{i: -c for i, c in total.items()}}, upper=constant)
        model.maximise({z: 1.0})
        return model, z

    def each(self, forms: list[Formulation], starts: dict[str, dict[str, int]], tops: Sequence[float | None], *,
             proven: bool) -> None:
        """Beside the worst case, the combined program leaves a scenario any roadmap at least
        as good: with the first steps held, give each its best (in place in ``starts``).
        Skipped for a scenario at its own optimum already, and for the only worst case of a
        ``proven`` optimal answer (were it to gain, the worst case would rise)."""
        scores = [evaluate(f.plan, found).objective for found, f in zip(starts.values(), forms, strict=True)]
        value = min(scores)
        single = sum(x <= value + _tolerance(value) for x in scores) == 1
        for (sid, found), f, top, score in zip(list(starts.items()), forms, tops, scores, strict=True):
            if self.out_of_time():
                return
            if top is not None and score >= top - _tolerance(top):
                continue
            if proven and single and score <= value + _tolerance(value):
                continue
            better = _with_prefix(f, self.model(f), found, self.shared, self.left(), start=found)
            if better is not None and evaluate(f.plan, better).objective > score:
                starts[sid] = better

    def score(self, objectives: Sequence[float]) -> float:
        """The criterion over the scenarios' objectives."""
        return min(objectives) if self.criterion == Criterion.WORST else sum(objectives) / len(objectives)

    def model(self, f: Formulation) -> HighsModel:
        """A scenario's model on its own (loaded once, re-solved with first steps fixed)."""
        if id(f) not in self._models:
            self._models[id(f)] = HighsModel.from_formulation(f)
        return self._models[id(f)]

    def start(self, forms: list[Formulation], alone: Mapping[str, Roadmap]) -> tuple[dict[str, dict[str, int]],
                                                                                      float] | None:
        """Roadmaps that share first steps, and their score: the first steps of the scenario
        with the smallest own optimum (less those some scenario cannot start then), held while
        every other scenario is solved again (None when some scenario cannot keep them)."""
        lead = min(alone, key=lambda sid: alone[sid].objective or 0.0)
        prefix = {m: s for m, s in alone[lead].starts.items()
                  if s <= self.shared and all(_open(f, m, s) for f in forms)}
        starts: dict[str, dict[str, int]] = {}
        firsts = {sid: {(m, s) for m, s in r.starts.items() if s <= self.shared} for sid, r in alone.items()}
        step = dict(zip(alone, forms, strict=True))
        # the scenarios whose own first steps differ most first: they are likeliest to fail
        for sid in sorted(alone, key=lambda sid: -len(firsts[sid] ^ set(prefix.items()))):
            if self.out_of_time():
                return None
            if firsts[sid] == set(prefix.items()):
                starts[sid] = dict(alone[sid].starts)
                continue
            f = step[sid]
            got = _with_prefix(f, self.model(f), prefix, self.shared, self.left())
            if got is None:
                return None
            starts[sid] = got
        return starts, self.score([evaluate(p, starts[sid]).objective for sid, p in self.plans.items()])

    def answer(self, status: Status, alone: Mapping[str, Roadmap], starts: Mapping[str, Mapping[str, int]] | None,
               bound: float | None = None, *, reasons: tuple[str, ...] = (),
               conflicts: Mapping[str, tuple[Conflict, ...]] | None = None) -> RobustResult:
        """The result, each roadmap's objective recomputed from its schedule."""
        seconds = time.perf_counter() - self.began
        answers: dict[str, ScenarioAnswer] = {}
        value = rel_gap = None
        if starts is not None:
            value = self.score([evaluate(plan, starts[sid]).objective for sid, plan in self.plans.items()])
            rel_gap = 0.0 if bound is None else max(0.0, bound - value) / max(1.0, abs(value))
            if status == Status.OPTIMAL and bound is not None and not proven(value, bound):
                status = Status.FEASIBLE
            if status == Status.OPTIMAL:
                rel_gap = 0.0
        for sid, plan in self.plans.items():
            roadmap = Roadmap(plan=plan, status=status, starts=dict(starts[sid]) if starts is not None else {},
                              gap=rel_gap, seconds=seconds, conflicts=(conflicts or {}).get(sid, ()))
            answers[sid] = ScenarioAnswer(roadmap, alone[sid])
        first: list[dict[str, Any]] = []
        if starts is not None:
            any_starts = next(iter(starts.values()))
            first = [{"measure": m, "start": s} for m, s in sorted(any_starts.items(), key=lambda kv: (kv[1], kv[0]))
                     if s <= self.shared]
        return RobustResult(status, self.shared, self.criterion, value, first, answers, reasons, rel_gap, seconds,
                            dict(self.timings))

    def alone_infeasible(self, alone: Mapping[str, Roadmap]) -> RobustResult:
        """Some scenario has no roadmap at all: its own conflicts say why."""
        bad = [sid for sid, r in alone.items() if r.status == Status.INFEASIBLE]
        reasons = []
        for sid in bad:
            details = "; ".join(c.detail for c in alone[sid].conflicts) or "no roadmap keeps its rules"
            reasons.append(f"scenario '{sid}' has no roadmap of its own: {details}")
        one = len(bad) == 1
        text = (f"scenario{'' if one else 's'} {_names(bad)} {'has' if one else 'have'} no roadmap, so no "
                f"first steps can be shared with {'it' if one else 'them'}")
        conflicts = {sid: alone[sid].conflicts if sid in bad else (Conflict(RuleKind.STRUCTURE, text),)
                     for sid in alone}
        return self.answer(Status.INFEASIBLE, alone, None, reasons=tuple(reasons), conflicts=conflicts)

    def not_shared(self, alone: Mapping[str, Roadmap], forms: list[Formulation]) -> RobustResult:
        """Every scenario has a roadmap, but no first steps are common to all: find two that
        cannot be tied, and measures mandatory early in one and out of reach in the other."""
        mark = time.perf_counter()
        ids = list(self.plans)
        K = self.shared
        span = "phase 1" if K == 1 else f"phases 1..{K}"
        reasons: list[str] = []
        conflicts: dict[str, tuple[Conflict, ...]] = {}
        pair: tuple[int, int] | None = None
        undecided = False
        for i, j in itertools.combinations(range(len(ids)), 2):
            if len(ids) == 2:  # the combined program was this pair
                pair = (i, j)
                break
            if self.out_of_time():
                undecided = True
                break
            state = _model([forms[i], forms[j]], K).run(time_limit=self.left()).state  # no objective: feasibility
            if state == Status.INFEASIBLE:
                pair = (i, j)
                break
            undecided |= state == Status.UNKNOWN
        if pair is not None:
            a, b = ids[pair[0]], ids[pair[1]]
            head = f"scenarios '{a}' and '{b}' cannot start the same measures in {span}"
            found = _early_and_out_of_reach(forms[pair[0]], forms[pair[1]], K) + _early_and_out_of_reach(
                forms[pair[1]], forms[pair[0]], K)
            reasons = [head, *found]
            statement = head + (": " + "; ".join(found) if found else "")
            for sid in ids:
                text = statement if sid in (a, b) else f"{statement}, so no first steps are common to all"
                conflicts[sid] = (Conflict(RuleKind.STRUCTURE, text),)
        else:
            names = _names(ids)
            head = f"scenarios {names} cannot all start the same measures in {span}"
            if undecided:
                head += " (out of time before finding which of them cannot be tied)"
            elif len(ids) > 2:
                head += ", though every two of them can"
            reasons = [head]
            conflicts = {sid: (Conflict(RuleKind.STRUCTURE, head),) for sid in ids}
        self.lap("diagnosis", mark)
        return self.answer(Status.INFEASIBLE, alone, None, reasons=tuple(reasons), conflicts=conflicts)


def _model(forms: Sequence[Formulation], shared: int) -> Combined:
    """The formulations as one program, their running sums S_m(t), t <= ``shared``, tied."""
    model = Combined(forms)
    blocks = model.blocks
    for m in forms[0].plan.measures:
        for t in range(1, shared + 1):
            cols = [_column(b, m.id, t) for b in blocks]
            live = [c for c in cols if c is not None]
            if len(live) < len(cols):  # identically 0 in some scenario: 0 in all
                model.fix(live, 0.0)
                continue
            for c in live[1:]:
                model.add_row({live[0]: 1.0, c: -1.0}, 0.0, 0.0)
    return model


def _column(block: Block, mid: str, t: int) -> int | None:
    var = block.formulation.s(mid, t)
    return None if var is None else block.column(var)


def _with_prefix(f: Formulation, model: HighsModel, prefix: Mapping[str, int], shared: int,
                 time_limit: float | None, *, start: Mapping[str, int] | None = None) -> dict[str, int] | None:
    """The best roadmap of ``f``'s plan that starts exactly the measures of ``prefix`` with
    start <= ``shared``, where ``prefix`` starts them (None when there is none, or no time).
    ``start`` is a roadmap that keeps them, to start the search from."""
    fixed: dict[int, float] = {}  # S_m(t) beyond m's last start is S_m(last): one column, one value
    for m in f.plan.measures:
        for t in range(1, shared + 1):
            want = 1.0 if m.id in prefix and prefix[m.id] <= t else 0.0
            var = f.s(m.id, t)
            if var is None:
                if want:
                    return None
                continue
            if (var.upBound is not None and want > var.upBound) or (var.lowBound or 0) > want:
                return None
            fixed[model.index[var.name]] = want
    idx = np.array(list(fixed), dtype=np.int32)
    value = np.array(list(fixed.values()), dtype=np.float64)
    if len(idx):  # HiGHS refuses a list with repeats
        model.highs.changeColsBounds(len(idx), idx, value, value)
    options: dict[str, bool | int | float | str] = {"mip_pool_soft_limit": CUT_POOL}
    if start is not None:
        model.suggest(f.point(start))
        options.update(NO_HEURISTICS, mip_heuristic_run_feasibility_jump=False)
    try:
        outcome = model.run(time_limit=time_limit, options=options)
    finally:
        model.sync()  # the formulation's bounds again
    return f.starts(outcome.values) if outcome.state.found else None


def _open(f: Formulation, mid: str, t: int) -> bool:
    """Whether ``f``'s bounds let measure ``mid`` start by phase ``t``."""
    var = f.s(mid, t)
    return var is not None and var.upBound != 0


def _early_and_out_of_reach(a: Formulation, b: Formulation, shared: int) -> list[str]:
    """Measures mandatory in ``a`` with a last start <= ``shared`` that ``b`` cannot start
    as early (unavailable, later earliest start, or closed by what its rules imply)."""
    found = []
    sa, sb = a.plan.scenario_id, b.plan.scenario_id
    for m in a.plan.measures:
        window = a.windows.get(m.id)
        if not m.mandatory or window is None or window[1] > shared:
            continue
        t = window[1]  # started by t in every roadmap of a
        var = b.s(m.id, t)
        if var is not None and var.upBound != 0:
            continue
        must = f"measure '{m.id}' is mandatory and must start by phase {t} in scenario '{sa}'"
        mb = b.plan.measure_by_id[m.id]
        if m.id in b.plan.unavailable:
            found.append(f"{must}, but it is unavailable in scenario '{sb}'")
        elif mb.earliest > t:
            found.append(f"{must}, but its earliest start in scenario '{sb}' is phase {mb.earliest}")
        else:
            found.append(f"{must}, but in scenario '{sb}' its requirements and rules rule out starting it "
                         f"by phase {t}")
    return found


def _sum(parts: Sequence[tuple[dict[int, float], float]]) -> tuple[dict[int, float], float]:
    terms: dict[int, float] = {}
    for part, _ in parts:
        for i, c in part.items():
            terms[i] = terms.get(i, 0.0) + c
    return terms, sum(constant for _, constant in parts)


def _tolerance(value: float) -> float:
    return 1e-6 * max(1.0, abs(value))


def _names(ids: Sequence[str]) -> str:
    quoted = [f"'{s}'" for s in ids]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]
