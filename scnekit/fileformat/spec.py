"""Scenario format v1 as scnekit reads it, declared once (FORMAT.md section 1 and the
optional fields of docs/FORMAT.md).

Every section of a scenario file and every field of it, in file order: its kind, whether
it is required, its default, its allowed values and a one-line description in a planner's
words. The validator takes its keys from here, the JSON Schema
(:mod:`scnekit.fileformat.schema`) is generated from here, and starter files and
spreadsheets take their comments from the descriptions: a field added here is accepted,
described and checked everywhere at once.

What a field's kind cannot say (a reference to an id that exists, a duplicate id, a cycle
of ``requires``, a phase beyond the horizon, labels as many as phases) is checked by
:mod:`scnekit.fileformat.validate` alone, and for the progress record (docs/FORMAT.md,
"Progress") by :mod:`scnekit.fileformat.progress`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum, StrEnum

from scnekit.history import Happened
from scnekit.model import FORMAT_VERSION, LinkKind, MilestoneMode, PartyKind

#: what an id looks like, whole (FORMAT.md section 1)
ID_REGEX = r"^[a-z0-9][a-z0-9_-]*$"

#: a default value a field takes when the file leaves it out
Default = bool | int | float | str | tuple[()] | None


class FieldKind(Enum):
    """What a field holds, as the validator reads it."""

    #: the format version: exactly :data:`~scnekit.model.FORMAT_VERSION`
    VERSION = "version"
    #: text (a required text must not be blank)
    TEXT = "text"
    #: an id: lower-case letters, digits, ``_`` and ``-``, starting with a letter or digit
    ID = "id"
    #: a reference to the id of a party (the party must exist)
    PARTY_ID = "party id"
    #: a list of ids of parties, each listed once (each must exist)
    PARTY_IDS = "party id list"
    #: a list of ids of measures, each listed once (each must exist)
    MEASURE_IDS = "measure id list"
    #: a reference to the id of a measure (the measure must exist)
    MEASURE_ID = "measure id"
    #: a mapping of measure ids to phases (each measure must exist; phases 1..T)
    MEASURE_PHASES = "measure -> phase mapping"
    #: a list of texts
    TEXTS = "text list"
    #: a finite number, not negative unless the field says so
    NUMBER = "number"
    #: a whole number (``2.0`` is read as 2)
    WHOLE = "whole number"
    #: a whole number from 1 to the horizon's phases
    PHASE = "phase"
    #: a whole number, or a list of one whole number per phase
    WHOLE_PER_PHASE = "whole number or one per phase"
    #: true or false
    FLAG = "flag"
    #: a mapping of party ids to numbers
    PARTY_NUMBERS = "party -> number mapping"
    #: one number for every party, or a mapping of party ids (and ``default``) to numbers
    PER_PARTY = "number, or party -> number mapping with default"
    #: one of the values of an enum of :mod:`scnekit.model`
    CHOICE = "choice"
    #: a mapping with fields of its own (:attr:`Field.section`)
    SECTION = "nested section"
    #: a list of mappings, each with the fields of :attr:`Field.section`
    LIST = "list of items"
    #: a scenario's overrides: a mapping of dotted paths (``measures.<id>.cost``) to values
    OVERRIDES = "dotted path -> value mapping"


@dataclass(frozen=True)
class When:
    """A condition on another field of the same item: ``field`` has the value ``equals``
    (or one of them, when ``equals`` is a tuple)."""

    field: str
    equals: StrEnum | tuple[StrEnum, ...]

    @property
    def values(self) -> tuple[StrEnum, ...]:
        """The values the condition accepts."""
        return self.equals if isinstance(self.equals, tuple) else (self.equals,)


@dataclass(frozen=True)
class Field:
    """One field of a section."""

    name: str
    kind: FieldKind
    #: one line in a planner's words (used for schema descriptions and starter comments)
    description: str
    required: bool = False
    #: the value taken when the field is left out (None: no value, or one that depends on
    #: the file, which the description then names)
    default: Default = None
    #: whether ``null`` is read as "left out"
    nullable: bool = False
    #: the values a :attr:`FieldKind.CHOICE` may take
    choices: tuple[StrEnum, ...] = ()
    #: the least value of a number or whole number (None: no bound; numbers are otherwise
    #: not negative)
    low: int | None = 0
    #: the fewest items of a list
    min_items: int = 0
    #: the fields of a :attr:`FieldKind.SECTION` or of each item of a :attr:`FieldKind.LIST`
    section: Section | None = None
    #: the field may only be given when this holds
    only_when: When | None = None
    #: the field must be given when this holds (it is otherwise optional)
    required_when: When | None = None
    #: the field may be changed by a scenario's ``set`` (every field but an item's id)
    settable: bool = True
    #: values the field may not take (an id kept for scnekit's own use)
    reserved: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    """A mapping of the file: the top level, a nested section or a list's item."""

    #: where it sits, as in error paths: ``""``, ``horizon``, ``measures[]``, ``rules.balance``
    path: str
    title: str
    description: str
    fields: tuple[Field, ...]
    #: exactly one of these fields must be given
    one_of: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[Field]:
        return iter(self.fields)


def _text(name: str, description: str, *, required: bool = False) -> Field:
    return Field(name, FieldKind.TEXT, description, required=required, nullable=not required)


def _number(name: str, description: str, default: float | None = None, *, low: int | None = 0,
            nullable: bool = False) -> Field:
    return Field(name, FieldKind.NUMBER, description, default=default, low=low, nullable=nullable)


NOTES = _text("notes", "free-text notes for the team (not read by the solver)")
SOURCE = _text("source", "where it comes from: a document, a meeting, a proposal")

HORIZON = Section("horizon", "Horizon", "the phases of the roadmap", (
    Field("phases", FieldKind.WHOLE, "number of phases T of the roadmap (at least 1)", required=True, low=1),
    Field("labels", FieldKind.TEXTS, "a name for each phase, exactly T of them (e.g. 2024Q1); default P1, P2, ...",
          nullable=True),
    Field("capacity", FieldKind.WHOLE_PER_PHASE,
          "most measures in progress in any one phase: one number, or one per phase (default: no limit)",
          nullable=True),
))

PARTY = Section("parties[]", "Party", "a party to the process: an area of control, an outside power, a mediator", (
    Field("id", FieldKind.ID, "short unique id used to refer to the party (e.g. gos)", required=True,
          settable=False),
    _text("name", "name of the party as the team calls it (default: its id)"),
    Field("kind", FieldKind.CHOICE, "what the party is: " + ", ".join(PartyKind), default=PartyKind.AREA.value,
          choices=tuple(PartyKind)),
    Field("backers", FieldKind.PARTY_IDS, "ids of the other parties that back this one", default=()),
    NOTES,
    SOURCE,
))

MEASURE = Section("measures[]", "Measure", "a confidence-building measure one party implements", (
    Field("id", FieldKind.ID, "short unique id used to refer to the measure (e.g. crossline-aid)",
          required=True, settable=False),
    _text("title", "what the measure is, in a few words (default: its id)"),
    _text("category", "kind of measure: humanitarian, trade, movement, detainees, security, ..."),
    Field("by", FieldKind.PARTY_ID, "id of the party that implements (concedes) it", required=True),
    _number("cost", "political cost to the party that implements it (default 0)", 0),
    Field("to", FieldKind.PARTY_NUMBERS, "value each party receives once it is complete (default: none)",
          nullable=True),
    Field("duration", FieldKind.WHOLE, "phases from start to completion (default 1)", default=1, low=1),
    Field("earliest", FieldKind.PHASE, "first phase in which it may start (default 1)", default=1, low=1),
    Field("latest", FieldKind.PHASE, "last phase in which it may start (default: the last phase)", low=1),
    Field("mandatory", FieldKind.FLAG, "true if the roadmap must include it (default false)", default=False),
    Field("requires", FieldKind.MEASURE_IDS, "ids of the measures that must be complete before it starts",
          default=()),
    Field("tags", FieldKind.TEXTS, "free labels to group or filter measures", nullable=True),
    SOURCE,
    NOTES,
))

LINK = Section("links[]", "Link", "measures tied together: all or none (reciprocal), or at most one (exclusive)", (
    Field("kind", FieldKind.CHOICE, "reciprocal: all members or none, started close together; "
          "exclusive: at most one member", required=True, choices=tuple(LinkKind)),
    Field("measures", FieldKind.MEASURE_IDS, "ids of the linked measures (at least 2)", required=True,
          min_items=2),
    Field("within", FieldKind.WHOLE, "reciprocal only: most phases between the members' starts (default 0, "
          "the same phase)", default=0, only_when=When("kind", LinkKind.RECIPROCAL)),
))

AT_LEAST = Section("milestones[].at_least", "At least", "reached when enough of the measures are complete", (
    Field("count", FieldKind.WHOLE, "how many of the measures must be complete (at least 1)", required=True,
          low=1),
    Field("of", FieldKind.MEASURE_IDS, "ids of the measures counted", required=True, min_items=1),
))

_MODE_TEXT = {
    MilestoneMode.ALL: "reached when all of these measures are complete",
    MilestoneMode.ANY: "reached when any one of these measures is complete",
    MilestoneMode.AT_LEAST: "reached when at least `count` of the measures `of` are complete",
}


def _mode(mode: MilestoneMode) -> Field:
    if mode == MilestoneMode.AT_LEAST:
        return Field(mode.value, FieldKind.SECTION, _MODE_TEXT[mode], section=AT_LEAST)
    return Field(mode.value, FieldKind.MEASURE_IDS, _MODE_TEXT[mode], min_items=1)


MILESTONE = Section("milestones[]", "Milestone", "a stage of the process the roadmap works towards", (
    Field("id", FieldKind.ID, "short unique id used to refer to the milestone (e.g. frontline-calm)",
          required=True, settable=False),
    _text("title", "what the milestone is, in a few words (default: its id)"),
    *(_mode(mode) for mode in MilestoneMode),
    Field("deadline", FieldKind.PHASE, "phase by which it must be reached (default: none)", low=1, nullable=True),
    _number("weight", "how much reaching it is worth, in every phase it holds (default 1)", 1),
    NOTES,
    SOURCE,
), one_of=tuple(MilestoneMode))

BALANCE = Section("rules.balance", "Balance", "parties whose received value must stay close", (
    Field("among", FieldKind.PARTY_IDS, "ids of the parties compared (at least 2)", required=True, min_items=2),
    Field("max_gap", FieldKind.NUMBER, "largest difference in value received by the last phase between any two "
          "of them", required=True),
))

RULES = Section("rules", "Rules", "limits every roadmap must respect", (
    Field("max_exposure", FieldKind.PER_PARTY, "most a party may have put in and not yet had back, in any "
          "phase: one number, or per party with `default` (default: no limit)", nullable=True),
    Field("min_received", FieldKind.PARTY_NUMBERS, "least value each listed party must have received by the "
          "last phase", nullable=True),
    Field("balance", FieldKind.SECTION, "keep the value received by some parties within a gap of each other",
          nullable=True, section=BALANCE),
    Field("min_stake", FieldKind.PER_PARTY, "least stake a party keeps in every phase before the last, so it "
          "never gains by walking away; may be negative (default: none)", nullable=True, low=None),
))

OBJECTIVE = Section("objective", "Objective", "what the best roadmap maximises", (
    _number("benefit", "weight of the net benefit of completed measures, phase by phase (default 1)", 1),
    _number("milestones", "weight of the milestones reached, phase by phase (default 1)", 1),
))

SCENARIO = Section("scenarios[]", "Scenario", "a variant of the plan: measures made unavailable, fields changed", (
    Field("id", FieldKind.ID, "short unique id of the scenario ('base' is the plan as written)", required=True,
          settable=False, reserved=("base",)),
    _text("description", "what the scenario supposes, in a sentence"),
    NOTES,
    Field("unavailable", FieldKind.MEASURE_IDS, "ids of the measures that cannot be scheduled in it",
          nullable=True),
    Field("set", FieldKind.OVERRIDES, "fields changed in it, by dotted path: measures.<id>.cost: 4, "
          "rules.max_exposure: 2", nullable=True),
))

_ENDED = (Happened.FAILED, Happened.WITHDRAWN)

PROGRESS_EVENT = Section("progress.measures[]", "Event", "what became of one measure by now, and when", (
    Field("measure", FieldKind.MEASURE_ID, "id of the measure", required=True, settable=False),
    Field("status", FieldKind.CHOICE, "what became of it: started (under way at now), completed, failed or "
          "withdrawn", required=True, choices=tuple(Happened), settable=False),
    Field("started", FieldKind.PHASE, "phase it started, at most now (required when started or completed; "
          "optional when failed or withdrawn)", low=1, settable=False,
          required_when=When("status", (Happened.STARTED, Happened.COMPLETED))),
    Field("completed", FieldKind.PHASE, "completed only: phase it completed, from its start to now (may be "
          "later than planned)", low=1, settable=False, only_when=When("status", Happened.COMPLETED),
          required_when=When("status", Happened.COMPLETED)),
    Field("ended", FieldKind.PHASE, "failed or withdrawn only: phase it failed or was withdrawn, from its "
          "start (if any) to now", low=1, settable=False, only_when=When("status", _ENDED),
          required_when=When("status", _ENDED)),
    Field("retry", FieldKind.FLAG, "failed or withdrawn only: true if it may be scheduled again after now, "
          "paying its cost again (default false)", default=False, settable=False,
          only_when=When("status", _ENDED)),
    Field("note", FieldKind.TEXT, "what happened, in a sentence", nullable=True, settable=False),
    Field("source", FieldKind.TEXT, "where the record of it comes from: a situation report, a meeting",
          nullable=True, settable=False),
))

PROGRESS = Section("progress", "Progress", "what has happened so far: phases 1..now, and what became of each "
                   "measure (a measure not listed had not started by now)", (
    Field("now", FieldKind.WHOLE, "the current phase: phases 1..now have happened (0: none yet; at most the "
          "last phase)", required=True, low=0, settable=False),
    Field("measures", FieldKind.LIST, "what became of each measure that started, failed or was withdrawn; "
          "each measure at most once", nullable=True, section=PROGRESS_EVENT, settable=False),
    Field("roadmap", FieldKind.MEASURE_PHASES, "the roadmap being revised: measure id -> planned start phase "
          "(default: the plan's own best roadmap)", nullable=True, settable=False),
))

TOP = Section("", "scnekit scenario file", "a peace-process roadmap problem: parties, measures and rules "
              f"(scnekit format {FORMAT_VERSION})", (
    Field("scnekit", FieldKind.VERSION, f"format version of the file: {FORMAT_VERSION}", required=True),
    _text("name", "name of the plan", required=True),
    _text("description", "what the plan is about, in a sentence or two"),
    Field("horizon", FieldKind.SECTION, "the phases of the roadmap", required=True, section=HORIZON),
    Field("parties", FieldKind.LIST, "the parties (at least 1)", required=True, min_items=1, section=PARTY),
    Field("measures", FieldKind.LIST, "the measures a roadmap may schedule (at least 1)", required=True,
          min_items=1, section=MEASURE),
    Field("links", FieldKind.LIST, "measures tied together", nullable=True, section=LINK),
    Field("milestones", FieldKind.LIST, "the stages the roadmap works towards", nullable=True, section=MILESTONE),
    Field("rules", FieldKind.SECTION, "limits every roadmap must respect", nullable=True, section=RULES),
    Field("objective", FieldKind.SECTION, "what the best roadmap maximises", nullable=True, section=OBJECTIVE),
    Field("scenarios", FieldKind.LIST, "variants of the plan; the plan as written is scenario 'base'",
          nullable=True, section=SCENARIO),
    Field("progress", FieldKind.SECTION, "what has happened so far, for re-planning a roadmap under way "
          "(scenarios do not change it)", nullable=True, section=PROGRESS, settable=False),
))

#: a progress record kept in a file of its own: the mapping of ``progress`` at the top
#: level, with the format version if the file likes (not one of :data:`SECTIONS`)
PROGRESS_FILE = Section("", "scnekit progress record", "what has happened so far in a roadmap under way "
                        f"(scnekit format {FORMAT_VERSION})", (
    Field("scnekit", FieldKind.VERSION, f"format version of the file: {FORMAT_VERSION} (optional)",
          settable=False),
    *PROGRESS.fields,
))

#: every section, in file order
SECTIONS: tuple[Section, ...] = (TOP, HORIZON, PARTY, MEASURE, LINK, MILESTONE, AT_LEAST, RULES, BALANCE,
                                 OBJECTIVE, SCENARIO, PROGRESS, PROGRESS_EVENT)

#: the sections a scenario's ``set`` path may start with, by the word it starts with; the
#: list sections (``measures``, ``milestones``, ``parties``) take an id after the word; never
#: ``progress``: a scenario supposes another future, not another past
SET_SECTIONS: dict[str, Section] = {"measures": MEASURE, "milestones": MILESTONE, "parties": PARTY,
                                    "rules": RULES, "objective": OBJECTIVE, "horizon": HORIZON}
#: the ``set`` sections whose paths name an item by id: ``<section>.<id>.<field>``
SET_LIST_SECTIONS = ("measures", "milestones", "parties")


def keys(section: Section) -> tuple[str, ...]:
    """The keys a section accepts, in file order."""
    return tuple(f.name for f in section.fields)


def settable(section: Section) -> tuple[str, ...]:
    """The keys of a section that a scenario's ``set`` may name, in file order."""
    return tuple(f.name for f in section.fields if f.settable)


def lookup(section: Section, name: str) -> Field:
    """The field ``name`` of ``section`` (KeyError when it has none)."""
    for f in section.fields:
        if f.name == name:
            return f
    raise KeyError(f"{section.path or 'the top level'} has no field {name!r}")


def walk(section: Section = TOP) -> Iterator[tuple[str, Field]]:
    """Every field under ``section`` in file order, depth first, each with its path
    (``measures[].cost``, ``rules.balance.among``)."""
    for f in section.fields:
        yield (f"{section.path}.{f.name}" if section.path else f.name), f
        if f.section is not None:
            yield from walk(f.section)
