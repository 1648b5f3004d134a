"""Typed, validated objects of scenario format v1.

Objects here are built only by :mod:`scnekit.fileformat.validate`, which checks every field; code
that holds a :class:`Plan` can rely on its references being sound.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

from .limits import DEFAULT, Limits

#: The scenario file format this scnekit reads and the roadmap JSON it writes (FORMAT.md).
FORMAT_VERSION = 1


class PartyKind(StrEnum):
    """What a party is (FORMAT.md section 1, ``parties[].kind``)."""

    AREA = "area"
    EXTERNAL = "external"
    MEDIATOR = "mediator"
    CIVIL_SOCIETY = "civil_society"


class LinkKind(StrEnum):
    """How the members of a link are tied (``links[].kind``)."""

    RECIPROCAL = "reciprocal"
    EXCLUSIVE = "exclusive"


class MilestoneMode(StrEnum):
    """Which of its measures a milestone needs: all, any one, or at least a count."""

    ALL = "all"
    ANY = "any"
    AT_LEAST = "at_least"


class RuleKind(StrEnum):
    """The rules of a plan that can fail, as named in conflicts (FORMAT.md section 4)."""

    MANDATORY = "mandatory"
    PIN = "pin"
    DEADLINE = "deadline"
    MAX_EXPOSURE = "max_exposure"
    CAPACITY = "capacity"
    MIN_RECEIVED = "min_received"
    BALANCE = "balance"
    MIN_STAKE = "min_stake"
    #: windows, requires, links and availability together: they always hold
    STRUCTURE = "structure"


@dataclass(frozen=True, order=True)
class Rule:
    """One rule of a plan that can fail: its kind and its subject (an id, or '' for a
    rule of the whole plan such as capacity)."""

    kind: RuleKind
    subject: str = ""


@dataclass(frozen=True)
class Party:
    id: str
    name: str
    kind: PartyKind = PartyKind.AREA
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

    def completion(self, start: int) -> int:
        """c_m = s_m + d_m - 1: the phase in which the measure completes when started at ``start``."""
        return start + self.duration - 1


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
    stake_default: float | None = None
    stake_by_party: Mapping[str, float] = field(default_factory=dict)

    def exposure_limit(self, party: str) -> float | None:
        """The party's exposure limit L_p, or None when it has none."""
        return self.exposure_by_party.get(party, self.exposure_default)

    def min_stake(self, party: str) -> float | None:
        """The least stake the party must keep in every phase before the last (ANALYSIS.md
        section 5, ``rules.min_stake``), or None when it has none."""
        return self.stake_by_party.get(party, self.stake_default)


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
    #: the limits the file was read under; its scenarios are validated under them too
    limits: Limits = field(default=DEFAULT, repr=False, compare=False)

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
        if _selector is None:  # pragma: no cover - plans come from scnekit.fileformat, which sets it
            raise RuntimeError("scnekit.fileformat is not loaded")
        return _selector(self, scenario_id)


#: Applies a scenario's overrides and validates the result. Set by
#: :mod:`scnekit.fileformat` (which builds every Plan), so that this bottom layer never
#: imports the layer above it.
_selector: Callable[[Plan, str | None], Plan] | None = None


def use_scenario_selector(selector: Callable[[Plan, str | None], Plan]) -> None:
    """Install the function behind :meth:`Plan.scenario` (called once by scnekit.fileformat)."""
    global _selector  # noqa: PLW0603 - the one hook from the file layer into the plan objects
    _selector = selector
