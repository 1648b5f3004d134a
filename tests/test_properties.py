"""Property-based tests: on random small plans the solver's optimum equals enumeration."""

from __future__ import annotations

import itertools
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scnekit
from checker import check_answer, enumerate_optimum
from scnekit.scenarios import variant

PARTIES = ["north", "south", "ext"]


@st.composite
def plans(draw: st.DrawFn) -> dict[str, Any]:
    T = draw(st.integers(2, 4))
    n = draw(st.integers(1, 5))
    measures = []
    for i in range(n):
        m: dict[str, Any] = {"id": f"m{i}", "title": f"Measure {i}", "by": draw(st.sampled_from(PARTIES)),
                             "cost": draw(st.integers(0, 4)), "duration": draw(st.integers(1, 2))}
        m["to"] = {p: draw(st.integers(0, 4)) for p in draw(st.sets(st.sampled_from(PARTIES), max_size=2))}
        if draw(st.booleans()):
            m["earliest"] = draw(st.integers(1, T))
        if draw(st.booleans()):
            m["latest"] = draw(st.integers(m.get("earliest", 1), T))
        if draw(st.integers(0, 5)) == 0:
            m["mandatory"] = True
        if i > 0 and draw(st.booleans()):
            m["requires"] = [f"m{draw(st.integers(0, i - 1))}"]
        measures.append(m)
    doc: dict[str, Any] = {"scnekit": 1, "name": "random", "horizon": {"phases": T},
                           "parties": [{"id": p, "name": p.title()} for p in PARTIES], "measures": measures}
    ids = [m["id"] for m in measures]
    if n >= 2 and draw(st.booleans()):
        pair = draw(st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True))
        doc["links"] = [{"kind": "reciprocal", "measures": pair, "within": draw(st.integers(0, 1))}]
        if n >= 4 and draw(st.booleans()):
            rest = [x for x in ids if x not in pair]
            doc["links"].append({"kind": "exclusive", "measures": rest[:2]})
    milestones = []
    for j in range(draw(st.integers(0, 2))):
        members = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True))
        form = draw(st.sampled_from(["all", "any", "at_least"]))
        k: dict[str, Any] = {"id": f"k{j}", "title": f"Milestone {j}", "weight": draw(st.integers(0, 5))}
        if form == "at_least":
            k["at_least"] = {"count": draw(st.integers(1, len(members))), "of": members}
        else:
            k[form] = members
        if draw(st.integers(0, 3)) == 0:
            k["deadline"] = draw(st.integers(1, T))
        milestones.append(k)
    if milestones:
        doc["milestones"] = milestones
    rules: dict[str, Any] = {}
    exposure = draw(st.sampled_from(["none", "number", "mapping"]))
    if exposure == "number":
        rules["max_exposure"] = draw(st.integers(0, 4))
    elif exposure == "mapping":
        rules["max_exposure"] = {"default": draw(st.integers(0, 4)), "north": draw(st.integers(0, 4))}
    if draw(st.integers(0, 3)) == 0:
        rules["min_received"] = {"south": draw(st.integers(0, 4))}
    if draw(st.integers(0, 3)) == 0:
        rules["balance"] = {"among": ["north", "south"], "max_gap": draw(st.integers(0, 4))}
    if rules:
        doc["rules"] = rules
    cap = draw(st.sampled_from(["none", "int", "list"]))
    if cap == "int":
        doc["horizon"]["capacity"] = draw(st.integers(0, 3))
    elif cap == "list":
        doc["horizon"]["capacity"] = draw(st.lists(st.integers(0, 3), min_size=T, max_size=T))
    if draw(st.booleans()):
        doc["objective"] = {"benefit": draw(st.integers(0, 2)), "milestones": draw(st.integers(0, 3))}
    if draw(st.booleans()):
        doc["scenarios"] = [{"id": "shock", "unavailable": [draw(st.sampled_from(ids))],
                             "set": {f"measures.{draw(st.sampled_from(ids))}.cost": draw(st.integers(0, 5))}}]
    return doc


SETTINGS = settings(max_examples=int(os.environ.get("SCNEKIT_EXAMPLES", "120")), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(plans())
def test_solver_matches_enumeration(doc: dict[str, Any]) -> None:
    plan = scnekit.loads(doc)
    for scenario in plan.scenario_ids:
        roadmap = scnekit.solve(plan, scenario)
        best = enumerate_optimum(doc, scenario)
        answer = roadmap.to_dict()
        if best is None:
            assert roadmap.status == "infeasible", answer
            assert answer["conflicts"]
        else:
            assert roadmap.status == "optimal"
            assert check_answer(doc, scenario, answer) == []
            assert answer["objective"] == pytest.approx(best, abs=1e-6)


@SETTINGS
@given(plans())
def test_essential_member_rows_keep_every_roadmap(doc: dict[str, Any]) -> None:
    """The rows large models get (the members a milestone cannot hold without) cut off no
    roadmap: on tiny plans, built with them, the optimum is still the enumerated one."""
    from scnekit.formulation import Formulation

    plan = scnekit.loads(doc)
    saved = Formulation.ESSENTIAL_FROM
    Formulation.ESSENTIAL_FROM = 0
    try:
        for scenario in plan.scenario_ids:
            roadmap = scnekit.solve(plan, scenario)
            best = enumerate_optimum(doc, scenario)
            if best is None:
                assert roadmap.status == "infeasible"
            else:
                assert roadmap.status == "optimal"
                assert check_answer(doc, scenario, roadmap.to_dict()) == []
                assert roadmap.objective == pytest.approx(best, abs=1e-6)
    finally:
        Formulation.ESSENTIAL_FROM = saved


@SETTINGS
@given(plans())
def test_every_feasible_roadmap_keeps_every_row_of_the_model(doc: dict[str, Any]) -> None:
    """Each roadmap the checker accepts, written as the model's variables, keeps every row
    and bound of the model (the essential-member rows included): no row cuts off a
    roadmap, optimal or not."""
    from checker import assess, effective
    from scnekit.formulation import Formulation
    from scnekit.highs import HighsModel

    plan = scnekit.loads(doc)
    saved = Formulation.ESSENTIAL_FROM
    Formulation.ESSENTIAL_FROM = 0
    try:
        for scenario in plan.scenario_ids:
            formulation = Formulation(plan.scenario(scenario))
            model = HighsModel.from_formulation(formulation)
            plain = effective(doc, scenario)
            T = plain["horizon"]["phases"]
            ids = [m["id"] for m in plain["measures"]]
            options = [[None, *range(1, T - m.get("duration", 1) + 2)] for m in plain["measures"]]
            for combo in itertools.product(*options):
                starts = {mid: s for mid, s in zip(ids, combo, strict=True) if s is not None}
                if not assess(plain, starts)["violations"]:
                    assert model.satisfies(formulation.point(starts)), (scenario, starts)
    finally:
        Formulation.ESSENTIAL_FROM = saved


@SETTINGS
@given(plans(), st.data())
def test_session_reuse_matches_fresh_solve(doc: dict[str, Any], data: st.DataObject) -> None:
    """Re-solving in one session after parameter changes equals solving from scratch."""
    plan = scnekit.loads(doc)
    session = scnekit.Session()
    ids = [m.id for m in plan.measures]
    for _ in range(3):
        changes: dict[str, Any] = {"rules.max_exposure": data.draw(st.integers(0, 5))}
        gone = data.draw(st.lists(st.sampled_from(ids), max_size=2, unique=True))
        pins = {}
        if data.draw(st.booleans()):
            pins = {data.draw(st.sampled_from(ids)): data.draw(st.integers(1, plan.phases))}
        current = variant(plan, None, set=changes, unavailable=gone)
        reused = session.solve(current, pins=pins)
        fresh = scnekit.Session().solve(current, pins=pins)
        assert reused.status == fresh.status
        if fresh.is_ok:
            assert reused.objective == pytest.approx(fresh.objective)
            for mid, phase in pins.items():
                assert reused.starts.get(mid) == phase


@SETTINGS
@given(plans(), st.data())
def test_stopped_and_reported_roadmaps_keep_every_rule(doc: dict[str, Any], data: st.DataObject) -> None:
    """A solve stopped after any number of polls returns a roadmap that keeps every rule
    (or none), every roadmap reported on the way keeps every rule, and the next solve in
    the same session is whole again."""
    plan = scnekit.loads(doc)
    session = scnekit.Session()
    polls = data.draw(st.integers(0, 6))
    asked = 0

    def stop() -> bool:
        nonlocal asked
        asked += 1
        return asked > polls

    seen: list[scnekit.Roadmap] = []
    stopped = session.solve(plan, stop=stop, progress=seen.append)
    assert stopped.status in ("optimal", "feasible", "unknown", "infeasible")
    for roadmap in [*seen, stopped]:
        if roadmap.is_ok:
            assert check_answer(doc, "base", roadmap.to_dict()) == []
    again = session.solve(plan)
    fresh = scnekit.Session().solve(plan)
    assert again.status == fresh.status
    if fresh.is_ok:
        assert again.objective == pytest.approx(fresh.objective)
