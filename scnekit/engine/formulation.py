"""The integer program of FORMAT.md sections 2 and 3, built with PuLP.

A time-indexed model on running sums: one binary ``started[m,t]`` = S_m(t) per measure
and structurally possible start phase, non-decreasing in t. Completion, activity and
every ledger are linear in these (D_m(t) = S_m(t-d+1), A_m(t) = S_m(t) - S_m(t-d)),
so each rule is a per-phase row with few nonzeros and a tight LP relaxation.

This is the only module that builds PuLP objects. Names of variables and rows come
from the plan's ids so that a model written out (``--mps``) reads in the domain's terms.

Rules that a diagnosis may relax (``elastic=True``) each get one binary ``relax``
variable: mandatory measures, pins, milestone deadlines, each party's exposure limit,
capacity, each party's minimum received, and balance. The rest (windows,
availability, requires, links) always hold.

A model is built once per :func:`structure_key` and then follows the plan's parameters in
place (:meth:`Formulation.apply`): bounds and right-hand sides, and the coefficients that
costs, values, milestone weights, objective weights and the phase of a deadline put in
the objective and in the rows that follow them (see :meth:`Formulation._row`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial

import pulp

from scnekit.ledger import achieved_phase, completion
from scnekit.model import LinkKind, Measure, Milestone, MilestoneMode, Plan, Rule, RuleKind

from .implications import completed_before
from .pulp_compat import EQ, GE, LE, add_row, expression, set_coefficient
from .windows import earliest_starts, structural_windows

Terms = dict[pulp.LpVariable, float]


class Stopped(Exception):
    """A build ended early because its ``stop`` said so."""


def structure_key(plan: Plan) -> Hashable:
    """Everything about a plan that shapes the model's rows and columns.

    Two plans with the same key differ only in parameters that :meth:`Formulation.apply`
    sets in place. Bounds and right-hand sides: earliest starts, availability, pins,
    exposure limits, capacities, minimum received values, minimum stakes and the balance
    gap. Coefficients: costs, values (a cost or value may go to 0 and back), milestone
    weights, the objective's weights, and the phase of a milestone's deadline (which
    ``holds`` column its row asks for; the windows never depend on deadlines).

    Still a new model: a deadline added or removed, and a party's first cost (its
    exposure rows exist once one of its measures costs something), besides every change
    to measures, links, milestones' members, the horizon or which rules are set. Rows
    built from the structure alone (windows, requires, links, the milestones' hull and
    essential-member rows, :mod:`~scnekit.engine.implications`) use none of the
    coefficients, so they hold for every value of them.
    """
    costly = {m.by for m in plan.measures if m.cost > 0}
    return (
        plan.phases,
        tuple(p.id for p in plan.parties),
        tuple((m.id, m.by, m.duration, m.latest, m.mandatory, m.requires) for m in plan.measures),
        plan.links,
        tuple((k.id, k.mode, k.measures, k.count, k.deadline is not None) for k in plan.milestones),
        tuple(plan.rules.exposure_limit(p.id) is not None and p.id in costly for p in plan.parties),
        tuple(plan.rules.min_stake(p.id) is not None for p in plan.parties),
        plan.horizon.capacity is not None,
        tuple(sorted(plan.rules.min_received)),
        plan.rules.balance.among if plan.rules.balance else None,
    )


@dataclass
class _Following:
    """A row whose coefficients follow the plan's parameters: ``terms`` computes them (and
    the big M of its relax column) from the current plan. The parameters it depends on are
    its tags in ``Formulation._tagged`` (see :func:`_changed`)."""

    row: pulp.LpConstraint
    index: int  # in Formulation.rows
    sense: int
    rule: Rule | None
    terms: Callable[[], tuple[Terms, float]]
    current: dict[int, float]  # column -> coefficient, as in the row now


class Formulation:
    """The PuLP model of one plan, with handles to update its parameters in place."""

    # at_least milestones get their convex hull per phase (see _at_least) from this many
    # start columns on; a subclass may raise it to get the aggregated rows. The hull pays
    # at every size measured (benchmarks/RESULTS.md): LP gap at 1000 x 24 1.48 % -> 0.76 %,
    # and on the Syria example's re-solves through Session (54 solves, 3 seeds) median
    # 2.77 s -> 2.12 s exact and 1.75 s -> 1.41 s at a 1 % gap. (Plain HiGHS at a 1 % gap
    # alone was faster on the aggregated Syria model; the engine's LP-led search is not.)
    HULL_FROM = 0
    # at_least and any milestones get rows for the members they cannot hold without (see
    # _essential) from this many start columns on. Measured at a 1 % gap
    # (benchmarks/RESULTS.md, round 3): 100 x 24 (2233 start columns) 60 s without a
    # proof -> 8.0 s; 200 x 24 (4308) 4.1 / 6.4 / 1.1 s -> 1.8 / 2.0 / 1.0 s (three plans);
    # 1000 x 24 7.3 / 14.3 / 14.1 s -> 3.0 / 8.8 / 3.9 s (its LP gap 0.75 % -> 0.25 %);
    # 3000 x 24 19.5 s -> 10.2 s. Below, they do not pay: the Syria example (333) took
    # 8-12 % longer over 54 exact solves, and exact solves of generated plans of 375, 605
    # and 812 start columns went 2.07 -> 0.98 s, 1.77 -> 2.24 s and 6.89 -> 6.75 s.
    ESSENTIAL_FROM = 1_000



    def __init__(self, plan: Plan, *, elastic: bool = False,
                 pins: Mapping[str, int] | None = None, stop: Callable[[], bool] | None = None) -> None:
        """Build the model of ``plan``; ``stop`` is asked between the steps of the build,
        which raises :class:`Stopped` once it says True (a large model takes seconds)."""
        self._stop = stop
        self.plan = plan
        self.elastic = elastic
        self.key = structure_key(plan)
        self.windows = structural_windows(plan)
        starts = sum(w[1] - w[0] + 1 for w in self.windows.values() if w is not None)
        self.hull = starts >= self.HULL_FROM
        self.essential = starts >= self.ESSENTIAL_FROM
        self.base_problem = pulp.LpProblem(_clean(plan.name) or "roadmap",
                                           pulp.LpMinimize if elastic else pulp.LpMaximize)
        self.variables: list[pulp.LpVariable] = []
        self._names: set[str] = set()  # every column and row name given out (see _unique)
        self._column: dict[int, int] = {}  # id(variable) -> its index in variables
        # rows "a - b <= 0" (monotone, requires, within, milestone parts): most of the model,
        # kept as column indices; ``problem`` adds them to PuLP only when someone asks for it
        self.pairs: tuple[list[int], list[int], list[str]] = ([], [], [])
        self._pairs_in_problem = 0
        self.rows: list[pulp.LpConstraint] = []
        self.started: dict[str, dict[int, pulp.LpVariable]] = {}
        self.holding: dict[str, dict[int, pulp.LpVariable]] = {}
        self.parts: dict[str, list[tuple[str, int, pulp.LpVariable]]] = {}
        self.balance_vars: tuple[pulp.LpVariable, pulp.LpVariable] | None = None
        self.relax: dict[Rule, pulp.LpVariable] = {}
        self.exposure_rows: dict[str, list[pulp.LpConstraint]] = {}
        self.stake_rows: dict[str, list[pulp.LpConstraint]] = {}
        self.capacity_rows: dict[int, pulp.LpConstraint] = {}
        self.min_received_rows: dict[str, pulp.LpConstraint] = {}
        self.gap_row: pulp.LpConstraint | None = None
        # party -> (balance_below, balance_above): R_p(T) <= high and R_p(T) >= low
        self.balance_rows: dict[str, tuple[pulp.LpConstraint, pulp.LpConstraint]] = {}
        self.pinned: dict[str, int] = dict(pins or {})
        self._ledger: dict[str, tuple[list[Measure], list[Measure]]] | None = None  # see _ledger_parts
        self._following: list[_Following] = []  # see _row
        self._tagged: dict[Hashable, list[int]] = {}  # parameter tag -> indices in _following
        self._costs: dict[int, float] = {}  # the objective: column -> coefficient (see _objective)
        # every coefficient apply changed, in order, for the models loaded from this one
        # (HighsModel.sync pushes what it has not seen): (column, old, new) and (row, column, old, new)
        self.cost_log: list[tuple[int, float, float]] = []
        self.coefficient_log: list[tuple[int, int, float, float]] = []
        self._build()
        self.impossible: list[str] = []
        self.apply(plan, pins)

    # -- expressions ---------------------------------------------------------------

    def s(self, mid: str, t: int) -> pulp.LpVariable | None:
        """S_m(t) as a variable, or None where it is identically 0."""
        window = self.windows[mid]
        if window is None or t < window[0]:
            return None
        return self.started[mid][min(t, window[1])]

    def scheduled(self, mid: str) -> pulp.LpVariable | None:
        """z_m = S_m(T): whether the measure is scheduled at all."""
        window = self.windows[mid]
        return None if window is None else self.started[mid][window[1]]

    def done(self, mid: str, t: int) -> pulp.LpVariable | None:
        """D_m(t) = S_m(t - d_m + 1)."""
        return self.s(mid, t - self.plan.measure_by_id[mid].duration + 1)

    # -- building ------------------------------------------------------------------

    def _unique(self, name: str) -> str:
        """``name`` cleaned for MPS readers and made unique in the model: ids that differ only
        by '-' and '_', or that are cut at the length limit, would otherwise collide."""
        clean = _clean(name)
        if clean in self._names:
            n = len(self._names)
            while (clean := f"{_clean(name)[:MAX_NAME - 12]}_{n}") in self._names:
                n += 1
        self._names.add(clean)
        return clean

    def _variable(self, name: str, cat: str = pulp.LpBinary, low: float | None = 0,
                  high: float | None = 1) -> pulp.LpVariable:
        var = self.base_problem.add_variable(self._unique(name), low, high, cat)
        self._column[id(var)] = len(self.variables)
        self.variables.append(var)
        return var

    def _pair(self, name: str, a: pulp.LpVariable, b: pulp.LpVariable) -> None:
        """The row a - b <= 0, stored in bulk (see :attr:`pairs`)."""
        self.pairs[0].append(self._column[id(a)])
        self.pairs[1].append(self._column[id(b)])
        self.pairs[2].append(name)

    @property
    def problem(self) -> pulp.LpProblem:
        """The complete PuLP model, for export (``writeMPS``) and other solvers.

        The two-term rows are added to it on first use: a solve through
        :class:`~scnekit.engine.highs.HighsModel` never pays for them as PuLP objects.
        """
        a, b, names = self.pairs
        for i in range(self._pairs_in_problem, len(names)):
            add_row(self.base_problem, {self.variables[a[i]]: 1.0, self.variables[b[i]]: -1.0}, LE, 0.0,
                    self._unique(names[i]))
        self._pairs_in_problem = len(names)
        return self.base_problem

    def _relaxed(self, terms: Terms, sense: int, rule: Rule | None, big_m: float) -> Terms:
        """``terms`` with the relax column of ``rule`` (elastic model only)."""
        if rule is not None and self.elastic:
            relax = self.relax.get(rule)
            if relax is None:
                relax = self._variable(_clean(f"relax_{rule.kind}_{rule.subject}"))
                self.relax[rule] = relax
            terms[relax] = terms.get(relax, 0.0) + (-big_m if sense == LE else big_m)
        return terms

    def _row(self, name: str, terms: Terms, sense: int, rhs: float, *,
             rule: Rule | None = None, big_m: float = 0.0,
             follows: Callable[[], tuple[Terms, float]] | None = None,
             tags: Iterable[Hashable] = ()) -> pulp.LpConstraint:
        """Add a row. One whose coefficients (or big M) depend on costs, values, weights or
        deadlines gives ``follows``: it computes ``(terms, big_m)`` from :attr:`plan`, and
        :meth:`apply` calls it again when a parameter named in ``tags`` changes."""
        terms = self._relaxed(terms, sense, rule, big_m)
        row = add_row(self.base_problem, terms, sense, rhs, self._unique(name))
        if follows is not None:
            current = {self._column[id(var)]: coef for var, coef in terms.items()}
            for tag in tags:
                self._tagged.setdefault(tag, []).append(len(self._following))
            self._following.append(_Following(row, len(self.rows), sense, rule, follows, current))
        self.rows.append(row)
        return row

    def _build(self) -> None:
        plan, T = self.plan, self.plan.phases
        for m in plan.measures:
            window = self.windows[m.id]
            if window is None:
                continue
            first, last = window
            steps = {t: self._variable(_clean(f"started_{m.id}_{t}")) for t in range(first, last + 1)}
            self.started[m.id] = steps
            for t in range(first, last):
                self._pair(f"monotone_{m.id}_{t}", steps[t], steps[t + 1])
        parts: list[Callable[[], None]] = [self._requires, self._links, self._mandatory, self._pins]
        if plan.horizon.capacity is not None:
            parts.append(lambda: self._capacity(T))
        parts += [lambda: self._exposure(T), lambda: self._stake(T), self._received, lambda: self._milestones(T),
                  lambda: self._objective(T)]
        for part in parts:
            self.checkpoint()
            part()

    def checkpoint(self) -> None:
        """Raise :class:`Stopped` when the build was asked to stop."""
        if self._stop is not None and self._stop():
            raise Stopped

    def _requires(self) -> None:
        for m in self.plan.measures:
            window = self.windows[m.id]
            if window is None:
                continue
            first, last = window
            for p in m.requires:
                pw = self.windows[p]
                assert pw is not None  # structural_windows kills m when p is dead
                dp = self.plan.measure_by_id[p].duration
                for t in range(first, min(last, pw[1] + dp) + 1):
                    self._pair(f"requires_{m.id}_{p}_{t}", self.started[m.id][t], self.started[p][t - dp])
                if last > pw[1] + dp:
                    self._pair(f"requires_{m.id}_{p}", self.started[m.id][last], self.started[p][pw[1]])

    def _links(self) -> None:
        for i, link in enumerate(self.plan.links):
            live = [x for x in link.measures if self.windows[x] is not None]
            tag = "_".join(link.measures)
            if link.kind == LinkKind.EXCLUSIVE:
                if len(live) > 1:
                    terms: Terms = {}
                    for x in live:
                        _add(terms, self.scheduled(x), 1.0)
                    self._row(f"exclusive{i}_{tag}", terms, LE, 1.0)
                continue
            if len(live) < len(link.measures):
                continue  # windows left every member dead
            for a, b in itertools.pairwise(live):
                terms = {}
                _add(terms, self.scheduled(a), 1.0)
                _add(terms, self.scheduled(b), -1.0)
                self._row(f"reciprocal{i}_{a}_{b}", terms, EQ, 0.0)
            for x in live:
                for c in live:
                    if x == c:
                        continue
                    cw = self.windows[c]
                    xw = self.windows[x]
                    assert cw is not None and xw is not None
                    for t in range(xw[0], xw[1] + 1):
                        if cw[0] <= t + link.within < cw[1]:
                            self._pair(f"within{i}_{x}_{c}_{t}", self.started[x][t],
                                       self.started[c][t + link.within])

    def _mandatory(self) -> None:
        for m in self.plan.measures:
            if m.mandatory:
                terms: Terms = {}
                _add(terms, self.scheduled(m.id), 1.0)
                self._row(f"mandatory_{m.id}", terms, GE, 1.0, rule=Rule(RuleKind.MANDATORY, m.id), big_m=1.0)

    def _pins(self) -> None:
        if not self.elastic:
            return  # pins are bounds in the exact model (see apply)
        for mid, phase in self.pinned.items():
            rule = Rule(RuleKind.PIN, mid)
            terms: Terms = {}
            _add(terms, self.s(mid, phase), 1.0)
            self._row(f"pin_{mid}_started", terms, GE, 1.0, rule=rule, big_m=1.0)
            before = self.s(mid, phase - 1)
            if before is not None:
                self._row(f"pin_{mid}_not_before", {before: 1.0}, LE, 0.0, rule=rule, big_m=1.0)

    def _capacity(self, T: int) -> None:
        live = [m for m in self.plan.measures if self.windows[m.id] is not None]
        # A_m(t) = S_m(t) - S_m(t - d): one pass over each measure's window, not T passes
        # over every measure (5 s at 10,000 x 36)
        rows: list[Terms] = [{} for _ in range(T + 1)]
        for m in live:
            window = self.windows[m.id]
            assert window is not None
            first, last = window
            for t in range(first, min(T, last + m.duration - 1) + 1):
                _add(rows[t], self.s(m.id, t), 1.0)
                _add(rows[t], self.s(m.id, t - m.duration), -1.0)
        for t in range(1, T + 1):
            terms = rows[t]
            self.capacity_rows[t] = self._row(f"capacity_{t}", terms, LE, 0.0, rule=Rule(RuleKind.CAPACITY),
                                              big_m=float(len(live)))

    def _ledger_parts(self, party: str) -> tuple[list[Measure], list[Measure]]:
        """The live measures that cost ``party`` something, and those that give it value.

        Indexed by party once per build (the structure fixes them): scanning every measure
        for every party and phase took 9 of the 17 s of building 10,000 x 36."""
        if self._ledger is None:
            ledger: dict[str, tuple[list[Measure], list[Measure]]] = {}
            for m in self.plan.measures:
                if self.windows[m.id] is None:
                    continue
                if m.cost > 0:
                    ledger.setdefault(m.by, ([], []))[0].append(m)
                for p, v in m.to.items():
                    if v > 0:
                        ledger.setdefault(p, ([], []))[1].append(m)
            self._ledger = ledger
        return self._ledger.get(party, ([], []))

    def exposure_terms(self, party: str, t: int) -> Terms:
        """E_p(t) = G_p(t) - R_p(t) as ``{variable: coefficient}`` (FORMAT.md section 2)."""
        gives, gets = self._ledger_parts(party)
        terms: Terms = {}
        for m in gives:
            _add(terms, self.s(m.id, t), m.cost)
        for m in gets:
            _add(terms, self.done(m.id, t), -m.to[party])
        return terms

    def _given(self, party: str) -> float:
        """What the live measures of ``party`` cost it in all."""
        return sum(m.cost for m in self._ledger_parts(party)[0])

    def _exposure_row(self, party: str, t: int) -> tuple[Terms, float]:
        return self.exposure_terms(party, t), self._given(party)

    def _exposure(self, T: int) -> None:
        """E_p(t) <= limit for each party with a limit and a measure that costs it something
        (the structure key holds which parties have one; without, the row cannot bind)."""
        rules = self.plan.rules
        costly = {m.by for m in self.plan.measures if m.cost > 0}
        for party in self.plan.parties:
            if rules.exposure_limit(party.id) is None or party.id not in costly:
                continue
            rows = []
            for t in range(1, T + 1):
                terms, big_m = self._exposure_row(party.id, t)
                rows.append(self._row(f"exposure_{party.id}_{t}", terms, LE, 0.0,
                                      rule=Rule(RuleKind.MAX_EXPOSURE, party.id), big_m=big_m,
                                      follows=partial(self._exposure_row, party.id, t), tags=[("party", party.id)]))
            self.exposure_rows[party.id] = rows

    def _stake(self, T: int) -> None:
        """``rules.min_stake`` (ANALYSIS.md section 5): for t in 1..T-1,
        (R_p(T) - R_p(t)) - (G_p(T) - G_p(t)) >= n, that is E_p(t) - E_p(T) >= n."""
        for party in self.plan.parties:
            if self.plan.rules.min_stake(party.id) is None:
                continue
            rows = []
            for t in range(1, T):
                terms, big_m = self._stake_row(party.id, t)
                rows.append(self._row(f"stake_{party.id}_{t}", terms, GE, 0.0,
                                      rule=Rule(RuleKind.MIN_STAKE, party.id), big_m=big_m,
                                      follows=partial(self._stake_row, party.id, t),
                                      tags=[("party", party.id), ("min_stake", party.id)]))
            self.stake_rows[party.id] = rows

    def _stake_row(self, party: str, t: int) -> tuple[Terms, float]:
        """E_p(t) - E_p(T), and a big M: the stake is never below -sum(costs)."""
        least = self.plan.rules.min_stake(party)
        assert least is not None
        terms = self.exposure_terms(party, t)
        for var, coef in self.exposure_terms(party, self.plan.phases).items():
            _add(terms, var, -coef)
        return terms, max(0.0, least) + self._given(party) + 1.0

    def _received_terms(self, party: str) -> Terms:
        terms: Terms = {}
        for m in self.plan.measures:
            if m.to.get(party, 0) > 0:
                _add(terms, self.scheduled(m.id), m.to[party])
        return terms

    def _received_row(self, party: str) -> tuple[Terms, float]:
        return self._received_terms(party), self.plan.rules.min_received[party]

    def _balance_row(self, party: str, bound: pulp.LpVariable) -> tuple[Terms, float]:
        terms = self._received_terms(party)
        terms[bound] = -1.0
        return terms, 0.0

    def _gap_row(self) -> tuple[Terms, float]:
        assert self.balance_vars is not None
        high, low = self.balance_vars
        return {high: 1.0, low: -1.0}, sum(sum(m.to.values()) for m in self.plan.measures)

    def _received(self) -> None:
        rules = self.plan.rules
        for party in rules.min_received:
            terms, big_m = self._received_row(party)
            self.min_received_rows[party] = self._row(
                f"min_received_{party}", terms, GE, 0.0, rule=Rule(RuleKind.MIN_RECEIVED, party), big_m=big_m,
                follows=partial(self._received_row, party), tags=[("party", party), ("min_received", party)])
        if rules.balance is None:
            return
        high = self._variable("balance_high", pulp.LpContinuous, 0, None)
        low = self._variable("balance_low", pulp.LpContinuous, 0, None)
        self.balance_vars = (high, low)
        for party in rules.balance.among:
            rows = []
            for name, bound, sense in ((f"balance_below_{party}", high, LE), (f"balance_above_{party}", low, GE)):
                terms, _ = self._balance_row(party, bound)
                rows.append(self._row(name, terms, sense, 0.0, follows=partial(self._balance_row, party, bound),
                                      tags=[("party", party)]))
            self.balance_rows[party] = (rows[0], rows[1])
        terms, top = self._gap_row()
        self.gap_row = self._row("balance_gap", terms, LE, 0.0, rule=Rule(RuleKind.BALANCE), big_m=top,
                                 follows=self._gap_row, tags=["values"])

    def _milestones(self, T: int) -> None:
        before = completed_before(self.plan) if self.essential else {}
        for k in self.plan.milestones:
            firsts = sorted(self.plan.measure_by_id[x].completion(w[0])
                            for x in k.measures if (w := self.windows[x]) is not None)
            start = firsts[k.count - 1] if len(firsts) >= k.count else T + 1
            binary = k.mode == MilestoneMode.AT_LEAST and k.count > 1
            holds = {t: self._variable(_clean(f"holds_{k.id}_{t}"),
                                       pulp.LpBinary if binary else pulp.LpContinuous)
                     for t in range(start, T + 1)}
            self.holding[k.id] = holds
            for t, y in holds.items():
                if k.mode == MilestoneMode.ALL:
                    for x in k.measures:
                        terms: Terms = {y: 1.0}
                        _add(terms, self.done(x, t), -1.0)
                        self._row(f"milestone_{k.id}_{x}_{t}", terms, LE, 0.0)
                elif not binary or not self.hull:
                    terms = {y: float(k.count)}
                    for x in k.measures:
                        _add(terms, self.done(x, t), -1.0)
                    self._row(f"milestone_{k.id}_{t}", terms, LE, 0.0)
                else:
                    self._at_least(k.id, k.measures, k.count, t, y)
            if k.mode != MilestoneMode.ALL and self.essential:
                self._essential(k.id, k.measures, k.count, holds, before)
            if k.deadline is not None:
                terms, big_m = self._deadline_row(k.id)
                self._row(f"deadline_{k.id}", terms, GE, 1.0, rule=Rule(RuleKind.DEADLINE, k.id), big_m=big_m,
                          follows=partial(self._deadline_row, k.id), tags=[("deadline", k.id)])

    def _deadline_row(self, kid: str) -> tuple[Terms, float]:
        """holds_k(deadline) >= 1: the deadline picks the column (none: the row cannot hold)."""
        deadline = self.plan.milestone_by_id[kid].deadline
        terms: Terms = {}
        _add(terms, self.holding[kid].get(deadline) if deadline is not None else None, 1.0)
        return terms, 1.0

    def _at_least(self, kid: str, measures: tuple[str, ...], count: int, t: int,
                  y: pulp.LpVariable) -> None:
        """y = [at least ``count`` of ``measures`` complete by t], as the convex hull per phase.

        The aggregated row count*y <= sum D_x(t) lets the LP earn a share of the milestone
        from a share of its measures. With part_x = min(y, D_x(t)) (part_x <= y,
        part_x <= D_x(t)) and count*y <= sum part_x, y = 1 needs ``count`` measures
        each complete to the full extent of y: the LP bound of plans with at_least
        milestones drops by about half the gap to the optimum (see benchmarks/RESULTS.md).
        """
        terms: Terms = {y: float(count)}
        for x in measures:
            d = self.done(x, t)
            if d is None:
                continue
            part = self._variable(_clean(f"part_{kid}_{x}_{t}"), pulp.LpContinuous)
            self._pair(f"part_{kid}_{x}_{t}_y", part, y)
            self._pair(f"part_{kid}_{x}_{t}_d", part, d)
            self.parts.setdefault(kid, []).append((x, t, part))
            terms[part] = -1.0
        self._row(f"milestone_{kid}_{t}", terms, LE, 0.0)

    def _essential(self, kid: str, measures: tuple[str, ...], count: int,
                   holds: Mapping[int, pulp.LpVariable], before: Mapping[str, frozenset[str]]) -> None:
        """What a milestone of ``count`` out of ``measures`` cannot hold without.

        A member x is essential when, with x not complete by t, too few members can be:
        every member whose completion implies x's is not complete either
        (:func:`~scnekit.engine.implications.completed_before`). Then holds(t) <= D_x(t). The
        per-phase rows of :meth:`_at_least` cannot see this, because they treat members
        as independent. Two members a, b that are essential together give
        holds(t) <= D_a(t) + D_b(t). On the Syria example the LP bound drops from 597.4
        to 589.5 (optimum 578); at 1000 x 24 from 23281 to 23166 (best known 23107).
        """
        live = [x for x in measures if self.windows[x] is not None]

        def left(gone: set[str]) -> int:
            return sum(1 for x in live if x not in gone)

        single = [x for x in live if left({x} | before[x]) < count]
        for x in single:
            for t, y in holds.items():
                d = self.done(x, t)
                if d is None:
                    self._row(f"essential_{kid}_{x}_{t}", {y: 1.0}, LE, 0.0)
                else:
                    self._pair(f"essential_{kid}_{x}_{t}", y, d)
        others = [x for x in live if x not in single]
        for a, b in itertools.combinations(others, 2):
            if left({a, b} | before[a] | before[b]) >= count:
                continue
            for t, y in holds.items():
                terms: Terms = {y: 1.0}
                _add(terms, self.done(a, t), -1.0)
                _add(terms, self.done(b, t), -1.0)
                self._row(f"essential2_{kid}_{a}_{b}_{t}", terms, LE, 0.0)

    def _objective(self, T: int) -> None:
        if self.elastic:
            self.base_problem.setObjective(expression({v: 1.0 for v in self.relax.values()}))
            return
        for m in self.plan.measures:
            self._costs.update(self._measure_costs(m))
        for k in self.plan.milestones:
            self._costs.update(self._milestone_costs(k))
        self.base_problem.setObjective(expression(self.objective_terms()))

    def objective_terms(self) -> Terms:
        """The objective of the exact model as ``{variable: coefficient}``."""
        return {self.variables[col]: coef for col, coef in self._costs.items()}

    def _measure_costs(self, m: Measure) -> dict[int, float]:
        """Measure ``m``'s objective coefficients by column: w_benefit * net_m * (T - c_m + 1)
        for a start at s, as a sum over its running-sum columns."""
        steps = self.started.get(m.id)
        w_benefit = self.plan.objective.benefit
        if not steps or m.net == 0 or w_benefit == 0:
            return {}
        last = max(steps)
        coef = w_benefit * m.net
        terms: Terms = {}
        for v in steps.values():
            _add(terms, v, coef)
        _add(terms, steps[last], coef * (self.plan.phases - m.completion(last)))
        return {self._column[id(v)]: c for v, c in terms.items()}

    def _milestone_costs(self, k: Milestone) -> dict[int, float]:
        """Milestone ``k``'s objective coefficients by ``holds`` column."""
        w = self.plan.objective.milestones * k.weight
        return {self._column[id(y)]: w for y in self.holding[k.id].values()} if w else {}

    # -- parameters ----------------------------------------------------------------

    def accepts(self, plan: Plan) -> bool:
        """Whether ``plan`` differs from this model's plan only in parameters that
        :meth:`apply` sets in place (the same :func:`structure_key`)."""
        return structure_key(plan) == self.key

    def apply(self, plan: Plan, pins: Mapping[str, int] | None = None) -> None:
        """Set the parameters of ``plan`` (same structure key) on the model in place: bounds
        and right-hand sides, then the objective and the rows that follow costs, values,
        weights and deadlines (:meth:`_coefficients`).

        Records in :attr:`impossible` the bounds that contradict each other (a pin
        outside a measure's window, a pinned measure that is unavailable), so a caller
        can skip the solver and diagnose at once.
        """
        if not self.accepts(plan):
            raise ValueError("plan has a different structure; build a new Formulation (see accepts)")
        old, self.plan = self.plan, plan
        pins = dict(pins or {})
        self.impossible = []
        # earliest, availability, pins, and what requires, links and exposure limits imply
        # (not exposure in the elastic model, where a limit may give)
        first = earliest_starts(plan, self.windows, {} if self.elastic else pins, exposure=not self.elastic)
        for m in plan.measures:
            steps = self.started.get(m.id, {})
            pin = pins.get(m.id) if not self.elastic else None
            if pin is not None and (pin not in steps or pin < first[m.id]):
                self.impossible.append(m.id)
            for t, var in steps.items():
                closed = t < first[m.id] or m.id in plan.unavailable or (pin is not None and t < pin)
                var.upBound = 0 if closed else 1
                var.lowBound = 1 if pin is not None and t >= pin and not closed else 0
        for party, rows in self.exposure_rows.items():
            limit = plan.rules.exposure_limit(party)
            assert limit is not None
            for row in rows:
                row.changeRHS(limit)
        for party, rows in self.stake_rows.items():
            least = plan.rules.min_stake(party)
            assert least is not None
            for row in rows:
                row.changeRHS(least)
        for t, row in self.capacity_rows.items():
            row.changeRHS(float(plan.horizon.capacity_at(t) or 0))
        for party, row in self.min_received_rows.items():
            row.changeRHS(plan.rules.min_received[party])
        if self.gap_row is not None and plan.rules.balance is not None:
            self.gap_row.changeRHS(plan.rules.balance.max_gap)
        self._coefficients(old, plan)

    def _coefficients(self, old: Plan, plan: Plan) -> None:
        """Set the objective and the rows that follow costs, values, weights and deadlines
        (see :meth:`_row`) from ``plan``, where they differ from ``old``'s; every change
        goes to :attr:`cost_log` and :attr:`coefficient_log`."""
        tags = _changed(old, plan, elastic=self.elastic)
        if not tags:
            return
        self._ledger = None  # which measures cost or give each party something
        if not self.elastic:
            everything = "weights" in tags
            fresh: dict[int, float] = {}
            for m in plan.measures:
                if everything or ("measure", m.id) in tags:
                    fresh.update(dict.fromkeys((self._column[id(v)] for v in self.started.get(m.id, {}).values()), 0.0))
                    fresh.update(self._measure_costs(m))
            for k in plan.milestones:
                if everything or ("weight", k.id) in tags:
                    fresh.update(dict.fromkeys((self._column[id(y)] for y in self.holding[k.id].values()), 0.0))
                    fresh.update(self._milestone_costs(k))
            moved = False
            for col, coef in fresh.items():
                before = self._costs.get(col, 0.0)
                if coef != before:
                    self.cost_log.append((col, before, coef))
                    moved = True
                if coef:
                    self._costs[col] = coef
                else:
                    self._costs.pop(col, None)
            if moved:
                self._costs = dict(sorted(self._costs.items()))  # in column order, as a build gives it
                self.base_problem.setObjective(expression(self.objective_terms()))
                tags.add("objective")
        for i in sorted({i for tag in tags for i in self._tagged.get(tag, ())}):
            self._follow(self._following[i])

    def _follow(self, following: _Following) -> None:
        """Recompute one following row and set the coefficients that changed."""
        terms, big_m = following.terms()
        terms = self._relaxed(terms, following.sense, following.rule, big_m)
        now = {self._column[id(var)]: coef for var, coef in terms.items()}
        before = following.current
        for col in [*before, *(c for c in now if c not in before)]:
            old, new = before.get(col, 0.0), now.get(col, 0.0)
            if old != new:
                self.coefficient_log.append((following.index, col, old, new))
                set_coefficient(following.row, self.variables[col], new)
        following.current = now

    def point(self, starts: Mapping[str, int]) -> dict[str, float]:
        """The value of every variable (by name) for the roadmap ``starts``.

        Used to hand a roadmap found elsewhere (a heuristic, a previous solve) to the
        solver as a starting point; the solver checks it against every row.
        """
        values: dict[str, float] = {}
        for mid, steps in self.started.items():
            s = starts.get(mid)
            for t, var in steps.items():
                values[var.name] = 1.0 if s is not None and s <= t else 0.0
        done = completion(self.plan, starts)
        achieved = achieved_phase(self.plan, done)
        for kid, holds in self.holding.items():
            a = achieved.get(kid)
            for t, var in holds.items():
                values[var.name] = 1.0 if a is not None and a <= t else 0.0
        for kid, parts in self.parts.items():
            a = achieved.get(kid)
            for x, t, var in parts:
                values[var.name] = 1.0 if a is not None and a <= t and done.get(x, t + 1) <= t else 0.0
        if self.balance_vars is not None and self.plan.rules.balance is not None:
            got = [sum(self.plan.measure_by_id[m].to.get(p, 0.0) for m in starts)
                   for p in self.plan.rules.balance.among]
            values[self.balance_vars[0].name] = max(got)
            values[self.balance_vars[1].name] = min(got)
        for var in self.relax.values():
            values[var.name] = 0.0
        return values

    def starts(self, values: Mapping[str, float]) -> dict[str, int]:
        """Read the schedule ``{measure: start}`` from variable values by name."""
        out: dict[str, int] = {}
        for mid, steps in self.started.items():
            for t, var in steps.items():
                if values.get(var.name, 0.0) > 0.5:
                    out[mid] = t
                    break
        return out


def _changed(old: Plan, new: Plan, *, elastic: bool) -> set[Hashable]:
    """Tags of the parameters that differ between two plans of one structure key and that
    coefficients depend on: ``("measure", m)`` (its cost or values), ``("party", p)`` (what
    costs or gives ``p`` something), ``"values"`` (any value), ``("weight", k)``,
    ``("deadline", k)``, ``"weights"`` (the objective's), and in the elastic model, where
    they set big Ms, ``("min_received", p)`` and ``("min_stake", p)``."""
    tags: set[Hashable] = set()
    for a, b in zip(old.measures, new.measures, strict=True):
        if a.cost != b.cost or a.to != b.to:
            tags.update({("measure", b.id), ("party", b.by)}, {("party", p) for p in {*a.to, *b.to}})
            if a.to != b.to:
                tags.add("values")
    for x, y in zip(old.milestones, new.milestones, strict=True):
        if x.weight != y.weight:
            tags.add(("weight", y.id))
        if x.deadline != y.deadline:
            tags.add(("deadline", y.id))
    if old.objective != new.objective:
        tags.add("weights")
    if elastic:
        for p in new.parties:
            if old.rules.min_stake(p.id) != new.rules.min_stake(p.id):
                tags.add(("min_stake", p.id))
            if old.rules.min_received.get(p.id) != new.rules.min_received.get(p.id):
                tags.add(("min_received", p.id))
    return tags


def _add(terms: Terms, var: pulp.LpVariable | None, coef: float) -> None:
    if var is not None and coef:
        terms[var] = terms.get(var, 0.0) + coef


_NOT_WORD = re.compile(r"\W")
MAX_NAME = 255  # characters in a column or row name


def _clean(name: str) -> str:
    """A name any MPS reader accepts: ids keep their letters, '-' becomes '_'."""
    return _NOT_WORD.sub("_", name)[:MAX_NAME]  # \W: neither alphanumeric nor '_', as before
