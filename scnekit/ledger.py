"""What a schedule means under FORMAT.md section 2: received value, committed cost,
exposure, milestones achieved and the objective J, recomputed from the starts alone."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .model import Plan


@dataclass(frozen=True)
class Ledger:
    """Per-party arrays over phases 1..T (index 0 is phase 1)."""

    received: dict[str, np.ndarray]
    committed: dict[str, np.ndarray]
    achieved: dict[str, int | None]
    objective: float

    @property
    def exposure(self) -> dict[str, np.ndarray]:
        return {p: self.committed[p] - self.received[p] for p in self.committed}


def completion(plan: Plan, starts: Mapping[str, int]) -> dict[str, int]:
    """c_m = s_m + d_m - 1 for each scheduled measure."""
    return {m: plan.measure_by_id[m].completion(s) for m, s in starts.items()}


def achieved_phase(plan: Plan, done: Mapping[str, int]) -> dict[str, int | None]:
    """a_k: the first phase at which each milestone holds, or None."""
    out: dict[str, int | None] = {}
    for k in plan.milestones:
        times = sorted(done[m] for m in k.measures if m in done)
        out[k.id] = times[k.count - 1] if len(times) >= k.count else None
    return out


def evaluate(plan: Plan, starts: Mapping[str, int], spent: Mapping[str, int] | None = None) -> Ledger:
    """The ledger of a schedule ``{measure: start}`` (feasible or not).

    ``spent``: measures that started (``{measure: start}``) and will never complete (a
    progress record's failed or withdrawn ones): their cost stays committed from their
    start; they give no value and count for no milestone."""
    T = plan.phases
    done = completion(plan, starts)
    received = {p.id: np.zeros(T + 2) for p in plan.parties}
    committed = {p.id: np.zeros(T + 2) for p in plan.parties}
    for mid, s in (spent or {}).items():
        m = plan.measure_by_id[mid]
        committed[m.by][min(s, T + 1)] += m.cost
    benefit = 0.0
    for mid, s in starts.items():
        m = plan.measure_by_id[mid]
        committed[m.by][min(s, T + 1)] += m.cost
        c = done[mid]
        for party, value in m.to.items():
            received[party][min(c, T + 1)] += value
        benefit += m.net * max(0, T - c + 1)
    achieved = achieved_phase(plan, done)
    reward = sum(k.weight * (T - phase + 1) for k in plan.milestones
                 if (phase := achieved[k.id]) is not None)
    objective = plan.objective.benefit * benefit + plan.objective.milestones * reward
    return Ledger(
        received={p: np.cumsum(v)[1:T + 1] for p, v in received.items()},
        committed={p: np.cumsum(v)[1:T + 1] for p, v in committed.items()},
        achieved=achieved,
        objective=float(objective),
    )


def walkaway(plan: Plan, starts: Mapping[str, int], spent: Mapping[str, int] | None = None) -> list[dict[str, object]]:
    """ANALYSIS.md section 5 for a schedule: per party and phase t, ``banked`` = R_p(t) - G_p(t)
    (what p is ahead if it stops after t), ``stake`` = (R_p(T) - R_p(t)) - (G_p(T) - G_p(t))
    (what it still gains, net, by going on; ``tempted`` when below 0) and ``owed:<q>``: what
    p's measures not yet complete at t still owe each party q."""
    ledger = evaluate(plan, starts, spent)
    T = plan.phases
    done = completion(plan, starts)
    rows: list[dict[str, object]] = []
    for p in plan.parties:
        received, committed = ledger.received[p.id], ledger.committed[p.id]
        mine = [plan.measure_by_id[mid] for mid in starts if plan.measure_by_id[mid].by == p.id]
        gets = [(done[mid], plan.measure_by_id[mid].to.get(p.id, 0.0)) for mid in starts]
        for t in range(1, T + 1):
            banked = float(received[t - 1] - committed[t - 1])
            # summed over what is still to come, not as a difference of running sums: a stake
            # of exactly 0 must not come out as -5e-8 after a large value received earlier
            stake = (math.fsum(v for c, v in gets if c > t)
                     - math.fsum(m.cost for m in mine if starts[m.id] > t)
                     - math.fsum(plan.measure_by_id[mid].cost for mid, s in (spent or {}).items()
                                 if s > t and plan.measure_by_id[mid].by == p.id))
            row: dict[str, object] = {"party": p.id, "phase": t, "banked": banked, "stake": stake,
                                      "tempted": stake < -1e-9}
            for q in plan.parties:
                row[f"owed:{q.id}"] = float(sum(m.to.get(q.id, 0.0) for m in mine if done[m.id] > t))
            rows.append(row)
    return rows
