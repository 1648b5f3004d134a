"""The briefing's comparison of scenarios: who differs from the first roadmap, and how, in words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from scnekit.analysis.compare import Comparison, MeasureChange, MilestoneChange, comparison
from scnekit.roadmap import Roadmap

from . import words as w


@dataclass(frozen=True)
class ScenarioChanges:
    scenario: str
    description: str
    head: str
    changes: list[str]


@dataclass(frozen=True)
class ComparisonPart:
    reference: str
    headers: list[str]
    rows: list[list[str | int | float | None]]
    scenarios: list[ScenarioChanges]
    comparison: Comparison


def roadmaps_by_scenario(roadmap: Roadmap, others: Sequence[Roadmap]) -> dict[str, Roadmap]:
    """``roadmap`` first, then each other scenario's roadmap once (a repeated id keeps the first)."""
    out = {roadmap.scenario: roadmap}
    for other in others:
        out.setdefault(other.scenario, other)
    return out


def comparison_part(roadmap: Roadmap, others: Sequence[Roadmap]) -> ComparisonPart:
    found = comparison(roadmaps_by_scenario(roadmap, others))
    plan = roadmap.plan
    rows: list[list[str | int | float | None]] = []
    parts = []
    for sid, r in found.roadmaps.items():
        scenario = plan.scenario_by_id.get(sid)
        description = " ".join((scenario.description or "").split()) if scenario else (
            "The plan as written." if sid == "base" else "")
        reached = sum(a is not None for a in r.achieved.values()) if r.is_ok else None
        rows.append([sid, str(r.status), r.objective, len(r.starts) if r.is_ok else None, reached])
        if sid == found.reference:
            continue
        parts.append(ScenarioChanges(sid, description, _head(found, sid), _changes(found, sid)))
    return ComparisonPart(found.reference, ["Scenario", "Status", "Objective (higher is better)",
                                            "Measures scheduled", "Milestones reached"], rows, parts, found)


def _head(found: Comparison, sid: str) -> str:
    r, ref = found.roadmaps[sid], found.roadmaps[found.reference]
    if not r.is_ok:
        why = "; ".join(" ".join(c.detail.split()) for c in r.conflicts)
        return f"No roadmap under “{sid}” ({r.status})" + (f": {why}" if why else ".")
    if not ref.is_ok:
        return f"“{sid}” has a roadmap (objective {w.num(r.objective)}); “{found.reference}” has none to compare."
    delta = (r.objective or 0.0) - (ref.objective or 0.0)
    return (f"Under “{sid}” the objective is {w.num(r.objective)} ({delta:+g} against “{found.reference}”), "
            f"with {w.plural(len(r.starts), 'measure')} scheduled.")


def _changes(found: Comparison, sid: str) -> list[str]:
    plan = found.roadmaps[found.reference].plan
    out = []
    for row in found.milestones[found.milestones["scenario"] == sid].to_dict("records"):
        k = plan.milestone_by_id[str(row["milestone"])]
        name = f"Milestone {w.quoted(k.title)}"
        before, after = w.phase(plan, _at(row["from"])), w.phase(plan, _at(row["to"]))
        out.append({MilestoneChange.EARLIER: f"{name} comes earlier: {after} instead of {before}.",
                    MilestoneChange.LATER: f"{name} slips to {after} (was {before}).",
                    MilestoneChange.GAINED: f"{name} is now reached, in {after}.",
                    MilestoneChange.LOST: f"{name} is no longer reached (was {before})."}[row["change"]])
    groups: dict[str, list[str]] = {"added": [], "dropped": [], "moved": []}
    for row in found.measures[found.measures["scenario"] == sid].to_dict("records"):
        m = plan.measure_by_id[str(row["measure"])]
        before, after = w.phase(plan, _at(row["from"])), w.phase(plan, _at(row["to"]))
        if row["change"] == MeasureChange.ADDED:
            groups["added"].append(f"{w.quoted(m.title)} ({after})")
        elif row["change"] == MeasureChange.DROPPED:
            groups["dropped"].append(f"{w.quoted(m.title)} (was {before})")
        else:
            groups["moved"].append(f"{w.quoted(m.title)} ({before} → {after})")
    for kind, items in groups.items():
        if items:
            out.append(f"{kind.capitalize()}, {w.plural(len(items), 'step')}: " + "; ".join(items) + ".")
    if not out and found.roadmaps[sid].is_ok and found.roadmaps[found.reference].is_ok:
        out.append("The same roadmap.")
    return out


def _at(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)
