"""Infeasible scenarios name the rules that cannot hold together, found by the solver."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings

import scnekit
from scnekit.engine.diagnose import diagnose
from tests.support.checker import enumerate_optimum
from tests.support.strategies import plans

BASE: dict[str, Any] = {
    "scnekit": 1, "name": "Diagnosis", "horizon": {"phases": 4, "labels": ["Q1", "Q2", "Q3", "Q4"]},
    "parties": [{"id": "gos", "name": "Government-held areas"}, {"id": "hts", "name": "Idlib"}],
    "measures": [
        {"id": "aid", "title": "Crossline aid", "by": "gos", "cost": 6, "to": {"hts": 4}, "duration": 2},
        {"id": "calm", "title": "Frontline calm", "by": "hts", "cost": 1, "to": {"gos": 2}},
        {"id": "trade", "title": "Trade crossing", "by": "hts", "cost": 1, "to": {"gos": 1}},
    ],
    "milestones": [{"id": "linkage", "title": "Humanitarian linkage", "all": ["aid"], "deadline": 2}],
    "rules": {"max_exposure": {"gos": 2}},
}


def conflicts(doc: dict[str, Any], pins: dict[str, int] | None = None) -> list[scnekit.Conflict]:
    roadmap = scnekit.solve(scnekit.loads(doc), pins=pins)
    assert roadmap.status == "infeasible"
    return list(roadmap.conflicts)


def test_deadline_blocked_by_exposure() -> None:
    found = conflicts(BASE)
    assert {(c.rule, c.subject) for c in found} == {("deadline", "linkage"), ("max_exposure", "gos")}
    deadline = next(c for c in found if c.rule == "deadline")
    assert "milestone 'linkage' (Humanitarian linkage) must be achieved by phase 2 (Q2)" in deadline.detail
    assert "exposure limit of 'gos' (2)" in deadline.detail


def test_capacity_against_mandatory_measures() -> None:
    doc = copy.deepcopy(BASE)
    del doc["milestones"], doc["rules"]
    doc["horizon"] = {"phases": 1, "capacity": 2}
    doc["measures"][0]["duration"] = 1
    for m in doc["measures"]:
        m["mandatory"] = True
    found = conflicts(doc)
    assert {c.rule for c in found} == {"capacity", "mandatory"}
    assert len([c for c in found if c.rule == "mandatory"]) == 3


def test_pin_outside_what_the_rules_allow() -> None:
    doc = copy.deepcopy(BASE)
    del doc["milestones"]
    found = conflicts(doc, pins={"aid": 4})  # duration 2 cannot complete by phase 4
    assert [(c.rule, c.subject) for c in found] == [("pin", "aid")]
    assert "pinned to start in phase 4 (Q4)" in found[0].detail


def test_unavailable_measure_named_in_deadline() -> None:
    doc = copy.deepcopy(BASE)
    del doc["rules"]
    doc["scenarios"] = [{"id": "no-aid", "unavailable": ["aid"]}]
    roadmap = scnekit.solve(scnekit.loads(doc), "no-aid")
    assert roadmap.status == "infeasible"
    assert "unavailable here: aid" in roadmap.conflicts[0].detail


def test_feasible_plan_has_no_conflicts() -> None:
    doc = copy.deepcopy(BASE)
    doc["rules"]["max_exposure"]["gos"] = 6
    assert diagnose(scnekit.loads(doc)) == []


def _rules_of(doc: dict[str, Any]) -> set[tuple[str, str]]:
    """Every relaxable rule a document states."""
    rules = doc.get("rules") or {}
    found = {("mandatory", m["id"]) for m in doc["measures"] if m.get("mandatory")}
    found |= {("deadline", k["id"]) for k in doc.get("milestones", []) if k.get("deadline") is not None}
    if doc["horizon"].get("capacity") is not None:
        found.add(("capacity", ""))
    found |= {("min_received", p) for p in rules.get("min_received") or {}}
    if rules.get("balance"):
        found.add(("balance", ""))
    for kind in ("max_exposure", "min_stake"):
        spec = rules.get(kind)
        for party in (p["id"] for p in doc["parties"]):
            limit = spec.get(party, spec.get("default")) if isinstance(spec, dict) else spec
            if limit is not None:
                found.add((kind, party))
    return found


def _only(doc: dict[str, Any], keep: set[tuple[str, str]]) -> dict[str, Any]:
    """The document with every relaxable rule not in ``keep`` removed."""
    doc = copy.deepcopy(doc)
    rules = doc.get("rules") or {}
    for m in doc["measures"]:
        if ("mandatory", m["id"]) not in keep:
            m.pop("mandatory", None)
    for k in doc.get("milestones", []):
        if ("deadline", k["id"]) not in keep:
            k.pop("deadline", None)
    if ("capacity", "") not in keep:
        doc["horizon"].pop("capacity", None)
    if "min_received" in rules:
        rules["min_received"] = {p: v for p, v in rules["min_received"].items() if ("min_received", p) in keep}
    if ("balance", "") not in keep:
        rules.pop("balance", None)
    for kind in ("max_exposure", "min_stake"):
        spec = rules.get(kind)
        if spec is not None:
            limits = {p["id"]: (spec.get(p["id"], spec.get("default")) if isinstance(spec, dict) else spec)
                      for p in doc["parties"]}
            rules[kind] = {p: v for p, v in limits.items() if v is not None and (kind, p) in keep}
    return doc


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(plans())
def test_conflicts_are_irreducible(doc: dict[str, Any]) -> None:
    """The named rules alone admit no roadmap; without any one of them a roadmap exists.

    Both checked by enumeration, independently of the solver.
    """
    doc.pop("scenarios", None)
    roadmap = scnekit.solve(scnekit.loads(doc))
    if roadmap.status != "infeasible":
        return
    named = {(c.rule, c.subject) for c in roadmap.conflicts}
    assert named and named <= _rules_of(doc), named
    assert enumerate_optimum(_only(doc, named)) is None
    for rule in named:
        assert enumerate_optimum(_only(doc, named - {rule})) is not None, rule
