"""The search for very large plans (scnekit/engine/large.py), run on small plans by lowering
its size threshold: every roadmap it returns keeps every rule (the independent checker),
and the bound it reports is never below the optimum."""

from __future__ import annotations

import os
import sys
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import scnekit
from scnekit.engine import large, session
from scnekit.engine.bound import Relaxation, upper_bound
from scnekit.engine.breaches import breaches
from scnekit.engine.part import clusters, part
from scnekit.engine.windows import structural_windows
from tests.support.checker import assess, check_answer, effective, enumerate_optimum
from tests.support.paths import CASES, ROOT, case_params, load_doc
from tests.support.strategies import plans

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


@settings(max_examples=int(os.environ.get("SCNEKIT_EXAMPLES", "120")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(plans())
def test_random_plans_through_the_large_search(everything_large: None, doc: dict[str, Any]) -> None:
    """On random tiny plans: the bound is never below the enumerated optimum, and a roadmap
    (where one is returned) keeps every rule."""
    plan = scnekit.loads(doc)
    for scenario in plan.scenario_ids:
        chosen = plan.scenario(scenario)
        best = enumerate_optimum(doc, scenario)
        if best is not None:
            assert upper_bound(chosen, structural_windows(chosen), {}) >= best - 1e-6
        roadmap = scnekit.Session().solve(chosen, time_limit=10)
        if best is None:  # the exact search proves it (a min_stake rule keeps a plan there)
            assert roadmap.status == ("unknown" if large.takes(chosen) else "infeasible")
        elif roadmap.status != "unknown":
            assert check_answer(doc, scenario, roadmap.to_dict()) == []
            assert roadmap.objective is not None and roadmap.objective <= best + 1e-6
            assert roadmap.bound is not None and roadmap.bound >= best - 1e-6


@settings(max_examples=int(os.environ.get("SCNEKIT_EXAMPLES", "120")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(plans())
def test_bound_holds_for_any_multipliers(doc: dict[str, Any]) -> None:
    """The Lagrangian bound is a bound for every choice of multipliers, not only for those its
    steps find: at 20 random vectors (each row's multiplier zero or of a random size) it is
    never below the enumerated optimum, nor after 30 steps."""
    plan = scnekit.loads(doc)
    rng = np.random.default_rng(len(str(doc)))
    for scenario in plan.scenario_ids:
        chosen = plan.scenario(scenario)
        best = enumerate_optimum(doc, scenario)
        if best is None:
            continue
        relaxation = Relaxation(chosen, structural_windows(chosen), {})
        size = len(relaxation.multipliers)
        for _ in range(20):
            scale = rng.choice([0.1, 1.0, 5.0, 30.0])
            mu = np.where(rng.random(size) < 0.5, 0.0, rng.exponential(scale, size))
            assert relaxation.evaluate(mu)[0] >= best - 1e-6
        assert relaxation.run(30) >= best - 1e-6


def test_bound_steps_resume_and_stop() -> None:
    """The relaxation goes on from where it stopped, never reports a worse bound, and takes
    no step once ``stop`` says so; its starts lie in the measures' windows."""
    plan = scnekit.loads(generate(120, 10, seed=3))
    relaxation = Relaxation(plan, structural_windows(plan), {})
    assert relaxation.run(10, stop=lambda: True) == float("inf") and relaxation.steps == 0
    first = relaxation.run(20)
    assert relaxation.steps == 20
    assert relaxation.run(20, target=0.9 * first) <= first and relaxation.steps == 40
    by_id = plan.measure_by_id
    assert relaxation.guide
    for mid, start in relaxation.guide.items():
        assert by_id[mid].earliest <= start <= by_id[mid].last_start(plan.phases)


def test_bound_value_terms_match_dense_products() -> None:
    """The value the measures give enters the priced scores and the subgradient through
    sparse sums (no multi-threaded BLAS): they equal the products with the dense matrix."""
    plan = scnekit.loads(generate(200, 12, seed=5))
    r = Relaxation(plan, structural_windows(plan), {})
    rng = np.random.default_rng(7)
    T, rows = r.T, np.arange(r.L)[:, None]
    assert r.limited and r.receivers
    mu = np.zeros(len(r.multipliers))
    mu[r.exposure] = rng.exponential(1.0, r.exposure.stop - r.exposure.start)
    alpha = r._suffix(mu[r.exposure].reshape(len(r.limited), T))
    dense = (r.benefit - r.cost[:, None] * np.vstack([alpha, np.zeros(T + 2)])[r.payer, 1:T + 1]
             + (r.to[:, r.limited] @ alpha)[rows, r.done_at])
    assert np.allclose(r.scores(mu), dense, equal_nan=True)
    mu = np.zeros(len(r.multipliers))
    mu[r.received] = rng.exponential(1.0, r.received.stop - r.received.start)
    weight = np.zeros(r.to.shape[1])
    np.add.at(weight, r.receivers, mu[r.received])
    assert np.allclose(r.scores(mu), r.benefit + (r.to @ weight)[:, None], equal_nan=True)
    starts = np.where(np.isfinite(r.benefit).any(axis=1) & (rng.random(r.L) < 0.6),
                      np.argmax(np.isfinite(r.benefit), axis=1) + 1, 0)
    on = starts > 0
    done = on[:, None] & ((starts + r.dur - 1)[:, None] <= np.arange(1, T + 1)[None, :])
    received = r.to.T @ done.astype(np.float64)
    g = r.subgradient(starts)
    assert np.allclose(g[r.received], -r.rhs[r.received] - received[r.receivers, -1])
    given = np.zeros((len(r.limited), T))
    for j in np.flatnonzero(on):
        if r.payer[j] < len(r.limited):
            given[r.payer[j], starts[j] - 1:] += r.cost[j]
    assert np.allclose(g[r.exposure], (given - received[r.limited]).ravel() - r.rhs[r.exposure])


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


def test_time_limit_holds_end_to_end(everything_large: None) -> None:
    plan = scnekit.loads(generate(400, 12, seed=1))
    roadmap = scnekit.Session().solve(plan, time_limit=3.0)
    assert roadmap.seconds <= 3.3
    if roadmap.status != "unknown":
        assert breaches(plan, roadmap.starts).none
