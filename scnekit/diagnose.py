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

from .formulation import Formulation, Rule
from .highs import HighsModel
from .model import Plan
from .roadmap import Conflict


def diagnose(plan: Plan, pins: Mapping[str, int] | None = None, *, seconds: float = 10.0) -> list[Conflict]:
    """The conflicts that make ``plan`` infeasible (an empty list if it is feasible)."""
    began = time.perf_counter()
    f = Formulation(plan, elastic=True, pins=pins)
    model = HighsModel.from_formulation(f)
    rules = list(f.relax)
    if not rules:
        return [Conflict("structure", "the measures' windows, requires and links admit no roadmap")]
    first = model.run(time_limit=max(1.0, seconds / 2))
    if first.state not in ("optimal", "feasible"):
        return [Conflict("structure", "no roadmap exists even with every relaxable rule relaxed: "
                                      "check windows, requires, links and unavailable measures")]
    relaxed = [r for r in rules if first.values.get(f.relax[r].name, 0.0) > 0.5]
    if not relaxed:
        return []
    enforced = _irreducible(f, model, rules, relaxed, began + seconds)
    if enforced is None:  # out of time: name what the fewest relaxations touch
        enforced = relaxed
    return [Conflict(rule.kind, _describe(plan, rule, pins, enforced), rule.subject) for rule in enforced]


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
        return None if state == "unknown" else state != "infeasible"

    # Rules the cheapest relaxation did not need are tried first: most drop out at once.
    for rule in [r for r in rules if r not in relaxed] + relaxed:
        upper[rule] = 1.0
        verdict = feasible()
        if verdict is None:
            return None
        if verdict:
            upper[rule] = 0.0  # needed for the conflict: keep it enforced
    return [r for r in rules if upper[r] == 0.0]


def _describe(plan: Plan, rule: Rule, pins: Mapping[str, int] | None, conflict: list[Rule]) -> str:
    """One sentence about ``rule``, naming the others it cannot hold together with."""
    own = _statement(plan, rule, pins)
    others = [_short(plan, r) for r in conflict if r != rule]
    if others:
        return f"{own}, which cannot hold together with: " + "; ".join(others)
    return f"{own}, which no roadmap can satisfy given the measures' windows, requires and links"


def _phase(plan: Plan, t: int) -> str:
    label = plan.horizon.label(t)
    return f"phase {t}" + (f" ({label})" if plan.horizon.labels else "")


def _statement(plan: Plan, rule: Rule, pins: Mapping[str, int] | None) -> str:
    kind, subject = rule
    if kind == "mandatory":
        m = plan.measure_by_id[subject]
        text = f"mandatory measure '{subject}' ({m.title}) must be scheduled"
        if subject in plan.unavailable:
            text += f", but it is unavailable in scenario '{plan.scenario_id}'"
        elif m.earliest + m.duration - 1 > min(plan.phases, m.latest + m.duration - 1):
            text += f", but starting no earlier than phase {m.earliest} it cannot complete in time"
        return text
    if kind == "pin":
        phase = (pins or {}).get(subject, 0)
        return f"measure '{subject}' is pinned to start in {_phase(plan, phase)}"
    if kind == "deadline":
        k = plan.milestone_by_id[subject]
        text = f"milestone '{subject}' ({k.title}) must be achieved by {_phase(plan, k.deadline or 0)}"
        gone = [x for x in k.measures if x in plan.unavailable]
        if gone:
            text += f" (unavailable here: {', '.join(gone)})"
        return text
    if kind == "max_exposure":
        party = plan.party_by_id[subject]
        return (f"{party.name} ('{subject}') may never be exposed by more than "
                f"{plan.rules.exposure_limit(subject):g}")
    if kind == "capacity":
        caps = sorted(set(plan.horizon.capacity or ()))
        return f"at most {'/'.join(f'{c}' for c in caps)} measures may be in progress in a phase"
    if kind == "min_received":
        party = plan.party_by_id[subject]
        return (f"{party.name} ('{subject}') must receive at least "
                f"{plan.rules.min_received[subject]:g} by the last phase")
    if kind == "balance":
        balance = plan.rules.balance
        assert balance is not None
        return (f"what {', '.join(balance.among)} receive may differ by at most {balance.max_gap:g}")
    return f"{kind} {subject}"


def _short(plan: Plan, rule: Rule) -> str:
    kind, subject = rule
    if kind == "max_exposure":
        return f"the exposure limit of '{subject}' ({plan.rules.exposure_limit(subject):g})"
    if kind == "deadline":
        return f"the deadline of milestone '{subject}' ({_phase(plan, plan.milestone_by_id[subject].deadline or 0)})"
    if kind == "mandatory":
        return f"mandatory measure '{subject}'"
    if kind == "pin":
        return f"the pin of '{subject}'"
    if kind == "capacity":
        return "the capacity per phase"
    if kind == "min_received":
        return f"the minimum '{subject}' receives ({plan.rules.min_received[subject]:g})"
    return "the balance rule"
