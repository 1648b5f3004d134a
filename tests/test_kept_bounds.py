"""Bounds and starts from kept proofs (``Session._known``).

An optimum proved over looser bounds caps the optimum of a tighter plan with the same
objective and matrix; a search that reaches that cap ends as optimal. Each test compares a
Session that went through other plans first with fresh solves, enumeration and the
independent checker.
"""

from __future__ import annotations

import contextlib
import copy
import math
import os
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scnekit
from scnekit.engine import session as session_module
from scnekit.fileformat.scenarios import variant
from tests.support.checker import check_answer, enumerate_optimum
from tests.support.paths import EXAMPLE
from tests.support.strategies import plans

SETTINGS = settings(max_examples=int(os.environ.get("SCNEKIT_EXAMPLES", "120")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def bounds_moved(draw: st.DrawFn, doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` with its exposure limit, capacity and measures' windows tightened or loosened
    (bound changes only: the objective and matrix stay)."""
    out = copy.deepcopy(doc)
    out.pop("scenarios", None)
    T = out["horizon"]["phases"]
    rules = out.get("rules", {})
    if isinstance(rules.get("max_exposure"), int) and draw(st.booleans()):
        rules["max_exposure"] = draw(st.integers(0, 4))
    if isinstance(out["horizon"].get("capacity"), int) and draw(st.booleans()):
        out["horizon"]["capacity"] = draw(st.integers(0, 3))
    for m in out["measures"]:
        if draw(st.integers(0, 2)) == 0:
            m.pop("earliest", None)
            m.pop("latest", None)
            earliest = draw(st.integers(1, T))
            if draw(st.booleans()):
                m["earliest"] = earliest
            if draw(st.booleans()):
                m["latest"] = draw(st.integers(earliest, T))
    return out


@SETTINGS
@given(plans(), st.data())
def test_a_session_through_tightened_and_loosened_plans_finds_each_fresh_optimum(
        doc: dict[str, Any], data: st.DataObject) -> None:
    """Five plans in one Session, each a bound change of the first: every answer is the
    optimum by enumeration, with the fresh solve's status, and the checker accepts it."""
    first = copy.deepcopy(doc)
    first.pop("scenarios", None)
    first.setdefault("rules", {})["max_exposure"] = 4  # loose, so the moves below tighten it
    first["horizon"]["capacity"] = 3
    docs = [first] + [data.draw(bounds_moved(first)) for _ in range(4)]
    session = scnekit.Session()
    for d in docs:
        plan = scnekit.loads(d)
        reused = session.solve(plan, diagnose=False)
        fresh = scnekit.Session().solve(plan, diagnose=False)
        assert reused.status == fresh.status
        if fresh.is_ok:
            optimum = enumerate_optimum(d)
            assert optimum is not None
            assert reused.status == "optimal"
            assert reused.objective == pytest.approx(optimum, abs=1e-6)
            assert reused.bound is not None and reused.bound >= optimum - 1e-6  # a bound still
            assert check_answer(d, None, reused.to_dict()) == []


@contextlib.contextmanager
def ceilings_seen() -> Iterator[list[float | None]]:
    """The ceiling each solve's search got from earlier proofs (None: none), in order."""
    ceilings: list[float | None] = []
    original = session_module.Session._known

    def spy(self: scnekit.Session, model: Any, region: Any) -> tuple[float | None, Any]:
        ceiling, start = original(self, model, region)
        ceilings.append(ceiling)
        return ceiling, start

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(session_module.Session, "_known", spy)
        yield ceilings


def test_an_optimum_proved_over_looser_limits_ends_a_tighter_search() -> None:
    """The Syria example: a looser limit for one party (666, proved), then a tighter limit
    for another. The earlier roadmap breaks the new limit, so no proof answers; the first
    optimum caps the second, and the search ends when a roadmap reaches it."""
    base = scnekit.load(EXAMPLE)
    limits = {"default": 6, "gos": 4, "aanes": 3, "sig": 3, "hts": 3, "ose": 4}
    looser = variant(base, set={"rules.max_exposure": dict(limits, sig=4)})
    tighter = variant(base, set={"rules.max_exposure": dict(limits, gos=3)})
    session = scnekit.Session()
    with ceilings_seen() as ceilings:
        proved = session.solve(looser)
        capped = session.solve(tighter)
    fresh = scnekit.Session().solve(tighter)
    assert proved.status == capped.status == fresh.status == "optimal"
    assert ceilings == [None, pytest.approx(proved.objective)]
    assert capped.objective == pytest.approx(fresh.objective, abs=1e-6)
    assert capped.bound is not None and capped.bound <= proved.objective + 1e-6
    assert session.kept == 0


def test_the_ceiling_comes_from_proofs_over_looser_bounds_only() -> None:
    """A lower optimum proved under a limit the next plan does not keep is no bound for it:
    the Syria example with one party's limit looser, then tighter, then another's tighter."""
    base = scnekit.load(EXAMPLE)
    limits = {"default": 6, "gos": 4, "aanes": 3, "sig": 3, "hts": 3, "ose": 4}
    plans_ = [variant(base, set={"rules.max_exposure": dict(limits, **change)})
              for change in ({"ose": 5}, {"ose": 3}, {"gos": 3})]
    session = scnekit.Session()
    with ceilings_seen() as ceilings:
        answers = [session.solve(plan) for plan in plans_]
    loose, tight, other = answers
    assert loose.objective is not None and tight.objective is not None
    assert tight.objective < loose.objective  # the second optimum is lower, and not a bound for the third
    assert ceilings == [None, pytest.approx(loose.objective), pytest.approx(loose.objective)]
    assert other.objective == pytest.approx(scnekit.Session().solve(plans_[2]).objective, abs=1e-6)


def test_no_roadmap_is_ever_proved_optimal() -> None:
    """Before the search has a roadmap its record is -inf, whose relative tolerance is
    infinite: a ceiling must not end that search (the frontier's second point was lost so)."""
    assert not session_module.proven(-math.inf, 56.0)
    assert not session_module.proven(math.nan, 56.0)
    assert session_module.proven(56.0, 56.0) and not session_module.proven(54.0, 56.0)
