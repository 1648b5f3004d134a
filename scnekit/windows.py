"""Structural start windows: the phases each measure could ever start in.

Only the horizon, durations, ``latest``, ``requires`` and reciprocal links are used,
so the windows hold for every value of the parameters (earliest, availability, pins)
that a re-solve may change. Each window is implied by FORMAT.md's rules; none cuts a roadmap.
"""

from __future__ import annotations

from .model import Plan


def structural_windows(plan: Plan) -> dict[str, tuple[int, int] | None]:
    """``{measure: (first, last)}`` start phases, or None when it can never be scheduled."""
    T = plan.phases
    first = {m.id: 1 for m in plan.measures}
    last = {m.id: min(m.latest, T - m.duration + 1) for m in plan.measures}
    duration = {m.id: m.duration for m in plan.measures}
    reciprocal = [ln for ln in plan.links if ln.kind == "reciprocal"]
    changed = True
    while changed:
        changed = False
        for m in plan.measures:
            for p in m.requires:
                need = first[p] + duration[p]
                if first[p] > last[p]:
                    need = T + 1
                if need > first[m.id]:
                    first[m.id] = need
                    changed = True
        for ln in reciprocal:
            dead = any(first[x] > last[x] for x in ln.measures)
            for x in ln.measures:
                for c in ln.measures:
                    if c == x:
                        continue
                    lo = T + 1 if dead else first[c] - ln.within
                    hi = last[c] + ln.within
                    if lo > first[x]:
                        first[x] = lo
                        changed = True
                    if hi < last[x]:
                        last[x] = hi
                        changed = True
        for mid, phase in first.items():
            first[mid] = min(phase, T + 1)
    return {mid: (first[mid], last[mid]) if first[mid] <= last[mid] else None for mid in first}
