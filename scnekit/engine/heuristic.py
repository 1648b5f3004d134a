"""A fast constructive heuristic: a feasible roadmap to start the solver from.

Measures are placed one step-for-step group at a time (a reciprocal link's members
start together), in the order a *guide* suggests: the LP relaxation's start phases on
a first solve, the previous roadmap on a re-solve. A group goes in only where every
rule that more measures could break still holds (windows, requires, exclusive links,
capacity, each implementer's exposure, balance), so the roadmap stays feasible as it
grows. Then groups move earlier where they can, and measures that pay for themselves
are added where they fit. Rules that ask for *more* (mandatory measures, deadlines,
minimum received) are checked at the end: if one fails the heuristic gives up and
the solver starts from nothing, as before. Nothing here decides the answer: the
solver proves (or improves) what this finds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from scnekit.ledger import achieved_phase, completion, evaluate
from scnekit.model import LinkKind, Plan

from .windows import open_window

EPS = 1e-9


@dataclass
class _Group:
    members: list[int]
    lo: int
    hi: int
    duration: int


class _State:
    """The partial roadmap and its ledgers, with a feasibility test for one more group."""

    def __init__(self, plan: Plan, windows: Mapping[str, tuple[int, int] | None],
                 pins: Mapping[str, int]) -> None:
        T = plan.phases
        self.plan, self.T = plan, T
        self.ids = [m.id for m in plan.measures]
        self.index = {mid: i for i, mid in enumerate(self.ids)}
        parties = [p.id for p in plan.parties]
        self.pindex = {p: i for i, p in enumerate(parties)}
        n, P = len(self.ids), len(parties)
        self.dur = np.array([m.duration for m in plan.measures])
        self.by = np.array([self.pindex[m.by] for m in plan.measures])
        self.cost = np.array([m.cost for m in plan.measures], dtype=float)
        self.to = [[(self.pindex[p], float(v)) for p, v in m.to.items() if v] for m in plan.measures]
        self.req = [[self.index[p] for p in m.requires] for m in plan.measures]
        limits = [plan.rules.exposure_limit(p) for p in parties]
        self.limit = np.array([np.inf if x is None else x for x in limits])
        cap = [plan.horizon.capacity_at(t) for t in range(1, T + 1)]
        self.cap = np.array([n + 1 if c is None else c for c in cap] + [n + 1], dtype=float)
        self.load = np.zeros(T + 1)  # index t-1 for phase t
        self.exposure = np.zeros((P, T))
        self.final = np.zeros(P)
        bal = plan.rules.balance
        self.among = [self.pindex[p] for p in bal.among] if bal else []
        self.max_gap = bal.max_gap if bal else np.inf
        self.start: list[int | None] = [None] * n
        self.excl: list[list[int]] = [[self.index[x] for x in ln.measures]
                                      for ln in plan.links if ln.kind == LinkKind.EXCLUSIVE]
        self.excl_of: list[list[int]] = [[] for _ in range(n)]
        for k, members in enumerate(self.excl):
            for i in members:
                self.excl_of[i].append(k)
        self.excl_on = [0] * len(self.excl)
        # windows: structural, then earliest / availability / pins of this plan
        self.lo = [T + 1] * n
        self.hi = [0] * n
        for i, m in enumerate(plan.measures):
            window = open_window(plan, windows, m, pins)
            if window is not None:
                self.lo[i], self.hi[i] = window

    def delta(self, members: list[int], s: int, sign: float = 1.0) -> np.ndarray:
        """Change of every party's exposure over phases when ``members`` start at ``s``."""
        d = np.zeros_like(self.exposure)
        for i in members:
            d[self.by[i], s - 1:] += sign * self.cost[i]
            c = s + int(self.dur[i]) - 1
            for p, v in self.to[i]:
                d[p, c - 1:] -= sign * v
        return d

    def fits(self, members: list[int], s: int, moving_from: int | None = None) -> bool:
        for i in members:
            if not self.lo[i] <= s <= self.hi[i]:
                return False
            for p in self.req[i]:
                sp = self.start[p]
                if sp is None or sp + self.dur[p] - 1 >= s:
                    return False
        if moving_from is None:
            for i in members:
                for k in self.excl_of[i]:
                    if self.excl_on[k] or sum(j in self.excl[k] for j in members) > 1:
                        return False
        load = self.load.copy()
        if moving_from is not None:
            for i in members:
                load[moving_from - 1:moving_from - 1 + self.dur[i]] -= 1
        for i in members:
            load[s - 1:s - 1 + self.dur[i]] += 1
        if np.any(load > self.cap + EPS):
            return False
        d = self.delta(members, s)
        if moving_from is not None:
            d -= self.delta(members, moving_from)
        after = self.exposure + d
        rows = np.any(d > EPS, axis=1)
        if np.any(after[rows] > self.limit[rows, None] + EPS):
            return False
        if moving_from is None and self.among:
            final = self.final.copy()
            for i in members:
                for p, v in self.to[i]:
                    final[p] += v
            got = final[self.among]
            if got.max() - got.min() > self.max_gap + EPS:
                return False
        return True

    def place(self, members: list[int], s: int, moving_from: int | None = None) -> None:
        if moving_from is not None:
            for i in members:
                self.load[moving_from - 1:moving_from - 1 + self.dur[i]] -= 1
            self.exposure -= self.delta(members, moving_from)
        else:
            for i in members:
                for k in self.excl_of[i]:
                    self.excl_on[k] += 1
                for p, v in self.to[i]:
                    self.final[p] += v
        for i in members:
            self.load[s - 1:s - 1 + self.dur[i]] += 1
            self.start[i] = s
        self.exposure += self.delta(members, s)

    def first_fit(self, members: list[int], lo: int, hi: int, moving_from: int | None = None) -> int | None:
        for s in range(lo, hi + 1):
            if self.fits(members, s, moving_from):
                return s
        return None


def _groups(plan: Plan, state: _State) -> list[_Group]:
    """Reciprocal links joined into groups that start together; single measures alone."""
    parent = list(range(len(state.ids)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for ln in plan.links:
        if ln.kind == LinkKind.RECIPROCAL:
            first = state.index[ln.measures[0]]
            for x in ln.measures[1:]:
                parent[find(state.index[x])] = find(first)
    members: dict[int, list[int]] = {}
    for i in range(len(state.ids)):
        members.setdefault(find(i), []).append(i)
    out = []
    for group in members.values():
        lo = max(state.lo[i] for i in group)
        hi = min(state.hi[i] for i in group)
        if lo <= hi:
            out.append(_Group(group, lo, hi, int(max(state.dur[i] for i in group))))
    return out


def construct(plan: Plan, windows: Mapping[str, tuple[int, int] | None],
              guide: Mapping[str, float], pins: Mapping[str, int] | None = None) -> dict[str, int] | None:
    """A feasible roadmap ``{measure: start}`` led by ``guide``, or None if none was found.

    ``guide`` maps a measure to the phase it would like to start in (a fraction is
    fine); measures missing from it are tried last, and only if they pay for themselves.
    Two orders are tried: the guide's (what a deadline needs then keeps to its due
    phase), and deadlines first; the better roadmap that keeps every rule is returned.
    """
    tried = [_attempt(plan, windows, guide, pins, first) for first in (False, True)]
    found = [starts for starts in tried if _meets_lower_rules(plan, starts)]
    if not found:
        return None
    return max(found, key=lambda starts: evaluate(plan, starts).objective)


def sketch(plan: Plan, windows: Mapping[str, tuple[int, int] | None], guide: Mapping[str, float],
           pins: Mapping[str, int] | None = None, *, deadlines_first: bool = False) -> dict[str, int]:
    """The greedy roadmap even where it misses a deadline, a minimum or a mandatory
    measure (every other rule holds): a neighbourhood for RINS when :func:`construct`
    finds nothing, and the start of the search for very large plans. ``deadlines_first``
    picks the order of :func:`construct`'s second attempt."""
    return _attempt(plan, windows, guide, pins, deadlines_first)


def _attempt(plan: Plan, windows: Mapping[str, tuple[int, int] | None], guide: Mapping[str, float],
             pins: Mapping[str, int] | None, deadlines_first: bool) -> dict[str, int]:
    """One greedy pass of :func:`construct` (the lower rules are not checked here)."""
    pins = dict(pins or {})
    state = _State(plan, windows, pins)
    groups = _groups(plan, state)
    net = [m.net for m in plan.measures]
    in_milestone = {state.index[x] for k in plan.milestones for x in k.measures}
    must = {state.index[m.id] for m in plan.measures if m.mandatory} | {state.index[x] for x in pins}

    def target(g: _Group) -> float:
        wanted = [guide[state.ids[i]] for i in g.members if state.ids[i] in guide]
        return min(wanted) if wanted else float("inf")

    def wanted(g: _Group) -> bool:
        return any(i in must for i in g.members) or any(state.ids[i] in guide for i in g.members)

    due = _due(plan, state, guide)  # latest start that keeps a deadline the guide relies on
    group_of = {i: g for g in groups for i in g.members}
    for i in [*due, *must]:  # the group of an urgent measure comes along
        for j in group_of[i].members if i in group_of else ():
            due.setdefault(j, state.T)

    def latest(g: _Group) -> int:
        return min([g.hi, *(due[i] for i in g.members if i in due)])

    def rank(g: _Group) -> tuple[int, float, float, float]:
        cls = 0 if any(i in must for i in g.members) else 1 if any(i in due for i in g.members) else 2
        if not deadlines_first:  # deadline groups in the guide's order, kept to their due phase
            cls = min(cls, 1)
        return cls, latest(g) if cls == 1 and deadlines_first else 0, target(g), -sum(net[i] for i in g.members)

    pending = [g for g in sorted(groups, key=rank) if wanted(g) or any(i in due for i in g.members)]
    for _ in range(3):  # a group can wait for its requirements to be placed
        left = []
        for g in pending:
            hi = latest(g)
            want = max(g.lo, min(hi, round(target(g)))) if target(g) < float("inf") else g.lo
            s = (state.first_fit(g.members, want, hi) or state.first_fit(g.members, g.lo, want - 1)
                 or state.first_fit(g.members, hi + 1, g.hi))
            if s is None:
                left.append(g)
            else:
                state.place(g.members, s)
        if len(left) == len(pending):
            break
        pending = left
    _repair_received(plan, state, groups)
    # measures the guide left out that pay for themselves (or may help a milestone)
    for g in sorted(groups, key=lambda g: -sum(net[i] for i in g.members)):
        if state.start[g.members[0]] is not None:
            continue
        gain = sum(net[i] for i in g.members)
        if gain > 0 or (gain == 0 and any(i in in_milestone for i in g.members)):
            s = state.first_fit(g.members, g.lo, g.hi)
            if s is not None:
                state.place(g.members, s)
    _move_earlier(state, groups)
    return {state.ids[i]: s for i, s in enumerate(state.start) if s is not None}


def _due(plan: Plan, state: _State, guide: Mapping[str, float]) -> dict[int, int]:
    """Latest starts that milestone deadlines ask of the measures the guide puts first.

    For each milestone with a deadline, the ``count`` members the guide starts
    earliest (any other member where it has none) must complete by the deadline; what
    they require must complete before they start.
    """
    due: dict[int, int] = {}
    for k in plan.milestones:
        if k.deadline is None:
            continue
        live = [state.index[x] for x in k.measures if state.lo[state.index[x]] <= state.hi[state.index[x]]]
        live.sort(key=lambda i: (guide.get(state.ids[i], float("inf")), state.lo[i]))
        for i in live[:k.count]:
            due[i] = min(due.get(i, state.T), k.deadline - int(state.dur[i]) + 1)
    todo = list(due)
    while todo:
        i = todo.pop()
        for p in state.req[i]:
            latest = due[i] - int(state.dur[p])
            if latest < due.get(p, state.T + 1):
                due[p] = latest
                todo.append(p)
    return due


def _repair_received(plan: Plan, state: _State, groups: list[_Group]) -> None:
    """Add the groups that give most to a party still short of its minimum received."""
    for party, least in plan.rules.min_received.items():
        p = state.pindex[party]
        if state.final[p] >= least - EPS:
            continue
        gives = [g for g in groups if state.start[g.members[0]] is None
                 and any(q == p for i in g.members for q, _ in state.to[i])]
        gives.sort(key=lambda g: -sum(v for i in g.members for q, v in state.to[i] if q == p))
        for g in gives:
            if state.final[p] >= least - EPS:
                break
            s = state.first_fit(g.members, g.lo, g.hi)
            if s is not None:
                state.place(g.members, s)


def _move_earlier(state: _State, groups: list[_Group]) -> None:
    """Start placed groups earlier where every rule still holds (two sweeps)."""
    for _ in range(2):
        moved = False
        placed = [g for g in groups if state.start[g.members[0]] is not None]
        for g in sorted(placed, key=lambda g: state.start[g.members[0]] or 0):
            now = state.start[g.members[0]]
            assert now is not None
            if now <= g.lo:
                continue
            s = state.first_fit(g.members, g.lo, now - 1, moving_from=now)
            if s is not None:
                state.place(g.members, s, moving_from=now)
                moved = True
        if not moved:
            break


def _meets_lower_rules(plan: Plan, starts: Mapping[str, int]) -> bool:
    """Mandatory measures, deadlines and minimum received: the rules the greedy cannot keep."""
    if any(m.mandatory and m.id not in starts for m in plan.measures):
        return False
    achieved = achieved_phase(plan, completion(plan, starts))
    for k in plan.milestones:
        a = achieved[k.id]
        if k.deadline is not None and (a is None or a > k.deadline):
            return False
    for party, least in plan.rules.min_received.items():
        got = sum(plan.measure_by_id[m].to.get(party, 0.0) for m in starts)
        if got < least - EPS:
            return False
    return True
