"""Costs, values, milestone weights, objective weights and deadlines re-solved in place.

A plan that differs from the loaded one only in these keeps its structure key: the
Session sets the new objective and matrix coefficients on the model already in HiGHS
instead of building it again. Each test compares that with a model (or a solve) built
from nothing, and roadmaps with the independent checker.
"""

from __future__ import annotations

import copy
import os
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scnekit
from scnekit.engine.formulation import Formulation, structure_key
from scnekit.engine.highs import HighsModel
from scnekit.fileformat.scenarios import variant
from tests.support.checker import check_answer, enumerate_optimum
from tests.support.paths import EXAMPLE
from tests.support.strategies import PARTIES, plans

SETTINGS = settings(max_examples=int(os.environ.get("SCNEKIT_EXAMPLES", "120")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def edited(draw: st.DrawFn, doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` with some costs, values, milestone weights, deadlines (moved, never added or
    removed), objective weights, minimum received and minimum stakes changed; a value may
    go to 0, or to a new party."""
    out = copy.deepcopy(doc)
    out.pop("scenarios", None)
    T = out["horizon"]["phases"]
    for m in out["measures"]:
        if draw(st.booleans()):
            m["cost"] = draw(st.integers(0, 5))
        if draw(st.booleans()):
            m["to"] = {p: draw(st.integers(0, 5)) for p in draw(st.sets(st.sampled_from(PARTIES), max_size=3))}
    for k in out.get("milestones", []):
        if draw(st.booleans()):
            k["weight"] = draw(st.integers(0, 6))
        if "deadline" in k and draw(st.booleans()):
            k["deadline"] = draw(st.integers(1, T))
    if draw(st.integers(0, 3)) == 0:
        out["objective"] = {"benefit": draw(st.integers(0, 2)), "milestones": draw(st.integers(0, 3))}
    rules = out.get("rules", {})  # bounds in the exact model, big Ms in the elastic one
    if "min_received" in rules and draw(st.booleans()):
        rules["min_received"] = {"south": draw(st.integers(0, 6))}
    if "min_stake" in rules and draw(st.booleans()):
        rules["min_stake"] = draw(st.sampled_from([0, -2, 2, {"default": 1}, {"north": -1, "default": 0}]))
    return out


def base_doc(doc: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    out.pop("scenarios", None)
    return out


def rows(f: Formulation) -> dict[str, tuple[dict[str, float], float, int]]:
    """Every row of ``f`` by name: its nonzero coefficients by column name, constant, sense."""
    return {row.name: ({var.name: coef for var, coef in row.items() if coef}, row.constant, row.sense)
            for row in f.rows}


def objective(f: Formulation) -> dict[str, float]:
    terms = f.base_problem.objective
    return {var.name: coef for var, coef in terms.items() if coef} if terms is not None else {}


def matrix(model: HighsModel) -> tuple[np.ndarray, ...]:
    """The model's nonzero matrix entries as sorted triplets, and its objective, as HiGHS holds them."""
    lp = model.highs.getLp()
    a = lp.a_matrix_
    index = np.asarray(a.index_, dtype=np.int64)
    start = np.asarray(a.start_, dtype=np.int64)
    value = np.asarray(a.value_, dtype=np.float64)
    if a.format_ == a.format_.kColwise:
        r, c = index, np.repeat(np.arange(lp.num_col_), np.diff(start))
    else:
        r, c = np.repeat(np.arange(lp.num_row_), np.diff(start)), index
    keep = value != 0
    r, c, value = r[keep], c[keep], value[keep]
    order = np.lexsort((c, r))
    return r[order], c[order], value[order], np.asarray(lp.col_cost_, dtype=np.float64)


@SETTINGS
@given(plans(), st.data())
def test_a_model_applied_in_place_equals_one_built_from_nothing(doc: dict[str, Any], data: st.DataObject) -> None:
    """Formulation.apply and HighsModel.sync give the rows, objective and HiGHS matrix of a
    fresh build, in the exact and the elastic (diagnosis) model alike."""
    a = scnekit.loads(base_doc(doc))
    b = scnekit.loads(data.draw(edited(doc)))
    if structure_key(a) != structure_key(b):
        return  # a party's first cost: a new model (tested below)
    for elastic in (False, True):
        assert_applied_equals_fresh(a, b, elastic=elastic)


def assert_applied_equals_fresh(a: scnekit.Plan, b: scnekit.Plan, *, elastic: bool) -> None:
    f = Formulation(a, elastic=elastic)
    model = HighsModel.from_formulation(f)
    model.satisfies(model.vector({}))  # reads the matrix it checks roadmaps against
    f.apply(b)
    model.sync()
    fresh = Formulation(b, elastic=elastic)
    assert rows(f) == rows(fresh)
    assert objective(f) == objective(fresh)
    got, want = matrix(model), matrix(HighsModel.from_formulation(fresh))
    for x, y in zip(got, want, strict=True):
        np.testing.assert_array_equal(x, y)
    a_matrix = model.highs.getLp().a_matrix_
    if a_matrix.format_ == a_matrix.format_.kColwise:  # changed: in row order within each column, as a fresh load
        r, c, v, _ = want
        order = np.lexsort((r, c))
        np.testing.assert_array_equal(np.asarray(a_matrix.index_), r[order])
        np.testing.assert_array_equal(np.asarray(a_matrix.value_), v[order])
    r, c, v = model._matrix()  # what satisfies() reads: the matrix as now
    keep = v != 0
    order = np.lexsort((c[keep], r[keep]))
    for x, y in zip((r[keep][order], c[keep][order], v[keep][order]), got, strict=False):
        np.testing.assert_array_equal(x, y)


def test_the_big_ms_of_the_elastic_model_follow_minimum_received_and_stakes() -> None:
    doc: dict[str, Any] = {
        "scnekit": 1, "name": "t", "horizon": {"phases": 3},
        "parties": [{"id": "north", "name": "N"}, {"id": "south", "name": "S"}],
        "measures": [{"id": "m", "title": "M", "by": "north", "cost": 1, "to": {"south": 2}}],
        "rules": {"min_received": {"south": 1}, "min_stake": 0, "max_exposure": 1,
                  "balance": {"among": ["north", "south"], "max_gap": 1}}}
    a = scnekit.loads(doc)
    doc["rules"].update(min_received={"south": 3}, min_stake=2)
    assert_applied_equals_fresh(a, scnekit.loads(doc), elastic=True)  # the rules alone
    doc["measures"][0].update(cost=3, to={"south": 1, "north": 2})
    assert_applied_equals_fresh(a, scnekit.loads(doc), elastic=True)


@SETTINGS
@given(plans(), st.data())
def test_a_session_resolves_coefficient_changes_in_place_as_a_fresh_solve(doc: dict[str, Any],
                                                                        data: st.DataObject) -> None:
    """Plan A, then B (other costs, values, weights, deadlines) in one Session: B is solved on
    the loaded model, and its answer is a fresh solve's, which the checker accepts."""
    doc_a = base_doc(doc)
    doc_b = data.draw(edited(doc))
    a, b = scnekit.loads(doc_a), scnekit.loads(doc_b)
    session = scnekit.Session()
    session.solve(a)
    reused = session.solve(b)
    assert session.rebuilds == (1 if structure_key(a) == structure_key(b) else 2)
    fresh = scnekit.Session().solve(b)
    assert reused.status == fresh.status
    if fresh.is_ok:
        assert reused.status == "optimal"
        assert reused.objective == pytest.approx(fresh.objective, abs=1e-6)
        assert check_answer(doc_b, None, reused.to_dict()) == []
        assert reused.objective == pytest.approx(enumerate_optimum(doc_b), abs=1e-6)
    again = session.solve(a)  # and back: A's optimum again
    first = scnekit.Session().solve(a)
    assert again.status == first.status
    if first.is_ok:
        assert again.objective == pytest.approx(first.objective, abs=1e-6)
    plain = scnekit.Session(history=False)  # answers by the plan alone, in place or not
    plain.solve(a)
    assert plain.solve(b).starts == scnekit.Session(history=False).solve(b).starts


PLAN = scnekit.load(EXAMPLE)


def test_a_workshop_changing_coefficients_on_the_syria_example_never_rebuilds() -> None:
    """A sequence of cost, value, weight and deadline changes and back, in one Session: one
    build, each answer a fresh solve's, and no proof of another plan taken for this one."""
    calm = PLAN.milestone_by_id["frontline-calm"]
    reconvene = PLAN.measure_by_id["cc-reconvene"]
    turkey = PLAN.measure_by_id["no-incursion-turkey"]
    assert calm.deadline is not None
    steps: list[dict[str, Any]] = [
        {},
        {f"milestones.{calm.id}.weight": calm.weight * 3},  # weight: the objective only
        {f"milestones.{calm.id}.deadline": calm.deadline + 1},  # the deadline row's column
        {f"measures.{reconvene.id}.cost": reconvene.cost + 2},  # exposure, stake and objective
        {f"measures.{turkey.id}.to": {p: 0 for p in turkey.to}},  # values to 0: rows lose terms
        {f"measures.{turkey.id}.to": {**turkey.to, "gos": 3}},  # and to a party it gave nothing
        {"objective.benefit": 2},
        {},  # back to the plan solved first
    ]
    session = scnekit.Session()
    optimum: dict[str, float] = {}
    for i, changes in enumerate(steps):
        plan = variant(PLAN, set=changes)
        kept = session.kept
        roadmap = session.solve(plan)
        assert session.rebuilds == 1, f"step {i} rebuilt the model"
        key = repr(sorted(changes.items()))
        if key not in optimum:
            fresh = scnekit.Session().solve(plan)
            assert fresh.status == "optimal"
            optimum[key] = float(fresh.objective or 0.0)
            assert session.kept == kept, f"step {i} was answered by a proof of another plan"
        assert roadmap.status == "optimal"
        assert roadmap.objective == pytest.approx(optimum[key], abs=1e-6), f"step {i}"
    assert session.kept >= 1, "returning to the first plan finds its proof again"
    assert len(set(optimum.values())) > 4, "the changes should move the optimum"


def test_a_proof_of_other_coefficients_never_answers() -> None:
    """The roadmap proved optimal for A keeps every row and bound of B when only a weight
    changed: only the model's fingerprint tells the proof apart."""
    session = scnekit.Session()
    first = session.solve(PLAN)
    achieved = [k for k, phase in first.achieved.items() if phase is not None]
    assert achieved
    heavier = variant(PLAN, set={f"milestones.{achieved[0]}.weight": 40})
    fingerprint = session._model.fingerprint if session._model is not None else None
    second = session.solve(heavier)
    assert session._model is not None and session._model.fingerprint != fingerprint
    assert session.kept == 0
    assert second.objective == pytest.approx(scnekit.Session().solve(heavier).objective, abs=1e-6)
    third = session.solve(PLAN)
    assert session.kept == 1 and third.objective == pytest.approx(first.objective, abs=1e-6)


def test_adding_or_removing_a_deadline_and_a_first_cost_rebuild() -> None:
    """What the structure key keeps: whether a milestone has a deadline, and whether a party
    with an exposure limit has any measure that costs it something; a second cost is in place."""
    doc: dict[str, Any] = {
        "scnekit": 1, "name": "t", "horizon": {"phases": 3},
        "parties": [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}],
        "measures": [{"id": "m", "title": "M", "by": "a", "to": {"b": 2}},
                     {"id": "n", "title": "N", "by": "b", "cost": 1, "to": {"a": 3}}],
        "milestones": [{"id": "k", "title": "K", "all": ["m", "n"], "deadline": 3}],
        "rules": {"max_exposure": 0},
    }
    plan = scnekit.loads(doc)
    session = scnekit.Session()
    session.solve(plan)
    for changes, rebuilds in (({"milestones.k.deadline": 2}, 1), ({"milestones.k.deadline": None}, 2),
                              ({"measures.m.cost": 1}, 3), ({"measures.m.cost": 2}, 3)):
        changed = variant(plan, set=changes)
        roadmap = session.solve(changed)
        assert session.rebuilds == rebuilds, changes
        assert roadmap.objective == scnekit.Session().solve(changed).objective
