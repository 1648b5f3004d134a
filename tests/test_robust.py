"""Robust first steps (ANALYSIS.md section 4) against enumeration: on tiny plans every
feasible roadmap of every scenario is listed by the independent checker, and the robust
value is the best, over first-step sets that every scenario can keep, of the worst (or
mean) of each scenario's best roadmap with those first steps."""

from __future__ import annotations

import contextlib
import itertools
import json
import re
from typing import Any
from unittest import mock

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scnekit
from scnekit.analysis.robust import RobustResult, _Robust, robust
from scnekit.errors import InputError, UsageError
from tests.support.checker import check_answer, enumerate_optimum
from tests.support.checker import feasible_roadmaps as all_feasible
from tests.support.paths import CASES, EXAMPLE, load_doc, run_cli
from tests.support.strategies import plans

Prefix = frozenset[tuple[str, int]]
TOL = 1e-6


def feasible_roadmaps(doc: dict[str, Any], scenario: str) -> list[tuple[dict[str, int], float]]:
    """Every feasible schedule of the scenario with its objective, by trying them all."""
    return [(starts, result["objective"]) for starts, result in all_feasible(doc, scenario)]


def prefix(starts: dict[str, int], shared: int) -> Prefix:
    return frozenset((m, s) for m, s in starts.items() if s <= shared)


def best_by_prefix(roadmaps: list[tuple[dict[str, int], float]], shared: int) -> dict[Prefix, float]:
    best: dict[Prefix, float] = {}
    for starts, objective in roadmaps:
        key = prefix(starts, shared)
        best[key] = max(best.get(key, -float("inf")), objective)
    return best


def robust_by_enumeration(bests: list[dict[Prefix, float]], criterion: str) -> tuple[float, set[Prefix]] | None:
    """The robust value and every first-step set that reaches it (None: no common set)."""
    common = set.intersection(*(set(b) for b in bests))
    if not common:
        return None
    score = {p: (min if criterion == "worst" else lambda xs: sum(xs) / len(xs))([b[p] for b in bests])
             for p in common}
    value = max(score.values())
    return value, {p for p, v in score.items() if v >= value - TOL}


def check_result(doc: dict[str, Any], result: RobustResult, ids: list[str], shared: int, criterion: str,
                 enumerated: dict[str, list[tuple[dict[str, int], float]]]) -> None:
    """``result`` against enumeration and the independent checker."""
    answer = json.loads(json.dumps(result.to_dict()))
    assert set(answer) == {"format", "status", "shared", "criterion", "value", "first_steps", "scenarios"}
    assert answer["format"] == 1 and answer["shared"] == shared and answer["criterion"] == criterion
    assert list(answer["scenarios"]) == ids
    bests = [best_by_prefix(enumerated[sid], shared) for sid in ids]
    expected = robust_by_enumeration(bests, criterion)
    optima = {sid: enumerate_optimum(doc, sid) for sid in ids}
    for sid in ids:
        entry = answer["scenarios"][sid]
        assert entry["scenario"] == sid
        assert entry["optimum"] == (None if optima[sid] is None else pytest.approx(optima[sid], abs=TOL))
    if expected is None:
        assert answer["status"] == "infeasible", answer
        assert answer["value"] is None and answer["first_steps"] == []
        assert result.reasons
        for sid in ids:
            entry = answer["scenarios"][sid]
            assert entry["status"] == "infeasible" and entry["schedule"] == [] and entry["objective"] is None
            assert entry["conflicts"] and all(c["detail"] for c in entry["conflicts"])
            assert entry["price"] is None
        check_reasons(result, ids, bests, optima, enumerated)
        return
    value, best_prefixes = expected
    assert answer["status"] == "optimal", answer
    assert answer["value"] == pytest.approx(value, abs=TOL)
    first = frozenset((row["measure"], row["start"]) for row in answer["first_steps"])
    assert answer["first_steps"] == sorted(answer["first_steps"], key=lambda r: (r["start"], r["measure"]))
    assert first in best_prefixes
    objectives = []
    for sid, best in zip(ids, bests, strict=True):
        entry = answer["scenarios"][sid]
        assert check_answer(doc, sid, entry) == []
        starts = {row["measure"]: row["start"] for row in entry["schedule"]}
        assert prefix(starts, shared) == first
        # every scenario gets the best roadmap it can have with these first steps
        assert entry["objective"] == pytest.approx(best[first], abs=TOL)
        assert entry["price"] == pytest.approx(entry["optimum"] - entry["objective"], abs=TOL)
        assert entry["price"] >= -TOL
        objectives.append(entry["objective"])
    combined = min(objectives) if criterion == "worst" else sum(objectives) / len(objectives)
    assert combined == pytest.approx(answer["value"], abs=TOL)


def check_reasons(result: RobustResult, ids: list[str], bests: list[dict[Prefix, float]],
                  optima: dict[str, float | None],
                  enumerated: dict[str, list[tuple[dict[str, int], float]]]) -> None:
    """What an infeasible answer says is what enumeration finds."""
    alone = [sid for sid in ids if optima[sid] is None]
    if alone:
        for sid in alone:
            assert any(f"scenario '{sid}' has no roadmap" in r for r in result.reasons), result.reasons
        return
    pair = re.match(r"scenarios '(.+?)' and '(.+?)' cannot start the same measures", result.reasons[0])
    if pair is not None:
        a, b = (ids.index(x) for x in pair.groups())
        assert not set(bests[a]) & set(bests[b]), "the pair named can share first steps"
        for reason in result.reasons[1:]:
            named = re.match(r"measure '([^']+)' is mandatory and must start by phase (\d+) in scenario '([^']+)', "
                             r"but .*scenario '([^']+)'", reason)
            assert named is not None, reason
            mid, phase, early, late = named.group(1), int(named.group(2)), named.group(3), named.group(4)
            assert all(starts.get(mid, phase + 1) <= phase for starts, _ in enumerated[early])
            assert all(starts.get(mid, phase + 1) > phase for starts, _ in enumerated[late])
        return
    assert "though every two of them can" in result.reasons[0], result.reasons
    assert all(set(bests[a]) & set(bests[b]) for a, b in itertools.combinations(range(len(ids)), 2))


@st.composite
def robust_cases(draw: st.DrawFn) -> tuple[dict[str, Any], int, str]:
    """A tiny plan with two or three scenarios beside ``base`` that change what pays and what
    is possible, first steps K and a criterion."""
    doc = draw(plans())
    if draw(st.integers(0, 3)) > 0:  # mostly a base plan that has roadmaps: the scenarios add the rules
        for m in doc["measures"]:
            m.pop("mandatory", None)
        for k in doc.get("milestones", []):
            k.pop("deadline", None)
        doc.get("rules", {}).pop("min_received", None)
        if isinstance(doc["horizon"].get("capacity"), int):
            doc["horizon"]["capacity"] = max(1, doc["horizon"]["capacity"])
    T = doc["horizon"]["phases"]
    ids = [m["id"] for m in doc["measures"]]
    scenarios = [s for s in doc.get("scenarios", []) if draw(st.booleans())]
    for name in ["early", "late", "tight"][:draw(st.integers(2, 3))]:
        entry: dict[str, Any] = {"id": name}
        if draw(st.booleans()):
            entry["unavailable"] = [draw(st.sampled_from(ids))]
        sets: dict[str, Any] = {}
        for _ in range(draw(st.integers(1, 3))):
            m = draw(st.sampled_from(doc["measures"]))
            field = draw(st.sampled_from(["cost", "to", "mandatory", "earliest", "latest"]))
            path = f"measures.{m['id']}.{field}"
            if field == "cost":
                sets[path] = draw(st.integers(0, 5))
            elif field == "to":
                sets[path] = {draw(st.sampled_from(["north", "south", "ext"])): draw(st.integers(0, 6))}
            elif field == "mandatory":
                sets[path] = draw(st.sampled_from([True, True, False]))
            elif field == "earliest":
                sets[path] = draw(st.integers(1, m.get("latest", T)))
            else:
                sets[path] = draw(st.integers(m.get("earliest", 1), T))
        if draw(st.integers(0, 3)) == 0:  # a measure that must start at its earliest phase
            m = draw(st.sampled_from(doc["measures"]))
            sets[f"measures.{m['id']}.mandatory"] = True
            sets[f"measures.{m['id']}.latest"] = m.get("earliest", 1)
        if draw(st.integers(0, 3)) == 0:
            sets["rules.max_exposure"] = draw(st.integers(0, 4))
        entry["set"] = sets
        scenarios.append(entry)
    doc["scenarios"] = scenarios
    return doc, draw(st.integers(1, T)), draw(st.sampled_from(["worst", "mean"]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(robust_cases(), st.data(), st.booleans())
def test_robust_matches_enumeration(case: tuple[dict[str, Any], int, str], data: st.DataObject,
                                    start: bool) -> None:
    """With ``start`` False the analysis gets no starting point, so the combined program
    always runs (a start often reaches the scenarios' own optima and ends the search)."""
    doc, shared, criterion = case
    try:
        plan = scnekit.loads(doc)
    except InputError:
        return  # a drawn override the format refuses
    enumerated = {sid: feasible_roadmaps(doc, sid) for sid in plan.scenario_ids}
    # mostly scenarios that have roadmaps of their own (else the answer is infeasible at once),
    # sometimes one without
    ids = [sid for sid in plan.scenario_ids if enumerated[sid]]
    without = [sid for sid in plan.scenario_ids if not enumerated[sid]]
    if without and (len(ids) < 2 or data.draw(st.integers(0, 4)) == 0):
        ids.append(data.draw(st.sampled_from(without)))
    if len(ids) < 2:
        return
    with contextlib.ExitStack() as stack:
        if not start:
            stack.enter_context(mock.patch.object(_Robust, "start", return_value=None))
        result = robust(plan, ids, shared, criterion)
    check_result(doc, result, ids, shared, criterion, enumerated)


@pytest.mark.parametrize("name", sorted(p.name for p in CASES.glob("case-*.yaml")))
def test_bundled_cases(name: str) -> None:
    doc = load_doc(CASES / name)
    plan = scnekit.load(CASES / name)
    ids = plan.scenario_ids
    assert len(ids) >= 2
    enumerated = {sid: feasible_roadmaps(doc, sid) for sid in ids}
    for shared, criterion in itertools.product((1, 2), ("worst", "mean")):
        check_result(doc, robust(plan, ids, shared, criterion), ids, shared, criterion, enumerated)


MANDATORY_EARLY = {
    "scnekit": 1, "name": "mandatory early, unavailable elsewhere", "horizon": {"phases": 3},
    "parties": [{"id": "north", "name": "North"}, {"id": "south", "name": "South"}],
    "measures": [
        {"id": "talks", "title": "Talks", "by": "north", "to": {"south": 2}, "mandatory": True, "latest": 1},
        {"id": "aid", "title": "Aid", "by": "south", "cost": 1, "to": {"north": 3}},
    ],
    "scenarios": [
        {"id": "collapse", "unavailable": ["talks"], "set": {"measures.talks.mandatory": False}},
        {"id": "calm", "set": {"measures.aid.cost": 2}},
    ],
}


def test_mandatory_early_and_unavailable_elsewhere_is_infeasible_with_a_reason() -> None:
    plan = scnekit.loads(MANDATORY_EARLY)
    result = robust(plan, ["base", "collapse", "calm"], 1)
    assert result.status == "infeasible" and result.value is None and result.first_steps == []
    assert result.reasons[0] == "scenarios 'base' and 'collapse' cannot start the same measures in phase 1"
    assert ("measure 'talks' is mandatory and must start by phase 1 in scenario 'base', "
            "but it is unavailable in scenario 'collapse'") in result.reasons
    answer = result.to_dict()
    for sid, entry in answer["scenarios"].items():
        assert entry["status"] == "infeasible" and entry["conflicts"], sid
        assert "cannot start the same measures" in entry["conflicts"][0]["detail"]
    assert answer["scenarios"]["calm"]["optimum"] == pytest.approx(enumerate_optimum(MANDATORY_EARLY, "calm"))
    # K = 0 shares nothing: each scenario has its own optimum
    free = robust(plan, ["base", "collapse"], 0)
    assert free.status == "optimal" and free.first_steps == []
    assert all(s.price == pytest.approx(0.0) for s in free.scenarios.values())


def test_a_scenario_without_a_roadmap_names_its_own_conflicts() -> None:
    doc = {**MANDATORY_EARLY, "scenarios": [{"id": "broken", "unavailable": ["talks"]}]}
    result = robust(scnekit.loads(doc), "base,broken", 1)
    assert result.status == "infeasible"
    assert result.reasons[0].startswith("scenario 'broken' has no roadmap of its own: mandatory measure 'talks'")
    broken = result.to_dict()["scenarios"]["broken"]
    assert broken["conflicts"][0]["rule"] == "mandatory" and broken["optimum"] is None
    base = result.to_dict()["scenarios"]["base"]
    assert base["conflicts"][0]["detail"] == ("scenario 'broken' has no roadmap, so no first steps can be "
                                              "shared with it")


def test_arguments_are_checked() -> None:
    plan = scnekit.loads(MANDATORY_EARLY)
    with pytest.raises(UsageError, match="criterion"):
        robust(plan, None, 1, "best")
    with pytest.raises(UsageError, match="shared"):
        robust(plan, None, 4)
    with pytest.raises(UsageError, match="shared"):
        robust(plan, None, True)
    with pytest.raises(UsageError, match="no scenario 'nowhere'"):
        robust(plan, "base,nowhere", 1)
    with pytest.raises(UsageError, match="time_limit"):
        robust(plan, None, 1, time_limit=0)


SYRIA = ["base", "earthquake", "us-russia-frozen"]


def test_syria_first_two_phases() -> None:
    plan = scnekit.load(EXAMPLE)
    doc = yaml.safe_load(EXAMPLE.read_text())
    result = robust(plan, SYRIA, 2)
    answer = result.to_dict()
    assert answer["status"] == "optimal" and list(answer["scenarios"]) == SYRIA
    first = {(r["measure"], r["start"]) for r in answer["first_steps"]}
    assert first and all(s <= 2 for _, s in first)
    for sid, entry in answer["scenarios"].items():
        assert check_answer(doc, sid, entry) == []
        assert {(r["measure"], r["start"]) for r in entry["schedule"] if r["start"] <= 2} == first
        assert entry["optimum"] == pytest.approx(scnekit.solve(plan, sid).objective)
        assert entry["price"] >= 0
    assert answer["value"] == pytest.approx(min(e["objective"] for e in answer["scenarios"].values()))
    assert answer["value"] <= min(e["optimum"] for e in answer["scenarios"].values())


def test_a_time_limit_ends_the_analysis_with_what_it_has() -> None:
    plan = scnekit.load(EXAMPLE)
    doc = yaml.safe_load(EXAMPLE.read_text())
    result = robust(plan, SYRIA, 2, time_limit=1.0)
    assert result.seconds < 5.0
    answer = json.loads(json.dumps(result.to_dict()))
    assert answer["status"] in ("optimal", "feasible", "unknown")
    if answer["status"] == "unknown":
        assert answer["value"] is None and answer["first_steps"] == []
        return
    for sid, entry in answer["scenarios"].items():
        assert check_answer(doc, sid, entry) == []


def test_cli_robust() -> None:
    run = run_cli("robust", str(CASES / "case-1004.yaml"), "--scenarios", "all", "--shared", "1",
                  "--format", "json")
    assert run.returncode in (0, 1), run.stderr
    answer = json.loads(run.stdout)
    assert answer["format"] == 1 and answer["shared"] == 1 and answer["criterion"] == "worst"
    assert set(answer) == {"format", "status", "shared", "criterion", "value", "first_steps", "scenarios"}
    run = run_cli("robust", str(CASES / "case-1004.yaml"), "--scenarios", "nowhere", "--shared", "1")
    assert run.returncode == 2 and "Traceback" not in run.stderr
