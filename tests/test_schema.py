"""The JSON Schema generated from the format's spec: a valid draft 2020-12 schema, never
stricter than the validator, rejecting what is wrong in shape, and explicit about what
only the validator can check."""

from __future__ import annotations

import copy
import json
import math
import os
import re
from enum import Enum
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scnekit
import scnekit.history
from scnekit.fileformat import progress, spec, validate
from scnekit.fileformat.schema import VALIDATOR_ONLY, json_schema, schema_text, set_path_pattern
from tests import test_validation
from tests.support.paths import CASES, EXAMPLE
from tests.support.strategies import plans
from tests.test_fuzz import mutated
from tests.test_validation import DELETE, GOOD, edited

EXAMPLES = int(os.environ.get("SCNEKIT_EXAMPLES", "120"))
SCHEMA = json_schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
VALID_FILES = [EXAMPLE, *sorted(CASES.glob("case-*.yaml")), *sorted((CASES / "edges").glob("*"))]


def schema_errors(doc: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in VALIDATOR.iter_errors(doc)]


def validator_problems(doc: Any) -> list[str]:
    """What the validator says of ``doc``: the plan's problems, then (as ``scnekit.load``
    does) its progress record's."""
    try:
        progress.progress_of(scnekit.loads(doc, "plan.yaml"))
    except scnekit.InputError as err:
        return [f"{p.path}: {p.message}" for p in err.problems]
    return []


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert all(what in SCHEMA["description"] for what in VALIDATOR_ONLY)


def test_the_schema_text_is_stable_json() -> None:
    text = schema_text()
    assert text == schema_text() and text.endswith("}\n")
    assert json.loads(text) == SCHEMA


@pytest.mark.parametrize("path", VALID_FILES, ids=lambda p: p.name)
def test_every_bundled_file_is_valid_against_the_schema(path: Path) -> None:
    doc = yaml.safe_load(path.read_text())
    assert validator_problems(doc) == []
    assert schema_errors(doc) == []


def test_the_validators_good_document_is_valid_against_the_schema() -> None:
    assert schema_errors(GOOD) == []


# --- structurally invalid documents: both the schema and the validator refuse them ----------

AT_LEAST = {"id": "calm", "title": "Calm", "at_least": {"count": 1, "of": ["aid"]}}

STRUCTURAL: list[tuple[str, dict[str, Any]]] = [
    ("missing scnekit", {"scnekit": DELETE}),
    ("missing name", {"name": DELETE}),
    ("blank name", {"name": "   "}),
    ("missing horizon", {"horizon": DELETE}),
    ("missing phases", {"horizon__phases": DELETE}),
    ("missing parties", {"parties": DELETE}),
    ("no parties", {"parties": []}),
    ("missing measures", {"measures": DELETE}),
    ("missing party id", {"parties__0__id": DELETE}),
    ("missing measure id", {"measures__0__id": DELETE}),
    ("missing by", {"measures__0__by": DELETE}),
    ("missing link kind", {"links__0__kind": DELETE}),
    ("missing link measures", {"links__0__measures": DELETE}),
    ("missing scenario id", {"scenarios__0__id": DELETE}),
    ("missing balance max_gap", {"rules__balance": {"among": ["gos", "hts"]}}),
    ("missing at_least count", {"milestones__0": {**AT_LEAST, "at_least": {"of": ["aid"]}}}),
    ("unknown top key", {"colour": "red"}),
    ("unknown horizon key", {"horizon__colour": "red"}),
    ("unknown party key", {"parties__0__colour": "red"}),
    ("unknown measure key", {"measures__0__colour": "red"}),
    ("unknown link key", {"links__0__colour": "red"}),
    ("unknown milestone key", {"milestones__0__colour": "red"}),
    ("unknown at_least key", {"milestones__0": {**AT_LEAST, "at_least": {"count": 1, "of": ["aid"], "x": 1}}}),
    ("unknown rules key", {"rules__colour": "red"}),
    ("unknown balance key", {"rules__balance": {"among": ["gos", "hts"], "max_gap": 1, "x": 1}}),
    ("unknown objective key", {"objective__colour": 1}),
    ("unknown scenario key", {"scenarios__0__colour": "red"}),
    ("document not a mapping", {}),
    ("wrong version", {"scnekit": 2}),
    ("version as text", {"scnekit": "1"}),
    ("version true", {"scnekit": True}),
    ("name a number", {"name": 3}),
    ("phases as text", {"horizon__phases": "four"}),
    ("phases fractional", {"horizon__phases": 2.5}),
    ("phases zero", {"horizon__phases": 0}),
    ("labels not texts", {"horizon__labels": [1, 2, 3, 4]}),
    ("capacity as text", {"horizon__capacity": "two"}),
    ("capacity negative", {"horizon__capacity": -1}),
    ("capacity list with a negative", {"horizon__capacity": [1, 1, -1, 1]}),
    ("cost as text", {"measures__0__cost": "two"}),
    ("cost true", {"measures__0__cost": True}),
    ("cost null", {"measures__0__cost": None}),
    ("cost negative", {"measures__0__cost": -1}),
    ("cost infinite", {"measures__0__cost": float("inf")}),
    ("cost huge", {"measures__0__cost": 10**400}),
    ("value negative", {"measures__0__to": {"hts": -3}}),
    ("to a list", {"measures__0__to": ["hts"]}),
    ("to with a bad id", {"measures__0__to": {"HTS": 3}}),
    ("duration zero", {"measures__0__duration": 0}),
    ("earliest zero", {"measures__0__earliest": 0}),
    ("mandatory as text", {"measures__0__mandatory": "yes"}),
    ("requires a text", {"measures__1__requires": "aid"}),
    ("requires null", {"measures__1__requires": None}),
    ("backers a text", {"parties__1__backers": "gos"}),
    ("tags not texts", {"measures__0__tags": [1]}),
    ("within negative", {"links__0__within": -1}),
    ("within on an exclusive link", {"links__0__kind": "exclusive"}),
    ("weight negative", {"milestones__0__weight": -1}),
    ("deadline zero", {"milestones__0__deadline": 0}),
    ("max_exposure negative", {"rules__max_exposure": -1}),
    ("max_exposure a list", {"rules__max_exposure": [1]}),
    ("max_exposure default negative", {"rules__max_exposure": {"default": -1}}),
    ("min_stake as text", {"rules__min_stake": "low"}),
    ("min_received negative", {"rules__min_received": {"hts": -1}}),
    ("objective weight negative", {"objective__benefit": -1}),
    ("bad measure id", {"measures__0__id": "Aid!"}),
    ("bad party id", {"parties__0__id": "-gos"}),
    ("id a number", {"measures__0__id": 7}),
    ("id a list", {"measures__0__id": ["not", "an", "id"]}),
    ("bad reference id", {"measures__0__by": "G O S"}),
    ("bad party kind", {"parties__0__kind": "state"}),
    ("party kind null", {"parties__0__kind": None}),
    ("bad link kind", {"links__0__kind": "mutual"}),
    ("milestone with all and any", {"milestones__0__any": ["aid"]}),
    ("milestone with neither", {"milestones__0__all": DELETE}),
    ("milestone with all and at_least", {"milestones__0__at_least": {"count": 1, "of": ["aid"]}}),
    ("milestone all empty", {"milestones__0__all": []}),
    ("link of one measure", {"links__0__measures": ["aid"]}),
    ("balance among one party", {"rules__balance": {"among": ["gos"], "max_gap": 1}}),
    ("scenario id base", {"scenarios__0__id": "base"}),
    ("unavailable a text", {"scenarios__0__unavailable": "travel"}),
    ("set a list", {"scenarios__0__set": ["rules.max_exposure"]}),
    ("set path of an unknown section", {"scenarios__0__set": {"weather.rain": 1}}),
    ("set path of an unknown field", {"scenarios__0__set": {"measures.aid.colour": 1}}),
    ("set path of a measure's id", {"scenarios__0__set": {"measures.aid.id": "x"}}),
    ("set path without an id", {"scenarios__0__set": {"measures.cost": 1}}),
    ("set path with an id where none goes", {"scenarios__0__set": {"rules.gos.max_exposure": 1}}),
    ("set path of a field of another section", {"scenarios__0__set": {"milestones.calm.cost": 1}}),
    ("set path with a bad id", {"scenarios__0__set": {"measures.Aid.cost": 1}}),
]


def structural(name: str, changes: dict[str, Any]) -> Any:
    return [1, 2] if name == "document not a mapping" else edited(**changes)


@pytest.mark.parametrize(("name", "changes"), STRUCTURAL, ids=[name for name, _ in STRUCTURAL])
def test_structurally_invalid_documents_are_rejected(name: str, changes: dict[str, Any]) -> None:
    doc = structural(name, changes)
    assert validator_problems(doc), "the validator accepts it: not an invalid document"
    assert schema_errors(doc), "the schema accepts it"


# --- every invalid fixture of the tests: the schema rejects it, or says why it cannot ------


class Beyond(Enum):
    """Why JSON Schema cannot refuse a document the validator refuses."""

    #: an id that names nothing (a party, a measure, an item of a set path)
    REFERENCE = "reference to an id that must exist"
    DUPLICATE = "duplicate id"
    CYCLE = "cycle of requires"
    #: a phase beyond T, or two phases in the wrong order (T is a value of the document)
    PHASE_RANGE = "phase range"
    #: a list whose length must equal T, or an at_least count against its list
    LENGTH = "length against another field"
    #: NaN: JSON has none, and no JSON Schema keyword refuses it
    NON_FINITE = "not finite"
    #: a scenario's set value is valid only in the document it makes (types depend on the path)
    OVERRIDE = "what a set value makes of the plan"
    #: a raisable limit (--limit): the schema cannot know the limits a file is read under
    LIMIT = "raisable limit"


SCHEMA_REJECTS = None  # the schema rejects it (a problem of shape)

#: each invalid document of tests/test_validation.py, by the message the validator gives
CLASSIFIED: dict[str, Beyond | None] = {
    "name: required field is missing": SCHEMA_REJECTS,
    "measures[0].by: required field is missing": SCHEMA_REJECTS,
    "measures[0].colour: unknown key": SCHEMA_REJECTS,
    "did you mean 'duration'": SCHEMA_REJECTS,
    "measures[0].cost: must be a number, got text": SCHEMA_REJECTS,
    "measures[0].mandatory: must be true or false": SCHEMA_REJECTS,
    "measures[1].requires[1]: unknown measure 'x'": Beyond.REFERENCE,
    "measures[0].by: unknown party 'gso'; did you mean 'gos'?": Beyond.REFERENCE,
    "measures[2].id: duplicate id 'aid'": Beyond.DUPLICATE,
    "requires forms a cycle": Beyond.CYCLE,
    "measures[0].latest: must be from 1 to 4, got 9": Beyond.PHASE_RANGE,
    "measures[0].earliest: must be from 1 to 4, got 0": SCHEMA_REJECTS,
    "milestones[0].deadline: must be from 1 to 4, got 5": Beyond.PHASE_RANGE,
    "horizon.labels: must give exactly 4 labels": Beyond.LENGTH,
    "measures[0].cost: must not be negative": SCHEMA_REJECTS,
    "measures[0].to.hts: must be a finite number": SCHEMA_REJECTS,  # inf; NaN: see below
    "names nothing: no measure with id 'nope'": Beyond.REFERENCE,
    "names nothing: 'colour' is not a field": SCHEMA_REJECTS,
    "names nothing: 'weather'": SCHEMA_REJECTS,
    "overrides make measures[0].cost invalid": Beyond.OVERRIDE,
    "scenarios[0].id: 'base' is reserved": SCHEMA_REJECTS,
    "scenarios[0].unavailable[0]: unknown measure 'ghost'": Beyond.REFERENCE,
    "measures[0].id: 'Aid!' is not a valid id": SCHEMA_REJECTS,
    "horizon.phases: must be at least 1": SCHEMA_REJECTS,
    "horizon.capacity: must give exactly 4 numbers": Beyond.LENGTH,
    "scnekit: unsupported format version 2": SCHEMA_REJECTS,
    "links[0].measures: must list at least 2 items": SCHEMA_REJECTS,
    "links[0].kind: must be 'reciprocal' or 'exclusive'": SCHEMA_REJECTS,
    "milestones[0]: must have exactly one of all, any, at_least": SCHEMA_REJECTS,
    "count 3 exceeds the 1 measures listed": Beyond.LENGTH,
    "rules.max_exposure.nobody: unknown key": Beyond.REFERENCE,
    "rules.balance.among: must list at least 2": SCHEMA_REJECTS,
    "parties[0].kind: must be one of area": SCHEMA_REJECTS,
    "latest start 2 is before earliest start 3": Beyond.PHASE_RANGE,
}


def is_nan_value(changes: dict[str, Any]) -> bool:
    """The message "must be a finite number" is the validator's for two fixtures: infinity
    (rejected by the schema's maximum) and NaN (which no JSON Schema keyword refuses)."""
    to = changes.get("measures__0__to")
    return isinstance(to, dict) and any(isinstance(v, float) and math.isnan(v) for v in to.values())


def validation_fixtures() -> list[tuple[dict[str, Any], str]]:
    """The invalid documents of test_validation's parametrised test, read off its mark (a
    case added there without a classification here fails below)."""
    mark = next(m for m in test_validation.test_each_kind_of_invalid_input.pytestmark
                if m.name == "parametrize")
    return list(mark.args[1])


@pytest.mark.parametrize(("changes", "expected"), validation_fixtures(), ids=lambda v: str(v)[:60])
def test_each_invalid_fixture_is_rejected_or_classified(changes: dict[str, Any], expected: str) -> None:
    assert expected in CLASSIFIED, f"classify {expected!r}: rejected by the schema, or why it cannot be"
    doc = edited(**changes)
    assert any(expected in p for p in validator_problems(doc))
    beyond = CLASSIFIED[expected]
    if is_nan_value(changes):
        beyond = Beyond.NON_FINITE
    found = schema_errors(doc)
    if beyond is SCHEMA_REJECTS:
        assert found, f"the schema accepts it: {expected}"
    else:
        # JSON Schema cannot see it: the schema accepts the document (so the class is true),
        # and the validator is what refuses it
        assert found == [], f"{beyond.value}: the schema rejects it after all ({found}): reclassify"


def test_every_class_beyond_the_schema_is_named_in_its_description() -> None:
    described = " ".join(VALIDATOR_ONLY)
    for word in ("references", "duplicate", "cycles", "phases within", "labels", "count", "limits", "finite",
                 "set values"):
        assert word in described


def test_the_other_invalid_documents_of_the_validation_tests() -> None:
    every = edited(measures__0__cost=-1, measures__1__by="nobody", horizon__labels=["x"], scnekit=7)
    assert schema_errors(every)
    assert schema_errors([1, 2])


@pytest.mark.parametrize(("changes", "beyond"), [
    ({"measures__0__id": "m" * 129}, Beyond.LIMIT),
    ({"measures__1__title": "t" * 10_001}, Beyond.LIMIT),
    ({"horizon__phases": 100_000_000}, Beyond.LIMIT),
    ({"measures__0__cost": 10**400}, SCHEMA_REJECTS),
    ({"horizon__capacity": 10**400}, SCHEMA_REJECTS),
])
def test_hostile_inputs_are_rejected_or_classified(changes: dict[str, Any], beyond: Beyond | None) -> None:
    doc = edited(**changes)
    assert validator_problems(doc)
    assert bool(schema_errors(doc)) == (beyond is SCHEMA_REJECTS)


def test_an_id_ending_in_a_line_break_is_refused_by_an_ecma_engine_only() -> None:
    """Python's ``re`` (which the jsonschema package uses) lets ``$`` match before a final
    line break; ECMA-262 (editors) does not. The validator refuses such an id."""
    doc = edited(measures__0__id="aid\n")
    assert any("not a valid id" in p for p in validator_problems(doc))
    assert schema_errors(doc) == []  # a known gap of Python's regex dialect, not of the schema


# --- never stricter than the validator ------------------------------------------------------

SOUND = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                             HealthCheck.data_too_large])


@SOUND
@given(plans())
def test_every_generated_plan_the_validator_accepts_the_schema_accepts(doc: dict[str, Any]) -> None:
    if not validator_problems(doc):
        assert schema_errors(doc) == []


@SOUND
@given(mutated())
def test_every_mutated_document_the_validator_accepts_the_schema_accepts(doc: Any) -> None:
    if not validator_problems(doc):
        assert schema_errors(doc) == []


@pytest.mark.parametrize("value", [False, 0, "", {}])
def test_an_unavailable_that_is_not_a_list_is_refused_by_both(value: Any) -> None:
    doc = edited(scenarios__0__unavailable=value)
    assert validator_problems(doc) and schema_errors(doc)


# --- one source of truth: the validator's keys, the spec's and the schema's are the same ----


def node_at(doc: Any, path: str) -> Any:
    for part in path.split(".") if path else []:
        doc = doc[part[:-2]][0] if part.endswith("[]") else doc[part]
    return doc


def unwrap(schema: dict[str, Any]) -> dict[str, Any]:
    """The non-null branch of a nullable field's schema."""
    if "anyOf" in schema and {"type": "null"} in schema["anyOf"]:
        return next(s for s in schema["anyOf"] if s != {"type": "null"})
    return schema


def schema_at(path: str) -> dict[str, Any]:
    node: dict[str, Any] = SCHEMA
    for part in path.split(".") if path else []:
        node = unwrap(node["properties"][part.removesuffix("[]")])
        if part.endswith("[]"):
            node = node["items"]
    return node


VALIDATOR_KEYS = {
    spec.TOP: validate.TOP_KEYS, spec.HORIZON: validate.HORIZON_KEYS, spec.PARTY: validate.PARTY_KEYS,
    spec.MEASURE: validate.MEASURE_KEYS, spec.LINK: validate.LINK_KEYS, spec.MILESTONE: validate.MILESTONE_KEYS,
    spec.AT_LEAST: validate.AT_LEAST_KEYS, spec.RULES: validate.RULES_KEYS, spec.BALANCE: validate.BALANCE_KEYS,
    spec.OBJECTIVE: validate.OBJECTIVE_KEYS, spec.SCENARIO: validate.SCENARIO_KEYS,
    spec.PROGRESS: progress.PROGRESS_KEYS, spec.PROGRESS_EVENT: progress.EVENT_KEYS,
}

#: a valid progress record of the validators' good document (T = 4)
RECORD: dict[str, Any] = {
    "now": 2,
    "measures": [
        {"measure": "aid", "status": "completed", "started": 1, "completed": 2, "note": "ran", "source": "report"},
        {"measure": "trade", "status": "started", "started": 2},
        {"measure": "travel", "status": "withdrawn", "started": 1, "ended": 2, "retry": True},
    ],
    "roadmap": {"aid": 1, "trade": 2, "travel": 1},
}


def full_document() -> dict[str, Any]:
    """The validators' good document with an at_least milestone too: an item of every section."""
    doc = copy.deepcopy(GOOD)
    doc["milestones"].insert(0, copy.deepcopy(AT_LEAST) | {"id": "some"})
    doc["progress"] = copy.deepcopy(RECORD)
    return doc


@pytest.mark.parametrize("section", spec.SECTIONS, ids=lambda s: s.path or "top")
def test_the_validator_and_the_schema_take_the_same_keys(section: spec.Section) -> None:
    assert VALIDATOR_KEYS[section] == spec.keys(section)
    node = schema_at(section.path)
    assert tuple(node["properties"]) == spec.keys(section)
    assert node["additionalProperties"] is False
    assert node.get("required", []) == [f.name for f in section if f.required]
    doc = full_document()
    for key in spec.keys(section):  # the validator knows each key: a wrong value, never "unknown key"
        probe = copy.deepcopy(doc)
        node_at(probe, section.path)[key] = [[{}]]
        assert not [p for p in validator_problems(probe) if p.split(": ")[0].endswith(key) and "unknown key" in p]
    probe = copy.deepcopy(doc)
    node_at(probe, section.path)["zz-unknown"] = 1
    assert any("zz-unknown" in p and "unknown key" in p for p in validator_problems(probe))
    assert schema_errors(probe)


def test_every_section_and_field_of_the_spec_is_described() -> None:
    assert {word: spec.keys(s) for word, s in spec.SET_SECTIONS.items()} == validate.SET_SECTIONS
    for path, field in spec.walk():
        assert field.description and "\n" not in field.description, path
        assert spec.lookup(next(s for s in spec.SECTIONS if field in s.fields), field.name) == field
        assert bool(field.choices) == (field.kind == spec.FieldKind.CHOICE), path
        assert (field.section is not None) == (field.kind in (spec.FieldKind.SECTION, spec.FieldKind.LIST)), path
    with pytest.raises(KeyError):
        spec.lookup(spec.MEASURE, "colour")


def test_choices_come_from_the_model() -> None:
    assert spec.lookup(spec.PARTY, "kind").choices == tuple(scnekit.model.PartyKind)
    assert spec.lookup(spec.LINK, "kind").choices == tuple(scnekit.model.LinkKind)
    assert spec.MILESTONE.one_of == tuple(scnekit.model.MilestoneMode)
    assert unwrap(schema_at("parties[]")["properties"]["kind"])["enum"] == list(scnekit.model.PartyKind)


@pytest.mark.parametrize("section", spec.SET_SECTIONS)
def test_set_paths_accepted_by_the_validator_match_the_pattern(section: str) -> None:
    pattern = re.compile(set_path_pattern())
    fields = validate.SET_SECTIONS[section]
    item = {"measures": "aid", "milestones": "calm", "parties": "gos"}.get(section)
    plan = scnekit.loads(GOOD)
    for field in [*fields, "colour"]:
        path = f"{section}.{item}.{field}" if item else f"{section}.{field}"
        try:
            validate.check_set_paths(plan, [path])
            accepted = True
        except scnekit.InputError:
            accepted = False
        assert accepted == bool(pattern.search(path)), path


# --- the progress record (docs/FORMAT.md, "Progress") ------------------------------------------


def with_progress(**changes: Any) -> dict[str, Any]:
    """The good document with RECORD, changed: ``now=9``, ``m0__completed=3``
    (``measures[0]``); DELETE removes a key."""
    record = copy.deepcopy(RECORD)
    for change, value in changes.items():
        node: Any = record
        key = change
        if change.startswith("m") and "__" in change:
            index, key = change[1:].split("__")
            node = record["measures"][int(index)]
        if value is DELETE:
            del node[key]
        else:
            node[key] = value
    return edited(progress=record)


def test_a_document_with_a_valid_progress_record_is_valid_against_the_schema() -> None:
    for doc in (with_progress(), edited(progress={"now": 0}), edited(progress=None),
                with_progress(measures=None, roadmap=None), with_progress(m2__retry=DELETE, m2__started=DELETE),
                with_progress(m0__note=None)):
        assert validator_problems(doc) == []
        assert schema_errors(doc) == []


PROGRESS_STRUCTURAL: list[tuple[str, dict[str, Any]]] = [
    ("record not a mapping", {"now": [2]}),
    ("status unknown", {"m0__status": "finished"}),
    ("status missing", {"m0__status": DELETE}),
    ("measure missing", {"m0__measure": DELETE}),
    ("measure not an id", {"m0__measure": "Aid!"}),
    ("now missing", {"now": DELETE}),
    ("now negative", {"now": -1}),
    ("now as text", {"now": "two"}),
    ("unknown record key", {"colour": "red"}),
    ("unknown event key", {"m0__colour": "red"}),
    ("scnekit inside the section", {"scnekit": 1}),
    ("measures a mapping", {"measures": {"aid": "completed"}}),
    ("started missing when started", {"m1__started": DELETE}),
    ("started missing when completed", {"m0__started": DELETE}),
    ("completed missing", {"m0__completed": DELETE}),
    ("completed when started", {"m1__completed": 2}),
    ("ended missing when withdrawn", {"m2__ended": DELETE}),
    ("ended when completed", {"m0__ended": 2}),
    ("retry when started", {"m1__retry": False}),
    ("retry as text", {"m2__retry": "yes"}),
    ("phase zero", {"m1__started": 0}),
    ("phase fractional", {"m1__started": 1.5}),
    ("note a number", {"m0__note": 3}),
    ("roadmap a list", {"roadmap": ["aid"]}),
    ("roadmap phase zero", {"roadmap": {"aid": 0}}),
    ("roadmap phase as text", {"roadmap": {"aid": "Q1"}}),
    ("roadmap key not an id", {"roadmap": {"Aid": 1}}),
]


@pytest.mark.parametrize(("name", "changes"), PROGRESS_STRUCTURAL, ids=[name for name, _ in PROGRESS_STRUCTURAL])
def test_structurally_invalid_progress_records_are_rejected_by_both(name: str, changes: dict[str, Any]) -> None:
    doc = edited(progress=[2]) if name == "record not a mapping" else with_progress(**changes)
    assert validator_problems(doc), "the validator accepts it: not an invalid record"
    assert schema_errors(doc), "the schema accepts it"


@pytest.mark.parametrize(("changes", "beyond"), [
    ({"now": 5}, Beyond.PHASE_RANGE),
    ({"m1__started": 3}, Beyond.PHASE_RANGE),  # after now
    ({"m0__started": 2, "m0__completed": 1}, Beyond.PHASE_RANGE),  # completed before started
    ({"m2__started": 2, "m2__ended": 1}, Beyond.PHASE_RANGE),  # ended before started
    ({"roadmap": {"aid": 5}}, Beyond.PHASE_RANGE),
    ({"m0__measure": "nobody"}, Beyond.REFERENCE),
    ({"roadmap": {"nobody": 1}}, Beyond.REFERENCE),
    ({"m1__measure": "aid"}, Beyond.DUPLICATE),
])
def test_what_only_the_validator_refuses_in_a_progress_record(changes: dict[str, Any], beyond: Beyond) -> None:
    doc = with_progress(**changes)
    assert validator_problems(doc)
    assert schema_errors(doc) == [], f"{beyond.value}: the schema rejects it after all: reclassify"


def test_a_scenario_cannot_set_the_progress_record() -> None:
    doc = with_progress()
    doc["scenarios"][0]["set"] = {"progress.now": 3}
    assert any("names nothing" in p for p in validator_problems(doc))
    assert schema_errors(doc)
    assert not re.search(set_path_pattern(), "progress.now")


def test_the_progress_status_choices_come_from_the_history_model() -> None:
    assert spec.lookup(spec.PROGRESS_EVENT, "status").choices == tuple(scnekit.history.Happened)
    assert schema_at("progress.measures[]")["properties"]["status"]["enum"] == list(scnekit.history.Happened)


_PHASES = st.one_of(st.integers(-1, 6), st.sampled_from([1.0, 2.5, "2", None, True]))
_EVENTS = st.fixed_dictionaries({}, optional={
    "measure": st.sampled_from(["aid", "trade", "travel", "nobody", "Aid"]),
    "status": st.sampled_from([*scnekit.history.Happened, "done", None]),
    "started": _PHASES, "completed": _PHASES, "ended": _PHASES,
    "retry": st.sampled_from([True, False, "yes"]),
    "note": st.sampled_from(["x", None, 3]),
})
_RECORDS = st.fixed_dictionaries({}, optional={
    "now": _PHASES,
    "measures": st.one_of(st.lists(_EVENTS, max_size=4), st.none()),
    "roadmap": st.one_of(st.none(), st.dictionaries(st.sampled_from(["aid", "trade", "nobody", "Aid"]), _PHASES,
                                                    max_size=3)),
})


@SOUND
@given(_RECORDS)
def test_every_generated_progress_record_the_validator_accepts_the_schema_accepts(record: Any) -> None:
    doc = edited(progress=record)
    if not validator_problems(doc):
        assert schema_errors(doc) == []
