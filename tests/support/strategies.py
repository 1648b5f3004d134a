"""Hypothesis strategies: small random scenario documents that enumeration can check."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

PARTIES = ["north", "south", "ext"]


@st.composite
def plans(draw: st.DrawFn) -> dict[str, Any]:
    T = draw(st.integers(2, 4))
    n = draw(st.integers(1, 5))
    measures = []
    for i in range(n):
        m: dict[str, Any] = {"id": f"m{i}", "title": f"Measure {i}", "by": draw(st.sampled_from(PARTIES)),
                             "cost": draw(st.integers(0, 4)), "duration": draw(st.integers(1, 2))}
        m["to"] = {p: draw(st.integers(0, 4)) for p in draw(st.sets(st.sampled_from(PARTIES), max_size=2))}
        if draw(st.booleans()):
            m["earliest"] = draw(st.integers(1, T))
        if draw(st.booleans()):
            m["latest"] = draw(st.integers(m.get("earliest", 1), T))
        if draw(st.integers(0, 5)) == 0:
            m["mandatory"] = True
        if i > 0 and draw(st.booleans()):
            m["requires"] = [f"m{draw(st.integers(0, i - 1))}"]
        measures.append(m)
    doc: dict[str, Any] = {"scnekit": 1, "name": "random", "horizon": {"phases": T},
                           "parties": [{"id": p, "name": p.title()} for p in PARTIES], "measures": measures}
    ids = [m["id"] for m in measures]
    if n >= 2 and draw(st.booleans()):
        pair = draw(st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True))
        doc["links"] = [{"kind": "reciprocal", "measures": pair, "within": draw(st.integers(0, 1))}]
        if n >= 4 and draw(st.booleans()):
            rest = [x for x in ids if x not in pair]
            doc["links"].append({"kind": "exclusive", "measures": rest[:2]})
    milestones = []
    for j in range(draw(st.integers(0, 2))):
        members = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True))
        form = draw(st.sampled_from(["all", "any", "at_least"]))
        k: dict[str, Any] = {"id": f"k{j}", "title": f"Milestone {j}", "weight": draw(st.integers(0, 5))}
        if form == "at_least":
            k["at_least"] = {"count": draw(st.integers(1, len(members))), "of": members}
        else:
            k[form] = members
        if draw(st.integers(0, 3)) == 0:
            k["deadline"] = draw(st.integers(1, T))
        milestones.append(k)
    if milestones:
        doc["milestones"] = milestones
    rules: dict[str, Any] = {}
    exposure = draw(st.sampled_from(["none", "number", "mapping"]))
    if exposure == "number":
        rules["max_exposure"] = draw(st.integers(0, 4))
    elif exposure == "mapping":
        rules["max_exposure"] = {"default": draw(st.integers(0, 4)), "north": draw(st.integers(0, 4))}
    if draw(st.integers(0, 3)) == 0:
        rules["min_received"] = {"south": draw(st.integers(0, 4))}
    if draw(st.integers(0, 3)) == 0:
        rules["min_stake"] = draw(st.sampled_from([0, -1, 1, {"default": 0}, {"north": 0, "default": -2}]))
    if draw(st.integers(0, 3)) == 0:
        rules["balance"] = {"among": ["north", "south"], "max_gap": draw(st.integers(0, 4))}
    if rules:
        doc["rules"] = rules
    cap = draw(st.sampled_from(["none", "int", "list"]))
    if cap == "int":
        doc["horizon"]["capacity"] = draw(st.integers(0, 3))
    elif cap == "list":
        doc["horizon"]["capacity"] = draw(st.lists(st.integers(0, 3), min_size=T, max_size=T))
    if draw(st.booleans()):
        doc["objective"] = {"benefit": draw(st.integers(0, 2)), "milestones": draw(st.integers(0, 3))}
    if draw(st.booleans()):
        doc["scenarios"] = [{"id": "shock", "unavailable": [draw(st.sampled_from(ids))],
                             "set": {f"measures.{draw(st.sampled_from(ids))}.cost": draw(st.integers(0, 5))}}]
    return doc
