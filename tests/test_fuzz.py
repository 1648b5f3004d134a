"""Fuzzing: generated and mutated documents through ``scnekit.load`` and the CLI give a plan
or the one input error (every problem with its file), within a time bound; any valid ids
solve to the enumerated optimum."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scnekit
from scnekit.fileformat.documents import parse_text
from tests.support.checker import check_answer, enumerate_optimum
from tests.support.paths import CASES, EXAMPLE, run_cli

EXAMPLES = int(os.environ.get("SCNEKIT_EXAMPLES", "120"))
BASES = [yaml.safe_load(p.read_text()) for p in sorted(CASES.glob("case-*.yaml"))[:6]]
BASES.append(yaml.safe_load(EXAMPLE.read_text()))
FILE = "fuzz.yaml"

values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**30), 10**30) | st.floats() | st.text(max_size=12)
    | st.sampled_from(["base", "all", "reciprocal", "m1", "-1", "1e400", ".nan", "~", "a-b"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


def places(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path to a value inside a document."""
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from places(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from places(value, (*path, i))


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    """A bundled document with a few values replaced, deleted or given a foreign key."""
    doc = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(list(places(doc))))
        if not path:
            if draw(st.integers(0, 9)) == 0:
                doc = draw(values)
            continue
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(values)
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=8))] = draw(values)
        else:
            parent.append(draw(values))
    return doc


def accepts_or_explains(run: Any) -> scnekit.Plan | None:
    """Run ``run()``: a plan, or None after checking the one error type and its paths."""
    try:
        plan = run()
    except scnekit.InputError as err:
        assert err.problems
        assert all(p.file == FILE for p in err.problems), err
        return None
    assert isinstance(plan, scnekit.Plan)
    return plan


FUZZ = settings(max_examples=EXAMPLES, deadline=60_000, suppress_health_check=[HealthCheck.too_slow,
                                                                            HealthCheck.data_too_large])


@FUZZ
@given(mutated())
def test_mutated_documents_give_a_plan_or_one_input_error(doc: Any) -> None:
    plan = accepts_or_explains(lambda: scnekit.loads(doc, FILE))
    if plan is not None:
        for scenario in plan.scenario_ids:
            assert plan.scenario(scenario).scenario_id == scenario
    for kind, text in (("yaml", yaml.safe_dump(doc, allow_unicode=True)), ("json", json.dumps(doc))):
        accepts_or_explains(lambda kind=kind, text=text: scnekit.loads(parse_text(text, FILE, kind), FILE))


@FUZZ
@given(st.sampled_from([(CASES / "case-1004.yaml").read_text(), (CASES / "case-1002.yaml").read_text()]),
       st.lists(st.tuples(st.integers(0, 2_000), st.integers(0, 6),
                          st.text(alphabet="{}[]:,&*!|>-'\"#%@`\t\n ?x9\\\x00\x1b\u202e", max_size=6)),
                min_size=1, max_size=5))
def test_damaged_yaml_text_gives_a_plan_or_one_input_error(text: str, edits: list[tuple[int, int, str]]) -> None:
    for offset, cut, insert in edits:
        at = offset % (len(text) + 1)
        text = text[:at] + insert + text[at + cut:]
    accepts_or_explains(lambda: scnekit.loads(parse_text(text, FILE, "yaml"), FILE))


@settings(max_examples=max(4, EXAMPLES // 20), deadline=None)
@given(mutated())
def test_the_cli_never_shows_a_traceback(tmp_path_factory: Any, doc: Any) -> None:
    path: Path = tmp_path_factory.mktemp("fuzz") / FILE
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    run = run_cli("solve", str(path), "--format", "json", "--time-limit", "20")
    assert run.returncode in (0, 1, 2, 3), run.stderr
    assert "Traceback" not in run.stderr
    if run.returncode != 2:
        assert json.loads(run.stdout)["status"] in ("optimal", "feasible", "infeasible", "unknown")


ids = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,127}", fullmatch=True)


@settings(max_examples=EXAMPLES // 2, deadline=None)
@given(st.lists(ids, min_size=5, max_size=5, unique=True), st.text(max_size=30))
def test_any_valid_ids_solve(names: list[str], text: str) -> None:
    north, south, first, second, third = names
    title = text.strip()
    doc: dict[str, Any] = {
        "scnekit": 1, "name": title or "ids", "horizon": {"phases": 3},
        "parties": [{"id": north, "name": title or north}, {"id": south}],
        "measures": [
            {"id": first, "title": title or "a", "by": north, "cost": 1, "to": {south: 2}},
            {"id": second, "title": "b", "by": south, "cost": 2, "to": {north: 3}, "requires": [first]},
            {"id": third, "title": "c", "by": north, "to": {north: 1}},
        ],
        "links": [{"kind": "reciprocal", "measures": [first, third], "within": 1}],
        "milestones": [{"id": first, "title": "k", "all": [second], "deadline": 3}],
        "rules": {"max_exposure": 1},
    }
    roadmap = scnekit.solve(scnekit.loads(doc))
    assert roadmap.status == scnekit.Status.OPTIMAL
    assert check_answer(doc, "base", roadmap.to_dict()) == []
    assert roadmap.objective == enumerate_optimum(doc, "base")
