"""The implementation report of a roadmap under way (``scnekit status``): per measure done,
under way, late, failed or on track against the roadmap being revised; per milestone
reached, missed, on track or at risk; and what the re-plan changes, in sentences."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from scnekit.fileformat.progress import read_progress
from scnekit.history import Happened, Progress
from scnekit.ledger import completion
from scnekit.model import Plan

from .replan import Replan, replan


class Standing(StrEnum):
    """Where a measure stands against the roadmap being revised."""

    DONE = "done"                    # completed, by its planned completion
    DONE_LATE = "done late"          # completed after its planned completion
    UNDER_WAY = "under way"          # started, and completes by its planned completion
    UNDER_WAY_LATE = "under way, late"
    LATE = "late"                    # due to start by now, not started
    FAILED = "failed"
    WITHDRAWN = "withdrawn"
    ON_TRACK = "on track"            # not yet due, and the re-plan keeps its start
    MOVED = "moved"                  # not yet due, and the re-plan moves it
    ADDED = "added"                  # not in the roadmap revised; the re-plan or the past schedules it
    LEFT_OUT = "left out"            # in the roadmap revised, not in the re-plan


class Course(StrEnum):
    """Where a milestone stands."""

    REACHED = "reached"
    REACHED_LATE = "reached late"
    MISSED = "missed"                # its deadline passed, not reached
    ON_TRACK = "on track"            # the re-plan reaches it by its deadline (or at all, without one)
    AT_RISK = "at risk"              # the re-plan reaches it after its deadline, or not at all
    NOT_PLANNED = "not planned"      # neither the roadmap revised nor the re-plan reaches it


@dataclass(frozen=True)
class MeasureStatus:
    measure: str
    standing: Standing
    planned: int | None              # start in the roadmap revised
    started: int | None              # as recorded
    ends: int | None                 # completion: recorded, expected, or the re-plan's
    replanned: int | None            # start in the re-plan
    note: str | None = None


@dataclass(frozen=True)
class MilestoneStatus:
    milestone: str
    course: Course
    deadline: int | None
    planned: int | None              # achieved in the roadmap revised
    achieved: int | None             # achieved in the past, or in the re-plan


@dataclass(frozen=True)
class Implementation:
    """The report; ``replan`` is the re-plan it compares with."""

    now: int
    measures: tuple[MeasureStatus, ...]
    milestones: tuple[MilestoneStatus, ...]
    replan: Replan

    def sentences(self) -> list[str]:
        """What the re-plan changes and why, one sentence a measure that moves."""
        plan = self.replan.roadmap.plan
        out = []
        for move in self.replan.moves:
            title = plan.measure_by_id[move.measure].title
            if move.after is None:
                what = f"“{title}” is dropped from the roadmap"
            elif move.before is None:
                what = f"“{title}” is added in {plan.horizon.label(move.after)}"
            else:
                what = (f"“{title}” moves from {plan.horizon.label(move.before)} to "
                        f"{plan.horizon.label(move.after)}")
            out.append(f"{what}: {move.reason}." if move.reason else f"{what}.")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"now": self.now,
                "measures": [{"measure": m.measure, "standing": str(m.standing), "planned": m.planned,
                              "started": m.started, "ends": m.ends, "replanned": m.replanned, "note": m.note}
                             for m in self.measures],
                "milestones": [{"milestone": k.milestone, "course": str(k.course), "deadline": k.deadline,
                                "planned": k.planned, "achieved": k.achieved} for k in self.milestones],
                "changes": self.sentences(),
                "replan": self.replan.to_dict()}


def implementation(plan: Plan, progress: Progress | str | os.PathLike[str], scenario: str | None = None, *,
                   revised: Mapping[str, int] | None = None, time_limit: float | None = None,
                   stop: Callable[[], bool] | None = None) -> Implementation:
    """The implementation report of ``scenario`` under ``progress`` (re-planning on the way)."""
    if not isinstance(progress, Progress):
        progress = read_progress(progress, plan, plan.limits)
    result = replan(plan, progress, scenario, revised=revised, time_limit=time_limit, stop=stop)
    model = plan.scenario(scenario)
    now = progress.now
    before = result.revised
    after = result.roadmap.starts if result.roadmap.is_ok else {}
    events = progress.by_measure
    ends = completion(result.roadmap.plan, after)
    rows: list[MeasureStatus] = []
    for m in model.measures:
        planned, event, replanned = before.get(m.id), events.get(m.id), after.get(m.id)
        if planned is None and event is None and replanned is None:
            continue
        planned_end = m.completion(planned) if planned is not None else None
        started = event.started if event is not None else None
        end = ends.get(m.id)
        note = event.note if event is not None else None
        if event is not None and event.status == Happened.COMPLETED:
            late = planned_end is not None and (event.completed or 0) > planned_end
            standing = Standing.DONE_LATE if late else Standing.DONE
            end = event.completed
        elif event is not None and event.status == Happened.STARTED:
            late = planned_end is not None and end is not None and end > planned_end
            standing = Standing.UNDER_WAY_LATE if late else Standing.UNDER_WAY
        elif event is not None and event.status.ended:
            standing = Standing.FAILED if event.status == Happened.FAILED else Standing.WITHDRAWN
        elif planned is None:
            standing = Standing.ADDED
        elif planned <= now:
            standing = Standing.LATE
        elif replanned is None:
            standing = Standing.LEFT_OUT
        else:
            standing = Standing.ON_TRACK if replanned == planned else Standing.MOVED
        rows.append(MeasureStatus(m.id, standing, planned, started, end, replanned, note))
    planned_done = completion(model, before)
    milestones = []
    achieved_now = result.roadmap.achieved if result.roadmap.is_ok else {}
    for k in model.milestones:
        times = sorted(planned_done[x] for x in k.measures if x in planned_done)
        planned_at = times[k.count - 1] if len(times) >= k.count else None
        at = achieved_now.get(k.id)
        if at is not None and at <= now:
            course = Course.REACHED_LATE if k.deadline is not None and at > k.deadline else Course.REACHED
        elif k.deadline is not None and k.deadline <= now:
            course = Course.MISSED
        elif at is not None and (k.deadline is None or at <= k.deadline):
            course = Course.ON_TRACK
        elif at is None and planned_at is None:
            course = Course.NOT_PLANNED
        else:
            course = Course.AT_RISK
        milestones.append(MilestoneStatus(k.id, course, k.deadline, planned_at, at))
    return Implementation(now, tuple(rows), tuple(milestones), result)
