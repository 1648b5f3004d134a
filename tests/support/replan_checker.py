"""Re-plans by enumeration (docs/ANALYSIS.md, "Re-planning"), written from the definition
alone: every roadmap of the rest, checked rule by rule against the past, the best kept."""

from __future__ import annotations

import itertools
import math
from typing import Any

from .checker import _holds

TOL = 1e-6


def _per_party(doc: dict[str, Any], rule: str, party: str) -> float | None:
    spec = (doc.get("rules") or {}).get(rule)
    if spec is None:
        return None
    if isinstance(spec, dict):
        return float(spec[party]) if party in spec else (float(spec["default"]) if "default" in spec else None)
    return float(spec)


class History:
    """The past of a progress record (a plain dict as in docs/FORMAT.md) on an effective document."""

    def __init__(self, doc: dict[str, Any], record: dict[str, Any]) -> None:
        self.doc = doc
        self.T = doc["horizon"]["phases"]
        self.now = record["now"]
        self.measures = {m["id"]: m for m in doc["measures"]}
        self.starts: dict[str, int] = {}     # happened (completed or under way): start
        self.ends: dict[str, int] = {}       # and completion
        self.spent: dict[str, int] = {}      # started, never completes
        self.closed: set[str] = set()
        for e in record.get("measures", []):
            mid, status = e["measure"], e["status"]
            d = self.measures[mid].get("duration", 1)
            if status == "completed":
                self.starts[mid], self.ends[mid] = e["started"], e["completed"]
            elif status == "started":
                end = max(e["started"] + d - 1, self.now + 1)
                if end > self.T:
                    self.spent[mid] = e["started"]
                else:
                    self.starts[mid], self.ends[mid] = e["started"], end
            else:
                if e.get("started") is not None:
                    self.spent[mid] = e["started"]
                if not e.get("retry", False):
                    self.closed.add(mid)

    def free(self) -> list[str]:
        """Measures the rest decides."""
        return [mid for mid in self.measures if mid not in self.starts]

    def options(self, mid: str) -> list[int | None]:
        m = self.measures[mid]
        if mid in self.closed or mid in self.doc["_unavailable"]:
            return [None]
        d = m.get("duration", 1)
        first, last = max(m.get("earliest", 1), self.now + 1), m.get("latest", self.T)
        return [None, *(s for s in range(first, last + 1) if s + d - 1 <= self.T)]

    def schedules(self) -> list[dict[str, int]]:
        free = self.free()
        out = []
        for choice in itertools.product(*(self.options(mid) for mid in free)):
            out.append({mid: s for mid, s in zip(free, choice, strict=True) if s is not None})
        return out

    def violations(self, future: dict[str, int], dropped: frozenset[str] = frozenset()) -> list[str]:
        """The rules of the rest that ``future`` breaks (rule names in ``dropped`` are let go)."""
        T, now, M = self.T, self.now, self.measures
        dur = {mid: m.get("duration", 1) for mid, m in M.items()}
        starts = {**self.starts, **future}
        done = {**self.ends, **{mid: s + dur[mid] - 1 for mid, s in future.items()}}
        bad: list[str] = []
        for mid, m in M.items():
            if m.get("mandatory") and mid not in starts and f"mandatory:{mid}" not in dropped:
                can = mid not in self.closed and m.get("latest", T) > now
                if can:
                    bad.append(f"mandatory:{mid}")
        for mid, s in future.items():
            for p in M[mid].get("requires", []):
                if p not in done or done[p] >= s:
                    bad.append(f"requires:{mid}")
        for link in self.doc.get("links") or []:
            members = link["measures"]
            went = {x: self.starts[x] for x in members if x in self.starts}
            if link["kind"] == "exclusive":
                if len(went) <= 1 and sum(1 for x in members if x in starts) > 1:
                    bad.append("exclusive")
                continue
            within = link.get("within", 0)
            rest = [x for x in members if x not in self.starts]
            if not went:
                chosen = [x for x in members if x in future]
                if 0 < len(chosen) < len(members) or (
                        chosen and max(future[x] for x in chosen) - min(future[x] for x in chosen) > within):
                    bad.append("reciprocal")
                continue
            due = min(went.values()) + within
            broken = any(x in self.closed or max(M[x].get("earliest", 1), now + 1) > min(due, M[x].get("latest", T))
                         for x in rest)
            if broken:
                continue
            for x in rest:
                if x not in future or future[x] > due:
                    bad.append("reciprocal")
            chosen = [x for x in rest if x in future]
            if chosen and max(future[x] for x in chosen) - min(future[x] for x in chosen) > within:
                bad.append("reciprocal")
        cap = self.doc["horizon"].get("capacity")
        for t in range(now + 1, T + 1):
            limit = math.inf if cap is None else float(cap[t - 1] if isinstance(cap, list) else cap)
            active = sum(1 for mid, s in starts.items() if s <= t <= done[mid])
            if active > limit and "capacity:" not in dropped:
                bad.append("capacity")
        for party in (p["id"] for p in self.doc["parties"]):
            def received(t: int, party: str = party) -> float:
                return sum(float((M[mid].get("to") or {}).get(party, 0)) for mid in starts if done[mid] <= t)

            def committed(t: int, party: str = party) -> float:
                begun = [*starts.items(), *self.spent.items()]  # a measure tried again is paid for twice
                return sum(float(M[mid].get("cost", 0)) for mid, s in begun if M[mid]["by"] == party and s <= t)

            limit = _per_party(self.doc, "max_exposure", party)
            if limit is not None and f"max_exposure:{party}" not in dropped:
                for t in range(now + 1, T + 1):
                    if committed(t) - received(t) > limit + TOL:
                        bad.append(f"max_exposure:{party}")
            least = _per_party(self.doc, "min_stake", party)
            if least is not None and f"min_stake:{party}" not in dropped:
                for t in range(now + 1, T):
                    if (received(T) - received(t)) - (committed(T) - committed(t)) < least - TOL:
                        bad.append(f"min_stake:{party}")
        rules = self.doc.get("rules") or {}
        got = {p["id"]: sum(float((M[mid].get("to") or {}).get(p["id"], 0)) for mid in starts)
               for p in self.doc["parties"]}
        for party, least in (rules.get("min_received") or {}).items():
            if got[party] < least - TOL and f"min_received:{party}" not in dropped:
                bad.append(f"min_received:{party}")
        balance = rules.get("balance")
        if balance and "balance:" not in dropped:
            values = [got[p] for p in balance["among"]]
            if max(values) - min(values) > balance["max_gap"] + TOL:
                bad.append("balance")
        for k in self.doc.get("milestones") or []:
            deadline = k.get("deadline")
            if deadline is None or deadline <= now or f"deadline:{k['id']}" in dropped:
                continue
            if not any(_holds(k, done, t) for t in range(1, deadline + 1)):
                bad.append(f"deadline:{k['id']}")
        return bad

    def objective(self, future: dict[str, int]) -> float:
        """J of the whole roadmap: the past as it happened, ``future`` for the rest."""
        T, M = self.T, self.measures
        done = {**self.ends, **{mid: s + M[mid].get("duration", 1) - 1 for mid, s in future.items()}}
        weights = self.doc.get("objective") or {}
        wb, wm = float(weights.get("benefit", 1)), float(weights.get("milestones", 1))
        total = 0.0
        for t in range(1, T + 1):
            for mid, c in done.items():
                if c <= t:
                    m = M[mid]
                    total += wb * (sum(float(v) for v in (m.get("to") or {}).values()) - float(m.get("cost", 0)))
            for k in self.doc.get("milestones") or []:
                if _holds(k, done, t):
                    total += wm * float(k.get("weight", 1))
        return total

    def forced(self, mid: str, revised: dict[str, int]) -> bool:
        """Whether ``mid`` cannot keep its revised start whatever the rest does."""
        r = revised.get(mid)
        if r is None:
            return False
        m = self.measures[mid]
        return (r <= self.now or mid in self.closed or mid in self.doc["_unavailable"]
                or not max(m.get("earliest", 1), self.now + 1) <= r <= m.get("latest", self.T)
                or r + m.get("duration", 1) - 1 > self.T)

    def moves(self, future: dict[str, int], revised: dict[str, int]) -> int:
        """Moves that count: of measures the rest decides and that could keep their start."""
        return sum(1 for mid in self.free() if future.get(mid) != revised.get(mid) and not self.forced(mid, revised))

    def best(self, revised: dict[str, int], *, most: int | None = None, dropped: frozenset[str] = frozenset(),
             fewest: bool = False) -> tuple[float, int] | None:
        """(the best objective, the fewest moves among roadmaps that reach it), or None;
        with ``fewest``: (the best objective among roadmaps that move the fewest, that number)."""
        found: list[tuple[float, int]] = []
        for future in self.schedules():
            if self.violations(future, dropped):
                continue
            moved = self.moves(future, revised)
            if most is not None and moved > most:
                continue
            found.append((self.objective(future), moved))
        if not found:
            return None
        if fewest:
            least = min(k for _, k in found)
            return max(j for j, k in found if k == least), least
        top = max(j for j, _ in found)
        return top, min(k for j, k in found if j >= top - TOL)
