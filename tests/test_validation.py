"""Invalid input: one error listing every problem with its file and field path."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

import scnekit
from tests.support.paths import run_cli

GOOD: dict[str, Any] = {
    "scnekit": 1,
    "name": "Small",
    "horizon": {"phases": 4, "labels": ["Q1", "Q2", "Q3", "Q4"], "capacity": 2},
    "parties": [{"id": "gos", "name": "Government"}, {"id": "hts", "name": "Idlib", "backers": ["gos"]}],
    "measures": [
        {"id": "aid", "title": "Aid", "by": "gos", "cost": 2, "to": {"hts": 3}},
        {"id": "trade", "title": "Trade", "by": "hts", "cost": 1, "to": {"gos": 2}, "requires": ["aid"]},
        {"id": "travel", "title": "Travel", "by": "hts", "cost": 1, "to": {"gos": 1}},
    ],
    "links": [{"kind": "reciprocal", "measures": ["aid", "travel"], "within": 1}],
    "milestones": [{"id": "calm", "title": "Calm", "all": ["aid", "trade"], "deadline": 4}],
    "rules": {"max_exposure": {"default": 3, "gos": 2}, "min_received": {"hts": 1},
              "balance": {"among": ["gos", "hts"], "max_gap": 5}},
    "objective": {"benefit": 1, "milestones": 2},
    "scenarios": [{"id": "tight", "unavailable": ["travel"], "set": {"rules.max_exposure": 1}}],
}


def problems_of(doc: Any) -> list[str]:
    with pytest.raises(scnekit.InputError) as info:
        scnekit.loads(doc, "plan.yaml")
    return [f"{p.path}: {p.message}" for p in info.value.problems]


def edited(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(GOOD)
    for path, value in changes.items():
        node: Any = doc
        parts = path.split("__")
        for part in parts[:-1]:
            node = node[int(part)] if isinstance(node, list) else node[part]
        last = parts[-1]
        if value is DELETE:
            del node[int(last) if isinstance(node, list) else last]
        elif isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return doc


DELETE = object()


def test_good_document_loads() -> None:
    plan = scnekit.loads(GOOD)
    assert [m.id for m in plan.measures] == ["aid", "trade", "travel"]
    assert plan.rules.exposure_limit("gos") == 2 and plan.rules.exposure_limit("hts") == 3
    assert plan.horizon.capacity == (2, 2, 2, 2)
    tight = plan.scenario("tight")
    assert tight.unavailable == {"travel"} and tight.rules.exposure_limit("gos") == 1


@pytest.mark.parametrize(("changes", "expected"), [
    ({"name": DELETE}, "name: required field is missing"),
    ({"measures__0__by": DELETE}, "measures[0].by: required field is missing"),
    ({"measures__0__colour": "red"}, "measures[0].colour: unknown key"),
    ({"measures__0__duraton": 2}, "did you mean 'duration'"),
    ({"measures__0__cost": "two"}, "measures[0].cost: must be a number, got text"),
    ({"measures__0__mandatory": "yes"}, "measures[0].mandatory: must be true or false"),
    ({"measures__1__requires": ["aid", "x"]}, "measures[1].requires[1]: unknown measure 'x'"),
    ({"measures__0__by": "gso"}, "measures[0].by: unknown party 'gso'; did you mean 'gos'?"),
    ({"measures__2__id": "aid"}, "measures[2].id: duplicate id 'aid'"),
    ({"measures__0__requires": ["trade"]}, "requires forms a cycle"),
    ({"measures__0__latest": 9}, "measures[0].latest: must be from 1 to 4, got 9"),
    ({"measures__0__earliest": 0}, "measures[0].earliest: must be from 1 to 4, got 0"),
    ({"milestones__0__deadline": 5}, "milestones[0].deadline: must be from 1 to 4, got 5"),
    ({"horizon__labels": ["a", "b"]}, "horizon.labels: must give exactly 4 labels"),
    ({"measures__0__cost": -1}, "measures[0].cost: must not be negative"),
    ({"measures__0__to": {"hts": float("inf")}}, "measures[0].to.hts: must be a finite number"),
    ({"measures__0__to": {"hts": float("nan")}}, "measures[0].to.hts: must be a finite number"),
    ({"scenarios__0__set": {"measures.nope.cost": 1}}, "names nothing: no measure with id 'nope'"),
    ({"scenarios__0__set": {"measures.aid.colour": 1}}, "names nothing: 'colour' is not a field"),
    ({"scenarios__0__set": {"weather.rain": 1}}, "names nothing: 'weather'"),
    ({"scenarios__0__set": {"measures.aid.cost": -3}}, "overrides make measures[0].cost invalid"),
    ({"scenarios__0__id": "base"}, "scenarios[0].id: 'base' is reserved"),
    ({"scenarios__0__unavailable": ["ghost"]}, "scenarios[0].unavailable[0]: unknown measure 'ghost'"),
    ({"measures__0__id": "Aid!"}, "measures[0].id: 'Aid!' is not a valid id"),
    ({"horizon__phases": 0}, "horizon.phases: must be at least 1"),
    ({"horizon__capacity": [1, 2]}, "horizon.capacity: must give exactly 4 numbers"),
    ({"scnekit": 2}, "scnekit: unsupported format version 2"),
    ({"links__0__measures": ["aid"]}, "links[0].measures: must list at least 2 items"),
    ({"links__0__kind": "mutual"}, "links[0].kind: must be 'reciprocal' or 'exclusive'"),
    ({"milestones__0__any": ["aid"]}, "milestones[0]: must have exactly one of all, any, at_least"),
    ({"milestones__0__all": DELETE, "milestones__0__at_least": {"count": 3, "of": ["aid"]}},
     "count 3 exceeds the 1 measures listed"),
    ({"rules__max_exposure": {"nobody": 2}}, "rules.max_exposure.nobody: unknown key"),
    ({"rules__balance": {"among": ["gos"], "max_gap": 1}}, "rules.balance.among: must list at least 2"),
    ({"parties__0__kind": "state"}, "parties[0].kind: must be one of area"),
    ({"measures__0__earliest": 3, "measures__0__latest": 2}, "latest start 2 is before earliest start 3"),
])
def test_each_kind_of_invalid_input(changes: dict[str, Any], expected: str) -> None:
    found = problems_of(edited(**changes))
    assert any(expected in p for p in found), found


def test_every_problem_is_listed_at_once() -> None:
    doc = edited(measures__0__cost=-1, measures__1__by="nobody", horizon__labels=["x"], scnekit=7)
    found = problems_of(doc)
    assert len(found) >= 4
    with pytest.raises(scnekit.InputError) as info:
        scnekit.loads(doc, "plan.yaml")
    assert all(p.file == "plan.yaml" for p in info.value.problems)
    assert "4 problems" in str(info.value)


def test_not_a_mapping() -> None:
    assert problems_of([1, 2]) == [": must be a mapping, got a list"]


def test_yaml_tags_are_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.yaml"
    path.write_text(f"scnekit: 1\nname: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(scnekit.InputError) as info:
        scnekit.load(path)
    assert "not valid YAML" in str(info.value)
    assert not marker.exists()


def test_duplicate_yaml_keys_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text("scnekit: 1\nname: a\nname: b\n")
    with pytest.raises(scnekit.InputError, match="duplicate key 'name'"):
        scnekit.load(path)


def test_json_files_and_duplicate_json_keys(tmp_path: Path) -> None:
    good = tmp_path / "plan.json"
    good.write_text(json.dumps(GOOD))
    assert scnekit.load(good).name == "Small"
    bad = tmp_path / "dup.json"
    bad.write_text('{"scnekit": 1, "scnekit": 1}')
    with pytest.raises(scnekit.InputError, match="duplicate key"):
        scnekit.load(bad)


def test_missing_file() -> None:
    with pytest.raises(scnekit.InputError, match="no such file"):
        scnekit.load("/nonexistent/plan.yaml")


def test_cli_reports_invalid_input_without_traceback(write_yaml: Any) -> None:
    path = write_yaml(edited(measures__0__cost=-1, measures__1__requires=["ghost"]))
    for command in ("validate", "solve"):
        run = run_cli(command, str(path))
        assert run.returncode == 2
        assert "Traceback" not in run.stderr and run.stdout == ""
        assert f"{path}: measures[0].cost: must not be negative" in run.stderr
        assert f"{path}: measures[1].requires[0]: unknown measure 'ghost'" in run.stderr


def test_cli_broken_yaml(write_yaml: Any) -> None:
    run = run_cli("validate", str(write_yaml("scnekit: 1\nname: [unclosed\n")))
    assert run.returncode == 2 and "not valid YAML" in run.stderr and "Traceback" not in run.stderr


def test_unknown_scenario_is_a_usage_error(write_yaml: Any) -> None:
    run = run_cli("solve", str(write_yaml(GOOD)), "--scenario", "nope")
    assert run.returncode == 2 and "no scenario 'nope'" in run.stderr and "Traceback" not in run.stderr
