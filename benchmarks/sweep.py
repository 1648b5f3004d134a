"""Sweep: the Syria example over 200 variants, on 1 and 2 local processes and a 2-worker Dask cluster.

``scnekit.sweep(plan, vary)`` of ``examples/syria_scne.yaml`` (scenario ``base``) over

- ``rules.max_exposure`` 2..6 (one limit for every party: 5 values),
- ``horizon.capacity`` 4..7 (4 values),
- ``rules.balance`` with ``max_gap`` 0..9 among the four areas of control (10 values),

200 variants, each solved exactly (no time limit). Every varied path is a parameter that
``Formulation.apply`` sets in place (exposure limits, capacity, the balance gap; the
structure key is the same), so each worker builds the model once and re-solves every
later variant by bounds. Three timed runs of the same sweep:

1. ``sweep(plan, vary, workers=1)``: the default executor, one local process (forkserver);
2. ``sweep(plan, vary, workers=2)``: the default executor, two local processes;
3. ``sweep(plan, vary, executor=client)``: a Dask ``LocalCluster`` of 2 worker processes
   (one thread each) on 127.0.0.1; starting the cluster is not timed.

Each timed run includes starting its worker processes, importing scnekit in them and
building the model (the call as a user makes it). For each run it prints variants per
second, the speed-up over one process, and the share of time outside the solver:
1 - (sum of the rows' ``seconds``) / (wall time x workers). A row's ``seconds`` is the
roadmap's own time from the call to ``Session.solve``, so it includes the model's build or
its update by bounds; "outside" is dispatch, pickling, process start, the worker reading
the plan and validating each variant, and idle workers at the end. A fourth, untimed run
solves the sweep in this process (a ``ThreadPoolExecutor(1)``) with the Session
instrumented: how many variants rebuilt the model, how many were updated by bounds, how
many a kept proof answered, and the seconds spent building and updating; the Dask
workers report their Sessions' rebuilds too (``client.run``). Last, it checks that all
runs give the same rows (every column but ``seconds``).

Targets (the issue): 2 processes >= 1.7 x the variants/s of 1; 2-worker Dask >= 1.6 x;
time outside the solver < 10 % per variant.

    .venv/bin/python benchmarks/sweep.py            # 200 variants: 4 sweeps of about 1 CPU-s per variant
    .venv/bin/python benchmarks/sweep.py --quick    # 60 variants (6 minutes on 2 cores with a load of 4.5)
    .venv/bin/python benchmarks/sweep.py --no-dask --no-instrument
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import math
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import pandas as pd

import scnekit
from scnekit.analysis import sweep as sweep_module
from scnekit.roadmap import Roadmap

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "syria_scne.yaml"
AREAS = ["gos", "aanes", "sig", "hts"]
LOCAL_TARGET, DASK_TARGET = 1.7, 1.6  # variants/s over one process, with 2 workers
OUTSIDE_TARGET = 0.10


def variations(quick: bool) -> dict[str, list[Any]]:
    """The varied paths and their values: 5 x 4 x 10 = 200 variants (quick: 3 x 4 x 5 = 60)."""
    if quick:
        return {"rules.max_exposure": [2, 4, 6], "horizon.capacity": [4, 5, 6, 7],
                "rules.balance": [{"among": AREAS, "max_gap": g} for g in (0, 2, 4, 6, 8)]}
    return {"rules.max_exposure": [2, 3, 4, 5, 6], "horizon.capacity": [4, 5, 6, 7],
            "rules.balance": [{"among": AREAS, "max_gap": g} for g in range(10)]}


@dataclass
class Run:
    label: str
    workers: int
    wall: float
    rows: pd.DataFrame
    first: float  # seconds from the call to the first rows
    target: float | None = None  # the speed-up asked for
    cpu: float = math.nan  # CPU seconds the workers got
    load: tuple[float, float] = (math.nan, math.nan)  # load average before and after
    notes: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return len(self.rows) / self.wall

    @property
    def solving(self) -> float:
        return float(self.rows["seconds"].sum())

    @property
    def outside(self) -> float:
        return 1.0 - self.solving / (self.wall * self.workers)

    @property
    def cpu_share(self) -> float:
        """The CPU the workers got, as a share of their wall time (below 1: other load)."""
        return self.cpu / (self.wall * self.workers)


def timed(label: str, workers: int, call: Callable[[Callable[[int, int], None]], pd.DataFrame],
          target: float | None = None, *, in_process: bool = False) -> Run:
    """Run ``call(progress)`` and time it: the moment the first rows came back, and the CPU
    time the workers got (sampled at each progress report, while they are alive)."""
    load = os.getloadavg()[0]
    before, own = cpu_by_pid(), time.process_time()
    latest: dict[int, float] = {}
    began = time.perf_counter()
    first: list[float] = []

    def progress(done: int, total: int) -> None:
        if not first and done:
            first.append(time.perf_counter() - began)
        latest.update(cpu_by_pid())

    rows = call(progress)
    wall = time.perf_counter() - began
    children = sum(max(0.0, t - before.get(pid, 0.0)) for pid, t in latest.items())
    mine = time.process_time() - own
    run = Run(label, workers, wall, rows, first[0] if first else math.nan, target,
              cpu=mine if in_process else children, load=(load, os.getloadavg()[0]))
    print(f"{label}: {len(rows)} variants in {wall:.1f} s, first rows after {run.first:.1f} s; CPU: workers "
          f"{run.cpu:.1f} s, this process {mine:.1f} s; load average {run.load[0]:.2f} -> {run.load[1]:.2f}",
          flush=True)
    return run


def cpu_by_pid() -> dict[int, float]:
    """CPU seconds (user + system) of each process below this one: pool and Dask workers."""
    try:
        import psutil
    except ImportError:  # comes with dask.distributed; without it, no CPU figures
        return {}
    out = {}
    for child in psutil.Process().children(recursive=True):
        try:
            used = child.cpu_times()
        except psutil.Error:
            continue
        out[child.pid] = used.user + used.system
    return out


def local(plan: scnekit.Plan, vary: Mapping[str, Sequence[Any]], workers: int) -> Run:
    label = f"{workers} process" + ("es" if workers > 1 else "")
    return timed(label, workers, lambda progress: scnekit.sweep(plan, vary, workers=workers, progress=progress),
                 LOCAL_TARGET if workers == 2 else None)


def session_counts() -> dict[str, int]:
    """In a worker: its Sessions' rebuilds and kept proofs (run there by ``client.run``)."""
    from scnekit.analysis.sweep import _SESSIONS

    sessions = [session for _, session in _SESSIONS.values()]
    return {"sessions": len(sessions), "rebuilds": sum(s.rebuilds for s in sessions),
            "kept": sum(s.kept for s in sessions)}


def on_dask(plan: scnekit.Plan, vary: Mapping[str, Sequence[Any]], workers: int) -> Run:
    from dask.distributed import Client, LocalCluster

    began = time.perf_counter()
    with LocalCluster(n_workers=workers, processes=True, threads_per_worker=1, dashboard_address=None,
                      host="127.0.0.1") as cluster, Client(cluster) as client:
        print(f"Dask LocalCluster of {workers} workers started in {time.perf_counter() - began:.1f} s (not timed)",
              flush=True)
        run = timed(f"Dask, {workers} workers", workers,
                    lambda progress: scnekit.sweep(plan, vary, executor=client, progress=progress),
                    DASK_TARGET if workers == 2 else None)
        counts = client.run(session_counts)
        run.notes.append("Dask workers' Sessions: " + "; ".join(
            f"{c['sessions']} plan, {c['rebuilds']} model build(s), {c['kept']} kept proof(s)"
            for c in counts.values()))
    return run


@dataclass
class Counts:
    solves: int = 0
    rebuilds: int = 0
    build_seconds: float = 0.0  # building the model, or updating it by bounds, summed
    kept: int = 0


def instrumented(plan: scnekit.Plan, vary: Mapping[str, Sequence[Any]]) -> tuple[Run, Counts]:
    """The sweep in this process, with a Session that counts rebuilds and build seconds."""
    counts = Counts()

    class CountingSession(scnekit.Session):
        def solve(self, plan: scnekit.Plan, **kwargs: Any) -> Roadmap:
            roadmap = super().solve(plan, **kwargs)
            counts.solves += 1
            counts.rebuilds, counts.kept = self.rebuilds, self.kept
            counts.build_seconds += roadmap.build_seconds
            return roadmap

    sweep_module._SESSIONS.clear()
    try:
        with mock.patch.object(sweep_module, "Session", CountingSession), cf.ThreadPoolExecutor(1) as pool:
            run = timed("in this process (instrumented)", 1,
                        lambda progress: scnekit.sweep(plan, vary, executor=pool, progress=progress),
                        in_process=True)
    finally:
        sweep_module._SESSIONS.clear()
    return run, counts


def same(a: Any, b: Any) -> bool:
    if isinstance(a, dict | list) or isinstance(b, dict | list):
        return bool(a == b)
    if pd.isna(a) and pd.isna(b):
        return True
    return bool(a == b)


def differences(reference: pd.DataFrame, other: pd.DataFrame) -> list[str]:
    """Rows that differ in any column but ``seconds``, described."""
    if list(reference.columns) != list(other.columns) or len(reference) != len(other):
        return [f"shape or columns differ: {reference.shape} {list(reference.columns)} against "
                f"{other.shape} {list(other.columns)}"]
    columns = [c for c in reference.columns if c != "seconds"]
    out = []
    for i, (a, b) in enumerate(zip(reference.to_dict("records"), other.to_dict("records"), strict=True)):
        differ = [c for c in columns if not same(a[c], b[c])]
        if differ:
            out.append(f"row {i} ({short(a)}): " + ", ".join(f"{c} {a[c]!r} -> {b[c]!r}" for c in differ))
    return out


def short(row: Mapping[Any, Any]) -> str:
    balance = row.get("rules.balance")
    gap = balance.get("max_gap") if isinstance(balance, dict) else balance
    return f"exposure {row.get('rules.max_exposure')}, capacity {row.get('horizon.capacity')}, balance gap {gap}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="60 variants instead of 200")
    parser.add_argument("--workers", type=int, default=2, help="workers of the parallel runs (default 2)")
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask run")
    parser.add_argument("--no-instrument", action="store_true", help="skip the instrumented in-process run")
    args = parser.parse_args()
    plan = scnekit.load(EXAMPLE)
    vary = variations(args.quick)
    total = math.prod(len(v) for v in vary.values())
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; Python {sys.version.split()[0]}")
    print(f"{EXAMPLE.name}, scenario base: {len(plan.measures)} measures x {plan.phases} phases; "
          f"{total} variants = " + " x ".join(f"{len(v)} {p}" for p, v in vary.items()) + "; exact (no time limit)")
    print("every varied path changes bounds only (the model's structure key is the same)", flush=True)

    runs = [local(plan, vary, 1), local(plan, vary, args.workers)]
    if not args.no_dask:
        runs.append(on_dask(plan, vary, args.workers))
    counts = None
    if not args.no_instrument:
        checked, counts = instrumented(plan, vary)

    one = runs[0]
    print()
    print("| run | workers | wall s | variants/s | speed-up over 1 process | target | solve s (sum of rows) | "
          "outside the solver (target < 10 %) | outside per variant | workers' CPU / (wall x workers) | load average |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for run in runs:
        speedup = run.rate / one.rate
        verdict = "–" if run.target is None else f">= {run.target} x: {'met' if speedup >= run.target else 'MISSED'}"
        per = (run.wall * run.workers - run.solving) / len(run.rows)
        print(f"| {run.label} | {run.workers} | {run.wall:.1f} | {run.rate:.2f} | {speedup:.2f} x | {verdict} | "
              f"{run.solving:.1f} | {run.outside:.1%} ({'met' if run.outside < OUTSIDE_TARGET else 'MISSED'}) | "
              f"{1000 * per:.0f} ms | {run.cpu_share:.0%} | {run.load[0]:.2f} -> {run.load[1]:.2f} |")
    print()
    print("workers' CPU per variant: " + ", ".join(f"{run.label} {run.cpu / len(run.rows):.2f} s" for run in runs)
          + " (the same CPU per variant with a lower speed-up: the machine gave the workers less CPU)")
    for run in runs:
        for note in run.notes:
            print(note)
    statuses = one.rows["status"].value_counts().to_dict()
    print(f"statuses: {statuses}; per-variant solve seconds (1 process): median {one.rows['seconds'].median():.2f}, "
          f"max {one.rows['seconds'].max():.2f}")
    if counts is not None:
        print(f"instrumented run, in this process: {counts.solves} solves, {counts.rebuilds} model build(s), "
              f"{counts.solves - counts.rebuilds} updated by bounds, {counts.kept} answered by a kept proof; "
              f"building/updating the model {counts.build_seconds:.2f} s of {checked.solving:.1f} s solving "
              f"({counts.build_seconds / checked.solving:.1%}); wall {checked.wall:.1f} s, outside the solver "
              f"{checked.outside:.1%}")
        runs.append(checked)
    identical = True
    for run in runs[1:]:
        found = differences(one.rows, run.rows)
        if found:
            identical = False
            print(f"rows of '{run.label}' differ from '{one.label}' in {len(found)} of {len(one.rows)} rows:")
            for line in found[:5]:
                print(f"  {line}")
    if identical:
        print(f"rows identical across the {len(runs)} runs (every column but seconds): yes")
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
