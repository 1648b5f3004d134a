"""A bound on the objective that needs no LP of the whole model: Lagrangian relaxation.

Each rule family that ties measures together is moved into the objective with a
nonnegative multiplier per row (FORMAT.md section 2; every row written ``lhs <= rhs``,
and ``mu * (rhs - lhs)`` added to J):

- capacity, per phase: sum_m A_m(t) <= capacity_t;
- exposure, per party with a limit and phase: G_p(t) - R_p(t) <= L_p;
- minimum received, per party: min_p - R_p(T) <= 0;
- balance, per ordered pair of parties among it: R_p(T) - R_q(T) <= max_gap;
- requires, per pair and phase: S_m(t) - D_p(t-1) <= 0;
- reciprocal links, per ordered pair of members and phase: S_a(t) - S_b(min(t + within, T)) <= 0
  (with t = T this says both are scheduled or neither);
- exclusive links: sum of the members' z <= 1.

What is left decomposes: each measure picks its best start (or none; mandatory and
pinned ones must start) at the priced score, between the earliest start any feasible
roadmap allows (:func:`~scnekit.engine.windows.earliest_starts`) and its window's end.
A milestone whose measures belong to no other milestone is solved with them as one
block (it is achieved at a phase a, within its deadline, when ``count`` of them complete
by a, each at its best priced start that allows; the measures' loss against their own
best is paid); a milestone sharing a measure earns its weight from the earliest phase
it can hold in, whatever the measures do. Every feasible roadmap is a solution of this
relaxed problem that scores at least its J (each added term is >= 0 there), so the
bound holds for every choice of multipliers. The multipliers are improved by projected
subgradient steps (Polyak's step towards a target) in :class:`Relaxation`, which can be
resumed.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping

import numpy as np

from scnekit.model import LinkKind, Plan

from .windows import earliest_starts, open_window

#: Subgradient steps :func:`priced` takes by default.
STEPS = 150
#: Steps without a better bound after which the step's scale is halved.
PATIENCE = 15
#: Without a roadmap to aim at, each step aims this fraction of the best bound below it.
AIM = 0.1
#: Each step moves along this share of the new subgradient plus the rest of the last
#: direction (a deflected subgradient). At 10,000 x 36 (round 11), 60 + ~530 steps gave
#: 357,128 with the plain subgradient and 352,060 with 0.5; 0.3 made no progress at all.
MOMENTUM = 0.5

Windows = Mapping[str, tuple[int, int] | None]


def upper_bound(plan: Plan, windows: Windows, pins: Mapping[str, int], *, steps: int = STEPS) -> float:
    """A number no feasible roadmap of ``plan`` (with ``pins``) scores above."""
    return priced(plan, windows, pins, steps=steps)[0]


def priced(plan: Plan, windows: Windows, pins: Mapping[str, int], *, steps: int = STEPS,
           seconds: float | None = None, stop: Callable[[], bool] | None = None) -> tuple[float, dict[str, float]]:
    """The bound of :func:`upper_bound` and the start each measure takes in the relaxed
    problem at the best multipliers found (none where it is left out): a guide for the
    greedy, as the LP's starts are on smaller plans."""
    relaxation = Relaxation(plan, windows, pins)
    relaxation.run(steps, seconds=seconds, stop=stop)
    return relaxation.best, relaxation.guide


class _Rows:
    """Adds rows of values into the rows of a matrix named by ``target`` (repeats summed):
    :func:`numpy.add.at` is several times slower on 10,000 x 36."""

    def __init__(self, target: np.ndarray) -> None:
        self.order = np.argsort(target, kind="stable")
        ranked = target[self.order]
        self.heads = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]]) if len(ranked) else ranked
        self.rows = ranked[self.heads] if len(ranked) else ranked

    def add(self, matrix: np.ndarray, values: np.ndarray, sign: float = 1.0) -> None:
        """``matrix[target[k]] += sign * values[k]`` for every k."""
        if len(self.order):
            matrix[self.rows] += sign * np.add.reduceat(values[self.order], self.heads, axis=0)


class Relaxation:
    """The Lagrangian relaxation of one plan and its multipliers; :meth:`run` improves
    them and can be called again to go on from where it stopped."""

    def __init__(self, plan: Plan, windows: Windows, pins: Mapping[str, int]) -> None:
        T = self.T = plan.phases
        first = earliest_starts(plan, windows, pins)
        live: list[int] = []
        lo: list[int] = []
        hi: list[int] = []
        for i, m in enumerate(plan.measures):
            window = open_window(plan, windows, m, pins)
            if window is None or first[m.id] > min(window[1], T):
                continue
            live.append(i)
            lo.append(first[m.id])
            hi.append(window[1])
        self.ids = [plan.measures[i].id for i in live]
        index = {mid: j for j, mid in enumerate(self.ids)}
        measures = [plan.measures[i] for i in live]
        L = self.L = len(live)
        self.must = np.array([m.mandatory or m.id in pins for m in measures], dtype=bool)
        dur = np.array([m.duration for m in measures], dtype=np.int64)
        self.dur = dur
        phase = np.arange(1, T + 1)
        valid = (phase[None, :] >= np.array(lo, dtype=np.int64)[:, None]) & (
            phase[None, :] <= np.array(hi, dtype=np.int64)[:, None])
        self.done_at = np.minimum(phase[None, :] + dur[:, None] - 1, T)  # c(s) by start column, clipped
        net = np.array([m.net for m in measures], dtype=np.float64)
        self.benefit = np.where(valid, plan.objective.benefit * net[:, None] * (T - self.done_at + 1.0), -np.inf)
        parties = [p.id for p in plan.parties]
        pindex = {p: j for j, p in enumerate(parties)}
        self.to = np.zeros((L, len(parties)))
        for j, m in enumerate(measures):
            for p, v in m.to.items():
                if p in pindex:
                    self.to[j, pindex[p]] = v
        self.cost = np.array([m.cost for m in measures], dtype=np.float64)
        constants: list[np.ndarray] = []  # each family's right-hand sides, in the multipliers' order

        def family(size: int, rhs: np.ndarray) -> slice:
            """The next ``size`` multipliers, for rows with right-hand sides ``rhs``."""
            at = sum(len(c) for c in constants)
            constants.append(rhs.astype(np.float64).ravel())
            return slice(at, at + size)

        # capacity
        self.capacity = None
        if plan.horizon.capacity is not None:
            cap = np.array([plan.horizon.capacity_at(t) or 0 for t in range(1, T + 1)], dtype=np.float64)
            self.capacity = family(T, cap)
        # exposure
        limited = [p for p in parties if plan.rules.exposure_limit(p) is not None]
        self.limited = [pindex[p] for p in limited]
        self.exposure = family(len(limited) * T, np.repeat(
            np.array([plan.rules.exposure_limit(p) or 0.0 for p in limited]), T))
        row = {pindex[p]: j for j, p in enumerate(limited)}
        self.payer = np.array([row.get(pindex[m.by], len(limited)) for m in measures], dtype=np.int64)
        self.payers = _Rows(self.payer)
        # the value each measure gives, as (measure, party, value) triples: products with the
        # dense matrix ran through multi-threaded BLAS, 3.5x slower per step on a loaded machine
        giver, taker = np.nonzero(self.to)
        self.gift = self.to[giver, taker]
        self.giver, self.taker = giver, taker
        self.takers = _Rows(taker)
        column = np.full(len(parties), -1, dtype=np.int64)
        column[self.limited] = np.arange(len(self.limited))
        held = column[taker] >= 0
        self.limited_gift, self.limited_taker = self.gift[held], column[taker[held]]
        self.limited_givers = _Rows(giver[held])
        # minimum received (min_p - R_p(T) <= 0: right-hand side -min_p)
        self.receivers = [pindex[p] for p in plan.rules.min_received if p in pindex]
        self.received = family(len(self.receivers),
                               -np.array([plan.rules.min_received[parties[p]] for p in self.receivers]))
        # balance, per ordered pair
        self.pairs: list[tuple[int, int]] = []
        if plan.rules.balance is not None:
            among = [pindex[p] for p in plan.rules.balance.among if p in pindex]
            self.pairs = [(a, b) for a in among for b in among if a != b]
        gap = plan.rules.balance.max_gap if plan.rules.balance is not None else 0.0
        self.balance = family(len(self.pairs), np.full(len(self.pairs), gap))
        # requires: (m, p) with both live
        needs = [(index[m.id], index[p]) for m in measures for p in m.requires if p in index]
        self.needer = np.array([a for a, _ in needs], dtype=np.int64)
        self.needed = np.array([b for _, b in needs], dtype=np.int64)
        self.needers, self.neededs = _Rows(self.needer), _Rows(self.needed)
        # p started at u is complete before every t >= u + d_p
        self.needed_from = np.minimum(phase[None, :] + self.dur[self.needed][:, None], T + 1)
        self.requires = family(len(needs) * T, np.zeros(len(needs) * T))
        # reciprocal links: ordered pairs of live members
        within = [(index[a], index[b], ln.within) for ln in plan.links if ln.kind == LinkKind.RECIPROCAL
                  for a in ln.measures for b in ln.measures if a != b and a in index and b in index]
        self.leader = np.array([a for a, _, _ in within], dtype=np.int64)
        self.follower = np.array([b for _, b, _ in within], dtype=np.int64)
        reach = np.array([w for _, _, w in within], dtype=np.int64)[:, None]
        self.follower_phase = np.minimum(phase[None, :] + reach, T)
        self.follower_from = np.maximum(phase[None, :] - reach, 1)
        self.leaders, self.followers = _Rows(self.leader), _Rows(self.follower)
        self.within = family(len(within) * T, np.zeros(len(within) * T))
        # exclusive links
        rivals = [[index[x] for x in ln.measures if x in index] for ln in plan.links
                  if ln.kind == LinkKind.EXCLUSIVE]
        rivals = [r for r in rivals if len(r) > 1]
        self.rival = np.array([i for r in rivals for i in r], dtype=np.int64)
        self.rival_link = np.array([k for k, r in enumerate(rivals) for _ in r], dtype=np.int64)
        self.exclusive = family(len(rivals), np.ones(len(rivals)))
        self.rhs = np.concatenate(constants) if constants else np.zeros(0)
        self.multipliers = np.zeros(len(self.rhs))
        # milestones: blocks of their own measures, the others a constant
        shared = Counter(x for k in plan.milestones for x in k.measures)
        self.loose = 0.0
        own: list[tuple[list[int], int, float, int]] = []  # (members, count, weight, last phase)
        w_milestones = plan.objective.milestones
        for k in plan.milestones:
            members = [index[x] for x in k.measures if x in index]
            if any(shared[x] > 1 for x in k.measures):
                done = sorted(plan.measure_by_id[x].completion(first[x]) for x in k.measures if x in index)
                if len(done) >= k.count and done[k.count - 1] <= T:
                    self.loose += w_milestones * k.weight * (T - done[k.count - 1] + 1)
                continue
            if len(members) < k.count:
                continue  # it can never hold (nor meet a deadline: then no roadmap is feasible)
            own.append((members, k.count, w_milestones * k.weight, k.deadline or 0))
        width = max((len(m) for m, _, _, _ in own), default=1)
        self.block_rows = np.unique(np.array([i for m, _, _, _ in own for i in m], dtype=np.int64))
        local = {int(i): j for j, i in enumerate(self.block_rows)}
        # by row of block_rows; len(block_rows): a measure that never completes
        self.members = np.full((len(own), width), len(self.block_rows), dtype=np.int64)
        for j, (members, _, _, _) in enumerate(own):
            self.members[j, :len(members)] = [local[i] for i in members]
        self.count = np.array([c for _, c, _, _ in own], dtype=np.int64)
        self.reward = np.array([w for _, _, w, _ in own])[:, None] * (T - phase[None, :] + 1.0)
        deadline = np.array([d for _, _, _, d in own], dtype=np.int64)
        self.open = np.ones((len(own), T), dtype=bool) if not own else (
            (deadline[:, None] == 0) | (phase[None, :] <= deadline[:, None]))
        self.optional = deadline == 0
        self.best = np.inf
        self.best_starts = np.zeros(L, dtype=np.int64)
        self.steps = 0
        self.scale = 1.0
        self.stale = 0
        self.direction: np.ndarray | None = None
        self.momentum = MOMENTUM

    @property
    def guide(self) -> dict[str, float]:
        """The start of each measure scheduled in the relaxed problem at the best multipliers."""
        return {self.ids[i]: float(s) for i, s in enumerate(self.best_starts.tolist()) if s}

    # -- one evaluation -----------------------------------------------------------------

    def _suffix(self, values: np.ndarray) -> np.ndarray:
        """Rows of T phases -> sums over phases t..T, with a column T+1 of zeros (index by phase)."""
        out = np.zeros((values.shape[0], self.T + 2))
        out[:, 1:self.T + 1] = np.cumsum(values[:, ::-1], axis=1)[:, ::-1]
        return out

    def scores(self, mu: np.ndarray) -> np.ndarray:
        """Each live measure's priced score per start phase (-inf outside its window)."""
        T, L = self.T, self.L
        score = self.benefit.copy()
        rows = np.arange(L)[:, None]
        if self.capacity is not None:
            cum = np.r_[0.0, np.cumsum(mu[self.capacity])]
            score -= cum[self.done_at]
            score += cum[None, :T]  # the phases before the start
        if self.limited:
            alpha = self._suffix(mu[self.exposure].reshape(len(self.limited), T))
            score -= self.cost[:, None] * np.vstack([alpha, np.zeros(T + 2)])[self.payer, 1:T + 1]
            credit = np.zeros((L, T + 2))
            self.limited_givers.add(credit, self.limited_gift[:, None] * alpha[self.limited_taker])
            score += credit[rows, self.done_at]
        weight = np.zeros(self.to.shape[1])
        np.add.at(weight, self.receivers, mu[self.received])
        if self.pairs:
            gamma = mu[self.balance]
            np.add.at(weight, [b for _, b in self.pairs], gamma)
            np.add.at(weight, [a for a, _ in self.pairs], -gamma)
        score += np.bincount(self.giver, weights=self.gift * weight[self.taker], minlength=L)[:, None]
        if len(self.needer):
            delta = self._suffix(mu[self.requires].reshape(len(self.needer), T))
            self.needers.add(score, delta[:, 1:T + 1], -1.0)
            self.neededs.add(score, delta[np.arange(len(self.needed))[:, None], self.needed_from])
        if len(self.leader):
            rho = self._suffix(mu[self.within].reshape(len(self.leader), T))
            self.leaders.add(score, rho[:, 1:T + 1], -1.0)
            # the follower started at u meets every t with t + within >= u (u <= T)
            self.followers.add(score, rho[np.arange(len(self.leader))[:, None], self.follower_from])
        if len(self.rival):
            penalty = np.zeros(L)
            np.add.at(penalty, self.rival, mu[self.exclusive][self.rival_link])
            score -= penalty[:, None]
        return score

    def evaluate(self, mu: np.ndarray) -> tuple[float, np.ndarray]:
        """The bound at ``mu`` and the relaxed problem's starts (0: not scheduled)."""
        score = self.scores(mu)
        top = score.max(axis=1)
        best = np.where(self.must, top, np.maximum(top, 0.0))
        best = np.where(np.isfinite(best), best, 0.0)  # a mandatory measure with no start: no roadmap
        starts = np.where((top > 0) | self.must, np.argmax(score, axis=1) + 1, 0)
        starts[~np.isfinite(top)] = 0
        total = float((mu * self.rhs).sum() + best.sum() + self.loose)
        if len(self.members):
            total += self._milestones(score, best, starts)
        return total, starts

    def _milestones(self, score: np.ndarray, best: np.ndarray, starts: np.ndarray) -> float:
        """The blocks' gains over their measures' own best, and their measures' starts (in place)."""
        T, rows = self.T, self.block_rows
        score, dur = score[rows], self.dur[rows]
        prefix = np.maximum.accumulate(score, axis=1)
        column = np.arange(T)[None, :]
        record = np.maximum.accumulate(np.where(score >= prefix, column, 0), axis=1)
        at = column - (dur[:, None] - 1)  # the last start that completes by phase column + 1
        by_phase = np.where(at >= 0, prefix[np.arange(len(rows))[:, None], np.maximum(at, 0)], -np.inf)
        loss = np.vstack([best[rows][:, None] - by_phase, np.full((1, T), np.inf)])
        losses = loss[self.members]  # blocks x members x phases
        order = np.argsort(losses, axis=1, kind="stable")
        ranked = np.take_along_axis(losses, order, axis=1)
        need = np.cumsum(ranked, axis=1)[np.arange(len(self.count)), self.count - 1]
        with np.errstate(invalid="ignore"):
            value = np.where(self.open, self.reward - need, -np.inf)
        value = np.where(np.isnan(value), -np.inf, value)
        achieved = np.argmax(value, axis=1)
        peak = value[np.arange(len(value)), achieved]
        gain = np.where(self.optional, np.maximum(peak, 0.0), peak)
        gain = np.where(np.isfinite(gain), gain, 0.0)  # a deadline no start meets: no roadmap
        held = np.flatnonzero(np.isfinite(peak) & ((peak > 0) | ~self.optional))
        if len(held):
            a = achieved[held]
            chosen = self.members[held[:, None], order[held, :, a]]  # blocks x members, cheapest first
            needed = np.arange(chosen.shape[1])[None, :] < self.count[held][:, None]
            local = chosen[needed]
            phase = np.broadcast_to(a[:, None], chosen.shape)[needed]
            starts[rows[local]] = record[local, phase - dur[local] + 1] + 1
        return float(gain.sum())

    def subgradient(self, starts: np.ndarray) -> np.ndarray:
        """lhs - rhs of every dualised row at the relaxed problem's ``starts``."""
        T = self.T
        phase = np.arange(1, T + 1)
        on = starts > 0
        started = on[:, None] & (starts[:, None] <= phase[None, :])
        done = on[:, None] & ((starts + self.dur - 1)[:, None] <= phase[None, :])
        g = -self.rhs.copy()
        if self.capacity is not None:
            before = np.r_[0.0, done.sum(axis=0)[:-1]]
            g[self.capacity] += started.sum(axis=0) - before
        received = np.zeros((self.to.shape[1], T))  # parties x phases
        self.takers.add(received, self.gift[:, None] * done[self.giver])
        if self.limited:
            given = np.zeros((len(self.limited) + 1, T))
            self.payers.add(given, self.cost[:, None] * started)
            g[self.exposure] += (given[:-1] - received[self.limited]).ravel()
        final = received[:, -1]
        g[self.received] -= final[self.receivers]
        if self.pairs:
            g[self.balance] += np.array([final[a] - final[b] for a, b in self.pairs])
        if len(self.needer):
            earlier = np.hstack([np.zeros((len(self.needed), 1), dtype=bool), done[self.needed, :-1]])
            g[self.requires] += (started[self.needer].astype(np.float64) - earlier).ravel()
        if len(self.leader):
            g[self.within] += (started[self.leader].astype(np.float64)
                               - started[self.follower[:, None], self.follower_phase - 1]).ravel()
        if len(self.rival):
            g[self.exclusive] += np.bincount(self.rival_link, weights=on[self.rival], minlength=len(g[self.exclusive]))
        return g

    # -- the steps ------------------------------------------------------------------------

    def run(self, steps: int, *, seconds: float | None = None, stop: Callable[[], bool] | None = None,
            target: float | None = None) -> float:
        """Up to ``steps`` subgradient steps (fewer when ``seconds`` pass or ``stop`` says so);
        ``target`` is the objective of a known roadmap, if any. Returns the best bound."""
        began = time.perf_counter()
        for _ in range(steps):
            if (stop is not None and stop()) or (seconds is not None and time.perf_counter() - began >= seconds):
                break
            self.step(target)
        return self.best

    def step(self, target: float | None = None) -> float:
        """Evaluate the bound at the current multipliers and move them; returns that bound."""
        mu = self.multipliers
        value, starts = self.evaluate(mu)
        self.steps += 1
        if value < self.best - 1e-9:
            self.best, self.stale = value, 0
            self.best_starts = starts
        else:
            self.stale += 1
            if self.stale >= PATIENCE:
                self.scale, self.stale = self.scale / 2, 0
        g = self.subgradient(starts)
        if self.direction is not None and self.momentum < 1.0:
            g = self.momentum * g + (1.0 - self.momentum) * self.direction
        g[(mu <= 0) & (g < 0)] = 0.0  # projected: a multiplier at zero cannot go lower
        self.direction = g
        norm = float((g * g).sum())
        if norm <= 1e-12:
            return value
        goal = target if target is not None else (1.0 - AIM) * min(self.best, value)
        self.multipliers = np.maximum(0.0, mu + self.scale * max(value - goal, 1e-6 * abs(value)) / norm * g)
        return value
