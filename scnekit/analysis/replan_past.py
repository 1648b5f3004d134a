"""The past of a roadmap under way, as its progress record tells it: what stands fixed,
what was spent for nothing, and which rules the past already broke, in words."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from scnekit.history import Happened, Progress
from scnekit.ledger import evaluate
from scnekit.model import LinkKind, Plan


class BreachKind(StrEnum):
    """A rule the past broke (docs/FORMAT.md, "Progress")."""

    WINDOW = "window"
    UNAVAILABLE = "unavailable"
    REQUIRES = "requires"
    RECIPROCAL = "reciprocal"
    EXCLUSIVE = "exclusive"
    CAPACITY = "capacity"
    MAX_EXPOSURE = "max_exposure"
    DEADLINE = "deadline"
    MANDATORY = "mandatory"


@dataclass(frozen=True)
class Breach:
    """A rule the past broke: which, about what (an id, or '' for the whole plan), when, in words."""

    kind: BreachKind
    subject: str
    phase: int | None
    text: str


@dataclass(frozen=True)
class Past:
    """Phases 1..``now`` as they happened."""

    now: int
    #: measures that started and complete (or completed): their start
    starts: dict[str, int]
    #: their completion: as recorded, or (under way) the plan's, at the earliest ``now + 1``
    ends: dict[str, int]
    #: started and still under way at ``now``
    under_way: frozenset[str]
    #: started, and will never complete: their start (the cost stays spent)
    spent: dict[str, int]
    #: failed or withdrawn without a retry: never scheduled again
    closed: frozenset[str]
    breaches: tuple[Breach, ...]

    def done_by(self, mid: str, phase: int) -> bool:
        """Whether ``mid`` completed at or before ``phase`` in the past."""
        return mid in self.ends and self.ends[mid] <= min(phase, self.now)


def read_past(plan: Plan, progress: Progress) -> Past:
    """The past of ``plan`` (a scenario's plan) as ``progress`` records it."""
    now, T = progress.now, plan.phases
    starts: dict[str, int] = {}
    ends: dict[str, int] = {}
    under: set[str] = set()
    spent: dict[str, int] = {}
    closed: set[str] = set()
    for event in progress.events:
        m = plan.measure_by_id[event.measure]
        if event.status == Happened.COMPLETED and event.started is not None and event.completed is not None:
            starts[m.id], ends[m.id] = event.started, event.completed
        elif event.status == Happened.STARTED and event.started is not None:
            end = max(m.completion(event.started), now + 1)
            if end > T:  # it cannot complete within the horizon: what it cost is spent
                spent[m.id] = event.started
            else:
                starts[m.id], ends[m.id] = event.started, end
                under.add(m.id)
        elif event.status.ended:
            if event.started is not None:
                spent[m.id] = event.started
            if not event.retry:
                closed.add(m.id)
    past = Past(now, starts, ends, frozenset(under), spent, frozenset(closed), ())
    return Past(now, starts, ends, frozenset(under), spent, frozenset(closed), tuple(_breaches(plan, past)))


def actual_plan(plan: Plan, past: Past) -> Plan:
    """``plan`` with the durations the past gave its measures (a late completion is as recorded)."""
    measures = tuple(replace(m, duration=past.ends[m.id] - past.starts[m.id] + 1) if m.id in past.starts else m
                     for m in plan.measures)
    return replace(plan, measures=measures)


def _breaches(plan: Plan, past: Past) -> list[Breach]:
    """Every rule the recorded past broke, in the order of FORMAT.md section 2."""
    out: list[Breach] = []
    now = past.now
    title = {m.id: f"“{m.title}”" for m in plan.measures}
    party = {p.id: p.name for p in plan.parties}
    begun = {**past.starts, **past.spent}
    for mid, s in sorted(begun.items(), key=lambda kv: (kv[1], kv[0])):
        m = plan.measure_by_id[mid]
        if not m.earliest <= s <= m.latest:
            out.append(Breach(BreachKind.WINDOW, mid, s, f"{title[mid]} started in phase {s}, outside its window "
                                                         f"(phases {m.earliest} to {m.latest})."))
        if mid in plan.unavailable:
            out.append(Breach(BreachKind.UNAVAILABLE, mid, s,
                              f"{title[mid]} went ahead although this scenario takes it off the table."))
        for need in m.requires:
            if not past.done_by(need, s - 1):
                out.append(Breach(BreachKind.REQUIRES, mid, s, f"{title[mid]} started in phase {s} before "
                                                               f"{title[need]}, which it requires, was complete."))
    for link in plan.links:
        out += _link_breaches(link.kind, link.measures, link.within, past, title)
    for mid in sorted(past.closed):
        m = plan.measure_by_id[mid]
        if m.mandatory:
            out.append(Breach(BreachKind.MANDATORY, mid, None,
                              f"{title[mid]} must be in the roadmap, but it failed or was withdrawn."))
    for m in plan.measures:
        if m.mandatory and m.id not in begun and m.id not in past.closed and m.latest <= now:
            out.append(Breach(BreachKind.MANDATORY, m.id, m.latest,
                              f"{title[m.id]} must be in the roadmap, but its last start (phase {m.latest}) passed."))
    for t in range(1, now + 1):
        cap = plan.horizon.capacity_at(t)
        active = sum(1 for mid, s in past.starts.items() if s <= t <= past.ends[mid])
        active += sum(1 for mid, s in past.spent.items() if s == t)
        if cap is not None and active > cap:
            out.append(Breach(BreachKind.CAPACITY, "", t, f"{active} measures were under way in phase {t}, "
                                                         f"more than the capacity of {cap}."))
    ledger = evaluate(actual_plan(plan, past), {mid: s for mid, s in past.starts.items() if past.ends[mid] <= now},
                      {**past.spent, **{mid: past.starts[mid] for mid in past.under_way}})
    for who in plan.parties:
        limit = plan.rules.exposure_limit(who.id)
        if limit is None:
            continue
        owed = ledger.exposure[who.id]
        over = [t for t in range(1, now + 1) if owed[t - 1] > limit + 1e-9]
        if over:
            worst = max(over, key=lambda t: owed[t - 1])
            also = f" (and in phases {', '.join(map(str, over))})" if len(over) > 1 else ""
            text = f"{party[who.id]} was owed {owed[worst - 1]:g} in phase {worst}, above its limit of {limit:g}{also}."
            out.append(Breach(BreachKind.MAX_EXPOSURE, who.id, worst, text))
    done = {mid: e for mid, e in past.ends.items() if e <= now}
    for k in plan.milestones:
        if k.deadline is None or k.deadline > now:
            continue
        times = sorted(done[x] for x in k.measures if x in done)
        if len(times) < k.count or times[k.count - 1] > k.deadline:
            out.append(Breach(BreachKind.DEADLINE, k.id, k.deadline,
                              f"Milestone “{k.title}” was due by phase {k.deadline} and was not reached."))
    return out


def _link_breaches(kind: LinkKind, members: tuple[str, ...], within: int, past: Past,
                   title: dict[str, str]) -> list[Breach]:
    went = {x: past.starts[x] for x in members if x in past.starts}
    if kind == LinkKind.EXCLUSIVE:
        if len(went) > 1:
            names = " and ".join(title[x] for x in went)
            return [Breach(BreachKind.EXCLUSIVE, members[0], max(went.values()),
                           f"{names} both went ahead, though they are alternatives.")]
        return []
    if not went:
        return []
    first = min(went, key=lambda x: (went[x], x))
    out: list[Breach] = []
    for x in members:
        if x in went:
            if abs(went[x] - went[first]) > within:
                out.append(Breach(BreachKind.RECIPROCAL, x, went[x],
                                  f"{title[x]} started in phase {went[x]}, more than {within} phase(s) from its "
                                  f"counterpart {title[first]} (phase {went[first]})."))
        elif x in past.closed:
            out.append(Breach(BreachKind.RECIPROCAL, x, None,
                              f"{title[first]} went ahead in phase {went[first]}, but its counterpart {title[x]} "
                              "failed or was withdrawn."))
        elif went[first] + within <= past.now:
            out.append(Breach(BreachKind.RECIPROCAL, x, went[first] + within,
                              f"{title[first]} went ahead in phase {went[first]}, but its counterpart {title[x]} "
                              f"had not started by phase {went[first] + within}."))
    return out
