"""A bound on the objective that needs no LP of the whole model.

Every measure earns at most its net benefit from the earliest phase it can complete in,
and every milestone its weight from the earliest phase enough of its measures can
complete in (:func:`~scnekit.engine.windows.earliest_starts` holds for every feasible
roadmap). Capacity is then priced in by Lagrangian relaxation: with a price
``lambda_t >= 0`` per phase,

    J <= sum_t lambda_t * capacity_t + sum_m max(0, max_s [benefit_m(s) - sum of lambda over m's phases])
         + milestones' part,

which holds for every choice of prices (a schedule within capacity pays at most what
the capacities are worth). Prices are improved by subgradient steps; the least bound
seen is returned. Every other rule is dropped, so the bound is valid but loose.
"""

from __future__ import annotations

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
    w_benefit, w_milestones = plan.objective.benefit, plan.objective.milestones
    reward = 0.0
    for k in plan.milestones:
        done = sorted(plan.measure_by_id[x].completion(first[x]) for x in k.measures if first[x] <= T)
        if len(done) >= k.count and done[k.count - 1] <= T:
            reward += w_milestones * k.weight * (T - done[k.count - 1] + 1)
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
        return free + reward, guide(heads)
    capacity = np.array([plan.horizon.capacity_at(t) or 0 for t in range(1, T + 1)], dtype=np.float64)
    prices = np.zeros(T)
    best, best_guide = free, guide(heads)
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
            best, best_guide = bound, guide(chosen)
        load = np.zeros(T + 2)
        np.add.at(load, start[chosen], 1.0)
        np.add.at(load, start[chosen] + length[chosen], -1.0)
        used = np.cumsum(load)[1:T + 1]
        slope = capacity - used
        if not np.any(slope):
            break
        prices = np.maximum(0.0, prices - step * slope / max(1.0, float(np.abs(slope).max())))
        step *= 0.97
    return best + reward, best_guide
