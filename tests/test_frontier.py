"""The exposure frontier (ANALYSIS.md section 3) equals enumeration, point by point."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

import scnekit
from scnekit.analysis.frontier import frontier
from tests.support.checker import assess, check_answer, effective, enumerate_frontier
from tests.support.paths import CASES, EXAMPLE, case_params, load_doc, run_cli
from tests.support.strategies import plans

EXAMPLES = int(os.environ.get("SCNEKIT_EXAMPLES", "120"))


def assert_exact(doc: dict[str, Any], scenario: str, parties: list[str] | None = None) -> None:
    plan = scnekit.loads(doc)
    found = frontier(plan, scenario, parties)
    expected = enumerate_frontier(doc, scenario, parties)
    got = [(p.peak_exposure, p.objective) for p in found.points]
    assert len(got) == len(expected), (got, expected)
    assert [x for pair in got for x in pair] == pytest.approx([x for pair in expected for x in pair]), (got, expected)
    assert found.status == ("optimal" if expected else "infeasible")
    who = parties or [p["id"] for p in doc["parties"]]
    for point in found.points:
        answer = point.roadmap.to_dict()
        assert check_answer(doc, scenario, answer) == []
        starts = {row["measure"]: row["start"] for row in answer["schedule"]}
        result = assess(effective(doc, scenario), starts)
        assert max(max(result["exposure"][p]) for p in who) == pytest.approx(point.peak_exposure)


@settings(max_examples=max(10, EXAMPLES // 3), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans())
def test_frontier_matches_enumeration(doc: dict[str, Any]) -> None:
    plan = scnekit.loads(doc)
    for scenario in plan.scenario_ids:
        assert_exact(doc, scenario)
    assert_exact(doc, "base", [plan.parties[0].id])


@pytest.mark.parametrize(("name", "scenario"), sorted({(n, s) for n, s, _ in case_params()}))
def test_frontier_of_the_bundled_cases(name: str, scenario: str) -> None:
    assert_exact(load_doc(CASES / name), scenario)


def test_syria_frontier_and_cli() -> None:
    plan = scnekit.load(EXAMPLE)
    found = frontier(plan)
    assert found.status == "optimal" and len(found.points) >= 2
    assert found.points[-1].objective == scnekit.solve(plan).objective
    table = found.table
    assert list(table["peak_exposure"]) == sorted(table["peak_exposure"])
    assert table["cost_of_safety"].iloc[-1] == 0
    run = run_cli("frontier", str(EXAMPLE), "--format", "json", "--max-points", "2")
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert answer["format"] == 1 and len(answer["points"]) == 2 and answer.get("truncated") is True
    assert [p["objective"] for p in answer["points"]] == sorted(p["objective"] for p in answer["points"])
    run = run_cli("frontier", str(EXAMPLE), "--parties", "nobody")
    assert run.returncode == 2


def test_an_infeasible_scenario_has_no_frontier() -> None:
    run = run_cli("frontier", str(CASES / "case-1003.yaml"), "--format", "json")
    assert run.returncode == 1
    assert json.loads(run.stdout)["status"] == "infeasible"
