"""What a fresh machine needs: quiet solver output, safe worker processes, a clean exit,
engine modules that import with the base dependencies alone, and arguments checked."""

from __future__ import annotations

import concurrent.futures as cf
import json
import multiprocessing
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import scnekit
from scnekit.engine import solver_process
from tests.support.paths import CASES, EXAMPLE, ROOT, run_cli


def test_cli_json_is_json_from_a_fresh_process() -> None:
    """Nothing the solver prints may reach stdout: a script reads it as JSON."""
    for case, status in (("case-1004.yaml", "optimal"), ("case-1003.yaml", "infeasible")):
        run = run_cli("solve", str(CASES / case), "--format", "json")
        answer = json.loads(run.stdout)  # the whole of stdout, banner-free
        assert answer["status"] == status
        assert run.stderr == "", run.stderr


def test_table_output_starts_with_the_plan() -> None:
    run = run_cli("solve", str(EXAMPLE))
    assert run.returncode == 0
    assert run.stdout.startswith("Syria"), run.stdout[:200]
    assert "HiGHS" not in run.stdout + run.stderr


def _solve_case(name: str) -> float | None:
    return scnekit.solve(scnekit.load(CASES / name)).objective


def _solve_example() -> float | None:
    return scnekit.solve(scnekit.load(EXAMPLE)).objective


@pytest.mark.skipif(sys.platform != "linux", reason="the fork start method is Linux's default")
def test_forked_workers_solve_after_a_solve_in_the_parent() -> None:
    """HiGHS' thread pool does not survive a fork; it is shut down before one, so forked
    workers solve (before the fix the children's solves waited forever)."""
    parent = _solve_example()
    pool = cf.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork"))
    futures = [pool.submit(_solve_example) for _ in range(2)]
    _, pending = cf.wait(futures, timeout=120)
    if pending:  # never leave a hung child behind
        for process in list(pool._processes.values()):
            process.kill()
    pool.shutdown(wait=not pending, cancel_futures=True)
    assert not pending, "a forked worker hung"
    assert [f.result() for f in futures] == [parent, parent]
    assert _solve_example() == parent  # the parent solves on after the fork


def _child_solve() -> str:
    try:
        _solve_case("case-1000.yaml")
    except scnekit.SolverError as err:
        return str(err)
    return "solved"


@pytest.mark.skipif(sys.platform != "linux", reason="the fork start method is Linux's default")
def test_a_child_forked_during_a_run_refuses_with_the_fix() -> None:
    plan = scnekit.load(EXAMPLE)
    in_run, forked, stop_now = threading.Event(), threading.Event(), threading.Event()

    def stop() -> bool:
        if solver_process._active and not in_run.is_set():  # called back from inside HiGHS
            in_run.set()
            forked.wait(60)  # hold the run while the main thread forks
        return stop_now.is_set()

    worker = threading.Thread(target=lambda: scnekit.solve(plan, stop=stop))
    worker.start()
    pool = cf.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
    try:
        assert in_run.wait(60)
        future = pool.submit(_child_solve)  # the worker process is forked here
        forked.set()
        message = future.result(timeout=60)
    finally:
        forked.set()
        stop_now.set()
        worker.join(60)
        pool.shutdown()
    assert "forkserver" in message and "forked while its parent was running" in message


def test_worker_processes_solve_alike_with_forkserver() -> None:
    context = multiprocessing.get_context("forkserver")
    with cf.ProcessPoolExecutor(2, mp_context=context) as pool:
        got = list(pool.map(_solve_case, ["case-1000.yaml", "case-1004.yaml"], timeout=120))
    assert got == [_solve_case("case-1000.yaml"), _solve_case("case-1004.yaml")]


def test_silenced_solver_keeps_what_python_printed(capfd: pytest.CaptureFixture[str]) -> None:
    print("before", flush=True)
    solver_process.new_highs()
    print("after", flush=True)
    out, err = capfd.readouterr()
    assert out == "before\nafter\n" and err == ""


def test_a_script_with_an_explorer_exits_cleanly(tmp_path: Path) -> None:
    """The explorer solves ahead on a daemon thread; at exit that solve is stopped first
    (else the process aborts inside the solver: 'terminate called without an active exception')."""
    pytest.importorskip("ipywidgets")
    plan = tmp_path / "plan.yaml"
    plan.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    script = textwrap.dedent(f"""
        from scnekit.widgets import Explorer
        explorer = Explorer({str(plan)!r})
        explorer.wait()
        print("objective", explorer.roadmap.objective)
    """)
    began = time.monotonic()
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr
    assert "terminate called" not in run.stderr and run.stderr == ""
    assert run.stdout.strip() == "objective 666.0"
    assert time.monotonic() - began < 60


ENGINE_IMPORT_CHECK = """
import importlib, importlib.abc, importlib.metadata as md, pkgutil, re, sys

def base_requirements():
    names, todo = set(), ["scnekit"]
    while todo:
        name = todo.pop()
        try:
            requires = md.requires(name) or []
        except md.PackageNotFoundError:
            continue
        for req in requires:
            if "extra ==" in req:
                continue
            dep = re.split(r"[ ;<>=!~\\[(]", req, maxsplit=1)[0].lower().replace("_", "-")
            if dep not in names:
                names.add(dep)
                todo.append(dep)
    return names

allowed_dists = base_requirements() | {"scnekit"}
owners = md.packages_distributions()
blocked = {top for top, dists in owners.items()
           if not any(d.lower().replace("_", "-") in allowed_dists for d in dists)}

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in blocked:
            raise ImportError(f"{name} is not a base dependency of scnekit")
        return None

sys.meta_path.insert(0, Block())
import scnekit
faces = {"scnekit.widgets", "scnekit.workshop", "scnekit.__main__"}
names = [m.name for m in pkgutil.walk_packages(scnekit.__path__, "scnekit.")]
for name in names:
    if name in faces or name.startswith("scnekit.widgets."):
        continue
    importlib.import_module(name)
print(len(names), "modules;", "blocked:", ",".join(sorted(b for b in blocked if b in {"ipywidgets", "voila", "anywidget", "jupyterlab", "ruamel", "pytest"})))
"""


def test_engine_modules_import_with_the_base_dependencies_alone() -> None:
    """A plain ``pip install .`` must import every engine module: here every package that
    is not a base dependency of scnekit (the jupyter and test extras) is made unimportable."""
    run = subprocess.run([sys.executable, "-c", ENGINE_IMPORT_CHECK], capture_output=True, text=True,
                         timeout=120, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert "pytest" in run.stdout.split("blocked:")[1], run.stdout  # the block bit (pytest is an extra)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"time_limit": float("nan")}, "time_limit"),
    ({"time_limit": -1}, "time_limit"),
    ({"time_limit": True}, "time_limit"),
    ({"gap": 1.5}, "gap"),
    ({"gap": float("nan")}, "gap"),
    ({"pins": {"nope": 1}}, "no such measure"),
    ({"pins": {"m1": True}}, "cannot pin"),
])
def test_session_checks_its_arguments_as_solve_does(kwargs: dict[str, object], message: str) -> None:
    plan = scnekit.load(CASES / "case-1000.yaml")
    with pytest.raises(scnekit.UsageError, match=message):
        scnekit.Session().solve(plan, **kwargs)  # type: ignore[arg-type]
    if "pins" not in kwargs:
        with pytest.raises(scnekit.UsageError, match=message):
            scnekit.solve(plan, **kwargs)  # type: ignore[arg-type]


def test_session_rebuilds_only_for_another_structure() -> None:
    plan = scnekit.load(EXAMPLE)
    session = scnekit.Session()
    session.solve(plan)
    session.solve(plan.scenario("earthquake"))  # unavailable measures and limits: bounds only
    rebuilds = session.rebuilds
    other = scnekit.load(CASES / "case-1000.yaml")
    session.solve(other)
    assert session.rebuilds == rebuilds + 1


def test_statuses_and_rule_kinds_are_enums() -> None:
    roadmap = scnekit.solve(scnekit.load(CASES / "case-1003.yaml"))
    assert roadmap.status is scnekit.Status.INFEASIBLE and roadmap.status == "infeasible"
    for conflict in roadmap.conflicts:
        assert isinstance(conflict.rule, scnekit.RuleKind)
        assert conflict.statement and conflict.detail.startswith(conflict.statement)
        for clash in conflict.clashes:
            assert clash.text in conflict.detail
            assert isinstance(clash.rule.kind, scnekit.RuleKind)
    assert json.loads(json.dumps(roadmap.to_dict()))["status"] == "infeasible"
