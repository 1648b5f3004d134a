"""The layout of a scenario workbook: which sheet holds which part of a scenario document,
and how one cell's content stands for one value of it. Shared by the reader and the writer,
so that what one writes the other reads back as it was (docs/FORMAT.md, "Workbooks")."""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from enum import Enum
from typing import Any


class Cell(Enum):
    """What a cell holds, and so how its content is read."""

    #: free text: a number or a date typed into it is read as the text it shows
    TEXT = "text"
    #: a number (a number typed as text is left as text for the validator to name)
    NUMBER = "number"
    #: true or false: a true/false cell, or the words true and false
    FLAG = "flag"
    #: a list: items separated by commas, or a list in brackets (``["a, b", c]``)
    LIST = "list"
    #: any value of a scenario's ``set``: a number, true/false, text, or a list or mapping
    #: in brackets or braces
    VALUE = "value"


@dataclass(frozen=True)
class Column:
    """A column of an item sheet: its header (the item's key) and what its cells hold."""

    key: str
    cell: Cell


TEXT, NUMBER, FLAG, LIST = Cell.TEXT, Cell.NUMBER, Cell.FLAG, Cell.LIST

#: the list sections, one item a row, in the order of format v1
PARTIES = (Column("id", TEXT), Column("name", TEXT), Column("kind", TEXT), Column("backers", LIST),
           Column("notes", TEXT), Column("source", TEXT))
MEASURES_BEFORE_TO = (Column("id", TEXT), Column("title", TEXT), Column("category", TEXT), Column("by", TEXT),
                      Column("cost", NUMBER))
MEASURES_AFTER_TO = (Column("duration", NUMBER), Column("earliest", NUMBER), Column("latest", NUMBER),
                     Column("mandatory", FLAG), Column("requires", LIST), Column("tags", LIST),
                     Column("source", TEXT), Column("notes", TEXT))
#: the header of the column of a measure's value to one party: ``to:<party id>``
TO_PREFIX = "to:"
LINKS = (Column("kind", TEXT), Column("measures", LIST), Column("within", NUMBER))
#: a milestone's members: ``mode`` (all, any or at_least), ``count`` (at_least only), ``measures``
MILESTONES = (Column("id", TEXT), Column("title", TEXT), Column("mode", TEXT), Column("count", NUMBER),
              Column("measures", LIST), Column("deadline", NUMBER), Column("weight", NUMBER),
              Column("notes", TEXT), Column("source", TEXT))
#: one row a number of a rule: ``rule``, ``party`` (a party id, ``default``, or empty for
#: every party; the parties compared for ``balance``), ``value``
RULES = (Column("rule", TEXT), Column("party", TEXT), Column("value", NUMBER))
#: a scenario's first row gives its description, notes and unavailable measures; each row
#: (the first included) may give one ``set`` path and its value
SCENARIOS = (Column("scenario", TEXT), Column("description", TEXT), Column("notes", TEXT),
             Column("unavailable", LIST), Column("set", TEXT), Column("value", Cell.VALUE))
#: one row a setting: ``field`` (a dotted name below) and ``value``
SETTINGS = (Column("field", TEXT), Column("value", Cell.VALUE))
#: the settings a ``settings`` row may name, and what their value cells hold
SETTING_FIELDS = {"scnekit": NUMBER, "name": TEXT, "description": TEXT, "horizon.phases": NUMBER,
                  "horizon.capacity": NUMBER, "objective.benefit": NUMBER, "objective.milestones": NUMBER}
#: one row a phase: its number, its label and its capacity (where they vary by phase)
PHASES = (Column("phase", NUMBER), Column("label", TEXT), Column("capacity", NUMBER))

#: the sheets of a scenario workbook, in order
SHEETS = ("settings", "phases", "parties", "measures", "links", "milestones", "rules", "scenarios")
#: the rules given per party (``max_exposure`` and ``min_stake`` may also be one number for all)
PER_PARTY_RULES = ("max_exposure", "min_received", "min_stake")
MILESTONE_MODES = ("all", "any", "at_least")

_BRACKETS = ("[", "{")


def list_text(items: list[Any]) -> str:
    """A list as one cell: ``a, b, c`` when that reads back the same, else in brackets (JSON)."""
    plain = all(isinstance(i, str) and i and i == i.strip() and "," not in i and "\n" not in i
                and not i.startswith(('"', "'", *_BRACKETS)) for i in items)
    return ", ".join(items) if plain and items else json.dumps(items, ensure_ascii=False)


def value_text(value: Any) -> Any:
    """A ``set`` value or a setting as one cell: numbers and true/false as they are, lists
    and mappings in brackets or braces (JSON), text quoted when it would read as one of those."""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and (not value or value != value.strip() or value.startswith(('"', "'", *_BRACKETS))):
        return json.dumps(value, ensure_ascii=False)
    return value


def cell_text(value: Any) -> str:
    """What a cell shows, as text: a whole number without ``.0``, a date as ``2025-01-31``."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def needs_brackets(text: str) -> bool:
    """Whether a cell's text is a list, mapping or quoted text written in JSON/YAML flow style."""
    return text.startswith(('"', "'", *_BRACKETS))


def is_workbook(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names a workbook (by its suffix: .xlsx or .xlsm)."""
    return str(path).lower().endswith((".xlsx", ".xlsm"))
