"""Which rules of FORMAT.md section 2 a schedule breaks, recomputed from the starts alone.

The search for very large plans (:mod:`~scnekit.engine.large`) never loads the whole
model into HiGHS, so it cannot check a roadmap against the model's rows; it checks every
roadmap here before handing it on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from scnekit.ledger import achieved_phase, completion
from scnekit.model import LinkKind, Plan

EPS = 1e-6


@dataclass
class Breaches:
    """The rules a schedule breaks. ``upper`` are those that more measures can break
    (windows, requires, links, capacity, exposure, balance, pins); the others ask for more."""

    upper: list[str] = field(default_factory=list)
    deadlines: list[str] = field(default_factory=list)  # milestone ids
    mandatory: list[str] = field(default_factory=list)  # measure ids (mandatory or pinned)
    received: list[str] = field(default_factory=list)  # party ids short of their minimum

    @property
    def lower(self) -> int:
        """How many of the rules that ask for more are broken."""
        return len(self.deadlines) + len(self.mandatory) + len(self.received)

    @property
    def none(self) -> bool:
        return not self.upper and not self.lower


def breaches(plan: Plan, starts: Mapping[str, int], pins: Mapping[str, int] | None = None) -> Breaches:
    """Every rule of FORMAT.md section 2 (and the pins) that ``starts`` breaks."""
    out = Breaches()
    T = plan.phases
    by_id = plan.measure_by_id
    done = completion(plan, starts)
    for mid, s in starts.items():
        m = by_id[mid]
        if not m.earliest <= s <= m.latest or done[mid] > T or s < 1 or mid in plan.unavailable:
            out.upper.append(f"window {mid}")
        out.upper += [f"requires {mid} {p}" for p in m.requires if p not in starts or done[p] >= s]
    pins = pins or {}
    out.upper += [f"pin {mid}" for mid, phase in pins.items() if mid in starts and starts[mid] != phase]
    # a pinned measure left out is missing as a mandatory one is (more measures may bring it in)
    out.mandatory = [m.id for m in plan.measures if (m.mandatory or m.id in pins) and m.id not in starts]
    for link in plan.links:
        chosen = [x for x in link.measures if x in starts]
        if link.kind == LinkKind.EXCLUSIVE and len(chosen) > 1:
            out.upper.append(f"exclusive {link.measures}")
        if link.kind == LinkKind.RECIPROCAL and chosen and (
                len(chosen) < len(link.measures)
                or max(starts[x] for x in chosen) - min(starts[x] for x in chosen) > link.within):
            out.upper.append(f"reciprocal {link.measures}")
    load = np.zeros(T + 2)
    parties = {p.id: i for i, p in enumerate(plan.parties)}
    committed = np.zeros((len(parties), T + 2))
    received = np.zeros((len(parties), T + 2))
    for mid, s in starts.items():
        m = by_id[mid]
        load[s] += 1
        load[min(done[mid], T) + 1] -= 1
        committed[parties[m.by], min(s, T + 1)] += m.cost
        for p, v in m.to.items():
            received[parties[p], min(done[mid], T + 1)] += v
    load = np.cumsum(load)[1:T + 1]
    for t in range(1, T + 1):
        cap = plan.horizon.capacity_at(t)
        if cap is not None and load[t - 1] > cap + EPS:
            out.upper.append(f"capacity {t}")
    exposure = np.cumsum(committed - received, axis=1)[:, 1:T + 1]
    got = received.sum(axis=1)
    for p, i in parties.items():
        limit = plan.rules.exposure_limit(p)
        if limit is not None and exposure[i].max(initial=0.0) > limit + EPS:
            out.upper.append(f"exposure {p}")
        least = plan.rules.min_stake(p)
        if least is not None and T > 1 and np.any(exposure[i, :T - 1] - exposure[i, T - 1] < least - EPS):
            out.upper.append(f"min_stake {p}")
    out.received = [p for p, least in plan.rules.min_received.items() if got[parties[p]] < least - EPS]
    balance = plan.rules.balance
    if balance is not None:
        values = [got[parties[p]] for p in balance.among]
        if max(values) - min(values) > balance.max_gap + EPS:
            out.upper.append("balance")
    achieved = achieved_phase(plan, done)
    out.deadlines = [k.id for k in plan.milestones if k.deadline is not None
                     and ((a := achieved[k.id]) is None or a > k.deadline)]
    return out
