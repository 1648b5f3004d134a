"""What has happened so far: the progress record of a roadmap under way (docs/FORMAT.md,
"Progress"). Plain data; reading it is :mod:`scnekit.fileformat.progress`, re-planning
from it :mod:`scnekit.analysis.replan`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Happened(StrEnum):
    """What became of a measure by the current phase."""

    #: started and still under way at ``now`` (it keeps its start; it completes later)
    STARTED = "started"
    #: started and completed
    COMPLETED = "completed"
    #: tried and failed (refused, blocked, reversed); its cost, if it had started, stays spent
    FAILED = "failed"
    #: taken off the table by the party or the mediation
    WITHDRAWN = "withdrawn"

    @property
    def ended(self) -> bool:
        """Whether the measure will not complete as it stands (failed or withdrawn)."""
        return self in (Happened.FAILED, Happened.WITHDRAWN)


@dataclass(frozen=True)
class Event:
    """What happened to one measure, and when (phases of the plan's horizon)."""

    measure: str
    status: Happened
    #: the phase it started (required when started or completed; optional when it ended
    #: without having started, e.g. refused)
    started: int | None = None
    #: the phase it completed (completed only)
    completed: int | None = None
    #: the phase it failed or was withdrawn (failed and withdrawn only)
    ended: int | None = None
    #: failed or withdrawn, and may be scheduled again after ``now``
    retry: bool = False
    note: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Progress:
    """The record of a roadmap under way: phases 1..``now`` have happened, as ``events`` say.

    A measure without an event had not started by ``now``. ``roadmap`` is the roadmap
    being revised (measure -> planned start), where the record gives it: a re-plan moves
    as few of its measures as the best objective allows."""

    now: int
    events: tuple[Event, ...] = ()
    roadmap: Mapping[str, int] | None = None
    file: str | None = field(default=None, compare=False)

    @property
    def by_measure(self) -> dict[str, Event]:
        return {e.measure: e for e in self.events}
