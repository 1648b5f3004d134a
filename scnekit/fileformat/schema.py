"""A JSON Schema (draft 2020-12) of scenario format v1, generated from
:mod:`scnekit.fileformat.spec`, for editors that check and complete YAML as it is typed
(docs/FORMAT.md, "JSON Schema").

The schema checks the shape of a file: keys, types, required fields, ids, enum values,
numbers that may not be negative, milestones' exactly-one-of, ``set`` paths. It is
never stricter than ``scnekit validate``: every file the validator accepts, the schema
accepts. What JSON Schema cannot say stays with the validator, which remains the
authority: see :data:`VALIDATOR_ONLY`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from scnekit.limits import MAX_NUMBER
from scnekit.model import FORMAT_VERSION

from . import spec
from .spec import Field, FieldKind, Section, When

SCHEMA_ID = f"https://scnekit.org/schema/scnekit-{FORMAT_VERSION}.json"
DIALECT = "https://json-schema.org/draft/2020-12/schema"

#: what only ``scnekit validate`` checks, in a planner's words (the schema's description
#: and docs/FORMAT.md say so)
VALIDATOR_ONLY = (
    "references to ids that exist (by, to, backers, requires, links, milestones, rules, unavailable, "
    "set paths)",
    "duplicate ids, and an id listed twice in one list",
    "cycles of requires, and a measure or party that requires or backs itself",
    "phases within 1..T (earliest, latest, deadline, and the phases of a progress record) and latest not "
    "before earliest",
    "a progress record that contradicts itself (a phase after now, completed or ended before started) or "
    "lists a measure twice",
    "labels and a capacity list with exactly one entry per phase",
    "an at_least count no larger than the measures it counts",
    "blank names and texts longer than the limits, and every other limit (--limit NAME=N)",
    "numbers that are not finite (YAML .nan)",
    "what a scenario's set values make of the plan",
)

_MAX = int(MAX_NUMBER)


def _id() -> dict[str, Any]:
    return {"$ref": "#/$defs/id"}


def _nullable(schema: dict[str, Any], field: Field) -> dict[str, Any]:
    if not field.nullable:
        return schema
    if list(schema) == ["anyOf"]:
        return {"anyOf": [*schema["anyOf"], {"type": "null"}]}
    return {"anyOf": [schema, {"type": "null"}]}


def _number(low: int | None) -> dict[str, Any]:
    return {"type": "number", "minimum": -_MAX if low is None else low, "maximum": _MAX}


def _whole(low: int | None) -> dict[str, Any]:
    return {"type": "integer", "minimum": -_MAX if low is None else low, "maximum": _MAX}


def _ids(field: Field) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "array", "items": _id()}
    if field.min_items:
        out["minItems"] = field.min_items
    return out


def _party_numbers(extra: tuple[str, ...], low: int | None) -> dict[str, Any]:
    names: dict[str, Any] = {"pattern": spec.ID_REGEX}
    if extra:
        names = {"anyOf": [names, {"enum": list(extra)}]}
    return {"type": "object", "propertyNames": names, "additionalProperties": _number(low)}


def _value(field: Field) -> dict[str, Any]:
    """The schema of the field's value (without its description)."""
    kind = field.kind
    if kind == FieldKind.VERSION:
        return {"const": FORMAT_VERSION}
    if kind == FieldKind.TEXT:
        # a required text must not be blank: at least one character that is not a space
        return {"type": "string", "pattern": r"\S"} if field.required else {"type": "string"}
    if kind in (FieldKind.ID, FieldKind.PARTY_ID, FieldKind.MEASURE_ID):
        return {**_id(), "not": {"enum": list(field.reserved)}} if field.reserved else _id()
    if kind in (FieldKind.PARTY_IDS, FieldKind.MEASURE_IDS):
        return _ids(field)
    if kind == FieldKind.TEXTS:
        return {"type": "array", "items": {"type": "string"}}
    if kind == FieldKind.NUMBER:
        return _number(field.low)
    if kind in (FieldKind.WHOLE, FieldKind.PHASE):
        return _whole(field.low)
    if kind == FieldKind.WHOLE_PER_PHASE:
        return {"anyOf": [_whole(field.low), {"type": "array", "items": _whole(field.low)}]}
    if kind == FieldKind.FLAG:
        return {"type": "boolean"}
    if kind == FieldKind.PARTY_NUMBERS:
        return _party_numbers((), field.low)
    if kind == FieldKind.MEASURE_PHASES:
        return {"type": "object", "propertyNames": {"pattern": spec.ID_REGEX}, "additionalProperties": _whole(1)}
    if kind == FieldKind.PER_PARTY:
        return {"anyOf": [_number(field.low), _party_numbers(("default",), field.low)]}
    if kind == FieldKind.CHOICE:
        return {"enum": [choice.value for choice in field.choices]}
    if kind == FieldKind.SECTION:
        assert field.section is not None
        return _section(field.section)
    if kind == FieldKind.LIST:
        assert field.section is not None
        out: dict[str, Any] = {"type": "array", "items": _section(field.section)}
        if field.min_items:
            out["minItems"] = field.min_items
        return out
    if kind == FieldKind.OVERRIDES:
        return {"type": "object", "propertyNames": {"pattern": set_path_pattern()}}
    raise AssertionError(f"no schema for {kind}")  # pragma: no cover - every kind is handled above


def _field(field: Field) -> dict[str, Any]:
    out = {"description": field.description, **_nullable(_value(field), field)}
    if field.default is not None:
        out["default"] = list(field.default) if isinstance(field.default, tuple) else field.default
    return out


def _section(section: Section) -> dict[str, Any]:
    out: dict[str, Any] = {
        "title": section.title,
        "description": section.description,
        "type": "object",
        "properties": {f.name: _field(f) for f in section.fields},
        "additionalProperties": False,
    }
    required = [f.name for f in section.fields if f.required]
    if required:
        out["required"] = required
    if section.one_of:
        out["oneOf"] = [{"required": [name]} for name in section.one_of]
    conditions: list[dict[str, Any]] = [{"if": {"not": _holds(c)}, "then": {"not": {"required": [f.name]}}}
                  for f in section.fields for c in [f.only_when] if c is not None]
    conditions += [{"if": _holds(c), "then": {"required": [f.name]}}
                   for f in section.fields for c in [f.required_when] if c is not None]
    if conditions:
        out["allOf"] = conditions
    return out


def _holds(when: When) -> dict[str, Any]:
    """The schema of an item for which ``when`` holds."""
    values = when.values
    test = {"const": values[0].value} if len(values) == 1 else {"enum": [v.value for v in values]}
    return {"properties": {when.field: test}, "required": [when.field]}


def set_path_pattern() -> str:
    """The pattern of a scenario's ``set`` path: ``<list section>.<id>.<field>`` or
    ``<section>.<field>``, with the fields the spec lets a scenario change."""
    item_id = spec.ID_REGEX.strip("^$")
    alternatives = []
    for word, section in spec.SET_SECTIONS.items():
        fields = "|".join(re.escape(name) for name in spec.settable(section))
        middle = rf"\.{item_id}" if word in spec.SET_LIST_SECTIONS else ""
        alternatives.append(rf"^{re.escape(word)}{middle}\.({fields})$")
    return "|".join(alternatives)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of scenario format v1 (draft 2020-12), generated from the spec."""
    top = _section(spec.TOP)
    description = (f"{spec.TOP.description}. Generated from scnekit's format description; it checks "
                   "keys, types, required fields, ids, choices and signs. Only `scnekit validate` checks: "
                   + "; ".join(VALIDATOR_ONLY) + ".")
    return {
        "$schema": DIALECT,
        "$id": SCHEMA_ID,
        "title": spec.TOP.title,
        "description": description,
        "$defs": {
            "id": {"type": "string", "pattern": spec.ID_REGEX,
                   "description": "an id: lower-case letters, digits, '_' and '-', starting with a letter or digit"},
        },
        **{key: value for key, value in top.items() if key not in ("title", "description")},
    }


def schema_text() -> str:
    """:func:`json_schema` as indented JSON with sorted keys, ending with a newline (the
    same text every time, for ``scnekit schema``)."""
    return json.dumps(json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
