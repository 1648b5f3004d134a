"""Re-planning a roadmap under way (docs/ANALYSIS.md, "Re-planning"): the past stays as it
happened, the rest is planned as well as possible from where things stand, and among the
best roadmaps the one that moves the fewest measures of the roadmap being revised.

>>> import scnekit
>>> plan = scnekit.load("examples/syria_scne.yaml")
>>> result = scnekit.replan(plan, "examples/syria_progress.yaml")
>>> result.roadmap.schedule         # the whole roadmap; past rows marked
>>> result.breaches, result.moves   # what the past broke; what moved and why
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from scnekit.engine.session import Session, check_arguments
from scnekit.errors import UsageError
from scnekit.fileformat.progress import read_progress
from scnekit.history import Happened, Progress
from scnekit.ledger import evaluate
from scnekit.limits import MAX_NUMBER
from scnekit.model import Plan, Rule, RuleKind
from scnekit.roadmap import Conflict, Roadmap, Status

from .replan_future import Future, actual_plan, future_plan
from .replan_past import Breach, Past, read_past
from .stability import MovesFormulation, fewest_moves, least_moves

#: rules a re-plan may let go when the past leaves no roadmap that keeps them
RELAXABLE = (RuleKind.DEADLINE, RuleKind.MAX_EXPOSURE, RuleKind.MIN_STAKE, RuleKind.MIN_RECEIVED,
             RuleKind.BALANCE, RuleKind.CAPACITY, RuleKind.MANDATORY)


@dataclass(frozen=True)
class Dropped:
    """A rule the re-plan let go: with the past as it is, no roadmap of the rest keeps it."""

    rule: Rule
    text: str


@dataclass(frozen=True)
class Move:
    """A measure whose start differs from the roadmap being revised (None: not scheduled)."""

    measure: str
    before: int | None
    after: int | None
    reason: str


@dataclass(frozen=True)
class Replan:
    """A re-planned roadmap: the whole horizon, past rows marked (``roadmap.progress``)."""

    roadmap: Roadmap
    #: the roadmap revised: ``{measure: start}``
    revised: dict[str, int]
    moves: tuple[Move, ...]
    breaches: tuple[Breach, ...]
    dropped: tuple[Dropped, ...]
    #: whether the fewest moves are proven (False: a time limit cut the second stage short)
    fewest: bool
    #: the ``max_moves`` asked for, if any
    max_moves: int | None = None
    #: with ``max_moves``: the fewest counted moves any roadmap of the rest makes (when more
    #: than ``max_moves``, the best roadmap making that many is returned)
    least_moves: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The roadmap's JSON (FORMAT.md section 4, with docs/FORMAT.md's progress fields)
        and what the re-plan adds: ``broken``, ``dropped``, ``moves``, ``revised``."""
        out = self.roadmap.to_dict()
        out["broken"] = [{"rule": str(b.kind), "subject": b.subject, "phase": b.phase, "text": b.text}
                         for b in self.breaches]
        out["dropped"] = [{"rule": str(d.rule.kind), "subject": d.rule.subject, "text": d.text} for d in self.dropped]
        out["moves"] = [{"measure": m.measure, "before": m.before, "after": m.after, "reason": m.reason}
                        for m in self.moves]
        out["revised"] = dict(sorted(self.revised.items()))
        out["fewest_moves"] = self.fewest
        if self.max_moves is not None:
            out["max_moves"] = self.max_moves
            out["least_moves"] = self.least_moves
        return out


def replan(plan: Plan, progress: Progress | str | os.PathLike[str], scenario: str | None = None, *,
           revised: Mapping[str, int] | None = None, max_moves: int | None = None,
           time_limit: float | None = None, stop: Callable[[], bool] | None = None) -> Replan:
    """Re-plan ``scenario`` of ``plan`` from ``progress``.

    The roadmap revised is ``revised``, else the record's ``roadmap``, else the
    scenario's own optimum. ``max_moves`` keeps the best roadmap that moves at most that
    many of its measures (trading objective for stability). ``time_limit`` bounds each
    solve. ``progress`` is a record, or the path of a record's file (YAML or JSON)."""
    began = time.perf_counter()
    check_arguments(plan, time_limit=time_limit)
    if not isinstance(progress, Progress):
        progress = read_progress(progress, plan, plan.limits)
    if max_moves is not None and (isinstance(max_moves, bool) or not isinstance(max_moves, int) or max_moves < 0):
        raise UsageError(f"max_moves must be a whole number of at least 0, got {max_moves!r}")
    model = plan.scenario(scenario)
    if not 0 <= progress.now <= model.phases:
        raise UsageError(f"the record's now ({progress.now}) is outside the plan's phases 0..{model.phases}")
    past = read_past(model, progress)
    before = dict(revised if revised is not None else progress.roadmap if progress.roadmap is not None
                  else _optimum(model, time_limit, stop))
    actual = actual_plan(model, past)
    if progress.now >= model.phases:
        roadmap = Roadmap(actual, Status.OPTIMAL, starts=dict(past.starts), gap=0.0, progress=progress,
                          spent=dict(past.spent), seconds=time.perf_counter() - began)
        return Replan(roadmap, before, tuple(_moves(model, past, progress, before, roadmap.starts)), past.breaches,
                      tuple(_ended_short(roadmap)), True, max_moves, None if max_moves is None else 0)
    future = future_plan(model, past)
    previous = {mid: s - progress.now for mid, s in before.items() if mid not in past.starts}
    ignore = frozenset(future.fixed | set(future.spent_as) | forced(model, past, before))
    rest, dropped, solved = _solve_rest(future, time_limit=time_limit, stop=stop)
    least = None
    if max_moves is not None and solved.is_ok:
        least = least_moves(rest, previous, ignore=ignore, time_limit=time_limit, stop=stop)
        allowed = max_moves if least is None else max(max_moves, least)
        solved = _within_moves(rest, previous, ignore, allowed, time_limit=time_limit, stop=stop)
    fewest = True
    starts = dict(solved.starts)
    if solved.status == Status.OPTIMAL:
        starts, fewest = fewest_moves(rest, starts, previous, ignore=ignore, time_limit=time_limit, stop=stop)
    roadmap = _whole(actual, future, past, progress=progress, solved=solved, rest=rest, starts=starts, began=began)
    moves = _moves(model, past, progress, before, roadmap.starts) if roadmap.is_ok else []
    return Replan(roadmap, before, tuple(moves), past.breaches, tuple(dropped), fewest, max_moves, least)


def forced(model: Plan, past: Past, before: Mapping[str, int]) -> set[str]:
    """Measures that cannot keep their start in the revised roadmap whatever the rest does:
    due at or before now and not started, failed or withdrawn, unavailable, or with the
    start outside their window. Their moves are reported, and count against no ``max_moves``."""
    out = set()
    for mid, s in before.items():
        if mid in past.starts or mid not in model.measure_by_id:
            continue
        m = model.measure_by_id[mid]
        if (s <= past.now or mid in past.closed or mid in model.unavailable
                or not max(m.earliest, past.now + 1) <= s <= m.latest or m.completion(s) > model.phases):
            out.add(mid)
    return out


def _optimum(model: Plan, time_limit: float | None, stop: Callable[[], bool] | None) -> dict[str, int]:
    roadmap = Session(history=False).solve(model, time_limit=time_limit, stop=stop)
    return dict(roadmap.starts) if roadmap.is_ok else {}


def _solve_rest(future: Future, *, time_limit: float | None, stop: Callable[[], bool] | None
                ) -> tuple[Plan, list[Dropped], Roadmap]:
    """The best roadmap of the rest; rules the past leaves no way to keep are let go, one
    at a time, each named."""
    session = Session(history=False)
    fixed = frozenset(future.fixed | set(future.spent_as))
    rest = future.plan
    dropped: list[Dropped] = []
    while True:
        solved = session.solve(rest, time_limit=time_limit, stop=stop)
        if solved.status != Status.INFEASIBLE:
            return rest, dropped, solved
        let_go = next((c for c in solved.conflicts if _relaxable(c, fixed)), None)
        if let_go is None:
            return rest, dropped, solved
        rest = _without(rest, Rule(let_go.rule, let_go.subject))
        dropped.append(Dropped(Rule(let_go.rule, let_go.subject),
                               f"{let_go.statement}: with the past as it is, no roadmap of the rest keeps this "
                               "together with the other rules, so the rest is planned without it."))


def _within_moves(rest: Plan, previous: dict[str, int], ignore: frozenset[str], most: int, *,
                  time_limit: float | None, stop: Callable[[], bool] | None) -> Roadmap:
    """The best roadmap of the rest that moves at most ``most`` counted measures."""
    def moves_formulation(plan: Plan, *, pins: Mapping[str, int] | None = None,
                          stop: Callable[[], bool] | None = None) -> MovesFormulation:
        return MovesFormulation(plan, previous, most=lambda: most, ignore=ignore, pins=pins, stop=stop)
    return Session(formulation=moves_formulation, history=False).solve(rest, time_limit=time_limit, stop=stop)


def _ended_short(roadmap: Roadmap) -> list[Dropped]:
    """With the whole horizon past, the rules on what each party received by the end that it missed."""
    plan, received = roadmap.plan, roadmap.ledger.received
    names = {p.id: p.name for p in plan.parties}
    out = [Dropped(Rule(RuleKind.MIN_RECEIVED, p), f"{names[p]} received {received[p][-1]:g} by the end, less "
                                                    f"than its minimum of {least:g}")
           for p, least in plan.rules.min_received.items() if received[p][-1] < least - 1e-9]
    balance = plan.rules.balance
    if balance is not None:
        got = [received[p][-1] for p in balance.among]
        if max(got) - min(got) > balance.max_gap + 1e-9:
            out.append(Dropped(Rule(RuleKind.BALANCE), f"what the parties received differs by {max(got) - min(got):g}"
                                                       f", more than the balance of {balance.max_gap:g}"))
    return out


def _relaxable(conflict: Conflict, fixed: frozenset[str]) -> bool:
    return conflict.rule in RELAXABLE and not (conflict.rule == RuleKind.MANDATORY and conflict.subject in fixed)


def _without(plan: Plan, rule: Rule) -> Plan:
    """``plan`` without ``rule`` (a rule of :data:`RELAXABLE`)."""
    rules, subject = plan.rules, rule.subject
    if rule.kind == RuleKind.DEADLINE:
        return replace(plan, milestones=tuple(replace(k, deadline=None) if k.id == subject else k
                                              for k in plan.milestones))
    if rule.kind == RuleKind.MANDATORY:
        return replace(plan, measures=tuple(replace(m, mandatory=False) if m.id == subject else m
                                            for m in plan.measures))
    if rule.kind == RuleKind.CAPACITY:
        return replace(plan, horizon=replace(plan.horizon, capacity=None))
    if rule.kind == RuleKind.BALANCE:
        return replace(plan, rules=replace(rules, balance=None))
    if rule.kind == RuleKind.MIN_RECEIVED:
        return replace(plan, rules=replace(rules, min_received={p: v for p, v in rules.min_received.items()
                                                                if p != subject}))
    if rule.kind == RuleKind.MAX_EXPOSURE:
        return replace(plan, rules=replace(rules, exposure_by_party={**rules.exposure_by_party, subject: MAX_NUMBER}))
    return replace(plan, rules=replace(rules, stake_by_party={**rules.stake_by_party, subject: -MAX_NUMBER}))


def _whole(actual: Plan, future: Future, past: Past, *, progress: Progress, solved: Roadmap, rest: Plan,
           starts: dict[str, int], began: float) -> Roadmap:
    """The roadmap of the whole horizon from the rest's."""
    seconds = time.perf_counter() - began
    if not solved.is_ok:
        return Roadmap(actual, solved.status, conflicts=solved.conflicts, progress=progress, spent=dict(past.spent),
                       seconds=seconds)
    whole = future.real_starts(past, starts)
    objective = evaluate(actual, whole, past.spent).objective
    offset = objective - evaluate(rest, starts).objective
    bound = None if solved.bound is None else solved.bound + offset
    gap = 0.0 if solved.status == Status.OPTIMAL else (
        None if bound is None else max(0.0, bound - objective) / max(1.0, abs(objective)))
    return Roadmap(actual, solved.status, starts=whole, gap=gap, bound=bound, seconds=seconds,
                   solver_seconds=solved.solver_seconds, build_seconds=solved.build_seconds,
                   progress=progress, spent=dict(past.spent))


def _moves(model: Plan, past: Past, progress: Progress, before: Mapping[str, int],
           after: Mapping[str, int]) -> list[Move]:
    """Each measure not fixed by the past whose start changed, with why, in words."""
    title = {m.id: f"“{m.title}”" for m in model.measures}
    events = what_happened(progress)
    disrupted: dict[str, str] = {}
    out: list[Move] = []
    for m in model.measures:
        if m.id in past.starts:
            continue
        was, now_at = before.get(m.id), after.get(m.id)
        if was == now_at:
            continue
        if m.id in events:
            reason = f"it {events[m.id]}" + (" and may be tried again" if m.id not in past.closed else "")
        elif was is not None and was <= past.now:
            reason = f"it was due to start in phase {was} and had not started by phase {past.now}"
        elif m.latest <= past.now and was is None:
            reason = "its last start has passed"
        else:
            reason = ""
        if reason:
            disrupted[m.id] = reason
        out.append(Move(m.id, was, now_at, reason))
    moved = {move.measure for move in out}
    changed = {mid for mid, start in past.starts.items()
               if before.get(mid) != start or model.measure_by_id[mid].completion(start) != past.ends[mid]}
    unsettled = moved | changed | set(past.spent) | set(past.closed)
    for i, move in enumerate(out):
        if move.reason:
            continue
        m = model.measure_by_id[move.measure]
        cause = next((p for p in m.requires if p in unsettled), None)
        partner = next((x for link in model.links if m.id in link.measures for x in link.measures
                        if x != m.id and x in unsettled), None)
        label = model.horizon.label
        if cause is not None:
            reason = f"it requires {title[cause]}, which {_fate(cause, past, before, after)}"
        elif partner is not None:
            reason = f"it is tied by a link to {title[partner]}, which {_fate(partner, past, before, after)}"
        elif move.after is None:
            reason = "the best roadmap from here leaves it out"
        else:
            reason = f"the best roadmap from here has it start in {label(move.after)}"
        out[i] = replace(move, reason=reason)
    return out


def _fate(mid: str, past: Past, before: Mapping[str, int], after: Mapping[str, int]) -> str:
    """What became of a measure another one depends on, in a few words."""
    if mid in past.closed:
        return "failed or was withdrawn"
    if mid in past.spent:
        return "failed after it started"
    if mid in past.starts:
        return "happened otherwise than planned"
    if after.get(mid) is None:
        return "is no longer in the roadmap"
    return "moved" if before.get(mid) is not None else "is newly in the roadmap"


def what_happened(progress: Progress) -> dict[str, str]:
    """Each ended measure's fate in words: 'failed' or 'was withdrawn'."""
    return {e.measure: ("failed" if e.status == Happened.FAILED else "was withdrawn")
            for e in progress.events if e.status.ended}
