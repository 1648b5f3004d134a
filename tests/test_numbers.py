"""Plans at the edges of floating point: large objectives, large peaks, a stake of exactly 0."""

from __future__ import annotations

import pytest

import scnekit
from scnekit.analysis.frontier import frontier
from tests.support.checker import check_answer, enumerate_frontier, enumerate_optimum
from tests.support.paths import CASES, load_doc

EDGES = CASES / "edges"


def test_a_large_objective_is_optimal_to_the_unit() -> None:
    doc = load_doc(EDGES / "big_gap.yaml")
    roadmap = scnekit.solve(scnekit.loads(doc))
    assert roadmap.status == "optimal"
    assert roadmap.objective == pytest.approx(enumerate_optimum(doc), abs=1e-6)
    assert check_answer(doc, "base", roadmap.to_dict()) == []


def test_large_peaks_one_unit_apart_are_two_points() -> None:
    doc = load_doc(EDGES / "big_peak.yaml")
    found = frontier(scnekit.loads(doc))
    assert [(p.peak_exposure, p.objective) for p in found.points] == enumerate_frontier(doc)
    assert found.status == "optimal"


def test_a_stake_of_exactly_zero_is_not_a_temptation() -> None:
    roadmap = scnekit.solve(scnekit.load(EDGES / "walk_float.yaml"))
    assert roadmap.is_ok
    rows = roadmap.walkaway()
    assert not rows["tempted"].any()
    assert rows[(rows["party"] == "a") & (rows["phase"] == 2)]["stake"].iloc[0] == pytest.approx(0.0, abs=1e-12)
