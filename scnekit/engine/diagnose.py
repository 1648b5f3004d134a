"""Why a scenario is infeasible, in a planner's words.

The solver finds the answer, nothing is guessed: an elastic copy of the model gives
each rule that can fail a binary ``relax`` switch. First HiGHS finds the fewest rules
whose relaxation makes a roadmap possible; then a deletion filter (one feasibility solve
per rule) shrinks the set of enforced rules to one that is irreducible: these rules
cannot all hold together, and dropping any one of them lets the rest hold.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import numpy as np

from scnekit.model import Plan, Rule, RuleKind
from scnekit.roadmap import Clash, Conflict, Status

from .formulation import Formulation
from .highs import HighsModel


def diagnose(plan: Plan, pins: Mapping[str, int] | None = None, *, seconds: float = 10.0) -> list[Conflict]:
    """The conflicts that make ``plan`` infeasible (an empty list if it is feasible)."""
    began = time.perf_counter()
    f = Formulation(plan, elastic=True, pins=pins)
    model = HighsModel.from_formulation(f)
    rules = list(f.relax)
    if not rules:
        return [Conflict(RuleKind.STRUCTURE, "the measures' windows, requires and links admit no roadmap")]
    first = model.run(time_limit=max(1.0, seconds / 2))
    if not first.state.found:
        return [Conflict(RuleKind.STRUCTURE, "no roadmap exists even with every relaxable rule relaxed: "
                                             "check windows, requires, links and unavailable measures")]
    relaxed = [r for r in rules if first.values.get(f.relax[r].name, 0.0) > 0.5]
    if not relaxed:
        return []
    enforced = _irreducible(f, model, rules, relaxed, began + seconds)
    if enforced is None:  # out of time: name what the fewest relaxations touch
        enforced = relaxed
    return [conflict(plan, rule, pins, enforced) for rule in enforced]


def conflict(plan: Plan, rule: Rule, pins: Mapping[str, int] | None, together: list[Rule]) -> Conflict:
    """``rule`` as a :class:`Conflict` with the other rules of ``together``, each in words."""
    clashes = tuple(Clash(r, _short(plan, r)) for r in together if r != rule)
    return Conflict(rule.kind, _statement(plan, rule, pins), rule.subject, clashes)


def _irreducible(f: Formulation, model: HighsModel, rules: list[Rule], relaxed: list[Rule],
                 deadline: float) -> list[Rule] | None:
    """Deletion filter over the rules; None when ``deadline`` passes first."""
    column = {rule: model.index[f.relax[rule].name] for rule in rules}
    cols = np.array(list(column.values()), dtype=np.int32)
    model.highs.changeColsCost(len(cols), cols, np.zeros(len(cols)))
    upper = {rule: 0.0 for rule in rules}

    def feasible() -> bool | None:
        left = deadline - time.perf_counter()
        if left <= 0:
            return None
        idx = np.array([column[r] for r in rules], dtype=np.int32)
        model.highs.changeColsBounds(len(idx), idx, np.zeros(len(idx)),
                                     np.array([upper[r] for r in rules]))
        state = model.run(time_limit=left).state
        return None if state == Status.UNKNOWN else state != Status.INFEASIBLE

    # Rules the cheapest relaxation did not need are tried first: most drop out at once.
    for rule in [r for r in rules if r not in relaxed] + relaxed:
        upper[rule] = 1.0
        verdict = feasible()
        if verdict is None:
            return None
        if verdict:
            upper[rule] = 0.0  # needed for the conflict: keep it enforced
    return [r for r in rules if upper[r] == 0.0]


def _phase(plan: Plan, t: int) -> str:
    label = plan.horizon.label(t)
    return f"phase {t}" + (f" ({label})" if plan.horizon.labels else "")


def _statement(plan: Plan, rule: Rule, pins: Mapping[str, int] | None) -> str:
    kind, subject = rule.kind, rule.subject
    if kind == RuleKind.MANDATORY:
        m = plan.measure_by_id[subject]
        text = f"mandatory measure '{subject}' ({m.title}) must be scheduled"
        if subject in plan.unavailable:
            text += f", but it is unavailable in scenario '{plan.scenario_id}'"
        elif m.earliest > m.last_start(plan.phases):
            text += f", but starting no earlier than phase {m.earliest} it cannot complete in time"
        return text
    if kind == RuleKind.PIN:
        phase = (pins or {}).get(subject, 0)
        return f"measure '{subject}' is pinned to start in {_phase(plan, phase)}"
    if kind == RuleKind.DEADLINE:
        k = plan.milestone_by_id[subject]
        text = f"milestone '{subject}' ({k.title}) must be achieved by {_phase(plan, k.deadline or 0)}"
        gone = [x for x in k.measures if x in plan.unavailable]
        if gone:
            text += f" (unavailable here: {', '.join(gone)})"
        return text
    if kind == RuleKind.MAX_EXPOSURE:
        party = plan.party_by_id[subject]
        return (f"{party.name} ('{subject}') may never be exposed by more than "
                f"{plan.rules.exposure_limit(subject):g}")
    if kind == RuleKind.CAPACITY:
        caps = sorted(set(plan.horizon.capacity or ()))
        return f"at most {'/'.join(f'{c}' for c in caps)} measures may be in progress in a phase"
    if kind == RuleKind.MIN_RECEIVED:
        party = plan.party_by_id[subject]
        return (f"{party.name} ('{subject}') must receive at least "
                f"{plan.rules.min_received[subject]:g} by the last phase")
    if kind == RuleKind.MIN_STAKE:
        party = plan.party_by_id[subject]
        return (f"{party.name} ('{subject}') must keep a stake of at least {plan.rules.min_stake(subject):g} "
                "in every phase before the last (never better off walking away)")
    if kind == RuleKind.BALANCE:
        balance = plan.rules.balance
        assert balance is not None
        return (f"what {', '.join(balance.among)} receive may differ by at most {balance.max_gap:g}")
    return f"{kind} {subject}".strip()


def _short(plan: Plan, rule: Rule) -> str:
    kind, subject = rule.kind, rule.subject
    if kind == RuleKind.MAX_EXPOSURE:
        return f"the exposure limit of '{subject}' ({plan.rules.exposure_limit(subject):g})"
    if kind == RuleKind.DEADLINE:
        return f"the deadline of milestone '{subject}' ({_phase(plan, plan.milestone_by_id[subject].deadline or 0)})"
    if kind == RuleKind.MANDATORY:
        return f"mandatory measure '{subject}'"
    if kind == RuleKind.PIN:
        return f"the pin of '{subject}'"
    if kind == RuleKind.CAPACITY:
        return "the capacity per phase"
    if kind == RuleKind.MIN_RECEIVED:
        return f"the minimum '{subject}' receives ({plan.rules.min_received[subject]:g})"
    if kind == RuleKind.MIN_STAKE:
        return f"the minimum stake of '{subject}' ({plan.rules.min_stake(subject):g})"
    if kind == RuleKind.BALANCE:
        return "the balance rule"
    return f"{kind} {subject}".strip()
