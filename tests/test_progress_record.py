"""The progress record (docs/FORMAT.md, "Progress"): read inside a scenario file or from a
file of its own, every self-contradiction and format error refused with its path, the
plan's rules left to the re-plan, and written back without loss."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

import scnekit
from scnekit.fileformat import spec
from scnekit.fileformat.documents import read_document
from scnekit.fileformat.progress import (
    parse_progress,
    progress_document,
    progress_of,
    read_progress,
    write_progress,
)
from scnekit.history import Event, Happened, Progress
from tests.support.paths import EXAMPLE

RECORD: dict[str, Any] = {
    "now": 2,
    "measures": [
        {"measure": "crossline-aid-nw", "status": "completed", "started": 1, "completed": 2,
         "note": "Convoys ran from the second quarter", "source": "OCHA situation report, 2025-06"},
        {"measure": "passport-issuance", "status": "started", "started": 2},
        {"measure": "trade-crossing-gos", "status": "failed", "started": 1, "ended": 2, "retry": False},
    ],
    "roadmap": {"crossline-aid-nw": 1, "passport-issuance": 2},
}


@pytest.fixture(scope="module")
def example() -> dict[str, Any]:
    doc = read_document(EXAMPLE)
    assert isinstance(doc, dict) and "progress" not in doc
    return doc


@pytest.fixture(scope="module")
def plan(example: dict[str, Any]) -> scnekit.Plan:
    return scnekit.loads(example, str(EXAMPLE))


def with_record(example: dict[str, Any], record: Any) -> dict[str, Any]:
    doc = copy.deepcopy(example)
    doc["progress"] = copy.deepcopy(record)
    return doc


def problems(example: dict[str, Any], record: Any) -> list[str]:
    plan = scnekit.loads(with_record(example, record), "plan.yaml")  # the plan parser does not read it
    with pytest.raises(scnekit.InputError) as info:
        progress_of(plan)
    assert all(p.file == "plan.yaml" for p in info.value.problems)
    return [f"{p.path}: {p.message}" for p in info.value.problems]


# --- a valid record --------------------------------------------------------------------------


def test_a_valid_record_inside_the_scenario_file(example: dict[str, Any]) -> None:
    plan = scnekit.loads(with_record(example, RECORD), "plan.yaml")
    progress = progress_of(plan)
    assert progress == Progress(now=2, events=(
        Event("crossline-aid-nw", Happened.COMPLETED, started=1, completed=2,
              note="Convoys ran from the second quarter", source="OCHA situation report, 2025-06"),
        Event("passport-issuance", Happened.STARTED, started=2),
        Event("trade-crossing-gos", Happened.FAILED, started=1, ended=2),
    ), roadmap={"crossline-aid-nw": 1, "passport-issuance": 2})
    assert progress.file == "plan.yaml"
    assert all(isinstance(e.status, Happened) for e in progress.events)
    assert progress.by_measure["trade-crossing-gos"].retry is False


def test_a_file_without_a_record_means_what_it_meant(example: dict[str, Any], plan: scnekit.Plan) -> None:
    assert progress_of(plan) is None
    assert progress_of(scnekit.loads(with_record(example, None))) is None
    assert scnekit.loads(with_record(example, RECORD), str(EXAMPLE)) == plan  # the plan is the same plan


def test_the_smallest_record(plan: scnekit.Plan) -> None:
    assert parse_progress({"now": 0}, plan) == Progress(now=0)
    assert parse_progress({"now": 8, "measures": None, "roadmap": {}}, plan) == Progress(now=8, roadmap={})
    assert parse_progress({"now": 2.0}, plan).now == 2  # 2.0 is read as 2, as elsewhere


def test_withdrawn_and_failed_without_a_start_and_with_retry(plan: scnekit.Plan) -> None:
    progress = parse_progress({"now": 3, "measures": [
        {"measure": "trade-crossing-gos", "status": "withdrawn", "ended": 1, "retry": True},
        {"measure": "detainee-exchange", "status": "failed", "ended": 3, "note": None},
    ]}, plan)
    assert progress.events == (Event("trade-crossing-gos", Happened.WITHDRAWN, ended=1, retry=True),
                               Event("detainee-exchange", Happened.FAILED, ended=3))


def test_what_breaks_the_plans_rules_is_history_not_an_error(example: dict[str, Any]) -> None:
    """A measure started before one it requires completed, a reciprocal partner refused, a
    measure the scenario makes unavailable that happened, a completion later (or sooner)
    than its duration plans, a start outside the measure's window: all accepted."""
    doc = with_record(example, {"now": 3, "measures": [
        {"measure": "trade-crossing-gos", "status": "completed", "started": 1, "completed": 1},  # requires monitoring
        {"measure": "trade-crossing-hts", "status": "withdrawn", "ended": 1},  # its reciprocal partner
        {"measure": "frontline-monitoring", "status": "completed", "started": 1, "completed": 3},  # duration 2
        {"measure": "power-station", "status": "completed", "started": 1, "completed": 1},  # duration 3
        {"measure": "trade-transit-astana", "status": "started", "started": 2},  # exclusive with trade-crossing-gos
    ]})
    doc["scenarios"][0]["unavailable"] = ["trade-crossing-gos"]
    plan = scnekit.loads(doc)
    progress = progress_of(plan)
    assert progress is not None and len(progress.events) == 5


def test_the_example_file_on_disk_with_a_record_loads(tmp_path: Path, example: dict[str, Any]) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(with_record(example, RECORD), sort_keys=False))
    plan = scnekit.load(path)
    progress = progress_of(plan)
    assert progress is not None and progress.now == 2 and progress.file == str(path)


# --- a file of its own -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["progress.yaml", "progress.yml", "progress.json"])
@pytest.mark.parametrize("version", [True, False])
def test_a_record_in_a_file_of_its_own(tmp_path: Path, plan: scnekit.Plan, name: str, version: bool) -> None:
    path = tmp_path / name
    record = {"scnekit": 1, **RECORD} if version else RECORD
    path.write_text(json.dumps(record) if name.endswith(".json") else yaml.safe_dump(record, sort_keys=False))
    progress = read_progress(path, plan)
    assert progress == progress_of(scnekit.loads(with_record(read_document(EXAMPLE), RECORD)))
    assert progress.file == str(path)


def test_a_separate_file_names_its_problems_by_the_file_without_a_prefix(tmp_path: Path,
                                                                         plan: scnekit.Plan) -> None:
    path = tmp_path / "progress.yaml"
    record = copy.deepcopy(RECORD)
    record["measures"][0]["completed"] = 3
    record["scnekit"] = 2
    record["colour"] = "red"
    path.write_text(yaml.safe_dump(record))
    with pytest.raises(scnekit.InputError) as info:
        read_progress(path, plan)
    found = {p.path: p.message for p in info.value.problems}
    assert "after now" in found["measures[0].completed"]
    assert "unsupported format version" in found["scnekit"]
    assert "unknown key" in found["colour"]
    assert all(p.file == str(path) for p in info.value.problems)
    assert f"{path}: measures[0].completed: " in str(info.value)


@pytest.mark.parametrize("text", ["", "- now: 2\n", "now: [\n"])
def test_a_separate_file_that_is_not_a_record(tmp_path: Path, plan: scnekit.Plan, text: str) -> None:
    path = tmp_path / "progress.yaml"
    path.write_text(text)
    with pytest.raises(scnekit.InputError) as info:
        read_progress(path, plan)
    assert info.value.problems and all(p.file == str(path) for p in info.value.problems)


def test_a_missing_separate_file(tmp_path: Path, plan: scnekit.Plan) -> None:
    with pytest.raises(scnekit.InputError, match="no such file"):
        read_progress(tmp_path / "nowhere.yaml", plan)


@pytest.mark.parametrize("name", ["progress.xlsx", "progress.XLSM"])
def test_a_workbook_is_not_a_progress_record(tmp_path: Path, plan: scnekit.Plan, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"PK\x03\x04 not read")
    with pytest.raises(scnekit.InputError, match="YAML or JSON") as info:
        read_progress(path, plan)
    assert info.value.problems[0].file == str(path)
    with pytest.raises(scnekit.UsageError, match="YAML or JSON"):
        write_progress(path, Progress(now=0))


# --- what is refused -------------------------------------------------------------------------


def edit(**changes: Any) -> dict[str, Any]:
    """RECORD with ``changes``: ``now=9``, ``m0__completed=3`` (measures[0]),
    ``m1__retry=True``; a value DELETE removes the key."""
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
    return record


DELETE = object()
P = "progress"
M0, M1, M2 = f"{P}.measures[0]", f"{P}.measures[1]", f"{P}.measures[2]"

INVALID: list[tuple[str, Any, str, str]] = [
    # the record
    ("not a mapping", [1, 2], P, "must be a mapping"),
    ("unknown key", edit(colour="red"), f"{P}.colour", "unknown key"),
    ("misspelt key", edit(roadmaps={}), f"{P}.roadmaps", "did you mean 'roadmap'"),
    ("scnekit inside the scenario file", edit(scnekit=1), f"{P}.scnekit", "unknown key"),
    # now
    ("now missing", edit(now=DELETE), f"{P}.now", "required field is missing"),
    ("now negative", edit(now=-1), f"{P}.now", "from 0 to 8"),
    ("now after the last phase", edit(now=9), f"{P}.now", "from 0 to 8"),
    ("now fractional", edit(now=2.5), f"{P}.now", "whole number"),
    ("now as text", edit(now="two"), f"{P}.now", "whole number"),
    ("now true", edit(now=True), f"{P}.now", "whole number"),
    ("now null", edit(now=None), f"{P}.now", "whole number"),
    # measures
    ("measures a mapping", edit(measures={"crossline-aid-nw": "completed"}), f"{P}.measures", "must be a list"),
    ("an event not a mapping", edit(measures=["crossline-aid-nw"]), M0, "must be a mapping"),
    ("unknown event key", edit(m0__colour="red"), f"{M0}.colour", "unknown key"),
    ("misspelt event key", edit(m0__complete=2), f"{M0}.complete", "did you mean 'completed'"),
    ("notes for note", edit(m1__notes="x"), f"{M1}.notes", "did you mean 'note'"),
    ("measure missing", edit(m0__measure=DELETE), f"{M0}.measure", "required field is missing"),
    ("unknown measure", edit(m0__measure="crossline-aid-nx"), f"{M0}.measure", "did you mean 'crossline-aid-nw'"),
    ("measure not an id", edit(m0__measure="Aid!"), f"{M0}.measure", "not a valid id"),
    ("measure a number", edit(m0__measure=7), f"{M0}.measure", "must be an id"),
    ("measure listed twice", edit(m1__measure="crossline-aid-nw"), f"{M1}.measure", "listed twice"),
    # status
    ("status missing", edit(m0__status=DELETE), f"{M0}.status", "required field is missing"),
    ("status unknown", edit(m0__status="finished"), f"{M0}.status",
     "must be one of started, completed, failed, withdrawn"),
    ("status capitalised", edit(m0__status="Completed"), f"{M0}.status", "must be one of"),
    ("status a number", edit(m0__status=1), f"{M0}.status", "must be one of"),
    # started
    ("started missing when started", edit(m1__started=DELETE), f"{M1}.started", "required field is missing"),
    ("started missing when completed", edit(m0__started=DELETE), f"{M0}.started", "required field is missing"),
    ("started zero", edit(m1__started=0), f"{M1}.started", "from 1 to 8"),
    ("started beyond the horizon", edit(m1__started=9), f"{M1}.started", "from 1 to 8"),
    ("started fractional", edit(m1__started=1.5), f"{M1}.started", "whole number"),
    ("started after now", edit(m1__started=3), f"{M1}.started", "after now"),
    ("started with nothing happened", edit(now=0, measures=[RECORD["measures"][1]]), f"{M0}.started",
     "after now"),
    ("started after now when failed", edit(m2__started=3, m2__ended=2), f"{M2}.started", "after now"),
    # completed
    ("completed missing", edit(m0__completed=DELETE), f"{M0}.completed", "required field is missing"),
    ("completed when started", edit(m1__completed=2), f"{M1}.completed", "applies to completed measures only"),
    ("completed when failed", edit(m2__completed=2), f"{M2}.completed", "applies to completed measures only"),
    ("completed after now", edit(m0__completed=3), f"{M0}.completed", "after now"),
    ("completed before started", edit(m0__started=2, m0__completed=1), f"{M0}.completed", "before it started"),
    ("completed as text", edit(m0__completed="Q2"), f"{M0}.completed", "whole number"),
    # ended
    ("ended missing when failed", edit(m2__ended=DELETE), f"{M2}.ended", "required field is missing"),
    ("ended missing when withdrawn", edit(m2__status="withdrawn", m2__ended=DELETE), f"{M2}.ended",
     "required field is missing"),
    ("ended when started", edit(m1__ended=2), f"{M1}.ended", "applies to failed or withdrawn measures only"),
    ("ended when completed", edit(m0__ended=2), f"{M0}.ended", "applies to failed or withdrawn measures only"),
    ("ended after now", edit(m2__ended=3), f"{M2}.ended", "after now"),
    ("ended before started", edit(now=3, m2__started=3, m2__ended=2), f"{M2}.ended", "before it started"),
    ("ended zero", edit(m2__ended=0), f"{M2}.ended", "from 1 to 8"),
    # retry
    ("retry when started", edit(m1__retry=True), f"{M1}.retry", "applies to failed or withdrawn measures only"),
    ("retry false when completed", edit(m0__retry=False), f"{M0}.retry", "applies to failed or withdrawn"),
    ("retry as text", edit(m2__retry="yes"), f"{M2}.retry", "true or false"),
    # texts
    ("note too long", edit(m0__note="n" * 10_001), f"{M0}.note", "10,001 characters long"),
    ("source too long", edit(m0__source="s" * 10_001), f"{M0}.source", "limit is 10,000"),
    ("note a number", edit(m1__note=3), f"{M1}.note", "text"),
    ("source a list", edit(m1__source=["a"]), f"{M1}.source", "text"),
    # roadmap
    ("roadmap a list", edit(roadmap=["crossline-aid-nw"]), f"{P}.roadmap", "mapping of measure ids"),
    ("roadmap of an unknown measure", edit(roadmap={"passport-issuanse": 2}), f"{P}.roadmap.passport-issuanse",
     "did you mean 'passport-issuance'"),
    ("roadmap of a bad id", edit(roadmap={"Passport": 2}), f"{P}.roadmap.Passport", "not a valid id"),
    ("roadmap key a number", edit(roadmap={7: 2}), f"{P}.roadmap.7", "must be an id"),
    ("roadmap phase zero", edit(roadmap={"passport-issuance": 0}), f"{P}.roadmap.passport-issuance",
     "from 1 to 8"),
    ("roadmap phase beyond", edit(roadmap={"passport-issuance": 9}), f"{P}.roadmap.passport-issuance",
     "from 1 to 8"),
    ("roadmap phase as text", edit(roadmap={"passport-issuance": "Q2"}), f"{P}.roadmap.passport-issuance",
     "whole number"),
    ("roadmap phase null", edit(roadmap={"passport-issuance": None}), f"{P}.roadmap.passport-issuance",
     "whole number"),
]


@pytest.mark.parametrize(("record", "path", "word"), [case[1:] for case in INVALID],
                         ids=[case[0] for case in INVALID])
def test_each_invalid_record_is_refused_with_its_path(example: dict[str, Any], record: Any, path: str,
                                                      word: str) -> None:
    found = problems(example, record)
    assert any(p.startswith(f"{path}: ") and word in p for p in found), found


# a text beyond the limit is refused as the file is read, before the record is (path "")
IN_A_FILE = [case for case in INVALID if "too long" not in case[0]]


@pytest.mark.parametrize(("record", "path", "word"), [case[1:] for case in IN_A_FILE],
                         ids=[case[0] for case in IN_A_FILE])
def test_a_separate_file_refuses_the_same_with_the_path_in_the_file(tmp_path: Path, plan: scnekit.Plan,
                                                                    record: Any, path: str, word: str) -> None:
    if path == f"{P}.scnekit":  # the one key a file of its own has that a section has not
        record = edit(scnekit=1)
        assert read_progress(_written(tmp_path, record), plan).now == 2
        return
    with pytest.raises(scnekit.InputError) as info:
        read_progress(_written(tmp_path, record), plan)
    found = [f"{p.path}: {p.message}" for p in info.value.problems]
    inner = path.removeprefix(P).removeprefix(".")
    assert any(p.startswith(f"{inner}: ") and word in p for p in found), found


def _written(tmp_path: Path, record: Any) -> Path:
    path = tmp_path / "progress.yaml"
    path.write_text(yaml.safe_dump(record, sort_keys=False))
    return path


def test_a_text_beyond_the_limit_in_a_separate_file_is_refused_as_it_is_read(tmp_path: Path,
                                                                             plan: scnekit.Plan) -> None:
    with pytest.raises(scnekit.InputError, match="10,001 characters") as info:
        read_progress(_written(tmp_path, edit(m0__note="n" * 10_001)), plan)
    assert info.value.problems[0].file == str(tmp_path / "progress.yaml")


def test_one_message_lists_every_problem(example: dict[str, Any]) -> None:
    record = edit(now=3, m0__completed=4, m1__status="done", m2__ended=DELETE, roadmap={"nobody": 0})
    record["measures"].append({"measure": "passport-issuance", "status": "started", "started": 1})
    plan = scnekit.loads(with_record(example, record), "plan.yaml")
    with pytest.raises(scnekit.InputError) as info:
        progress_of(plan)
    paths = [p.path for p in info.value.problems]
    assert paths == [f"{M0}.completed", f"{M1}.status", f"{M2}.ended", f"{P}.measures[3].measure",
                     f"{P}.roadmap.nobody", f"{P}.roadmap.nobody"]
    text = str(info.value)
    assert text.startswith("6 problems in the scenario input:")
    assert all(f"plan.yaml: {path}: " in text for path in paths)


def test_a_record_longer_than_the_measures_limit_is_refused_unread(example: dict[str, Any]) -> None:
    limits = scnekit.Limits(measures=60)
    plan = scnekit.loads(example, limits=limits)
    event = {"measure": "nobody", "status": "nonsense"}
    with pytest.raises(scnekit.InputError) as info:
        parse_progress({"now": 9, "measures": [event] * 61, "roadmap": {f"m{i}": 1 for i in range(61)}}, plan)
    assert [(p.path, "lists 61 entries" in p.message and "--limit measures=N" in p.message)
            for p in info.value.problems] == [("progress.measures", True), ("progress.roadmap", True)]


def test_scenarios_do_not_change_history(example: dict[str, Any]) -> None:
    doc = with_record(example, RECORD)
    doc["scenarios"] = [{"id": "rewrite", "set": {"progress.now": 3}}]
    with pytest.raises(scnekit.InputError, match="names nothing: 'progress' is not one of"):
        scnekit.loads(doc)
    assert "progress" not in spec.SET_SECTIONS


def test_scnekit_load_refuses_a_broken_inline_record(tmp_path: Path, example: dict[str, Any]) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(with_record(example, edit(now=9, m1__status="done")), sort_keys=False))
    with pytest.raises(scnekit.InputError) as info:
        scnekit.load(path)
    assert [(p.file, p.path) for p in info.value.problems] == [(str(path), f"{P}.now"), (str(path), f"{M1}.status")]
    json_path = tmp_path / "plan.json"
    json_path.write_text(json.dumps(with_record(example, edit(m0__completed=DELETE))))
    with pytest.raises(scnekit.InputError, match=r"progress\.measures\[0\]\.completed: required field"):
        scnekit.load(json_path)


def test_a_plan_error_comes_first_and_alone(tmp_path: Path, example: dict[str, Any]) -> None:
    """The record is read against the plan's measures and phases: a plan that does not
    parse is reported alone (its record is checked once it does)."""
    doc = with_record(example, edit(now=99))
    doc["name"] = ""
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(scnekit.InputError) as info:
        scnekit.load(path)
    assert [p.path for p in info.value.problems] == ["name"]


def test_a_workbook_has_no_record_and_loads(tmp_path: Path) -> None:
    from scnekit.fileformat.conversion import convert

    target = tmp_path / "plan.xlsx"
    convert(EXAMPLE, target)
    assert progress_of(scnekit.load(target)) is None


# --- written back ----------------------------------------------------------------------------


def test_the_document_keeps_the_formats_order_and_only_what_is_set(plan: scnekit.Plan) -> None:
    progress = parse_progress(edit(m2__retry=True), plan)
    doc = progress_document(progress)
    assert list(doc) == ["now", "measures", "roadmap"]
    assert [list(e) for e in doc["measures"]] == [["measure", "status", "started", "completed", "note", "source"],
                                                 ["measure", "status", "started"],
                                                 ["measure", "status", "started", "ended", "retry"]]
    assert progress_document(Progress(now=0)) == {"now": 0}
    assert progress_document(parse_progress(edit(m2__retry=False), plan))["measures"][2] == {
        "measure": "trade-crossing-gos", "status": "failed", "started": 1, "ended": 2}
    assert list(doc) == [k for k in spec.keys(spec.PROGRESS) if k in doc]
    for event in doc["measures"]:
        assert list(event) == [k for k in spec.keys(spec.PROGRESS_EVENT) if k in event]


def test_the_document_reads_back_inside_a_scenario_file(example: dict[str, Any]) -> None:
    progress = progress_of(scnekit.loads(with_record(example, RECORD)))
    assert progress is not None
    again = progress_of(scnekit.loads(with_record(example, progress_document(progress))))
    assert again == progress


TRICKY = {
    "now": 8,
    "measures": [
        {"measure": "crossline-aid-nw", "status": "completed", "started": 1, "completed": 8,
         "note": "yes\nno: \"quoted\" 'and' # not a comment\n", "source": "2025-06"},
        {"measure": "passport-issuance", "status": "withdrawn", "ended": 1, "retry": True, "note": "null"},
        {"measure": "trade-crossing-gos", "status": "failed", "started": 3, "ended": 3, "source": "ünïcødé ✓"},
        {"measure": "detainee-exchange", "status": "started", "started": 8, "note": ""},
    ],
    "roadmap": {},
}


@pytest.mark.parametrize("name", ["progress.yaml", "progress.json"])
@pytest.mark.parametrize("record", [RECORD, TRICKY, {"now": 0}], ids=["example", "tricky", "empty"])
def test_a_separate_file_round_trip_is_lossless(tmp_path: Path, plan: scnekit.Plan, name: str,
                                                record: dict[str, Any]) -> None:
    first = parse_progress(record, plan)
    path = tmp_path / name
    write_progress(path, first)
    read = read_progress(path, plan)
    assert read == first
    assert read_document(path) == {"scnekit": 1, **progress_document(first)}
    write_progress(path, read)  # over an existing file, atomically
    assert read_progress(path, plan) == first
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary file left


def test_the_example_record_written_is_the_record_given(tmp_path: Path, plan: scnekit.Plan) -> None:
    path = tmp_path / "progress.yaml"
    write_progress(path, parse_progress(RECORD, plan))
    written = yaml.safe_load(path.read_text())
    expected = copy.deepcopy(RECORD)
    del expected["measures"][2]["retry"]  # false is the default: not written
    assert written == {"scnekit": 1, **expected}


# --- the spec ---------------------------------------------------------------------------------


def test_the_status_choices_come_from_happened() -> None:
    assert spec.lookup(spec.PROGRESS_EVENT, "status").choices == tuple(Happened)
    assert spec.lookup(spec.TOP, "progress").section is spec.PROGRESS
    assert spec.keys(spec.PROGRESS_FILE) == ("scnekit", *spec.keys(spec.PROGRESS))


def test_the_bundled_example_record_reads(plan: scnekit.Plan) -> None:
    progress = read_progress(EXAMPLE.with_name("syria_progress.yaml"), plan)
    assert progress.now == 2 and progress.roadmap is not None
    assert progress.by_measure["humanitarian-access"].status == Happened.FAILED
