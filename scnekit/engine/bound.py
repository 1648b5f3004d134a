"""A bound on the objective that needs no LP of the whole model.

Every measure earns at most its net benefit from the earliest phase it can complete in,
and every milestone its weight from the earliest phase enough of its measures can
complete in (:func:`~scnekit.engine.windows.earliest_starts` holds for every feasible
roadmap). Capacity is then priced in by Lagrangian relaxation: with a price
``lambda_t >= 0`` per phase,

    J <= sum_t lambda_t * capacity_t + sum_m max(0, max_s [benefit_m(s) - sum of lambda over m's phases])
         + milestones' part,

which holds for every choice of prices (a schedule within capacity pays at most what
the capacities are worth). Prices are improved by subgradient steps. At the best prices
each milestone is then tied to its measures (:func:`_coupled`): at 10,000 x 36 that took
the bound from 450,040 to 409,986 (1000 x 24: 29,947 to 27,798, optimum 23,091). Every other
rule is dropped, so the bound is valid but loose.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import numpy as np

from scnekit.model import Plan

from .windows import earliest_starts, open_window

#: Subgradient steps on the capacity prices.
STEPS = 150


def upper_bound(plan: Plan, windows: Mapping[str, tuple[int, int] | None], pins: Mapping[str, int]) -> float:
    """A number no feasible roadmap of ``plan`` (with ``pins``) scores above."""
    return priced(plan, windows, pins)[0]


def priced(plan: Plan, windows: Mapping[str, tuple[int, int] | None],
           pins: Mapping[str, int]) -> tuple[float, dict[str, float]]:
    """The bound of :func:`upper_bound` and the start each measure of positive net takes at
    the prices that gave it (none where no start pays its phases' prices): a guide for the
    greedy, as the LP's starts are on smaller plans."""
    T = plan.phases
    first = earliest_starts(plan, windows, pins)
    w_benefit = plan.objective.benefit
    loose = _loose_rewards(plan, first)
    reward = sum(loose.values())
    rows: list[tuple[int, int, int, float]] = []  # (measure, start, duration, benefit)
    for i, m in enumerate(plan.measures):
        window = open_window(plan, windows, m, pins)
        if window is None or first[m.id] > T or m.net * w_benefit <= 0:
            continue
        for s in range(first[m.id], window[1] + 1):
            rows.append((i, s, m.duration, w_benefit * m.net * (T - m.completion(s) + 1)))
    if not rows:
        return reward, {}
    data = np.array(rows, dtype=np.float64)
    who, start, length, value = data[:, 0].astype(np.int64), data[:, 1].astype(np.int64), data[:, 2].astype(
        np.int64), data[:, 3]
    heads = np.flatnonzero(np.r_[True, who[1:] != who[:-1]])
    free = float(np.sum(np.maximum.reduceat(value, heads)))  # no prices: each at its best start
    ids = [m.id for m in plan.measures]

    def guide(chosen: np.ndarray) -> dict[str, float]:
        return {ids[i]: float(s) for i, s in zip(who[chosen].tolist(), start[chosen].tolist(), strict=True)}

    if plan.horizon.capacity is None:
        tied = _coupled(plan, windows, pins, first=first, prices=np.zeros(T), loose=loose)
        return min(free + reward, tied), guide(heads)
    capacity = np.array([plan.horizon.capacity_at(t) or 0 for t in range(1, T + 1)], dtype=np.float64)
    prices = np.zeros(T)
    best, best_guide, best_prices = free, guide(heads), prices
    step = 0.5 * free / max(1.0, float(np.sum(capacity)))
    for _ in range(STEPS):
        cum = np.r_[0.0, np.cumsum(prices)]
        score = value - (cum[start + length - 1] - cum[start - 1])
        top = np.maximum.reduceat(score, heads)
        chosen = np.flatnonzero(score == np.repeat(top, np.diff(np.r_[heads, len(score)])))
        chosen = chosen[top[np.searchsorted(heads, chosen, side="right") - 1] > 0]
        # one start per measure (the first of equal ones)
        chosen = chosen[np.r_[True, who[chosen][1:] != who[chosen][:-1]]] if len(chosen) else chosen
        bound = float(np.sum(np.maximum(top, 0.0)) + prices @ capacity)
        if bound < best:
            best, best_guide, best_prices = bound, guide(chosen), prices
        load = np.zeros(T + 2)
        np.add.at(load, start[chosen], 1.0)
        np.add.at(load, start[chosen] + length[chosen], -1.0)
        used = np.cumsum(load)[1:T + 1]
        slope = capacity - used
        if not np.any(slope):
            break
        prices = np.maximum(0.0, prices - step * slope / max(1.0, float(np.abs(slope).max())))
        step *= 0.97
    tied = _coupled(plan, windows, pins, first=first, prices=best_prices, loose=loose)
    return min(best + reward, tied + float(best_prices @ capacity)), best_guide


def _loose_rewards(plan: Plan, first: Mapping[str, int]) -> dict[str, float]:
    """Each milestone's weight from the earliest phase enough of its measures can be complete."""
    T = plan.phases
    out: dict[str, float] = {}
    for k in plan.milestones:
        done = sorted(plan.measure_by_id[x].completion(first[x]) for x in k.measures if first[x] <= T)
        if len(done) >= k.count and done[k.count - 1] <= T:
            out[k.id] = plan.objective.milestones * k.weight * (T - done[k.count - 1] + 1)
    return out


def _coupled(plan: Plan, windows: Mapping[str, tuple[int, int] | None], pins: Mapping[str, int], *,
             first: Mapping[str, int], prices: np.ndarray, loose: Mapping[str, float]) -> float:
    """The bound at ``prices`` (without their capacity term) with each milestone tied to its
    measures: a milestone achieved at phase a needs ``count`` of its measures complete by a,
    each at the best priced start that allows (it may cost them benefit, or need a measure
    of negative net). Exact for the relaxation that keeps only the priced capacity and the
    milestones' definitions; a milestone sharing a measure with another keeps its loose
    reward (:func:`_loose_rewards`)."""
    T = plan.phases
    w_benefit = plan.objective.benefit
    cum = np.r_[0.0, np.cumsum(prices)]
    by_phase: dict[str, np.ndarray] = {}  # best score with completion <= a, index a-1
    best: dict[str, float] = {}
    for m in plan.measures:
        window = open_window(plan, windows, m, pins)
        if window is None or first[m.id] > T:
            continue
        scores = np.full(T, -np.inf)
        for s in range(first[m.id], window[1] + 1):
            c = m.completion(s)
            scores[c - 1] = max(scores[c - 1], w_benefit * m.net * (T - c + 1) - (cum[c] - cum[s - 1]))
        by_phase[m.id] = np.maximum.accumulate(scores)
        best[m.id] = max(0.0, float(by_phase[m.id][-1]))
    total = sum(best.values())
    shared = Counter(x for k in plan.milestones for x in k.measures)
    reach = plan.objective.milestones * (T - np.arange(1, T + 1) + 1.0)
    for k in plan.milestones:
        if any(shared[x] > 1 for x in k.measures):
            total += loose.get(k.id, 0.0)
            continue
        losses = [best[x] - by_phase[x] for x in k.measures if x in by_phase]
        if len(losses) < k.count:
            continue
        need = np.sort(np.array(losses), axis=0)[:k.count].sum(axis=0)
        total += max(0.0, float(np.max(k.weight * reach - need)))
    return total
