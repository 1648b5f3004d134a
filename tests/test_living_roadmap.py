"""The living roadmap end to end on the Syria example: a record of two quarters (one measure
late, one refused) re-planned from the CLI and from Python, checked rule by rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import scnekit

from .support.checker import effective
from .support.paths import EXAMPLE, ROOT, run_cli
from .support.replan_checker import History

PROGRESS = ROOT / "examples" / "syria_progress.yaml"


def record() -> dict:
    return yaml.safe_load(PROGRESS.read_text())


def test_the_cli_replan_keeps_the_past_names_what_it_broke_and_is_checked() -> None:
    run = run_cli("replan", str(EXAMPLE), "--progress", str(PROGRESS), "--format", "json")
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert answer["status"] == "optimal" and answer["now"] == 2
    doc = effective(yaml.safe_load(EXAMPLE.read_text()), None)
    history = History(doc, record())
    starts = {row["measure"]: row["start"] for row in answer["schedule"]}
    for mid, start in history.starts.items():
        assert starts[mid] == start
    assert all(row["past"] == (row["start"] <= 2) for row in answer["schedule"])
    future = {mid: s for mid, s in starts.items() if mid not in history.starts}
    assert history.violations(future) == []
    assert history.objective(future) == pytest.approx(answer["objective"])
    assert [b["rule"] for b in answer["broken"]] == ["requires"]
    assert answer["broken"][0]["subject"] == "disaster-crossline-relief"
    moved = {m["measure"]: m for m in answer["moves"]}
    assert moved["humanitarian-access"]["after"] is None and "failed" in moved["humanitarian-access"]["reason"]
    assert all(m["reason"] for m in answer["moves"])
    assert history.moves(future, answer["revised"]) == len([m for m in answer["moves"]
                                                           if not history.forced(m["measure"], answer["revised"])])


def test_the_cli_status_reports_each_measure_and_milestone_and_the_changes() -> None:
    run = run_cli("status", str(EXAMPLE), "--progress", str(PROGRESS), "--format", "json")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    standing = {m["measure"]: m["standing"] for m in report["measures"]}
    assert standing["disaster-cell"] == "done late"
    assert standing["humanitarian-access"] == "failed"
    assert standing["education-certificates"] == "under way"
    assert standing["scne-criteria"] == "done"
    assert {k["course"] for k in report["milestones"]} <= {"reached", "reached late", "missed", "on track", "at risk",
                                                                "not planned"}
    assert len(report["changes"]) == len(report["replan"]["moves"])
    table = run_cli("status", str(EXAMPLE), "--progress", str(PROGRESS))
    assert table.returncode == 0 and "done late" in table.stdout and "What the re-plan changes" in table.stdout
    assert "Rules the past already broke" in table.stdout


def test_max_moves_trades_objective_for_stability() -> None:
    plan = scnekit.load(EXAMPLE)
    free = scnekit.replan(plan, PROGRESS)
    tight = scnekit.replan(plan, PROGRESS, max_moves=0)
    assert tight.least_moves is not None and tight.least_moves <= len(tight.moves)
    assert tight.roadmap.objective <= free.roadmap.objective
    assert len(tight.moves) <= len(free.moves)
    text = run_cli("replan", str(EXAMPLE), "--progress", str(PROGRESS), "--max-moves", "0")
    assert text.returncode == 0 and "must move whatever the rest does" in text.stdout


def test_a_record_inside_the_scenario_file_and_a_revised_roadmap_file(tmp_path: Path) -> None:
    doc = yaml.safe_load(EXAMPLE.read_text())
    progress = record()
    progress.pop("scnekit", None)
    doc["progress"] = progress
    inline = tmp_path / "plan.yaml"
    inline.write_text(yaml.safe_dump(doc, sort_keys=False))
    run = run_cli("replan", str(inline), "--format", "json")
    assert run.returncode == 0, run.stderr
    solved = run_cli("solve", str(EXAMPLE), "--format", "json")
    (tmp_path / "roadmap.json").write_text(solved.stdout)
    revised = run_cli("replan", str(EXAMPLE), "--progress", str(PROGRESS), "--revises", str(tmp_path / "roadmap.json"),
                      "--format", "json")
    assert revised.returncode == 0, revised.stderr
    assert json.loads(revised.stdout)["revised"] == {r["measure"]: r["start"] for r in json.loads(solved.stdout)["schedule"]}
    missing = run_cli("replan", str(EXAMPLE))
    assert missing.returncode == 2 and "--progress" in missing.stderr


def test_a_record_that_contradicts_itself_is_refused_with_its_path(tmp_path: Path) -> None:
    bad = record()
    bad["measures"][0]["completed"] = 0
    bad["measures"][1]["status"] = "finished"
    path = tmp_path / "progress.yaml"
    path.write_text(yaml.safe_dump(bad))
    run = run_cli("replan", str(EXAMPLE), "--progress", str(path))
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "measures[0].completed" in run.stderr and "measures[1].status" in run.stderr
