"""The search for very large plans (scnekit/engine/large.py), run on small plans by lowering
its size threshold: every roadmap it returns keeps every rule (the independent checker),
and the bound it reports is never below the optimum."""

from __future__ import annotations

import sys

import pytest

import scnekit
from scnekit.engine import large, session
from scnekit.engine.bound import upper_bound
from scnekit.engine.breaches import breaches
from scnekit.engine.part import clusters, part
from scnekit.engine.windows import structural_windows
from tests.support.checker import assess, check_answer, effective
from tests.support.paths import CASES, ROOT, case_params, load_doc

sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import generate


@pytest.fixture
def everything_large(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(large, "THRESHOLD", 0)


@pytest.mark.parametrize(("name", "scenario", "optimum"), case_params())
def test_cases_through_the_large_search(everything_large: None, name: str, scenario: str,
                                        optimum: float | None) -> None:
    plan = scnekit.load(CASES / name).scenario(scenario)
    roadmap = scnekit.Session().solve(plan, time_limit=20, gap=0.0)
    # it proves optimality only where its bound meets the roadmap, and never infeasibility
    assert roadmap.status in ("optimal", "feasible", "unknown")
    if optimum is None:
        assert roadmap.status == "unknown"
        return
    if roadmap.status == "unknown":
        return
    answer = roadmap.to_dict()
    assert check_answer(load_doc(CASES / name), scenario, answer) == []
    assert roadmap.objective is not None and roadmap.bound is not None
    assert roadmap.objective <= optimum + 1e-6 <= roadmap.bound + 2e-6
    assert roadmap.gap == pytest.approx(max(0.0, roadmap.bound - roadmap.objective) / max(1.0, roadmap.objective))


def test_generated_plan_repaired_and_bounded(everything_large: None) -> None:
    doc = generate(120, 10, seed=3)
    plan = scnekit.loads(doc)
    seen: list[scnekit.Roadmap] = []
    roadmap = scnekit.Session().solve(plan, time_limit=30, gap=0.0, progress=seen.append)
    assert roadmap.status in ("optimal", "feasible")
    assert assess(effective(doc, None), dict(roadmap.starts))["violations"] == []
    assert seen and all(assess(effective(doc, None), dict(r.starts))["violations"] == [] for r in seen)
    assert [r.objective for r in seen] == sorted(r.objective for r in seen)
    assert roadmap.objective == seen[-1].objective


def test_bound_holds_against_the_exact_optimum() -> None:
    doc = generate(120, 10, seed=3)
    plan = scnekit.loads(doc)
    exact = scnekit.Session().solve(plan, gap=0.0)
    assert exact.status == "optimal" and exact.objective is not None
    assert upper_bound(plan, structural_windows(plan), {}) >= exact.objective - 1e-6


def test_a_part_keeps_the_rest_of_the_roadmap() -> None:
    """Re-planning a part of a feasible roadmap gives a roadmap of the whole plan that
    keeps every rule, and scores no less (the part starts from its current roadmap)."""
    doc = generate(120, 10, seed=3)
    plan = scnekit.loads(doc)
    exact = scnekit.Session().solve(plan, gap=0.05)
    starts = dict(exact.starts)
    cluster = clusters(plan)
    chosen = sorted(set(cluster.values()))[::3]
    free = {m for m, c in cluster.items() if c in chosen}
    found = part(plan, starts, free, {}).solve(starts, time_limit=20, gap=0.0)
    assert found is not None
    joined = {m: s for m, s in starts.items() if m not in free} | found
    assert breaches(plan, joined).none
    result = assess(effective(doc, None), joined)
    assert result["violations"] == []
    assert result["objective"] >= exact.objective - 1e-6


def test_small_plans_keep_the_exact_search() -> None:
    plan = scnekit.load(CASES / "case-1000.yaml")
    assert not large.takes(plan)
    assert session.Session().solve(plan).status in ("optimal", "infeasible")
