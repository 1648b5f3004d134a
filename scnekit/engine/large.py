"""The search for very large plans: a roadmap within seconds, then better ones.

Above :data:`THRESHOLD` start columns the LP relaxation of the whole model does not
finish in minutes (benchmarks/RESULTS.md, round 5), so the LP-led search of
:class:`~scnekit.engine.session.Session` would end with no roadmap at all. Here the whole
model is never built:

1. the greedy of :mod:`~scnekit.engine.heuristic`, led by the starts the measures take in
   the bound's Lagrangian relaxation after its first steps (:class:`~scnekit.engine.bound.Relaxation`),
   gives a roadmap that keeps every rule more measures could break;
2. *repair*: where it misses a deadline, a mandatory measure or a minimum received, the
   clusters at fault and those that could enable them or compete with them (for the
   same parties' exposure, the early phases' capacity) are set free and re-planned as one
   small MIP (:mod:`~scnekit.engine.part`) with every rule hard, taking the first roadmap
   found nearest the current one;
3. *tighten*: once a roadmap keeps every rule, the relaxation's multipliers take more
   steps (towards the roadmap's objective) for about half the time left, and steps 1-2
   run again from its new starts (kept where the roadmap scores more);
4. *improve*: neighbourhoods of clusters (by party, then by the phases they start in)
   are re-planned the same way while time is left. A part's MIP starts from its current
   roadmap, so the objective never goes down.

Every roadmap is checked against FORMAT.md's rules (:mod:`~scnekit.engine.breaches`)
before it is handed on. The bound is the relaxation's best: valid, but looser than the
LP's, so the gap reported here is an honest overstatement.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from scnekit.errors import SolverError
from scnekit.ledger import evaluate
from scnekit.model import Plan
from scnekit.roadmap import Status

from .bound import Relaxation
from .breaches import Breaches, breaches
from .heuristic import sketch
from .part import clusters, part
from .windows import earliest_starts, structural_windows

#: Start columns (structural, as the formulation would make them) from which
#: :class:`~scnekit.engine.session.Session` takes this search. Measured on generated plans
#: (benchmarks/RESULTS.md, round 8): 3000 x 24 has 81k and its LP takes seconds; 10,000 x 36
#: has 418k and its LP does not finish in minutes.
THRESHOLD = 200_000
#: Measures set free at once to improve the roadmap. At 1000 x 24 (round 8, 30 s from the
#: same greedy roadmap of 17,649) parts of 150 reached 20,516, of 400 21,860, of 800 nothing
#: (HiGHS found no better roadmap of the part within its time).
PART = 300
#: Sizes (measures) of the parts tried in turn around one missed rule. At 10,000 x 36 (round 8,
#: 28 missed deadlines) the first roadmap came after 14.1 s with parts of 50, 200, 900 (23 of
#: 28 repaired by parts of 50 in 6.5 s in all); 15.4 s with 50, 150, 600; 26.5 s with 30,
#: 150, 900; 27 s with 100, 300, 900; none in 30 s with 200, 900.
REPAIR = (50, 200, 900)
#: Parts in a row that may improve the objective by less than SMALL (relative) before the
#: search ends: what ends it when there is no time limit.
STALE = 24
SMALL = 1e-4
#: Seconds a part's MIP may take at most, and the least left for a part to be tried (a part
#: of 300 tried with 0.5 s left took 1.1 s at 10,000 x 36 and ended the search at 60.6 s).
PART_SECONDS = 8.0
PART_LEAST = 1.5
#: Subgradient steps before the greedy, and at most the seconds (or share of the time limit)
#: they may take. At 10,000 x 36 (round 9) 60 steps take 3-8 s and bring the bound from
#: 535,383 (no multipliers) to about 405,000.
FIRST_STEPS = 60
FIRST_SECONDS = 6.0
FIRST_SHARE = 0.15
#: Steps once the first roadmap keeps every rule, within this share of the time left.
MORE_STEPS = 400
MORE_SHARE = 0.5
#: Seconds that must be left after those steps to build the first roadmap again from the
#: relaxation's new starts (:meth:`LargeSearch._again`). At 10,000 x 36 (round 9) the
#: greedy after 400 steps gave 313,386 with 9 rules missed, after 60 steps 289,053 with 13.
AGAIN_SECONDS = 10.0


@dataclass(frozen=True)
class Result:
    """What the search found: a roadmap (or none), its objective and a valid bound."""

    state: Status
    starts: dict[str, int]
    objective: float | None
    bound: float | None
    seconds: float


def start_columns(plan: Plan) -> int:
    """How many start columns the formulation of ``plan`` would have."""
    return sum(w[1] - w[0] + 1 for w in structural_windows(plan).values() if w is not None)


def takes(plan: Plan) -> bool:
    """Whether :class:`~scnekit.engine.session.Session` solves ``plan`` here: it has at least
    :data:`THRESHOLD` start columns and no ``min_stake`` rule (whose rows span the whole
    horizon of every party and are not split into parts here)."""
    rules = plan.rules
    if rules.stake_default is not None or rules.stake_by_party:
        return False
    return start_columns(plan) >= THRESHOLD


class LargeSearch:
    """One search; see the module's doc."""

    def __init__(self, plan: Plan, pins: Mapping[str, int] | None, *, time_limit: float | None,
                 gap: float, report: Callable[[Result], None] | None = None,
                 stop: Callable[[], bool] | None = None, part_size: int = PART, seed: int = 0) -> None:
        self.plan, self.pins = plan, dict(pins or {})
        self.time_limit, self.gap, self.report, self.stop = time_limit, gap, report, stop
        self.part_size = part_size
        self.began = time.perf_counter()
        self.windows = structural_windows(plan)
        self.cluster = clusters(plan)
        self.members: dict[int, list[str]] = {}
        for mid, c in self.cluster.items():
            self.members.setdefault(c, []).append(mid)
        self.rng = random.Random(seed)  # noqa: S311 - the order of neighbourhoods, no secret
        self.bound: float | None = None
        self.starts: dict[str, int] = {}
        self.objective: float | None = None
        self.faults: Breaches | None = None
        self.parts = 0

    # -- time ----------------------------------------------------------------------

    def left(self) -> float:
        if self.time_limit is None:
            return float("inf")
        return self.time_limit - (time.perf_counter() - self.began)

    def halted(self) -> bool:
        return (self.stop is not None and self.stop()) or self.left() <= 0.05

    def within_gap(self) -> bool:
        if self.bound is None or self.objective is None or self.faults is None or self.faults.lower:
            return False
        return self.bound - self.objective <= max(1e-6, self.gap * max(1.0, abs(self.objective)))

    # -- the steps -----------------------------------------------------------------

    def run(self) -> Result:
        relaxation = Relaxation(self.plan, self.windows, self.pins)
        seconds = FIRST_SECONDS if self.time_limit is None else min(FIRST_SECONDS, FIRST_SHARE * self.time_limit)
        bound = self.bound = relaxation.run(FIRST_STEPS, seconds=seconds, stop=self.stop)
        self._initial(relaxation.guide)
        while self.faults is not None and self.faults.lower and not self.halted():
            if not self._repair():
                break
        if self.faults is not None and not self.faults.lower and not self.halted() and not self.within_gap():
            share = None if self.time_limit is None else MORE_SHARE * self.left()
            self.bound = min(bound, relaxation.run(MORE_STEPS, seconds=share, stop=self.stop,
                                                   target=self.objective))
            if self.report is not None:
                self.report(self.result())
            if self.left() >= AGAIN_SECONDS and not self.within_gap():
                self._again(relaxation.guide)
        rounds = stale = 0
        # (no part is tried with less than PART_LEAST left: choosing one takes a while at 10,000 measures)
        while (self.faults is not None and not self.faults.lower and not self.halted() and not self.within_gap()
               and stale < STALE and self.left() > PART_LEAST):
            before = self.objective or 0.0
            self._improve(rounds)
            gained = (self.objective or 0.0) - before
            stale = 0 if gained > SMALL * max(1.0, abs(before)) else stale + 1
            rounds += 1
        return self.result()

    def result(self) -> Result:
        seconds = time.perf_counter() - self.began
        if self.faults is None or self.faults.lower:
            return Result(Status.UNKNOWN, {}, None, None, seconds)
        return Result(Status.FEASIBLE, dict(self.starts), self.objective, self.bound, seconds)

    def _keep(self, starts: dict[str, int]) -> bool:
        """Take ``starts`` if it breaks fewer rules, or as few and scores more."""
        faults = breaches(self.plan, starts, self.pins)
        if faults.upper:
            raise SolverError(f"a re-planned part broke {faults.upper[:3]}")
        objective = evaluate(self.plan, starts).objective
        if self.faults is not None and (faults.lower, -objective) >= (self.faults.lower, -(self.objective or 0.0)):
            return False
        self.starts, self.objective, self.faults = starts, objective, faults
        if not faults.lower and self.report is not None:
            self.report(self.result())
        return True

    def _initial(self, guide: Mapping[str, float]) -> None:
        """The greedy, deadlines first, led by the starts of the bound's relaxation: the
        measures it schedules (every measure that pays at its prices, and those a milestone
        or deadline needs), and mandatory and pinned ones at their earliest where it leaves
        them out. Measures it leaves out come last, where they fit and pay for themselves.

        At 10,000 x 36 (round 9, after 60 steps) this gave 289,053 with 13 rules missed;
        with every milestone measure of net <= 0 led at its earliest too (as round 8 did),
        274,378 with 19; round 8's capacity prices gave 258,969 with 28, earliest starts
        251,384 with 27; the other order missed 79 and 95. Each pass takes 1.5-5 s there."""
        plan = self.plan
        first = earliest_starts(plan, self.windows, self.pins)
        led = {m.id: guide.get(m.id, float(first[m.id])) for m in plan.measures if first[m.id] <= plan.phases
               and (m.id in guide or m.mandatory or m.id in self.pins)}
        starts = sketch(plan, self.windows, led, self.pins, deadlines_first=True)
        self.faults = None
        self._keep(starts)

    def _again(self, guide: Mapping[str, float]) -> None:
        """The greedy and its repairs once more, led by the relaxation after more steps; the
        roadmap is kept only if it keeps every rule and scores more (and reported only then)."""
        kept = (self.starts, self.objective, self.faults)
        report, self.report = self.report, None
        try:
            self._initial(guide)
            while self.faults is not None and self.faults.lower and not self.halted():
                if not self._repair():
                    break
        finally:
            self.report = report
        if self.faults is None or self.faults.lower or (self.objective or 0.0) <= (kept[1] or 0.0):
            self.starts, self.objective, self.faults = kept
        elif self.report is not None:
            self.report(self.result())

    def _part(self, free: set[str], *, repair: bool = False) -> bool:
        """Re-plan the measures ``free`` (whole clusters) with the rest fixed; keep what is
        better (``repair``: any roadmap of the part, see :meth:`Part.solve`)."""
        if self.left() <= PART_LEAST:
            return False
        self.parts += 1
        sub = part(self.plan, self.starts, free, self.pins)
        left = self.left() - 0.1  # what is left after the build, less the joining and checking
        if left <= 0.05:
            return False
        found = sub.solve(self.starts, time_limit=min(PART_SECONDS, left), gap=1e-4, repair=repair,
                          stop=self.stop)
        if found is None:
            return False
        joined = {mid: s for mid, s in self.starts.items() if mid not in free}
        joined.update(found)
        return self._keep(joined)

    def _grow(self, seeds: list[str], until: int, size: int) -> set[str]:
        """The clusters of ``seeds`` and, up to ``size`` measures, the clusters that compete
        with them or could enable them: those giving value to a party that implements a seed
        (it may need that value before its exposure allows the seed), then scheduled
        measures by such a party started by phase ``until`` (its exposure), then any
        scheduled measure started by ``until`` (capacity), earliest first."""
        free: set[str] = set()
        for mid in seeds:
            free.update(self.members[self.cluster[mid]])
        by_id = self.plan.measure_by_id
        implementers = {by_id[x].by for x in free}
        never = self.plan.phases + 1
        enablers = sorted((self.starts.get(m.id, never), m.id) for m in self.plan.measures
                          if m.id not in free and any(p in implementers for p in m.to))
        rivals = sorted((s, mid) for mid, s in self.starts.items()
                        if mid not in free and s <= until and by_id[mid].by in implementers)
        others = sorted((s, mid) for mid, s in self.starts.items() if mid not in free and s <= until)
        for _, mid in [*enablers, *rivals, *others]:
            if len(free) >= size:
                break
            free.update(self.members[self.cluster[mid]])
        return free

    def _repair(self) -> bool:
        """Parts around the rules the roadmap misses: every missed rule at the smallest size
        first, then those left at the next size; False when a whole round helped none."""
        before = self.faults.lower if self.faults is not None else 0
        for size in REPAIR:
            for seeds, until in self._faults():
                if self.halted():
                    return False
                if not self._still_missed(seeds):
                    continue  # repaired on the way by another part
                self._part(self._grow(seeds, until, size), repair=True)
        return self.faults is not None and self.faults.lower < before

    def _faults(self) -> list[tuple[list[str], int]]:
        """Each rule the roadmap misses as (measures to free first, the phase it is due by)."""
        plan, faults = self.plan, self.faults
        assert faults is not None
        todo = [([plan.milestone_by_id[kid].measures[0]], plan.milestone_by_id[kid].deadline or plan.phases)
                for kid in faults.deadlines]
        todo.sort(key=lambda x: x[1])  # the earliest deadline first: later ones may build on it
        todo += [([mid], plan.phases) for mid in faults.mandatory]
        for p in faults.received:
            givers = sorted((m for m in plan.measures if m.id not in self.starts and m.to.get(p, 0) > 0),
                            key=lambda m: -m.to[p])
            todo.append(([m.id for m in givers[:10]], plan.phases))
        return todo

    def _still_missed(self, seeds: list[str]) -> bool:
        """Whether a missed rule of the roadmap lies in the clusters of ``seeds``."""
        faults = self.faults
        assert faults is not None
        mine = {self.cluster[m] for m in seeds}
        plan = self.plan
        return (any(self.cluster[plan.milestone_by_id[kid].measures[0]] in mine for kid in faults.deadlines)
                or any(self.cluster[m] in mine for m in faults.mandatory) or bool(faults.received))

    def _improve(self, rounds: int) -> bool:
        """One part: the clusters touching one party (even rounds) or starting in a few phases."""
        plan, by_id = self.plan, self.plan.measure_by_id
        order = list(self.members)
        self.rng.shuffle(order)
        free: set[str] = set()
        if rounds % 2 == 0:
            party = plan.parties[(rounds // 2) % len(plan.parties)].id
            order.sort(key=lambda c: not any(by_id[x].by == party or party in by_id[x].to
                                             for x in self.members[c]))
        else:
            lo = self.rng.randint(1, plan.phases)
            order.sort(key=lambda c: min((abs(self.starts.get(x, plan.phases + 1) - lo)
                                          for x in self.members[c]), default=plan.phases))
        for c in order:
            if len(free) >= self.part_size:
                break
            free.update(self.members[c])
        return self._part(free)
