"""The scnekit command: outputs, exit codes, the model export."""

from __future__ import annotations

import json
from pathlib import Path

import highspy
import pytest

from tests.support.paths import CASES, run_cli


def test_json_output_has_the_contract_fields() -> None:
    run = run_cli("solve", str(CASES / "case-1004.yaml"), "--format", "json")
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert set(answer) == {"format", "scenario", "status", "objective", "gap", "seconds", "schedule",
                           "milestones", "exposure", "conflicts"}
    assert answer["format"] == 1 and answer["scenario"] == "base" and answer["status"] == "optimal"
    assert answer["objective"] == 61.0 and answer["gap"] == 0.0 and answer["conflicts"] == []
    assert all(set(row) == {"measure", "start", "end"} for row in answer["schedule"])
    assert {m["milestone"] for m in answer["milestones"]} == {"calm", "linkage"}
    assert all(len(v) == 4 for v in answer["exposure"].values())


def test_table_output_reads_by_phase() -> None:
    run = run_cli("solve", str(CASES / "case-1004.yaml"))
    assert run.returncode == 0
    assert "Status optimal, objective 61" in run.stdout
    assert "Phase 1" in run.stdout and "Milestones" in run.stdout and "Exposure by phase" in run.stdout


def test_infeasible_table_names_conflicts() -> None:
    run = run_cli("solve", str(CASES / "case-1003.yaml"))
    assert run.returncode == 1
    assert "cannot all hold together" in run.stdout and "mandatory measure 'm5'" in run.stdout


def test_validate_summarises_a_good_file() -> None:
    run = run_cli("validate", str(CASES / "case-1000.yaml"))
    assert run.returncode == 0 and "valid scenario file" in run.stdout and "base, shock" in run.stdout


def test_mps_export_solves_to_the_same_optimum_in_highs_alone(tmp_path: Path) -> None:
    mps = tmp_path / "model.mps"
    run = run_cli("solve", str(CASES / "case-1005.yaml"), "--scenario", "shock", "--mps", str(mps),
                  "--format", "json")
    assert run.returncode == 0 and mps.exists()
    sections = [line.split()[0] for line in mps.read_text().splitlines() if line and not line.startswith(" ")]
    assert sections[:3] == ["NAME", "OBJSENSE", "ROWS"]  # NAME first: SCIP refuses OBJSENSE before it
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.readModel(str(mps))
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    assert h.getInfo().objective_function_value == pytest.approx(json.loads(run.stdout)["objective"])


def test_mps_export_is_read_by_a_second_solver_to_the_same_optimum(tmp_path: Path) -> None:
    """SCIP reads the exported model (it refuses OBJSENSE before NAME) and proves the same optimum."""
    import pyscipopt

    mps = tmp_path / "model.mps"
    run = run_cli("solve", str(CASES / "case-1005.yaml"), "--scenario", "shock", "--mps", str(mps),
                  "--format", "json")
    assert run.returncode == 0
    model = pyscipopt.Model()
    model.hideOutput()
    model.readProblem(str(mps))
    model.optimize()
    assert model.getStatus() == "optimal"
    assert model.getObjVal() == pytest.approx(json.loads(run.stdout)["objective"])


def test_time_limit_must_be_positive() -> None:
    run = run_cli("solve", str(CASES / "case-1000.yaml"), "--time-limit", "0")
    assert run.returncode == 2 and "--time-limit" in run.stderr


def test_usage_errors_exit_2() -> None:
    assert run_cli("solve").returncode == 2
    assert run_cli("frobnicate").returncode == 2


def test_progress_lines_and_ctrl_c_give_the_best_roadmap_so_far() -> None:
    """--progress reports better roadmaps on stderr; Ctrl-C stops the solve and prints the
    best roadmap found, checked like any other, with no traceback."""
    import signal
    import subprocess
    import sys

    from tests.support.checker import check_answer
    from tests.support.paths import EXAMPLE, load_doc

    child = subprocess.Popen([sys.executable, "-m", "scnekit", "solve", str(EXAMPLE), "--format", "json",
                              "--progress"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stderr is not None
    first = child.stderr.readline()  # the first roadmap comes long before the proof
    assert "still solving" in first, first
    child.send_signal(signal.SIGINT)
    out, rest = child.communicate(timeout=120)
    errors = first + rest
    assert child.returncode == 0, errors
    assert "Traceback" not in errors and "stopped on request" in errors
    answer = json.loads(out)
    assert answer["status"] in ("optimal", "feasible")
    assert check_answer(load_doc(EXAMPLE), "base", answer) == []
