"""Re-planning a roadmap under way: the past fixed, the rest optimal, the fewest moves exact
(against enumeration, docs/ANALYSIS.md "Re-planning")."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import scnekit
from scnekit.analysis.replan import replan
from scnekit.history import Event, Happened, Progress

from .support.checker import effective
from .support.replan_checker import History
from .support.strategies import plans

STATUSES = ("planned", "late", "completed", "late-completed", "started", "failed", "failed-started", "withdrawn")


@st.composite
def plans_under_way(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """A random plan and a random record of what happened to its optimum's first phases."""
    doc = draw(plans())
    plan = scnekit.loads(doc)
    base = scnekit.solve(plan)
    assume(base.is_ok)
    T = plan.phases
    now = draw(st.integers(0, T))
    events = []
    for m in plan.measures:
        s = base.starts.get(m.id)
        if s is None or s > now:
            if now and draw(st.integers(0, 6)) == 0:  # something nobody planned
                start = draw(st.integers(1, now))
                events.append({"measure": m.id, "status": "started", "started": start})
            continue
        fate = draw(st.sampled_from(STATUSES))
        planned_end = m.completion(s)
        if fate in ("completed", "late-completed") and planned_end + (fate == "late-completed") <= now:
            events.append({"measure": m.id, "status": "completed", "started": s,
                           "completed": planned_end + (fate == "late-completed")})
        elif fate in ("started", "completed", "late-completed"):
            events.append({"measure": m.id, "status": "started", "started": s})
        elif fate == "failed":
            events.append({"measure": m.id, "status": "failed", "ended": now, "retry": draw(st.booleans())})
        elif fate == "failed-started":
            events.append({"measure": m.id, "status": "failed", "started": s, "ended": now,
                           "retry": draw(st.booleans())})
        elif fate == "withdrawn":
            events.append({"measure": m.id, "status": "withdrawn", "ended": max(s, 1) if s <= now else now})
        # "planned" and "late": no event (it had not started)
    roadmap = dict(base.starts) if draw(st.booleans()) else None
    record: dict[str, Any] = {"now": now, "measures": events}
    if roadmap is not None:
        record["roadmap"] = roadmap
    return doc, record


def progress_of(record: dict[str, Any]) -> Progress:
    events = tuple(Event(e["measure"], Happened(e["status"]), started=e.get("started"), completed=e.get("completed"),
                         ended=e.get("ended"), retry=e.get("retry", False)) for e in record["measures"])
    return Progress(now=record["now"], events=events, roadmap=record.get("roadmap"))


def dropped_names(result: Any) -> frozenset[str]:
    return frozenset(f"{d.rule.kind}:{d.rule.subject}" for d in result.dropped)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(case=plans_under_way())
def test_a_replan_keeps_the_past_and_is_optimal_for_the_rest_with_the_fewest_moves(case: Any) -> None:
    doc, record = case
    plan = scnekit.loads(doc)
    result = replan(plan, progress_of(record))
    history = History(effective(doc, None), record)
    revised = dict(result.revised)
    expected = history.best(revised)
    if result.dropped:
        assert expected is None  # a rule is let go only when no re-plan keeps every rule
        expected = history.best(revised, dropped=dropped_names(result))
    if expected is None:
        assert not result.roadmap.is_ok
        return
    assert result.roadmap.status == scnekit.Status.OPTIMAL
    starts = dict(result.roadmap.starts)
    for mid, s in history.starts.items():
        assert starts[mid] == s  # the past stays as it happened
    future = {mid: s for mid, s in starts.items() if mid not in history.starts}
    assert all(s > record["now"] for s in future.values())
    assert history.violations(future, dropped_names(result)) == []
    assert history.objective(future) == pytest.approx(result.roadmap.objective)
    assert result.roadmap.objective == pytest.approx(expected[0])
    assert result.fewest
    assert history.moves(future, revised) == expected[1]
    assert len(result.moves) == sum(1 for mid in history.free() if future.get(mid) != revised.get(mid))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(case=plans_under_way(), most=st.integers(0, 3))
def test_max_moves_gives_the_best_roadmap_that_moves_at_most_that_many(case: Any, most: int) -> None:
    doc, record = case
    plan = scnekit.loads(doc)
    result = replan(plan, progress_of(record), max_moves=most)
    history = History(effective(doc, None), record)
    fewest = history.best(dict(result.revised), dropped=dropped_names(result), fewest=True)
    allowed = most if fewest is None else max(most, fewest[1])
    expected = history.best(dict(result.revised), most=allowed, dropped=dropped_names(result))
    if expected is None:
        assert not result.roadmap.is_ok or result.dropped
        return
    assert result.roadmap.is_ok
    future = {mid: s for mid, s in result.roadmap.starts.items() if mid not in history.starts}
    assert history.moves(future, dict(result.revised)) <= allowed
    assert fewest is None or result.least_moves == fewest[1]
    assert result.roadmap.objective == pytest.approx(expected[0])
