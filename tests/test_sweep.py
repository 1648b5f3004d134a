"""Sweeping variants (ANALYSIS.md section 2): every row is the optimum of its variant
(checked against enumeration), failures are rows, and the executor changes nothing."""

from __future__ import annotations

import concurrent.futures as cf
import copy
import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import scnekit
from scnekit.analysis.sweep import parse_values, sweep
from tests.support.checker import check_answer, enumerate_optimum
from tests.support.paths import CASES, EXAMPLE, load_doc, run_cli

CASE = CASES / "case-1004.yaml"
VARY = {"rules.max_exposure": [0, 1, 3], "horizon.capacity": [1, 2, -1]}


def effective(doc: dict[str, Any], scenario: str, overrides: dict[str, Any]) -> dict[str, Any]:
    """The file with one more scenario: ``scenario``'s own set, then the overrides."""
    doc = copy.deepcopy(doc)
    own = next((s for s in doc.get("scenarios", []) if s["id"] == scenario), {"set": {}, "unavailable": []})
    doc["scenarios"] = [*doc.get("scenarios", []), {"id": "variant", "unavailable": own.get("unavailable", []),
                                                     "set": {**own.get("set", {}), **overrides}}]
    return doc


def comparable(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.drop(columns=["seconds"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def in_process() -> pd.DataFrame:
    return sweep(scnekit.load(CASE), VARY, scenarios="all", executor=cf.ThreadPoolExecutor(1), progress=False)


def test_rows_are_the_optimum_of_each_variant(in_process: pd.DataFrame) -> None:
    doc = load_doc(CASE)
    plan = scnekit.load(CASE)
    assert len(in_process) == len(plan.scenario_ids) * 9
    assert list(in_process.columns[:3]) == ["scenario", "rules.max_exposure", "horizon.capacity"]
    for row in in_process.to_dict("records"):
        overrides = {"rules.max_exposure": row["rules.max_exposure"], "horizon.capacity": row["horizon.capacity"]}
        if row["horizon.capacity"] < 0:
            assert row["status"] == "invalid" and "horizon.capacity" in row["error"]
            continue
        variant_doc = effective(doc, row["scenario"], overrides)
        best = enumerate_optimum(variant_doc, "variant")
        if best is None:
            assert row["status"] == "infeasible" and row["error"]
            continue
        assert row["status"] == "optimal" and row["objective"] == pytest.approx(best)
        direct = scnekit.solve(scnekit.variant(plan, row["scenario"], set=overrides))
        assert check_answer(variant_doc, "variant", direct.to_dict()) == []
        assert direct.objective == pytest.approx(row["objective"])
        for k in plan.milestones:
            got = row[f"achieved:{k.id}"]
            assert (None if pd.isna(got) else int(got)) == direct.achieved[k.id]


def test_local_processes_give_the_same_rows(in_process: pd.DataFrame) -> None:
    rows = sweep(scnekit.load(CASE), VARY, scenarios="all", workers=2, progress=False)
    pd.testing.assert_frame_equal(comparable(rows), comparable(in_process))


def test_a_dask_cluster_gives_the_same_rows(in_process: pd.DataFrame, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    out = tmp_path / "rows.csv"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  host="127.0.0.1") as cluster, distributed.Client(cluster) as client:
        rows = sweep(scnekit.load(CASE), VARY, scenarios="all", executor=client, progress=False)
        pd.testing.assert_frame_equal(comparable(rows), comparable(in_process))
        run = run_cli("sweep", str(CASE), "--vary", "rules.max_exposure=0,1,3", "--vary", "horizon.capacity=1,2,-1",
                      "--scenarios", "all", "--dask", cluster.scheduler_address, "--out", str(out))
    assert run.returncode == 0, run.stderr
    assert pd.read_csv(out)["objective"].fillna(-1).tolist() == in_process["objective"].fillna(-1).tolist()


def test_values_from_text() -> None:
    assert parse_values("2:6:1") == [2, 3, 4, 5, 6]
    assert parse_values("0.5:1.5:0.25") == [0.5, 0.75, 1.0, 1.25, 1.5]
    assert parse_values("1,2.5,true,text") == [1, 2.5, True, "text"]
    for bad in ("1:0:1", "a:b", "1:5:0", "1,,2"):
        with pytest.raises(scnekit.UsageError):
            parse_values(bad)


def test_a_path_that_names_nothing_is_an_input_error() -> None:
    with pytest.raises(scnekit.InputError, match=r"rules\.nothing"):
        sweep(scnekit.load(CASE), {"rules.nothing": [1]}, executor=cf.ThreadPoolExecutor(1), progress=False)


def test_a_broken_worker_is_rows_not_the_end() -> None:
    class Broken(cf.ThreadPoolExecutor):
        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> cf.Future[Any]:
            future: cf.Future[Any] = cf.Future()
            future.set_exception(RuntimeError("worker lost"))
            return future

    rows = sweep(scnekit.load(CASE), {"rules.max_exposure": [1, 2]}, executor=Broken(1), progress=False)
    assert list(rows["status"]) == ["unknown", "unknown"]
    assert all("worker lost" in e for e in rows["error"])


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".jsonl"])
def test_cli_writes_every_format(tmp_path: Path, suffix: str, in_process: pd.DataFrame) -> None:
    out = tmp_path / f"rows{suffix}"
    run = run_cli("sweep", str(CASE), "--vary", "rules.max_exposure=0,1,3", "--vary", "horizon.capacity=1:2:1",
                  "--scenarios", "all", "--workers", "2", "--out", str(out))
    assert run.returncode == 0, run.stderr
    assert "variants" in run.stdout and str(out) in run.stdout
    rows = (pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out) if suffix == ".parquet"
            else pd.read_json(out, lines=True))
    expected = in_process[in_process["horizon.capacity"] > 0].reset_index(drop=True)
    assert list(rows["status"]) == list(expected["status"])
    assert rows["objective"].fillna(-1).tolist() == expected["objective"].fillna(-1).tolist()


@pytest.mark.parametrize("args", [["--vary", "rules.nothing=1"], ["--vary", "rules.max_exposure"],
                                  ["--vary", "rules.max_exposure=1", "--workers", "0"],
                                  ["--vary", "rules.max_exposure=1", "--out-format"]])
def test_cli_usage_errors(tmp_path: Path, args: list[str]) -> None:
    run = run_cli("sweep", str(CASE), *args, "--out", str(tmp_path / "rows.csv"))
    assert run.returncode == 2 and "Traceback" not in run.stderr
    run = run_cli("sweep", str(CASE), "--vary", "rules.max_exposure=1", "--out", str(tmp_path / "rows.xlsx"))
    assert run.returncode == 2 and ".csv, .parquet or .jsonl" in run.stderr


def test_ctrl_c_keeps_the_rows_solved(tmp_path: Path) -> None:
    """Ctrl-C once the progress bar shows solved variants (however long that takes here)."""
    out = tmp_path / "rows.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "scnekit", "sweep", str(EXAMPLE), "--vary",
                             "rules.max_exposure=1:9:1", "--vary", "horizon.capacity=2:8:1", "--workers", "1",
                             "--progress", "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    assert proc.stderr is not None
    shown = ""
    deadline = time.monotonic() + 180
    while not re.search(r"\b[1-9]\d*/63\b", shown) and time.monotonic() < deadline and proc.poll() is None:
        shown += proc.stderr.read(1)
    assert proc.poll() is None, shown
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, shown + err
    assert "Traceback" not in err and "solved so far" in err
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert 0 < len(rows) < 63
    assert all(r["status"] in ("optimal", "infeasible") for r in rows)


STOPPED_WHILE_TASKS_WAIT = """
import sys
import scnekit
from scnekit.analysis.sweep import SweepInterrupted, sweep

def stop(done, total):
    if done:
        raise KeyboardInterrupt

try:
    sweep(scnekit.load(sys.argv[1]), {"rules.max_exposure": "1:9:1", "horizon.capacity": "2:8:1"},
          workers=1, progress=stop)
except SweepInterrupted as interrupted:
    print(len(interrupted.rows))
"""


def test_a_sweep_stopped_while_variants_wait_leaves_no_thread_behind() -> None:
    """Stopped with tasks still queued in its process pool, the sweep ends its workers and
    the process exits at once, with no error from the pool's own thread."""
    for _ in range(3):
        run = subprocess.run([sys.executable, "-c", STOPPED_WHILE_TASKS_WAIT, str(EXAMPLE)], capture_output=True,
                             text=True, timeout=60)
        assert run.returncode == 0, run.stderr
        assert "Exception in thread" not in run.stderr and "Traceback" not in run.stderr, run.stderr
        assert 0 < int(run.stdout) < 63


def test_a_variant_s_roadmap_does_not_depend_on_what_was_solved_before() -> None:
    """Several optimal roadmaps: a worker's session must return the one a fresh one would."""
    from scnekit.engine.session import Session

    plan = scnekit.load(EXAMPLE)

    def variant(exposure: int, capacity: int, gap: int) -> scnekit.Plan:
        return scnekit.variant(plan, set={"rules.max_exposure": exposure, "horizon.capacity": capacity,
                                          "rules.balance": {"among": ["gos", "aanes", "sig", "hts"], "max_gap": gap}})

    fresh = Session(history=False).solve(variant(6, 6, 4))
    worker = Session(history=False)
    for earlier in ((6, 5, 8), (6, 6, 0), (6, 6, 2)):
        worker.solve(variant(*earlier))
    again = worker.solve(variant(6, 6, 4))
    assert again.objective == fresh.objective
    assert again.starts == fresh.starts


def test_threads_share_no_session(in_process: pd.DataFrame) -> None:
    """A thread pool (or a Dask worker with several threads) runs variants side by side."""
    rows = sweep(scnekit.load(CASE), VARY, scenarios="all", executor=cf.ThreadPoolExecutor(3), progress=False)
    pd.testing.assert_frame_equal(comparable(rows), comparable(in_process))


def test_parquet_takes_a_column_of_mixed_values(tmp_path: Path) -> None:
    out = tmp_path / "rows.parquet"
    run = run_cli("sweep", str(CASE), "--vary", "rules.max_exposure=-1,1,x", "--workers", "1", "--out", str(out))
    assert run.returncode == 0, run.stderr
    rows = pd.read_parquet(out)
    assert list(rows["status"]) == ["invalid", "optimal", "invalid"]
    assert all("the varied values make" in e for e in rows["error"].dropna())
