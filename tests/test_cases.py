"""Every bundled case reproduces its optimum found by enumeration, checked independently."""

from __future__ import annotations

import json

import pytest

import scnekit
from tests.support.checker import check_answer
from tests.support.paths import CASES, case_params, load_doc, run_cli


@pytest.mark.parametrize(("name", "scenario", "optimum"), case_params())
def test_case_optimum(name: str, scenario: str, optimum: float | None) -> None:
    roadmap = scnekit.solve(scnekit.load(CASES / name), scenario)
    answer = roadmap.to_dict()
    if optimum is None:
        assert roadmap.status == "infeasible"
        assert answer["objective"] is None and answer["schedule"] == [] and answer["gap"] is None
        assert answer["conflicts"], "an infeasible scenario must name its conflicts"
        assert all(c["rule"] and c["detail"] for c in answer["conflicts"])
        return
    assert roadmap.status == "optimal"
    assert check_answer(load_doc(CASES / name), scenario, answer) == []
    assert answer["objective"] == pytest.approx(optimum, abs=1e-6)
    assert answer["gap"] == 0.0


@pytest.mark.parametrize(("name", "scenario", "optimum"), case_params()[::5])
def test_case_through_cli(name: str, scenario: str, optimum: float | None) -> None:
    run = run_cli("solve", str(CASES / name), "--scenario", scenario, "--format", "json")
    answer = json.loads(run.stdout)
    assert answer["format"] == 1 and answer["scenario"] == scenario
    if optimum is None:
        assert run.returncode == 1 and answer["status"] == "infeasible" and answer["conflicts"]
    else:
        assert run.returncode == 0 and answer["status"] == "optimal"
        assert answer["objective"] == pytest.approx(optimum)
        assert check_answer(load_doc(CASES / name), scenario, answer) == []
