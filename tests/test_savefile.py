"""Saving a workshop's state as a scenario of the file, and the autosave beside it."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
import yaml
from ruamel.yaml import YAML

import scnekit
from scnekit.fileformat.savefile import (
    Draft,
    add_scenario,
    autosave_path,
    pin_overrides,
    read_autosave,
    write_autosave,
)

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "cases"
SYRIA = ROOT / "examples" / "syria_scne.yaml"
FEASIBLE = ["case-1000.yaml", "case-1001.yaml", "case-1004.yaml", "case-1005.yaml", "case-1006.yaml",
            "case-1007.yaml", "case-1008.yaml", "case-1009.yaml"]


def copy(name: str, tmp_path: Path) -> Path:
    return Path(shutil.copy(CASES / name, tmp_path / name))


def comments(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("#") or " # " in line]


# -- a draft as a scenario ---------------------------------------------------------------------------


def test_pins_become_earliest_latest_and_mandatory() -> None:
    assert pin_overrides({"b": 3, "a": 1}) == {
        "measures.a.earliest": 1, "measures.a.latest": 1, "measures.a.mandatory": True,
        "measures.b.earliest": 3, "measures.b.latest": 3, "measures.b.mandatory": True}


def test_draft_scenario_merges_its_starting_scenario(tmp_path: Path) -> None:
    base = scnekit.load(copy("case-1000.yaml", tmp_path))
    draft = Draft(scenario="shock", set={"rules.max_exposure": 3}, unavailable=("m4",), pins={"m2": 1})
    entry = draft.to_scenario(base, "room", "agreed")
    assert entry.id == "room" and entry.description == "agreed"
    assert entry.unavailable == ("m1", "m4")
    assert entry.set == {"measures.m3.cost": 2, "rules.max_exposure": 3, **pin_overrides({"m2": 1})}


@pytest.mark.parametrize("name", FEASIBLE)
def test_saved_scenario_solves_to_the_drafts_objective(name: str, tmp_path: Path) -> None:
    path = copy(name, tmp_path)
    base = scnekit.load(path)
    first = scnekit.solve(base)
    assert first.is_ok
    # pin the measure the optimum starts last one phase earlier if it can, else where it is
    mid, start = max(first.starts.items(), key=lambda kv: (kv[1], kv[0]))
    m = base.measure_by_id[mid]
    phase = start - 1 if start - 1 >= m.earliest else start
    draft = Draft(scenario="shock", set={"objective.milestones": 2}, pins={mid: phase})
    shown = scnekit.Session().solve(draft.plan(base), pins=dict(draft.pins))
    add_scenario(path, draft.to_scenario(base, "from-the-room"))
    again = scnekit.solve(scnekit.load(path), "from-the-room")
    assert again.status == shown.status
    assert again.objective == shown.objective
    if shown.is_ok:
        assert again.starts[mid] == phase


def test_infeasible_draft_saves_as_an_infeasible_scenario(tmp_path: Path) -> None:
    path = copy("case-1000.yaml", tmp_path)
    base = scnekit.load(path)
    draft = Draft(set={"rules.max_exposure": 0}, pins={"m1": 1})
    shown = scnekit.Session().solve(draft.plan(base), pins=dict(draft.pins))
    assert shown.status == "infeasible"
    add_scenario(path, draft.to_scenario(base, "too-tight"))
    assert scnekit.solve(scnekit.load(path), "too-tight").status == "infeasible"


# -- the YAML file keeps what the planner wrote ----------------------------------------------------------


@pytest.mark.skipif(not SYRIA.exists(), reason="the Syria example is not there yet")
def test_syria_comments_and_layout_survive(tmp_path: Path) -> None:
    path = Path(shutil.copy(SYRIA, tmp_path / "syria.yaml"))
    before = path.read_text(encoding="utf-8")
    base = scnekit.load(path)
    draft = Draft(scenario="earthquake", set={"rules.max_exposure": {"default": 5, "gos": 3}},
                  unavailable=("return-pilot-lebanon",), pins={"ict-hotline": 2})
    plan = add_scenario(path, draft.to_scenario(base, "workshop-1", "Saved in the room"))
    after = path.read_text(encoding="utf-8")
    assert after.startswith(before.rstrip("\n"))
    assert comments(before) == comments(after)[:len(comments(before))]
    added = after[len(before.rstrip("\n")):]
    assert "  - id: workshop-1\n" in added
    assert "      rules.max_exposure: {default: 5, gos: 3}\n" in added
    assert plan.scenario_ids[-1] == "workshop-1"
    assert scnekit.load(path).scenario("workshop-1").horizon.capacity == (6, 5, 5, 5, 6, 6, 6, 6)


def test_four_space_indentation_is_kept(tmp_path: Path) -> None:
    rt = YAML()
    rt.indent(mapping=4, sequence=6, offset=4)
    out = io.StringIO()
    rt.dump(rt.load((CASES / "case-1001.yaml").read_text(encoding="utf-8")), out)
    path = tmp_path / "wide.yaml"
    path.write_text("# four spaces here\n" + out.getvalue(), encoding="utf-8")
    before = path.read_text(encoding="utf-8")
    assert "\n    phases: 3\n" in before and "\n    - id: north\n      name: North\n" in before
    add_scenario(path, Draft(set={"rules.max_exposure": 2}).to_scenario(scnekit.load(path), "wide-1"))
    after = path.read_text(encoding="utf-8")
    assert after.startswith(before.rstrip("\n"))
    assert "\n    - id: wide-1\n" in after
    assert scnekit.load(path).scenario_ids[-1] == "wide-1"


def test_unusual_layout_keeps_its_comments(tmp_path: Path) -> None:
    document = yaml.safe_load((CASES / "case-1001.yaml").read_text(encoding="utf-8"))
    path = tmp_path / "odd.yaml"
    path.write_text("# made by a script\n" + yaml.safe_dump(document, indent=4, sort_keys=False)
                    + "# trailing note\n", encoding="utf-8")
    add_scenario(path, Draft().to_scenario(scnekit.load(path), "odd-1"))
    after = path.read_text(encoding="utf-8")
    assert after.startswith("# made by a script\n") and "# trailing note" in after
    assert scnekit.load(path).scenario_ids[-1] == "odd-1"


def test_file_without_scenarios_gets_a_list(tmp_path: Path) -> None:
    text = (CASES / "case-1001.yaml").read_text(encoding="utf-8")
    path = tmp_path / "bare.yaml"
    path.write_text(text[:text.index("scenarios:")] + "# the end\n", encoding="utf-8")
    base = scnekit.load(path)
    assert base.scenarios == ()
    plan = add_scenario(path, Draft(unavailable=("m1",)).to_scenario(base, "first"))
    assert plan.scenario_ids == ["base", "first"]
    assert "# the end" in path.read_text(encoding="utf-8")


def test_refuses_base_taken_and_malformed_names(tmp_path: Path) -> None:
    path = copy("case-1000.yaml", tmp_path)
    base = scnekit.load(path)
    before = path.read_text(encoding="utf-8")
    for name, message in (("base", "reserved"), ("shock", "already has a scenario 'shock'"),
                          ("Room A", "cannot name a scenario")):
        with pytest.raises(scnekit.UsageError, match=message):
            add_scenario(path, Draft().to_scenario(base, name))
    assert path.read_text(encoding="utf-8") == before


def test_invalid_draft_is_refused_before_writing(tmp_path: Path) -> None:
    path = copy("case-1004.yaml", tmp_path)
    base = scnekit.load(path)
    before = path.read_text(encoding="utf-8")
    with pytest.raises(scnekit.InputError, match="deadline"):
        add_scenario(path, Draft(set={"horizon.phases": 2}).to_scenario(base, "short"))
    assert path.read_text(encoding="utf-8") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case-1004.yaml"]  # no temporary file left


def test_json_file_stays_json(tmp_path: Path) -> None:
    document = yaml.safe_load((CASES / "case-1007.yaml").read_text(encoding="utf-8"))
    path = tmp_path / "case.json"
    path.write_text(json.dumps(document, indent=4) + "\n", encoding="utf-8")
    base = scnekit.load(path)
    draft = Draft(set={"horizon.capacity": 2}, pins={"m1": 1})
    add_scenario(path, draft.to_scenario(base, "json-room"))
    text = path.read_text(encoding="utf-8")
    saved = json.loads(text)
    assert saved["scenarios"][-1]["id"] == "json-room"
    assert text.splitlines()[1].startswith("    \"")
    shown = scnekit.Session().solve(draft.plan(base), pins=dict(draft.pins))
    assert scnekit.solve(scnekit.load(path), "json-room").objective == shown.objective


# -- autosave -----------------------------------------------------------------------------------------


def test_autosave_round_trip(tmp_path: Path) -> None:
    path = copy("case-1000.yaml", tmp_path)
    assert read_autosave(path) is None
    draft = Draft(scenario="shock", set={"rules.max_exposure": {"default": 2, "north": 1}},
                  unavailable=("m4",), pins={"m2": 1})
    written = write_autosave(path, draft)
    assert written == autosave_path(path) == tmp_path / "case-1000.yaml.autosave.yaml"
    found = read_autosave(path)
    assert found is not None
    assert found.draft == draft
    assert found.saved_at.tzinfo is not None
    assert yaml.safe_load(written.read_text(encoding="utf-8"))["file"] == "case-1000.yaml"


def test_autosave_that_is_not_one_is_an_input_error(tmp_path: Path) -> None:
    path = copy("case-1000.yaml", tmp_path)
    autosave_path(path).write_text("just: text\n", encoding="utf-8")
    with pytest.raises(scnekit.InputError, match="not a scnekit explorer autosave"):
        read_autosave(path)
    autosave_path(path).write_text("scnekit_autosave: 1\nsaved_at: '2026-01-01T10:00:00+00:00'\n"
                                   "pins: {m1: first}\n", encoding="utf-8")
    with pytest.raises(scnekit.InputError, match="pins"):
        read_autosave(path)
