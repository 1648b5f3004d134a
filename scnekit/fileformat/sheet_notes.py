"""The note on each header cell of a scenario workbook, taken from the format's one
description of its fields (:mod:`scnekit.fileformat.spec`)."""

from __future__ import annotations

from . import spec

#: sheet -> the section of the format its rows hold
_SECTIONS = {"parties": spec.PARTY, "measures": spec.MEASURE, "links": spec.LINK, "milestones": spec.MILESTONE,
             "scenarios": spec.SCENARIO}
#: notes of the columns a workbook has where the format has a nested field
_OWN = {
    ("measures", "to"): "to:<party>: the value that party receives once the measure is complete "
                        "(one column a party; empty: 0)",
    ("milestones", "mode"): "all, any or at_least: how many of its measures must be complete",
    ("milestones", "count"): "at_least only: how many of its measures must be complete",
    ("milestones", "measures"): "the measures it counts, separated by commas",
    ("scenarios", "scenario"): "the scenario's id; repeat it (or leave it empty) on the rows of its other "
                               "'set' changes",
    ("scenarios", "set"): "a field the scenario changes, as a dotted path: measures.<id>.cost, "
                          "rules.max_exposure, horizon.capacity, ...",
    ("scenarios", "value"): "the value it takes: a number, TRUE/FALSE, text, [a list] or {a: 1, mapping: 2}",
    ("rules", "rule"): "max_exposure, min_received, min_stake or balance",
    ("rules", "party"): "the party the number is for; empty (or 'default') for every party; for balance, "
                        "the parties compared, separated by commas",
    ("rules", "value"): "the number (for balance: the largest gap between what they receive)",
    ("settings", "field"): "scnekit (the format version), name, description, horizon.phases, horizon.capacity, "
                           "objective.benefit, objective.milestones",
    ("settings", "value"): "its value",
    ("phases", "phase"): "1, 2, 3, ... in order",
    ("phases", "label"): "the phase's name, e.g. 2025 Q1",
    ("phases", "capacity"): "at most this many measures in progress in that phase",
}


def header_note(sheet: str, column: str) -> str | None:
    """The note of a header cell: what the column holds, in a planner's words."""
    if (sheet, column) in _OWN:
        return _OWN[(sheet, column)]
    section = _SECTIONS.get(sheet)
    if section is None:
        return None
    try:
        field = spec.lookup(section, column)
    except KeyError:
        return None
    shown = str(field.default).upper() if isinstance(field.default, bool) else field.default
    default = "" if field.default in (None, ()) or field.required else f" (default {shown})"
    return f"{field.description}{default}{' (required)' if field.required else ''}"
