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


def _per_party(doc: dict[str, Any], rule: str, party: str) -> float | None:
    """A rule given as one number for every party, or as {party: n, ..., default: n}."""
    spec = (doc.get("rules") or {}).get(rule)
    if spec is None or isinstance(spec, bool):
        return None
    if isinstance(spec, dict):
        if party in spec:
            return float(spec[party])
        return float(spec["default"]) if "default" in spec else None
    return float(spec)


def _limit(doc: dict[str, Any], party: str) -> float | None:
    return _per_party(doc, "max_exposure", party)


def _min_stake(doc: dict[str, Any], party: str) -> float | None:
    """ANALYSIS.md section 5."""
    return _per_party(doc, "min_stake", party)


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
        least = _min_stake(doc, party)
        for t in range(1, T) if least is not None else ():
            if stake(doc, starts, party, t) < least - TOL:
                bad.append(f"min_stake: {party} phase {t}")
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


def _received(doc: dict[str, Any], starts: dict[str, int], party: str, t: int) -> float:
    """R_p(t): the value ``party`` has received from measures complete by t."""
    measures = {m["id"]: m for m in doc["measures"]}
    return sum(float((measures[mid].get("to") or {}).get(party, 0)) for mid, s in starts.items()
               if s + measures[mid].get("duration", 1) - 1 <= t)


def _committed(doc: dict[str, Any], starts: dict[str, int], party: str, t: int) -> float:
    """G_p(t): the cost ``party`` has committed to measures started by t."""
    measures = {m["id"]: m for m in doc["measures"]}
    return sum(float(measures[mid].get("cost", 0)) for mid, s in starts.items()
               if measures[mid]["by"] == party and s <= t)


def stake(doc: dict[str, Any], starts: dict[str, int], party: str, t: int) -> float:
    """ANALYSIS.md section 5: (R_p(T) - R_p(t)) - (G_p(T) - G_p(t))."""
    T = doc["horizon"]["phases"]
    return ((_received(doc, starts, party, T) - _received(doc, starts, party, t))
            - (_committed(doc, starts, party, T) - _committed(doc, starts, party, t)))


def walkaway(doc: dict[str, Any], starts: dict[str, int]) -> list[dict[str, Any]]:
    """The rows of ANALYSIS.md section 5, from the definitions."""
    T = doc["horizon"]["phases"]
    measures = {m["id"]: m for m in doc["measures"]}
    parties = [p["id"] for p in doc["parties"]]
    rows = []
    for p in parties:
        for t in range(1, T + 1):
            owed = {q: sum(float((measures[mid].get("to") or {}).get(q, 0)) for mid, s in starts.items()
                           if measures[mid]["by"] == p and s + measures[mid].get("duration", 1) - 1 > t)
                    for q in parties}
            value = stake(doc, starts, p, t)
            rows.append({"party": p, "phase": t,
                         "banked": _received(doc, starts, p, t) - _committed(doc, starts, p, t),
                         "stake": value, "tempted": value < -1e-9, "owed": owed})
    return rows


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


def feasible_roadmaps(doc: dict[str, Any], scenario: str | None = None) -> list[tuple[dict[str, int], dict[str, Any]]]:
    """Every feasible schedule of a tiny plan with its assessment (objective, exposure, ...)."""
    eff = effective(doc, scenario)
    T = eff["horizon"]["phases"]
    ids = [m["id"] for m in eff["measures"]]
    options = []
    for m in eff["measures"]:
        opts: list[int | None] = [None]
        if m["id"] not in eff["_unavailable"]:
            opts += list(range(m.get("earliest", 1), min(m.get("latest", T), T - m.get("duration", 1) + 1) + 1))
        options.append(opts)
    out = []
    for combo in itertools.product(*options):
        starts = {mid: s for mid, s in zip(ids, combo) if s is not None}
        result = assess(eff, starts)
        if not result["violations"]:
            out.append((starts, result))
    return out


def enumerate_optimum(doc: dict[str, Any], scenario: str | None = None) -> float | None:
    """The optimum of a tiny plan by trying every schedule (None when none is feasible)."""
    found = [result["objective"] for _, result in feasible_roadmaps(doc, scenario)]
    return max(found) if found else None


def enumerate_frontier(doc: dict[str, Any], scenario: str | None = None,
                       parties: list[str] | None = None) -> list[tuple[float, float]]:
    """ANALYSIS.md section 3 by enumeration: the non-dominated (peak exposure, objective)
    pairs, peak ascending."""
    who = parties or [p["id"] for p in doc["parties"]]
    pairs = sorted((max(max(r["exposure"][p]) for p in who), r["objective"]) for _, r in feasible_roadmaps(doc, scenario))
    out: list[tuple[float, float]] = []
    for peak, objective in sorted(pairs, key=lambda x: (x[0], -x[1])):
        if not out or objective > out[-1][1] + 1e-9:
            if out and abs(out[-1][0] - peak) < 1e-9:
                continue
            out.append((peak, objective))
    return out
