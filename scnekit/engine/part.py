"""One neighbourhood of a roadmap as a small integer program of its own.

The measures set free are whole *clusters* (measures tied by ``requires``, links and
milestones, :func:`clusters`), so every such rule lies wholly inside or wholly outside
the neighbourhood. The rest of the roadmap stays as it is and enters only through the
rules that every measure shares: its load comes off each phase's capacity, its cost and
value off each party's exposure limit (phase by phase), its value off the minimum
received and into the balance. A roadmap of the part, joined to the fixed rest, keeps
every rule of the whole plan that the part's model keeps.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from scnekit.model import Horizon, Plan, Rules

from .formulation import Formulation
from .highs import HighsModel
from .pulp_compat import LE

# HiGHS presolve rules (bits of its ``presolve_rule_off`` option)
PROBING, ENUMERATION, FOURIER_MOTZKIN = 1 << 15, 1 << 16, 1 << 22


def clusters(plan: Plan) -> dict[str, int]:
    """``{measure: cluster}``: measures joined by ``requires``, links and milestones."""
    ids = [m.id for m in plan.measures]
    parent = {mid: mid for mid in ids}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join(group: Iterable[str]) -> None:
        group = list(group)
        for x in group[1:]:
            parent[find(x)] = find(group[0])

    for m in plan.measures:
        join([m.id, *m.requires])
    for link in plan.links:
        join(link.measures)
    for k in plan.milestones:
        join(k.measures)
    number: dict[str, int] = {}
    return {mid: number.setdefault(find(mid), len(number)) for mid in ids}


@dataclass(frozen=True)
class Rest:
    """What the fixed measures use of the shared rules, phase by phase (index t-1)."""

    load: np.ndarray  # measures in progress
    exposure: dict[str, np.ndarray]  # E_p(t) of the fixed measures alone
    received: dict[str, float]  # R_p(T) of the fixed measures alone


def rest(plan: Plan, starts: Mapping[str, int], free: set[str]) -> Rest:
    """The shared rules' use by the measures of ``starts`` outside ``free``."""
    T = plan.phases
    load = np.zeros(T + 2)
    parties = {p.id: i for i, p in enumerate(plan.parties)}
    flow = np.zeros((len(parties), T + 2))
    got = np.zeros(len(parties))
    for mid, s in starts.items():
        if mid in free:
            continue
        m = plan.measure_by_id[mid]
        c = m.completion(s)
        load[s] += 1
        load[min(c, T) + 1] -= 1
        flow[parties[m.by], s] += m.cost
        for p, v in m.to.items():
            flow[parties[p], min(c, T + 1)] -= v
            got[parties[p]] += v
    exposure = np.cumsum(flow, axis=1)[:, 1:T + 1]
    return Rest(np.cumsum(load)[1:T + 1], {p: exposure[i] for p, i in parties.items()},
                {p: float(got[i]) for p, i in parties.items()})


class _PartFormulation(Formulation):
    """The formulation of a part: exposure rows for every party whose ledger the part
    touches (the fixed rest may leave a party below zero headroom, which only value
    received can restore), and balance bounds that count the fixed rest's value."""

    offsets: Mapping[str, float] = {}  # R_p(T) of the fixed rest, for the balance's parties

    def _exposure(self, T: int) -> None:
        for party in self.plan.parties:
            if self.plan.rules.exposure_limit(party.id) is None:
                continue
            gives, gets = self._ledger_parts(party.id)
            if gives or gets:
                self.exposure_rows[party.id] = [
                    self._row(f"exposure_{party.id}_{t}", self.exposure_terms(party.id, t), LE, 0.0)
                    for t in range(1, T + 1)]

    def point(self, starts: Mapping[str, int]) -> dict[str, float]:
        values = super().point(starts)
        balance = self.plan.rules.balance
        if self.balance_vars is not None and balance is not None:
            got = [sum(self.plan.measure_by_id[m].to.get(p, 0.0) for m in starts) + self.offsets.get(p, 0.0)
                   for p in balance.among]
            values[self.balance_vars[0].name] = max(got)
            values[self.balance_vars[1].name] = min(got)
        return values


@dataclass(frozen=True)
class Part:
    """A neighbourhood's plan, its model in HiGHS, and how to read a roadmap back."""

    plan: Plan
    formulation: Formulation
    model: HighsModel

    def solve(self, starts: Mapping[str, int], *, time_limit: float, gap: float, repair: bool = False,
              stop: Callable[[], bool] | None = None) -> dict[str, int] | None:
        """The part's best roadmap found in ``time_limit`` seconds, starting from ``starts``
        (its current roadmap, offered to HiGHS), or None when none was found.

        ``repair`` (where ``starts`` breaks a rule of the part): the first roadmap of the
        part HiGHS finds, led by closeness to ``starts`` instead of the objective. Measured
        at 10,000 x 36 (benchmarks/RESULTS.md, round 8): a missed deadline's part of 100
        measures then gives a roadmap in about 1 s, where with the objective HiGHS often found
        none in 8 s; led by no objective at all, the repairs cost 14 % of the objective."""
        h = self.model.highs
        n = len(self.model.variables)
        costs = np.asarray(h.getLp().col_cost_, dtype=np.float64).copy()
        # presolve without probing, enumeration and Fourier-Motzkin: 8 repairs of 100 measures
        # at 10,000 x 36 gave the same 4 roadmaps in 4.3 s instead of 7.9 s (round 8)
        options: dict[str, bool | int | float | str] = {
            "presolve_rule_off": PROBING | ENUMERATION | FOURIER_MOTZKIN}
        mine = {mid: s for mid, s in starts.items() if mid in self.plan.measure_by_id}
        point = self.formulation.point(mine)
        if repair:
            # stay near ``starts``: +1 for each start column kept at its value, the first
            # roadmap found wins (the greedy's objective is mostly kept, see RESULTS round 8)
            near = np.zeros(n)
            for steps in self.formulation.started.values():
                for var in steps.values():
                    near[self.model.index[var.name]] = 2.0 * point[var.name] - 1.0
            h.changeColsCost(n, np.arange(n, dtype=np.int32), near)
            options["mip_max_improving_sols"] = 1
        else:
            self.model.suggest(point)
        try:
            outcome = self.model.run(time_limit=time_limit, gap=gap, stop=stop, options=options)
        finally:
            if repair:
                h.changeColsCost(n, np.arange(n, dtype=np.int32), costs)
        if not outcome.values:
            return None
        return self.formulation.starts(outcome.values)


def part(plan: Plan, starts: Mapping[str, int], free: set[str], pins: Mapping[str, int]) -> Part:
    """The neighbourhood ``free`` (a union of whole clusters) of ``starts`` as a :class:`Part`."""
    T = plan.phases
    used = rest(plan, starts, free)
    horizon = plan.horizon
    if horizon.capacity is not None:
        horizon = Horizon(T, horizon.labels, tuple(int(horizon.capacity[t] - round(used.load[t]))
                                                   for t in range(T)))
    rules, headroom = plan.rules, {}
    for party in plan.parties:
        limit = rules.exposure_limit(party.id)
        if limit is not None:
            headroom[party.id] = limit - used.exposure[party.id]
    balance = rules.balance
    sub_rules = Rules(
        exposure_default=None,
        # the loosest headroom: what the formulation's windows may assume (rows get each phase's)
        exposure_by_party={p: float(h.max()) for p, h in headroom.items()},
        min_received={p: least - used.received[p] for p, least in rules.min_received.items()},
        balance=balance)
    measures = tuple(m for m in plan.measures if m.id in free)
    sub = dataclasses.replace(
        plan, horizon=horizon, measures=measures, rules=sub_rules, scenarios=(),
        links=tuple(ln for ln in plan.links if ln.measures[0] in free),
        milestones=tuple(k for k in plan.milestones if k.measures[0] in free),
        unavailable=frozenset(x for x in plan.unavailable if x in free))
    offsets = {p: used.received[p] for p in balance.among} if balance is not None else {}
    f = _PartFormulation(sub, pins={mid: s for mid, s in pins.items() if mid in free})
    f.offsets = offsets
    for p, rows in f.exposure_rows.items():
        for t, row in enumerate(rows):
            row.changeRHS(float(headroom[p][t]))
    for p, (below, above) in f.balance_rows.items():
        below.changeRHS(-offsets[p])
        above.changeRHS(-offsets[p])
    return Part(sub, f, HighsModel.from_formulation(f))
