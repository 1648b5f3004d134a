"""Property-based tests: on random small plans the solver's optimum equals enumeration."""

from __future__ import annotations

import itertools
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scnekit
from scnekit.fileformat.scenarios import variant
from tests.support.checker import check_answer, enumerate_optimum
from tests.support.strategies import plans

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
    from scnekit.engine.formulation import Formulation

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
    from scnekit.engine.formulation import Formulation
    from scnekit.engine.highs import HighsModel
    from tests.support.checker import assess, effective

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
