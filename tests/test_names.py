"""Any valid ids solve: names the solver sees never collide, whatever the ids look like."""

from __future__ import annotations

from typing import Any

import pytest

import scnekit
from tests.support.checker import check_answer, enumerate_optimum


def plan_with_ids(party_a: str, party_b: str, first: str, second: str) -> dict[str, Any]:
    return {
        "scnekit": 1, "name": "names", "horizon": {"phases": 3, "capacity": 1},
        "parties": [{"id": party_a}, {"id": party_b}],
        "measures": [
            {"id": first, "title": "first", "by": party_a, "cost": 1, "to": {party_b: 2}},
            {"id": second, "title": "second", "by": party_b, "cost": 1, "to": {party_a: 3},
             "requires": [first]},
        ],
        "rules": {"max_exposure": 1, "min_received": {party_a: 1}},
        "milestones": [{"id": f"{first}-k", "title": "k", "all": [first], "deadline": 2},
                       {"id": f"{first}_k", "title": "k2", "all": [second]}],
    }


LONG = "x" * 300


@pytest.mark.parametrize("ids", [
    ("a-b", "a_b", "m-1", "m_1"),          # differ only by '-' and '_'
    ("p", "q", LONG + "1", LONG + "2"),    # differ only past the solver's name length (a raised limit)
    ("north", "south", "aid", "trade"),
])
def test_ids_that_clean_to_the_same_name_still_solve(ids: tuple[str, str, str, str]) -> None:
    doc = plan_with_ids(*ids)
    roadmap = scnekit.solve(scnekit.loads(doc, limits=scnekit.Limits(id_length=400)))
    assert roadmap.status == scnekit.Status.OPTIMAL
    assert check_answer(doc, "base", roadmap.to_dict()) == []
    assert roadmap.objective == pytest.approx(enumerate_optimum(doc, "base"))
