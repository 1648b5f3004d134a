"""Structural start windows: the phases each measure could ever start in.

Only the horizon, durations, ``latest``, ``requires`` and reciprocal links are used,
so the windows hold for every value of the parameters (earliest, availability, pins)
that a re-solve may change. Each window is implied by FORMAT.md's rules; none cuts a roadmap.
"""

from __future__ import annotations

from collections.abc import Mapping

from scnekit.model import LinkKind, Measure, Plan


def structural_windows(plan: Plan) -> dict[str, tuple[int, int] | None]:
    """``{measure: (first, last)}`` start phases, or None when it can never be scheduled."""
    T = plan.phases
    first = {m.id: 1 for m in plan.measures}
    last = {m.id: m.last_start(T) for m in plan.measures}
    duration = {m.id: m.duration for m in plan.measures}
    reciprocal = [ln for ln in plan.links if ln.kind == LinkKind.RECIPROCAL]
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


def open_window(plan: Plan, windows: Mapping[str, tuple[int, int] | None], measure: Measure,
                pins: Mapping[str, int]) -> tuple[int, int] | None:
    """The start phases ``measure`` may take under this plan's parameters, before what
    other measures imply: its structural window cut by ``earliest``, availability and its
    pin. None when it cannot start at all."""
    w = windows.get(measure.id)
    if w is None or measure.id in plan.unavailable:
        return None
    lo, hi = max(w[0], measure.earliest), w[1]
    if measure.id in pins:
        lo, hi = max(lo, pins[measure.id]), min(hi, pins[measure.id])
    return lo, hi


def earliest_starts(plan: Plan, windows: Mapping[str, tuple[int, int] | None],
                    pins: Mapping[str, int] | None = None, *, exposure: bool = True) -> dict[str, int]:
    """The first phase each measure can start in under this plan's parameters.

    Beyond the structural window: ``earliest``, availability, pins (a pinned measure
    starts at its pin), what ``requires`` and reciprocal links carry over, and
    exposure: a measure whose cost exceeds its implementer's limit can only start once
    the implementer can have received the difference, counting only measures that can
    be complete by then (``exposure=False`` leaves that out, for a model where the
    limit may be relaxed). Returns T+1 for a measure that cannot start at all. Every
    bound holds for every feasible roadmap of the plan; a re-solve recomputes them.
    """
    T = plan.phases
    pins = pins or {}
    by_id = plan.measure_by_id
    lo: dict[str, int] = {}
    hi: dict[str, int] = {}
    for m in plan.measures:
        lo[m.id], hi[m.id] = open_window(plan, windows, m, pins) or (T + 1, 0)
    reciprocal = [ln for ln in plan.links if ln.kind == LinkKind.RECIPROCAL]
    costly = []  # (measure, party, cost beyond the limit, value to itself at its start)
    for m in plan.measures:
        limit = plan.rules.exposure_limit(m.by)
        if exposure and limit is not None and m.cost > limit:
            own = m.to.get(m.by, 0.0) if m.duration == 1 else 0.0
            costly.append((m.id, m.by, m.cost - limit, own))
    gets: dict[str, list[tuple[str, float]]] = {}
    for m in plan.measures:
        for p, v in m.to.items():
            if v > 0:
                gets.setdefault(p, []).append((m.id, v))
    changed = True
    while changed:
        changed = False
        updates: dict[str, int] = {}
        for m in plan.measures:
            need = max([lo[p] + by_id[p].duration if lo[p] <= hi[p] else T + 1 for p in m.requires],
                       default=0)
            if need > lo[m.id]:
                updates[m.id] = max(updates.get(m.id, 0), need)
        for ln in reciprocal:
            dead = any(lo[x] > hi[x] for x in ln.measures)
            top = max(lo[x] for x in ln.measures)
            for x in ln.measures:
                need = T + 1 if dead else top - ln.within
                if need > lo[x]:
                    updates[x] = max(updates.get(x, 0), need)
        # what each party can have received, in order of the earliest completion phase
        # (the phase by which the running sum first covers a need does not depend on the
        # order of measures completing in the same phase)
        arrivals: dict[str, list[tuple[int, float, str]]] = {}
        for mid, party, beyond, own in costly:
            if lo[mid] > hi[mid]:
                continue
            if party not in arrivals:
                arrivals[party] = sorted((by_id[j].completion(lo[j]), v, j) for j, v in gets.get(party, ())
                                         if lo[j] <= hi[j])
            got, first = own, T + 1
            if got >= beyond - 1e-9:
                continue
            for c, v, j in arrivals[party]:
                if j == mid:
                    continue
                got += v
                if got >= beyond - 1e-9:
                    first = c
                    break
            if first > lo[mid]:
                updates[mid] = max(updates.get(mid, 0), first)
        for mid, value in updates.items():
            if min(value, T + 1) > lo[mid]:
                lo[mid] = min(value, T + 1)
                changed = True
    return {mid: (lo[mid] if lo[mid] <= hi[mid] else T + 1) for mid in lo}
