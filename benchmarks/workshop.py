"""Workshop latency: the Syria example re-solved 30 times in one process, as an explorer does.

One :class:`scnekit.Session`; each step is a small change to the base plan made with
``scnekit.fileformat.scenarios.variant`` (an exposure limit, one measure made unavailable, a pin),
solved with ``Session.solve(plan, pins=...)`` and read back with ``Roadmap.to_dict()``.
Timed per step: variant + build/update + solve + result. Then the same models are
written with the engine's MPS export and solved by HiGHS alone (``readModel`` and
``run``) in this process, for the ratio.

    .venv/bin/python benchmarks/workshop.py             # 30 steps: exact, and a 0.12 s budget (~4 min)
    .venv/bin/python benchmarks/workshop.py --gap1      # also the 30 steps with a 1 % gap
    .venv/bin/python benchmarks/workshop.py --budget-only --budget 0.2   # only a time budget
    .venv/bin/python benchmarks/workshop.py --quick     # 6 steps of each
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import highspy

import scnekit
from scnekit.engine.formulation import Formulation
from scnekit.fileformat.scenarios import variant

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "syria_scne.yaml"
LIMITS = {"default": 6, "gos": 4, "aanes": 3, "sig": 3, "hts": 3, "ose": 4}
TOGGLE = ["sanctions-exemptions-us", "no-incursion-turkey", "missing-info", "power-station",
          "narco-working-group", "cyber-attribution", "return-pilot-lebanon", "trade-transit-astana"]
PINS = [("crossline-aid-nw", 3), ("ceasefire-gos", 4), ("ict-hotline", 2), ("passport-issuance", 5),
        ("humanitarian-access", 1), ("education-certificates", 3), ("disaster-cell", 2),
        ("trade-ne", 4)]

Step = tuple[str, dict[str, Any], list[str], dict[str, int]]


def steps(n: int) -> list[Step]:
    """``n`` explorer moves: change a limit, toggle a measure, pin a measure, in turn."""
    parties = ["gos", "aanes", "sig", "hts", "ose"]
    out: list[Step] = []
    for i in range(n):
        kind = ("exposure", "unavailable", "pin")[i % 3]
        j = i // 3
        if kind == "exposure":
            party = parties[j % len(parties)]
            limits = dict(LIMITS, **{party: LIMITS[party] + (1 if j % 2 == 0 else -1)})
            out.append((f"max_exposure {party}={limits[party]}", {"rules.max_exposure": limits}, [], {}))
        elif kind == "unavailable":
            mid = TOGGLE[j % len(TOGGLE)]
            out.append((f"unavailable {mid}", {}, [mid], {}))
        else:
            mid, phase = PINS[j % len(PINS)]
            out.append((f"pin {mid}@{phase}", {}, [], {mid: phase}))
    return out


def run(n: int, gap: float, limit: float | None, folder: Path) -> dict[str, Any]:
    base = scnekit.load(EXAMPLE)
    session = scnekit.Session()
    engine, parts, alone_run, alone_all, statuses, gaps, objectives = [], [], [], [], [], [], []
    firsts: list[tuple[float, float | None] | None] = []  # first roadmap shown: seconds, objective
    mismatches = 0
    searched: list[bool] = []  # whether the step ran a search (not answered by a kept proof)
    repeats: list[bool] = []  # whether the step's settings came up before in this run
    seen_labels: set[str] = set()
    for i, (label, overrides, unavailable, pins) in enumerate(steps(n)):
        repeats.append(label in seen_labels)
        seen_labels.add(label)
        kept = session.kept
        began = time.perf_counter()
        plan = variant(base, set=overrides, unavailable=unavailable)
        made = time.perf_counter()
        seen: list[tuple[float, float | None]] = []
        roadmap = session.solve(plan, pins=pins, gap=gap, time_limit=limit,
                                progress=functools.partial(_record, seen, began))
        result = roadmap.to_dict()
        wall = time.perf_counter() - began
        # what an explorer draws first: the first roadmap reported on the way, else the answer
        firsts.append(seen[0] if seen else (wall, result["objective"]))
        searched.append(session.kept == kept)
        engine.append(wall)
        parts.append((made - began, roadmap.build_seconds, roadmap.solver_seconds))
        statuses.append(result["status"])
        gaps.append(result["gap"])
        objectives.append(result["objective"])
        # HiGHS alone on the same model, written by the engine's MPS export
        path = folder / f"step{i:02d}.mps"
        Formulation(plan, pins=pins).problem.writeMPS(str(path), with_objsense=True)
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        t0 = time.perf_counter()
        h.readModel(str(path))
        h.setOptionValue("mip_rel_gap", gap)
        if limit is not None:
            h.setOptionValue("time_limit", limit)
        t1 = time.perf_counter()
        h.run()
        t2 = time.perf_counter()
        alone_run.append(t2 - t1)
        alone_all.append(t2 - t0)
        theirs = h.getInfo().objective_function_value if h.getInfo().primal_solution_status == 2 else None
        ours = result["objective"]
        if gap == 0 and limit is None and ((ours is None) != (theirs is None)
                         or (ours is not None and theirs is not None and abs(ours - theirs) > 1e-6)):
            mismatches += 1
        print(f"  {i:2d} {label:42s} {result['status']:10s} J={ours!s:7s} gap={result['gap']!s:.6s} "
              f"engine {wall * 1000:7.1f} ms (variant {parts[-1][0] * 1000:.1f}, build "
              f"{parts[-1][1] * 1000:.1f}, solver {parts[-1][2] * 1000:.1f}) | HiGHS alone run "
              f"{alone_run[-1] * 1000:7.1f} ms, read+run {alone_all[-1] * 1000:7.1f} ms", flush=True)
    return {"engine": engine, "run": alone_run, "all": alone_all, "statuses": statuses,
            "mismatches": mismatches, "rebuilds": session.rebuilds, "gaps": gaps, "objectives": objectives,
            "firsts": firsts, "kept": session.kept, "searched": searched, "repeats": repeats}


def _record(seen: list[tuple[float, float | None]], began: float, roadmap: scnekit.Roadmap) -> None:
    seen.append((time.perf_counter() - began, roadmap.objective))


def summary(label: str, r: dict[str, Any]) -> None:
    med, worst = statistics.median(r["engine"]), max(r["engine"])
    run_med, all_med = statistics.median(r["run"]), statistics.median(r["all"])
    ratios = [e / a for e, a in zip(r["engine"], r["run"], strict=True)]
    ratios_all = [e / a for e, a in zip(r["engine"], r["all"], strict=True)]
    counts = {s: r["statuses"].count(s) for s in sorted(set(r["statuses"]))}
    found = [g for g in r["gaps"] if g is not None]
    print(f"{label}: steps={len(r['engine'])} statuses={counts} model rebuilds={r['rebuilds']} "
          f"answered by a proven optimum kept from an earlier step={r['kept']} "
          f"objective mismatches vs HiGHS alone={r['mismatches']}; gap of the roadmaps returned: "
          f"median {statistics.median(found):.4f}, worst {max(found):.4f}")
    print(f"  engine end-to-end: median {med * 1000:.1f} ms, worst {worst * 1000:.1f} ms "
          f"(targets: median < 150 ms, worst < 500 ms)")
    for name, pick in (("steps that ran a search", True), ("steps answered by a kept proof", False)):
        times = [e for e, s in zip(r["engine"], r["searched"], strict=True) if s is pick]
        again = sum(1 for s, a in zip(r["searched"], r["repeats"], strict=True) if s is pick and a)
        if times:
            print(f"    {name}: {len(times)} ({again} of them settings seen before in this run), "
                  f"median {statistics.median(times) * 1000:.1f} ms, worst {max(times) * 1000:.1f} ms")
    first = [f[0] for f in r["firsts"]]
    below = [(o - f[1]) / o for f, o in zip(r["firsts"], r["objectives"], strict=True)
             if f[1] is not None and o is not None]
    print(f"  first roadmap reported (progress, what the explorer draws at once): median "
          f"{statistics.median(first) * 1000:.1f} ms, worst {max(first) * 1000:.1f} ms; below this run's "
          f"answer by median {statistics.median(below):.2%}, worst {max(below):.2%}")
    print(f"  HiGHS alone run(): median {run_med * 1000:.1f} ms, worst {max(r['run']) * 1000:.1f} ms; "
          f"read+run: median {all_med * 1000:.1f} ms, worst {max(r['all']) * 1000:.1f} ms")
    print(f"  ratio engine / HiGHS run(): median-of-ratios {statistics.median(ratios):.2f}, "
          f"ratio-of-medians {med / run_med:.2f}, total {sum(r['engine']) / sum(r['run']):.2f}")
    print(f"  ratio engine / HiGHS read+run: median-of-ratios {statistics.median(ratios_all):.2f}, "
          f"ratio-of-medians {med / all_med:.2f}, total {sum(r['engine']) / sum(r['all']):.2f} "
          f"(target <= 1.3)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="6 steps instead of 30")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--gap1", action="store_true", help="also run every step with a 1 %% gap")
    parser.add_argument("--budget", type=float, default=0.12,
                        help="time limit of the budget run, seconds (default 0.12: leaves room for "
                             "variant, build and result within 150 ms)")
    parser.add_argument("--budget-only", action="store_true", help="only the budget run")
    args = parser.parse_args()
    n = 6 if args.quick else args.steps
    if not EXAMPLE.exists():
        print(f"{EXAMPLE} is missing", file=sys.stderr)
        return 1
    results = {}
    configs: list[tuple[str, float, float | None]] = []
    if not args.budget_only:
        configs.append(("exact (gap 0)", 0.0, None))
        if args.gap1:
            configs.append(("gap 1%", 0.01, None))
    configs.append((f"time limit {args.budget} s", 0.0, args.budget))
    with tempfile.TemporaryDirectory() as tmp:
        for label, gap, limit in configs:
            print(f"== Syria example, {n} explorer steps, {label}")
            results[label] = run(n, gap, limit, Path(tmp))
    print()
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    for label, r in results.items():
        summary(label, r)
    exact = results.get("exact (gap 0)")
    for label, r in results.items():
        if exact is None or r is exact:
            continue
        short = [(e - o) / e for e, o in zip(exact["objectives"], r["objectives"], strict=True)
                 if e is not None and o is not None]
        if short:
            print(f"{label}: objective below the exact optimum: median {statistics.median(short):.2%}, "
                  f"worst {max(short):.2%}, optimal in {sum(x < 1e-9 for x in short)} of {len(short)} steps")
    return 0


if __name__ == "__main__":
    sys.exit(main())
