"""Typed, validated objects of scenario format v1.

Objects here are built only by :mod:`scnekit.validate`, which checks every field; code
that holds a :class:`Plan` can rely on its references being sound.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

PartyKind = Literal["area", "external", "mediator", "civil_society"]
LinkKind = Literal["reciprocal", "exclusive"]
MilestoneMode = Literal["all", "any", "at_least"]


@dataclass(frozen=True)
class Party:
    id: str
    name: str
    kind: PartyKind = "area"
    backers: tuple[str, ...] = ()
    notes: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Measure:
    id: str
    title: str
    by: str
    latest: int
    cost: float = 0.0
    to: Mapping[str, float] = field(default_factory=dict)
    duration: int = 1
    earliest: int = 1
    mandatory: bool = False
    requires: tuple[str, ...] = ()
    category: str | None = None
    tags: tuple[str, ...] = ()
    source: str | None = None
    notes: str | None = None

    @property
    def value(self) -> float:
        """Total value the measure gives to all parties."""
        return float(sum(self.to.values()))

    @property
    def net(self) -> float:
        """Value given minus the implementer's cost (the objective's net_m)."""
        return self.value - self.cost

    def last_start(self, phases: int) -> int:
        """Latest phase the measure may start and still complete within the horizon."""
        return min(self.latest, phases - self.duration + 1)


@dataclass(frozen=True)
class Link:
    kind: LinkKind
    measures: tuple[str, ...]
    within: int = 0


@dataclass(frozen=True)
class Milestone:
    id: str
    title: str
    mode: MilestoneMode
    measures: tuple[str, ...]
    count: int
    deadline: int | None = None
    weight: float = 1.0
    notes: str | None = None
    source: str | None = None

    def holds(self, completed: int) -> bool:
        """Whether the milestone holds when ``completed`` of its measures are done."""
        return completed >= self.count


@dataclass(frozen=True)
class Balance:
    among: tuple[str, ...]
    max_gap: float


@dataclass(frozen=True)
class Rules:
    exposure_default: float | None = None
    exposure_by_party: Mapping[str, float] = field(default_factory=dict)
    min_received: Mapping[str, float] = field(default_factory=dict)
    balance: Balance | None = None

    def exposure_limit(self, party: str) -> float | None:
        """The party's exposure limit L_p, or None when it has none."""
        return self.exposure_by_party.get(party, self.exposure_default)


@dataclass(frozen=True)
class Objective:
    benefit: float = 1.0
    milestones: float = 1.0


@dataclass(frozen=True)
class Horizon:
    phases: int
    labels: tuple[str, ...] | None = None
    capacity: tuple[int, ...] | None = None

    def label(self, phase: int) -> str:
        """A phase's label, or ``P<n>`` when the file gives none."""
        return self.labels[phase - 1] if self.labels else f"P{phase}"

    def capacity_at(self, phase: int) -> int | None:
        return self.capacity[phase - 1] if self.capacity else None


@dataclass(frozen=True)
class Scenario:
    id: str
    description: str | None = None
    unavailable: tuple[str, ...] = ()
    set: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    """A scenario file, or the model one of its scenarios selects.

    ``scenario_id`` says which: ``base`` for the file as written, otherwise the id of
    the scenario whose ``unavailable`` and ``set`` have been applied. ``document`` is
    the file's content as read (the base document), kept so that edits can be
    written back without losing anything the planner typed.
    """

    name: str
    horizon: Horizon
    parties: tuple[Party, ...]
    measures: tuple[Measure, ...]
    links: tuple[Link, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    rules: Rules = field(default_factory=Rules)
    objective: Objective = field(default_factory=Objective)
    scenarios: tuple[Scenario, ...] = ()
    description: str | None = None
    scenario_id: str = "base"
    unavailable: frozenset[str] = frozenset()
    document: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    path: str | None = None

    @property
    def phases(self) -> int:
        return self.horizon.phases

    @cached_property
    def measure_by_id(self) -> dict[str, Measure]:
        return {m.id: m for m in self.measures}

    @cached_property
    def party_by_id(self) -> dict[str, Party]:
        return {p.id: p for p in self.parties}

    @cached_property
    def milestone_by_id(self) -> dict[str, Milestone]:
        return {k.id: k for k in self.milestones}

    @cached_property
    def scenario_by_id(self) -> dict[str, Scenario]:
        return {s.id: s for s in self.scenarios}

    @property
    def scenario_ids(self) -> list[str]:
        return ["base", *(s.id for s in self.scenarios)]

    def scenario(self, scenario_id: str | None) -> Plan:
        """The model that ``scenario_id`` selects (``None`` or ``base``: this plan)."""
        from .scenarios import select

        return select(self, scenario_id)
