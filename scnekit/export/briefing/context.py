"""What a briefing says, as plain data: sentences and tables built from a roadmap.

The HTML, Markdown and Excel writers all render this one :class:`Briefing`, so the three
formats say the same things. Nothing here is escaped or formatted for a medium.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from scnekit.model import LinkKind, MilestoneMode, Plan
from scnekit.roadmap import Roadmap, Status

from . import words as w
from .comparing import ComparisonPart, comparison_part

Cell = str | int | float | None


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[Cell]]


@dataclass(frozen=True)
class Phase:
    """One phase of the roadmap: its heading and what happens in it, sentence by sentence."""

    head: str
    sentences: list[str]


@dataclass(frozen=True)
class SourceGroup:
    document: str
    items: list[tuple[str, str]]  # (what: a measure's title, the full source text)


@dataclass(frozen=True)
class Briefing:
    """Everything a briefing shows, section by section."""

    title: str
    scenario: str
    scenario_description: str
    plan_description: str
    found: bool
    status_line: str
    summary: list[str]
    #: the milestones reached, in order, each "Q2: title (deadline Q4)": the summary's list
    reached: list[str]
    conflicts: list[str]
    phases: list[Phase]
    exchanges: Table
    exchanges_missing: list[str]
    milestones: Table
    parties: Table
    exposure: Table
    party_sentences: list[str]
    walkaway: list[str]
    rules: list[str]
    unavailable: list[str]
    overrides: list[str]
    sources: list[SourceGroup]
    comparison: ComparisonPart | None = None
    reading_notes: list[str] = field(default_factory=list)


def build(roadmap: Roadmap, compare_with: Sequence[Roadmap] = ()) -> Briefing:
    """The briefing of ``roadmap``; ``compare_with`` adds a comparison of other scenarios' roadmaps."""
    plan = roadmap.plan
    scenario = plan.scenario_by_id.get(plan.scenario_id)
    found = roadmap.is_ok
    return Briefing(
        title=" ".join(plan.name.split()),
        scenario=roadmap.scenario,
        scenario_description=" ".join((scenario.description or "").split()) if scenario else (
            "The plan as written, with no scenario's changes." if roadmap.scenario == "base" else ""),
        plan_description=" ".join((plan.description or "").split()),
        found=found,
        status_line=_status_line(roadmap),
        summary=_summary(roadmap) if found else [],
        reached=_reached(roadmap) if found else [],
        conflicts=w.lines(c.detail for c in roadmap.conflicts),
        phases=_phases(roadmap) if found else [],
        exchanges=_exchanges(roadmap),
        exchanges_missing=_exchanges_missing(roadmap),
        milestones=_milestones(roadmap),
        parties=_parties(roadmap),
        exposure=_exposure(roadmap),
        party_sentences=_party_sentences(roadmap) if found else [],
        walkaway=_walkaway(roadmap) if found else [],
        rules=w.rules_in_words(plan),
        unavailable=[f"{w.quoted(plan.measure_by_id[m].title)} ({w.party_name(plan, plan.measure_by_id[m].by)})"
                     for m in sorted(plan.unavailable) if m in plan.measure_by_id],
        overrides=[w.override_in_words(plan, path, value)
                   for path, value in (scenario.set if scenario else {}).items()],
        sources=_sources(plan),
        comparison=comparison_part(roadmap, compare_with) if compare_with else None,
        reading_notes=_reading_notes(plan),
    )


def _status_line(roadmap: Roadmap) -> str:
    if roadmap.status == Status.OPTIMAL:
        return "This is the best roadmap the rules allow (proved optimal)."
    if roadmap.status == Status.FEASIBLE:
        gap = f", at most {100 * roadmap.gap:.1f} % below the best possible" if roadmap.gap else ""
        return f"This roadmap keeps every rule; the time limit stopped the search before it was proved the best{gap}."
    if roadmap.status == Status.INFEASIBLE:
        return ("No roadmap can keep every rule of this scenario. The rules below cannot all hold together; "
                "one of them must be relaxed.")
    return "The time limit ran out before any roadmap was found or ruled out. Allow more time and try again."


def _summary(roadmap: Roadmap) -> list[str]:
    plan = roadmap.plan
    T = plan.phases
    span = f"{w.phase(plan, 1)} to {w.phase(plan, T)}" if plan.horizon.labels else f"phases 1 to {T}"
    parties = sorted({plan.measure_by_id[m].by for m in roadmap.starts}, key=[p.id for p in plan.parties].index)
    out = [f"The roadmap schedules {len(roadmap.starts)} of the {w.plural(len(plan.measures), 'measure')} on the "
           f"table over {w.plural(T, 'phase')} ({span}), taken by {w.plural(len(parties), 'party', 'parties')}."]
    reached = [(k, roadmap.achieved.get(k.id)) for k in plan.milestones]
    got = sorted([(a, k) for k, a in reached if a is not None], key=lambda x: x[0])
    if plan.milestones:
        due = [k for _, k in got if k.deadline is not None]
        note = (f", the last in {w.phase(plan, got[-1][0])}" if got else "") + (
            ", every deadline met" if due else "")
        out.append(f"It reaches {len(got)} of {w.plural(len(plan.milestones), 'milestone')}{note}"
                   + (":" if got else "."))
        missed = [w.quoted(k.title) for k, a in reached if a is None]
        if missed:
            out.append(f"Not reached within the horizon: {w.join(missed)}.")
    exposure = roadmap.exposure
    if not exposure.empty and len(exposure.columns):
        peak = exposure.max()
        who = str(peak.idxmax())
        t = int(exposure[who].to_numpy().argmax()) + 1  # rows are phases 1..T
        limit = plan.rules.exposure_limit(who)
        if float(peak.max()) <= 0:
            out.append("No party is ever owed anything: every step is repaid in the phase it is taken.")
        else:
            out.append(f"The most any party is owed at any time is {w.num(float(peak.max()))}: "
                       f"{w.party_name(plan, who)} in {w.phase(plan, t)}"
                       + (f" (its limit is {w.num(limit)})." if limit is not None else "."))
    scenario = "the base plan" if roadmap.scenario == "base" else f"scenario “{roadmap.scenario}”"
    out.append(f"It assumes {scenario} and keeps every rule listed under “Rules and assumptions”.")
    return out


def _reached(roadmap: Roadmap) -> list[str]:
    plan = roadmap.plan
    got = sorted(((a, i, k) for i, k in enumerate(plan.milestones) if (a := roadmap.achieved.get(k.id)) is not None),
                 key=lambda x: (x[0], x[1]))
    return [f"{w.phase(plan, a)}: {k.title}" + (f" (deadline {w.phase(plan, k.deadline)})"
                                                 if k.deadline is not None else "") for a, _, k in got]


def _reciprocal(plan: Plan) -> list[tuple[str, ...]]:
    return [link.measures for link in plan.links if link.kind == LinkKind.RECIPROCAL]


def _step(plan: Plan, mid: str, start: int) -> str:
    """``Party: “title”``, with how long the step runs when it takes more than one phase."""
    m = plan.measure_by_id[mid]
    runs = "" if m.duration == 1 else (f" (over {w.plural(m.duration, 'phase')}, "
                                       f"to {w.phase(plan, m.completion(start))})")
    return f"{w.party_name(plan, m.by)}: {w.quoted(m.title)}{runs}"


def _phases(roadmap: Roadmap) -> list[Phase]:
    plan, starts = roadmap.plan, roadmap.starts
    told: set[str] = set()
    by_phase: dict[int, list[str]] = defaultdict(list)
    for members in _reciprocal(plan):
        on = [m for m in members if m in starts]
        if len(on) < 2:
            continue
        first = min(on, key=lambda m: (starts[m], members.index(m)))
        others = [m for m in on if m != first]
        text = _step(plan, first, starts[first])
        returns = []
        for m in others:
            when = "in the same phase" if starts[m] == starts[first] else f"in {w.phase(plan, starts[m])}"
            returns.append(f"{_step(plan, m, starts[m])}, {when}")
        by_phase[starts[first]].append(f"{text}; in return, {w.join(returns)}.")
        for m in others:
            if starts[m] != starts[first]:
                by_phase[starts[m]].append(f"{_step(plan, m, starts[m])}, in return for "
                                           f"{w.quoted(plan.measure_by_id[first].title)} "
                                           f"({w.phase(plan, starts[first])}).")
        told.update(on)
    for mid, t in sorted(starts.items(), key=lambda kv: (kv[1], kv[0])):
        if mid not in told:
            by_phase[t].append(_step(plan, mid, t) + ".")
    out = []
    for t in range(1, plan.phases + 1):
        sentences = list(by_phase[t])
        for mid, s in sorted(starts.items()):
            measure = plan.measure_by_id[mid]
            if measure.duration > 1 and measure.completion(s) == t:
                sentences.append(f"Completed: {w.quoted(measure.title)} ({w.party_name(plan, measure.by)}, begun in "
                                 f"{w.phase(plan, s)}).")
        for k in plan.milestones:
            if roadmap.achieved.get(k.id) == t:
                due = "" if k.deadline is None else (
                    " (due by then)" if k.deadline == t else f" (due by {w.phase(plan, k.deadline)})")
                sentences.append(f"Milestone reached: {w.quoted(k.title)}{due}.")
        if not sentences:
            sentences.append("Nothing new starts; the steps already taken stand.")
        happened = roadmap.progress is not None and t <= roadmap.progress.now
        out.append(Phase(w.phase_head(plan, t) + (" — happened" if happened else ""), sentences))
    return out


def _exchanges(roadmap: Roadmap) -> Table:
    plan, starts = roadmap.plan, roadmap.starts
    rows: list[list[Cell]] = []
    done = [members for members in _reciprocal(plan) if all(m in starts for m in members)]
    for members in sorted(done, key=lambda ms: min(starts[m] for m in ms)):
        first, *others = sorted(members, key=lambda m: (starts[m], members.index(m)))
        a = plan.measure_by_id[first]
        within = next(link.within for link in plan.links if link.measures == members)
        for i, mid in enumerate(others):
            b = plan.measure_by_id[mid]
            rows.append([w.party_name(plan, a.by) if i == 0 else "", a.title if i == 0 else "",
                         w.phase(plan, starts[first]) if i == 0 else "",
                         w.party_name(plan, b.by), b.title, w.phase(plan, starts[mid]),
                         "same phase" if within == 0 else f"within {w.plural(within, 'phase')}"])
    return Table(["One side", "takes this step", "in", "In return, the other side", "takes this step", "in",
                  "Agreed gap"], rows)


def _exchanges_missing(roadmap: Roadmap) -> list[str]:
    plan = roadmap.plan
    return [w.join([f"{w.quoted(plan.measure_by_id[m].title)} ({w.party_name(plan, plan.measure_by_id[m].by)})"
                    for m in members], "for")
            for members in _reciprocal(plan) if not all(m in roadmap.starts for m in members)]


def _needs(plan: Plan, mode: MilestoneMode, members: tuple[str, ...], count: int) -> str:
    if mode == MilestoneMode.ALL:
        return f"all {len(members)} of its steps" if len(members) > 1 else "its one step"
    if mode == MilestoneMode.ANY:
        return f"any one of {len(members)} steps"
    return f"at least {count} of {len(members)} steps"


def _milestones(roadmap: Roadmap) -> Table:
    plan = roadmap.plan
    rows: list[list[Cell]] = []
    for k in plan.milestones:
        a = roadmap.achieved.get(k.id) if roadmap.is_ok else None
        on_time = "—" if k.deadline is None or not roadmap.is_ok else ("yes" if a is not None and a <= k.deadline
                                                                       else "no")
        rows.append([k.title, _needs(plan, k.mode, k.measures, k.count),
                     w.phase(plan, a) if a is not None else ("not reached" if roadmap.is_ok else "—"),
                     w.phase(plan, k.deadline) if k.deadline is not None else "none", on_time, k.weight])
    return Table(["Milestone", "Needs", "Reached in", "Deadline", "On time", "Weight"], rows)


def _parties(roadmap: Roadmap) -> Table:
    plan = roadmap.plan
    exposure, received = roadmap.exposure, roadmap.received
    rows: list[list[Cell]] = []
    for p in plan.parties:
        cost = sum(plan.measure_by_id[m].cost for m in roadmap.starts if plan.measure_by_id[m].by == p.id)
        got = float(received[p.id].iloc[-1]) if p.id in received.columns and len(received) else 0.0
        series = exposure[p.id]
        peak = float(series.max())
        when = w.phase(plan, int(series.to_numpy().argmax()) + 1) if roadmap.is_ok and peak > 0 else "—"
        limit = plan.rules.exposure_limit(p.id)
        rows.append([p.name, p.id, str(p.kind).replace("_", " "), float(cost), got, peak, when,
                     "none" if limit is None else limit, plan.rules.min_received.get(p.id)])
    return Table(["Party", "In figures", "Kind", "Cost of its steps", "Value received by the end", "Highest exposure",
                  "in", "Exposure limit", "Least value it must receive"], rows)


def _exposure(roadmap: Roadmap) -> Table:
    plan, frame = roadmap.plan, roadmap.exposure
    rows: list[list[Cell]] = [[p.name, *(float(x) for x in frame[p.id])] for p in plan.parties]
    return Table(["Party", *(plan.horizon.label(t) for t in range(1, plan.phases + 1))], rows)


def _party_sentences(roadmap: Roadmap) -> list[str]:
    plan = roadmap.plan
    out = []
    for row, p in zip(_parties(roadmap).rows, plan.parties, strict=True):
        cost, got, peak, when, limit = row[3], row[4], row[5], row[6], row[7]
        mine = [m for m in roadmap.starts if plan.measure_by_id[m].by == p.id]
        steps = (f"takes {w.plural(len(mine), 'step')} costing {w.num(cost)}" if mine  # type: ignore[arg-type]
                 else "takes no step")
        text = f"{p.name} {steps} and receives {w.num(got)} in value by the end"  # type: ignore[arg-type]
        if isinstance(peak, float) and peak > 0:
            text += f"; it is owed at most {w.num(peak)}, in {when}"
            text += f" (limit {w.num(limit)})" if isinstance(limit, float | int) else ""
        else:
            text += "; it is never owed anything"
        out.append(text + ".")
    return out


def _walkaway(roadmap: Roadmap) -> list[str]:
    plan = roadmap.plan
    rows = roadmap.walkaway()
    tempted = rows[rows["tempted"]]
    if rows.empty or tempted.empty:
        return ["No party would gain by walking away before the end: at every phase, what each party still "
                "stands to gain is at least what it still has to give."]
    out = []
    for party, group in tempted.groupby("party", sort=False):
        records = group.to_dict("records")
        worst = min(records, key=lambda r: r["stake"])
        when = w.join([w.phase(plan, int(r["phase"])) for r in records])
        out.append(f"{w.party_name(plan, str(party))} would gain by walking away after {when}: at worst, after "
                   f"{w.phase(plan, int(worst['phase']))}, it still has {w.num(-worst['stake'])} more to give than "
                   "to gain.")
    return out


def _sources(plan: Plan) -> list[SourceGroup]:
    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    missing = []
    for m in plan.measures:
        if m.source:
            text = " ".join(m.source.split())
            groups[w.source_document(text)].append((m.title, text))
        else:
            missing.append((m.title, ""))
    out = [SourceGroup(doc, items) for doc, items in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))]
    if missing:
        out.append(SourceGroup("No source given", missing))
    return out


def _reading_notes(plan: Plan) -> list[str]:
    return [
        "A measure is a step one party takes (it concedes something at a political cost) that gives value to "
        "one or more parties. Costs and values are judgements entered by the planners, not measurements.",
        "Exposure is what a party has put in and not yet had back: the cost of the steps it has started minus "
        "the value it has received from steps completed. An exposure limit keeps anyone from going first too "
        "far (the “you first” problem).",
        "In an exchange (a reciprocal link), each side's step is taken only if the other's is, within the "
        "agreed number of phases.",
        f"The roadmap runs over {w.plural(plan.phases, 'phase')}; a milestone is reached in the first phase in "
        "which the steps it needs are complete.",
    ]
