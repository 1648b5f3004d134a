"""The briefing's section on implementation so far: where each measure and milestone
stands after the phases that happened, what the past broke and what the re-plan changes."""

from __future__ import annotations

from dataclasses import dataclass

from scnekit.analysis.implementation import Implementation
from scnekit.model import Plan

from . import words as w
from .context import Cell, Table


@dataclass(frozen=True)
class ImplementationPart:
    """What the briefing says of a roadmap under way."""

    now: str
    lead: str
    measures: Table
    milestones: Table
    broken: list[str]
    dropped: list[str]
    changes: list[str]


def implementation_part(report: Implementation) -> ImplementationPart:
    """The section of ``report`` (its re-plan's roadmap is the briefing's)."""
    roadmap = report.replan.roadmap
    plan = roadmap.plan
    now = w.phase(plan, report.now) if report.now else "before the first phase"
    counts: dict[str, int] = {}
    for m in report.measures:
        counts[str(m.standing)] = counts.get(str(m.standing), 0) + 1
    tally = w.join([f"{n} {standing}" for standing, n in counts.items()])
    span = f"{w.phase(plan, 1)} to {now}" if report.now > 1 else now
    lead = (f"Phases 1 to {report.now} have happened ({span}). Against the roadmap being revised: {tally}. "
            f"The rest is re-planned from {w.phase(plan, report.now + 1) if report.now < plan.phases else 'the end'}, "
            f"moving {len(report.replan.moves)} measure{'s' if len(report.replan.moves) != 1 else ''}.")
    rows: list[list[Cell]] = [
        [plan.measure_by_id[m.measure].title, w.party_name(plan, plan.measure_by_id[m.measure].by), str(m.standing),
         _at(plan, m.planned), _at(plan, m.started), _at(plan, m.replanned), m.note or ""]
        for m in report.measures]
    measures = Table(["Measure", "By", "Standing", "Planned start", "Started", "Start now", "Note"], rows)
    milestone_rows: list[list[Cell]] = [[plan.milestone_by_id[k.milestone].title, str(k.course), _at(plan, k.deadline),
                         _at(plan, k.planned), _at(plan, k.achieved)] for k in report.milestones]
    milestones = Table(["Milestone", "Course", "Deadline", "Planned", "Reached / now expected"], milestone_rows)
    return ImplementationPart(now=now, lead=lead, measures=measures, milestones=milestones,
                              broken=[b.text for b in report.replan.breaches],
                              dropped=[d.text for d in report.replan.dropped], changes=report.sentences())


def _at(plan: Plan, phase: int | None) -> str:
    return "" if phase is None else w.phase(plan, phase)
