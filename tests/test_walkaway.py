"""Walk-away analysis and the min_stake rule (ANALYSIS.md section 5), recomputed from the
schedule by the independent checker."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

import scnekit
from tests.support.checker import check_answer, enumerate_optimum, walkaway
from tests.support.paths import CASES, EXAMPLE, case_params, load_doc, run_cli
from tests.support.strategies import plans

EXAMPLES = int(os.environ.get("SCNEKIT_EXAMPLES", "120"))


def assert_rows(doc: dict[str, Any], roadmap: scnekit.Roadmap) -> None:
    starts = dict(roadmap.starts)
    expected = walkaway(doc if roadmap.scenario == "base" else _effective(doc, roadmap.scenario), starts)
    got = roadmap.walkaway_dict()
    assert len(got) == len(expected)
    for row, want in zip(got, expected, strict=True):
        assert (row["party"], row["phase"], row["tempted"]) == (want["party"], want["phase"], want["tempted"])
        assert row["banked"] == pytest.approx(want["banked"]) and row["stake"] == pytest.approx(want["stake"])
        assert row["owed"] == pytest.approx(want["owed"])


def _effective(doc: dict[str, Any], scenario: str) -> dict[str, Any]:
    from tests.support.checker import effective

    return effective(doc, scenario)


@settings(max_examples=max(10, EXAMPLES // 2), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans())
def test_rows_are_recomputed_from_the_schedule(doc: dict[str, Any]) -> None:
    plan = scnekit.loads(doc)
    for scenario in plan.scenario_ids:
        roadmap = scnekit.solve(plan, scenario)
        if roadmap.is_ok:
            assert_rows(doc, roadmap)
        else:
            assert roadmap.walkaway().empty


@pytest.mark.parametrize(("name", "scenario"), sorted({(n, s) for n, s, _ in case_params()}))
def test_rows_of_the_bundled_cases(name: str, scenario: str) -> None:
    doc = load_doc(CASES / name)
    roadmap = scnekit.solve(scnekit.loads(doc), scenario)
    if roadmap.is_ok:
        assert_rows(doc, roadmap)


@pytest.mark.parametrize("least", [0, -1, {"default": 0}])
@pytest.mark.parametrize(("name", "scenario"), [("case-1004.yaml", "base"), ("case-1002.yaml", "base"),
                                                 ("case-1000.yaml", "base")])
def test_min_stake_optima_equal_enumeration(name: str, scenario: str, least: Any) -> None:
    doc = load_doc(CASES / name)
    doc.setdefault("rules", {})["min_stake"] = least
    roadmap = scnekit.solve(scnekit.loads(doc), scenario)
    best = enumerate_optimum(doc, scenario)
    if best is None:
        assert roadmap.status == "infeasible"
        assert any(c.rule in ("min_stake", "structure") or c.rule for c in roadmap.conflicts)
        return
    assert roadmap.objective == pytest.approx(best)
    assert check_answer(doc, scenario, roadmap.to_dict()) == []
    rows = roadmap.walkaway()
    floor = least if isinstance(least, (int, float)) else least["default"]
    assert (rows[rows["phase"] < roadmap.plan.phases]["stake"] >= floor - 1e-9).all()


def test_forbidding_walk_away_on_the_syria_example() -> None:
    plan = scnekit.load(EXAMPLE)
    free = scnekit.solve(plan)
    assert free.walkaway()["tempted"].any()
    held = scnekit.solve(scnekit.variant(plan, set={"rules.min_stake": 0}))
    assert held.is_ok and held.objective <= free.objective
    rows = held.walkaway()
    assert not rows[rows["phase"] < plan.phases]["tempted"].any()
    assert check_answer(load_doc(EXAMPLE) | {"rules": {**load_doc(EXAMPLE)["rules"], "min_stake": 0}}, "base",
                        held.to_dict()) == []


def test_min_stake_is_validated_and_diagnosed() -> None:
    doc = load_doc(CASES / "case-1004.yaml")
    doc.setdefault("rules", {})["min_stake"] = {"nobody": 1, "default": "x"}
    with pytest.raises(scnekit.InputError) as err:
        scnekit.loads(doc)
    paths = {p.path for p in err.value.problems}
    assert "rules.min_stake.nobody" in paths and "rules.min_stake.default" in paths
    doc["rules"]["min_stake"] = 10_000  # no party can keep such a stake
    roadmap = scnekit.solve(scnekit.loads(doc))
    assert roadmap.status == "infeasible"
    stakes = [c for c in roadmap.conflicts if c.rule == "min_stake"]
    assert stakes and all("stake of at least 10000" in c.statement for c in stakes)


def test_cli_walkaway() -> None:
    run = run_cli("walkaway", str(EXAMPLE), "--format", "json")
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert answer["format"] == 1 and answer["roadmap"]["status"] == "optimal"
    row = answer["rows"][0]
    assert set(row) == {"party", "phase", "banked", "stake", "tempted", "owed"}
    run = run_cli("walkaway", str(EXAMPLE))
    assert run.returncode == 0 and "is tempted after phase" in run.stdout
