"""An independent checker of roadmaps, written from FORMAT.md alone.

It shares no code with scnekit: it reads the plain document, applies a scenario's
overrides itself, recomputes every rule of section 2 and the objective of section 3
from a schedule, and finds optima of tiny plans by enumeration.
"""

from __future__ import annotations

import copy
import itertools
import math
from typing import Any

TOL = 1e-6


def effective(doc: dict[str, Any], scenario: str | None) -> dict[str, Any]:
    """The document with the scenario's `set` applied and its `unavailable` list attached."""
    doc = copy.deepcopy(doc)
    doc["_unavailable"] = set()
    if scenario in (None, "base"):
        return doc
    entry = next(s for s in doc.get("scenarios", []) if s["id"] == scenario)
    doc["_unavailable"] = set(entry.get("unavailable") or [])
    for path, value in (entry.get("set") or {}).items():
        parts = path.split(".")
        if parts[0] in ("measures", "milestones", "parties"):
            item = next(x for x in doc[parts[0]] if x["id"] == parts[1])
            item[parts[2]] = copy.deepcopy(value)
        else:
            doc.setdefault(parts[0], {})
            doc[parts[0]][parts[1]] = copy.deepcopy(value)
    return doc


def _limit(doc: dict[str, Any], party: str) -> float | None:
    spec = (doc.get("rules") or {}).get("max_exposure")
    if spec is None:
        return None
    if isinstance(spec, dict):
        if party in spec:
            return float(spec[party])
        return float(spec["default"]) if "default" in spec else None
    return float(spec)


def _capacity(doc: dict[str, Any], t: int) -> float:
    cap = doc["horizon"].get("capacity")
    if cap is None:
        return math.inf
    return float(cap[t - 1] if isinstance(cap, list) else cap)


def _holds(milestone: dict[str, Any], done: dict[str, int], t: int) -> bool:
    if "all" in milestone:
        return all(m in done and done[m] <= t for m in milestone["all"])
    if "any" in milestone:
        return any(m in done and done[m] <= t for m in milestone["any"])
    spec = milestone["at_least"]
    return sum(1 for m in spec["of"] if m in done and done[m] <= t) >= spec["count"]


def assess(doc: dict[str, Any], starts: dict[str, int]) -> dict[str, Any]:
    """Violations, objective, achieved phases and exposure of a schedule on an effective doc."""
    T = doc["horizon"]["phases"]
    measures = {m["id"]: m for m in doc["measures"]}
    dur = {mid: m.get("duration", 1) for mid, m in measures.items()}
    done = {mid: s + dur[mid] - 1 for mid, s in starts.items()}
    bad: list[str] = []
    for mid, s in starts.items():
        m = measures[mid]
        if not (m.get("earliest", 1) <= s <= m.get("latest", T)) or done[mid] > T or s < 1:
            bad.append(f"window: {mid} starts {s}")
        if mid in doc["_unavailable"]:
            bad.append(f"unavailable: {mid}")
        for p in m.get("requires", []):
            if p not in starts or done[p] >= s:
                bad.append(f"requires: {mid} needs {p} complete first")
    for mid, m in measures.items():
        if m.get("mandatory") and mid not in starts:
            bad.append(f"mandatory: {mid}")
    for link in doc.get("links") or []:
        members = link["measures"]
        chosen = [x for x in members if x in starts]
        if link["kind"] == "exclusive" and len(chosen) > 1:
            bad.append(f"exclusive: {chosen}")
        if link["kind"] == "reciprocal":
            if 0 < len(chosen) < len(members):
                bad.append(f"reciprocal: only {chosen} of {members}")
            elif chosen and max(starts[x] for x in chosen) - min(starts[x] for x in chosen) > link.get("within", 0):
                bad.append(f"reciprocal: {members} too far apart")
    for t in range(1, T + 1):
        active = sum(1 for mid, s in starts.items() if s <= t <= done[mid])
        if active > _capacity(doc, t):
            bad.append(f"capacity: phase {t}")
    exposure: dict[str, list[float]] = {}
    received_T: dict[str, float] = {}
    for party in (p["id"] for p in doc["parties"]):
        row = []
        for t in range(1, T + 1):
            given = sum(float(measures[mid].get("cost", 0)) for mid, s in starts.items()
                        if measures[mid]["by"] == party and s <= t)
            got = sum(float((measures[mid].get("to") or {}).get(party, 0)) for mid in starts if done[mid] <= t)
            row.append(given - got)
            limit = _limit(doc, party)
            if limit is not None and given - got > limit + TOL:
                bad.append(f"exposure: {party} phase {t}")
        exposure[party] = row
        received_T[party] = sum(float((measures[mid].get("to") or {}).get(party, 0)) for mid in starts)
    rules = doc.get("rules") or {}
    for party, least in (rules.get("min_received") or {}).items():
        if received_T[party] < least - TOL:
            bad.append(f"min_received: {party}")
    balance = rules.get("balance")
    if balance:
        values = [received_T[p] for p in balance["among"]]
        if max(values) - min(values) > balance["max_gap"] + TOL:
            bad.append("balance")
    achieved: dict[str, int | None] = {}
    for k in doc.get("milestones") or []:
        achieved[k["id"]] = next((t for t in range(1, T + 1) if _holds(k, done, t)), None)
        if k.get("deadline") is not None and (achieved[k["id"]] is None or achieved[k["id"]] > k["deadline"]):
            bad.append(f"deadline: {k['id']}")
    weights = doc.get("objective") or {}
    w_benefit, w_milestones = float(weights.get("benefit", 1)), float(weights.get("milestones", 1))
    objective = 0.0
    for t in range(1, T + 1):
        for mid in starts:
            if done[mid] <= t:
                m = measures[mid]
                objective += w_benefit * (sum(float(v) for v in (m.get("to") or {}).values()) - float(m.get("cost", 0)))
        for k in doc.get("milestones") or []:
            if _holds(k, done, t):
                objective += w_milestones * float(k.get("weight", 1))
    return {"violations": bad, "objective": objective, "achieved": achieved, "exposure": exposure}


def check_answer(doc: dict[str, Any], scenario: str | None, answer: dict[str, Any]) -> list[str]:
    """Every way the JSON answer (FORMAT.md section 4) disagrees with the rules or itself."""
    eff = effective(doc, scenario)
    T = eff["horizon"]["phases"]
    durations = {m["id"]: m.get("duration", 1) for m in eff["measures"]}
    problems = []
    starts = {}
    for row in answer["schedule"]:
        starts[row["measure"]] = row["start"]
        if row["end"] != row["start"] + durations[row["measure"]] - 1:
            problems.append(f"end of {row['measure']}")
    result = assess(eff, starts)
    problems += result["violations"]
    if answer["objective"] is None or abs(answer["objective"] - result["objective"]) > TOL * max(1, abs(result["objective"])):
        problems.append(f"objective {answer['objective']} but schedule scores {result['objective']}")
    reported = {r["milestone"]: r["achieved"] for r in answer["milestones"]}
    if reported != result["achieved"]:
        problems.append(f"milestones {reported} but schedule gives {result['achieved']}")
    for party, row in result["exposure"].items():
        got = answer["exposure"].get(party)
        if got is None or len(got) != T or any(abs(a - b) > TOL for a, b in zip(got, row)):
            problems.append(f"exposure of {party}")
    return problems


def enumerate_optimum(doc: dict[str, Any], scenario: str | None = None) -> float | None:
    """The optimum of a tiny plan by trying every schedule (None when none is feasible)."""
    eff = effective(doc, scenario)
    T = eff["horizon"]["phases"]
    ids = [m["id"] for m in eff["measures"]]
    options = []
    for m in eff["measures"]:
        opts: list[int | None] = [None]
        if m["id"] not in eff["_unavailable"]:
            opts += list(range(m.get("earliest", 1), min(m.get("latest", T), T - m.get("duration", 1) + 1) + 1))
        options.append(opts)
    best = None
    for combo in itertools.product(*options):
        starts = {mid: s for mid, s in zip(ids, combo) if s is not None}
        result = assess(eff, starts)
        if not result["violations"] and (best is None or result["objective"] > best + 1e-9):
            best = result["objective"]
    return best
