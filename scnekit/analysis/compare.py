"""Compare scenarios (ANALYSIS.md section 1): each scenario's roadmap, and what changes
against the first one's (measures moved, added or dropped; milestones earlier, later,
gained or lost)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import pandas as pd

from scnekit.engine.session import Session, check_arguments
from scnekit.errors import UsageError
from scnekit.model import FORMAT_VERSION, Plan
from scnekit.roadmap import Roadmap, Status

from .choice import pick


class MeasureChange(StrEnum):
    MOVED = "moved"
    ADDED = "added"
    DROPPED = "dropped"


class MilestoneChange(StrEnum):
    EARLIER = "earlier"
    LATER = "later"
    GAINED = "gained"
    LOST = "lost"


MEASURE_COLUMNS = ["scenario", "measure", "change", "from", "to"]
MILESTONE_COLUMNS = ["scenario", "milestone", "change", "from", "to"]


@dataclass(frozen=True)
class Comparison:
    """Roadmaps of several scenarios of one plan, the first being the reference.

    ``measures`` and ``milestones`` list what differs from the reference, one row per
    change (columns ``scenario``, ``measure``/``milestone``, ``change``, ``from``, ``to``).
    A scenario without a roadmap (infeasible, or stopped before one was found) has no
    changes: its roadmap's status and conflicts say why.
    """

    roadmaps: dict[str, Roadmap]
    measures: pd.DataFrame
    milestones: pd.DataFrame

    @property
    def reference(self) -> str:
        return next(iter(self.roadmaps))

    @property
    def schedules(self) -> pd.DataFrame:
        """Start phase of every measure (rows) in every scenario (columns); <NA> where unscheduled."""
        plan = self.roadmaps[self.reference].plan
        data = {sid: [r.starts.get(m.id) for m in plan.measures] for sid, r in self.roadmaps.items()}
        return pd.DataFrame(data, index=pd.Index([m.id for m in plan.measures], name="measure")).astype("Int64")

    @property
    def achieved(self) -> pd.DataFrame:
        """Phase each milestone is achieved (rows) in every scenario (columns)."""
        plan = self.roadmaps[self.reference].plan
        data = {sid: [r.achieved.get(k.id) if r.is_ok else None for k in plan.milestones]
                for sid, r in self.roadmaps.items()}
        return pd.DataFrame(data, index=pd.Index([k.id for k in plan.milestones], name="milestone")).astype("Int64")

    @property
    def summary(self) -> pd.DataFrame:
        """One row per scenario: status, objective, measures scheduled, milestones achieved."""
        rows = [{"scenario": sid, "status": str(r.status), "objective": r.objective,
                 "measures": len(r.starts) if r.is_ok else None,
                 "milestones": sum(a is not None for a in r.achieved.values()) if r.is_ok else None}
                for sid, r in self.roadmaps.items()]
        return pd.DataFrame(rows).set_index("scenario")

    def changes(self) -> list[dict[str, Any]]:
        """The ``changes`` list of ANALYSIS.md section 1, scenario by scenario."""
        out: list[dict[str, Any]] = []
        for sid in list(self.roadmaps)[1:]:
            for frame, key in ((self.measures, "measure"), (self.milestones, "milestone")):
                for row in frame[frame["scenario"] == sid].to_dict("records"):
                    out.append({"scenario": sid, key: row[key], "change": str(row["change"]),
                                "from": _plain(row["from"]), "to": _plain(row["to"])})
        return out

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``scnekit compare``."""
        return {"format": FORMAT_VERSION, "scenarios": {sid: r.to_dict() for sid, r in self.roadmaps.items()},
                "changes": self.changes()}

    def sentences(self) -> list[str]:
        """The changes in words, one line per scenario after the first."""
        lines = []
        for sid, roadmap in list(self.roadmaps.items())[1:]:
            if not roadmap.is_ok:
                lines.append(f"{sid}: no roadmap ({roadmap.status})")
                continue
            if not self.roadmaps[self.reference].is_ok:
                lines.append(f"{sid}: objective {roadmap.objective:g}; '{self.reference}' has no roadmap to "
                             "compare with")
                continue
            parts = [_measure_words(r) for r in self.measures[self.measures["scenario"] == sid].to_dict("records")]
            parts += [_milestone_words(r) for r in
                      self.milestones[self.milestones["scenario"] == sid].to_dict("records")]
            delta = (roadmap.objective or 0.0) - (self.roadmaps[self.reference].objective or 0.0)
            head = f"{sid}: objective {roadmap.objective:g} ({delta:+g})"
            lines.append(f"{head}; " + "; ".join(parts) if parts else f"{head}; the same roadmap")
        return lines


def compare(plan: Plan, scenarios: Sequence[str] | str | None = None, *, time_limit: float | None = None,
            progress: Callable[[str, Roadmap], None] | None = None) -> Comparison:
    """Solve each scenario (default: all, ``base`` first) and compare it with the first.

    ``time_limit`` applies to each solve; ``progress`` is told of each roadmap as it is
    solved. One :class:`Session` solves them all, so scenarios that change only bounds
    re-solve the model already loaded.
    """
    chosen = scenario_list(plan, scenarios)
    check_arguments(plan, time_limit=time_limit)
    session = Session()
    roadmaps: dict[str, Roadmap] = {}
    for sid in chosen:
        roadmaps[sid] = session.solve(plan.scenario(sid), time_limit=time_limit)
        if progress is not None:
            progress(sid, roadmaps[sid])
    return comparison(roadmaps)


def comparison(roadmaps: dict[str, Roadmap]) -> Comparison:
    """The changes between roadmaps already solved (the first is the reference)."""
    if not roadmaps:
        raise UsageError("compare needs at least one scenario")
    reference = next(iter(roadmaps.values()))
    measures: list[dict[str, Any]] = []
    milestones: list[dict[str, Any]] = []
    for sid, roadmap in list(roadmaps.items())[1:]:
        if not (reference.is_ok and roadmap.is_ok):
            continue
        for m in reference.plan.measures:
            before, after = reference.starts.get(m.id), roadmap.starts.get(m.id)
            if before != after:
                change = (MeasureChange.ADDED if before is None else
                          MeasureChange.DROPPED if after is None else MeasureChange.MOVED)
                measures.append({"scenario": sid, "measure": m.id, "change": change, "from": before, "to": after})
        for k in reference.plan.milestones:
            before, after = reference.achieved.get(k.id), roadmap.achieved.get(k.id)
            if before != after:
                kind = (MilestoneChange.GAINED if before is None else MilestoneChange.LOST if after is None
                        else MilestoneChange.EARLIER if after < before else MilestoneChange.LATER)
                milestones.append({"scenario": sid, "milestone": k.id, "change": kind, "from": before,
                                   "to": after})
    return Comparison(roadmaps, _frame(measures, MEASURE_COLUMNS), _frame(milestones, MILESTONE_COLUMNS))


def scenario_list(plan: Plan, scenarios: Sequence[str] | str | None) -> list[str]:
    """Scenario ids from ``None``/``"all"`` (every one, ``base`` first), a comma list or ids;
    an unknown id is a :class:`UsageError` naming the known ones."""
    return pick(None if scenarios == "all" else scenarios, plan.scenario_ids, "scenario", f"{plan.name!r} has")


def exit_status(roadmaps: Sequence[Roadmap]) -> Status:
    """One status for several roadmaps: optimal if all are, else feasible if any roadmap
    was found, else unknown if any solve was stopped, else infeasible."""
    statuses = [r.status for r in roadmaps]
    if all(s == Status.OPTIMAL for s in statuses):
        return Status.OPTIMAL
    if any(s.found for s in statuses):
        return Status.FEASIBLE
    return Status.UNKNOWN if Status.UNKNOWN in statuses else Status.INFEASIBLE


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype({"from": "Int64", "to": "Int64"})


def _plain(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _measure_words(row: Mapping[Hashable, Any]) -> str:
    if row["change"] == MeasureChange.ADDED:
        return f"{row['measure']} is added in phase {row['to']}"
    if row["change"] == MeasureChange.DROPPED:
        return f"{row['measure']} is dropped (was phase {row['from']})"
    return f"{row['measure']} moves from phase {row['from']} to {row['to']}"


def _milestone_words(row: Mapping[Hashable, Any]) -> str:
    name, before, after = row["milestone"], row["from"], row["to"]
    return {MilestoneChange.EARLIER: f"{name} comes earlier, from phase {before} to {after}",
            MilestoneChange.LATER: f"{name} slips from phase {before} to {after}",
            MilestoneChange.GAINED: f"{name} is achieved in phase {after} (never before)",
            MilestoneChange.LOST: f"{name} is no longer achieved (was phase {before})"}[row["change"]]
