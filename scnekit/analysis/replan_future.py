"""The rest of a roadmap under way as a plan of its own: phases ``now + 1 .. T`` become
phases ``1 .. T - now``, and the past enters as measures that cannot move.

What the past did weighs on the rest exactly as it would in the whole plan: a measure
completed in the past stands as one complete in the first phase (its value received,
its cost committed, its milestones counted); one under way keeps its completion; the cost
of one that failed after it started stays committed (a measure of that cost and no value);
requires met in the past are met; a reciprocal partner of a step taken must follow
within the link's phases; deadlines keep their phase. The objective of the rest differs
from the whole plan's by a constant (what the past earned), so its optimum is the best
roadmap from here."""

from __future__ import annotations

from dataclasses import dataclass, replace

from scnekit.model import Horizon, Link, LinkKind, Measure, Plan

from .replan_past import Past, actual_plan

__all__ = ["Future", "actual_plan", "future_plan"]


@dataclass(frozen=True)
class Future:
    """The plan of phases ``now + 1 .. T`` (numbered from 1), and how it maps back."""

    plan: Plan
    now: int
    #: a measure standing for the spent cost of a measure that will never complete -> that measure
    spent_as: dict[str, str]
    #: measures fixed by the past (completed or under way)
    fixed: frozenset[str]

    def real_starts(self, past: Past, starts: dict[str, int]) -> dict[str, int]:
        """The whole roadmap in the plan's phases: the past's starts, and the rest's shifted back."""
        out = dict(past.starts)
        for mid, s in starts.items():
            if mid not in self.spent_as and mid not in self.fixed:
                out[mid] = s + self.now
        return out

    def shifted(self, starts: dict[str, int]) -> dict[str, int]:
        """A roadmap of the plan's phases as starts of the rest (the past's measures at phase 1)."""
        out = {mid: 1 for mid in self.fixed}
        out.update({sid: 1 for sid in self.spent_as})
        out.update({mid: s - self.now for mid, s in starts.items() if mid not in self.fixed and s > self.now})
        return out


def future_plan(plan: Plan, past: Past) -> Future:
    """The plan of the rest, given the past (``past.now < plan.phases``)."""
    now, T = past.now, plan.phases
    rest = T - now
    done_past = {mid for mid, end in past.ends.items() if end <= now}
    taken = {m.id for m in plan.measures}
    measures: list[Measure] = []
    closed: set[str] = set(past.closed)
    for m in plan.measures:
        if m.id in past.starts:
            measures.append(replace(m, earliest=1, latest=1, mandatory=True, requires=(),
                                    duration=max(1, past.ends[m.id] - now)))
            continue
        first, last = max(1, m.earliest - now), m.latest - now
        if m.id in past.closed or last < first:
            closed.add(m.id)
            measures.append(replace(m, earliest=1, latest=1, duration=1, mandatory=False))
            continue
        measures.append(replace(m, earliest=first, latest=last,
                                requires=tuple(p for p in m.requires if p not in done_past)))
    spent_as: dict[str, str] = {}
    for mid in sorted(past.spent):
        m = plan.measure_by_id[mid]
        sid = _fresh(f"{mid}-spent", taken)
        spent_as[sid] = mid
        measures.append(Measure(id=sid, title=f"{m.title} (spent)", by=m.by, cost=m.cost, to={}, duration=1,
                                earliest=1, latest=1, mandatory=True))
    by_id = {m.id: m for m in measures}
    links: list[Link] = []
    for link in plan.links:
        links += _links_from_now(link, past, by_id, closed)
    milestones = tuple(replace(k, deadline=k.deadline - now if k.deadline is not None and k.deadline > now else None)
                       for k in plan.milestones)
    horizon = _horizon(plan.horizon, now, rest, len(done_past) + len(spent_as))
    unavailable = frozenset(x for x in (set(plan.unavailable) | closed) if x not in past.starts)
    future = replace(plan, horizon=horizon, measures=tuple(by_id[m.id] for m in measures), links=tuple(links),
                     milestones=milestones, scenarios=(), unavailable=unavailable)
    return Future(future, now, spent_as, frozenset(past.starts))


def _links_from_now(link: Link, past: Past, by_id: dict[str, Measure], closed: set[str]) -> list[Link]:
    """What a link asks of the rest; none when the past broke it (see replan_past).

    A reciprocal link some of whose members went ahead ties each other member to the one
    that went first (``anchor``, standing at phase 1 of the rest): both or neither, the
    other starting by ``due`` (the anchor's real start plus ``within``, counted from
    now), which is ``within = due - 1`` from phase 1. The others keep the link among
    themselves."""
    went = [x for x in link.measures if x in past.starts]
    if link.kind == LinkKind.EXCLUSIVE:
        return [link] if len(went) <= 1 else []
    if not went:
        return [link]
    rest = [x for x in link.measures if x not in past.starts]
    anchor = min(went, key=lambda x: (past.starts[x], x))
    due = past.starts[anchor] + link.within - past.now
    if any(x in closed or due < by_id[x].earliest for x in rest):
        return []
    tied = [Link(kind=LinkKind.RECIPROCAL, measures=(anchor, x), within=due - 1) for x in rest]
    return tied + ([Link(kind=link.kind, measures=tuple(rest), within=link.within)] if len(rest) > 1 else [])


def _horizon(horizon: Horizon, now: int, rest: int, standing: int) -> Horizon:
    """Phases ``now + 1 ..`` numbered from 1; the first phase also holds the ``standing``
    measures of the past, which take no capacity of the rest."""
    labels = tuple(horizon.labels[now:]) if horizon.labels else None
    capacity = None
    if horizon.capacity is not None:
        capacity = tuple(horizon.capacity[now:now + rest])
        capacity = (capacity[0] + standing, *capacity[1:])
    return Horizon(phases=rest, labels=labels, capacity=capacity)


def _fresh(name: str, taken: set[str]) -> str:
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}-{n}", n + 1
    taken.add(candidate)
    return candidate
