"""The bundled Syria example: valid, sourced, and every scenario solves to a roadmap
that keeps every rule (checked independently)."""

from __future__ import annotations

import pytest

import scnekit
from checker import check_answer
from conftest import EXAMPLE, load_doc

PLAN = scnekit.load(EXAMPLE)


def test_example_is_big_enough_and_sourced() -> None:
    assert len(PLAN.measures) >= 30 and len(PLAN.scenarios) >= 3
    assert all(m.source for m in PLAN.measures), "every measure cites where it comes from"
    kinds = {p.kind for p in PLAN.parties}
    assert {"area", "external", "mediator", "civil_society"} <= kinds
    assert any(ln.kind == "reciprocal" for ln in PLAN.links)
    assert any(k.deadline for k in PLAN.milestones)
    assert PLAN.rules.balance is not None and PLAN.rules.exposure_by_party
    assert "illustrative" in (PLAN.description or "").lower()


@pytest.mark.parametrize("scenario", PLAN.scenario_ids)
def test_every_scenario_solves_and_keeps_every_rule(scenario: str) -> None:
    roadmap = scnekit.solve(PLAN, scenario)
    assert roadmap.status == "optimal", roadmap.conflicts
    assert check_answer(load_doc(EXAMPLE), scenario, roadmap.to_dict()) == []
