"""Scale: generated plans of 200, 1000 and 3000 measures x 24 phases, engine vs HiGHS alone.

Each instance runs in its own subprocess (so peak memory is its own): generate, solve
with ``scnekit.Session().solve(plan, time_limit=..., gap=0.01)``, check the roadmap with
the repository's independent checker (``tests/support/checker.py``), write the model with the engine's MPS export. A
second subprocess reads that MPS into HiGHS alone and runs it with the same gap and
time limit, for the ratio.

    .venv/bin/python benchmarks/scale.py              # 200, 1000, 3000 (about 8 minutes)
    .venv/bin/python benchmarks/scale.py --quick      # 200 only
    .venv/bin/python benchmarks/scale.py --sizes 1000 --no-alone
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
LIMITS = {200: 60.0, 1000: 60.0, 3000: 120.0}
TARGETS = {1000: 30.0, 3000: 120.0}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def child_engine(n: int, time_limit: float, gap: float, mps: str, seed: int) -> dict[str, Any]:
    sys.path.insert(0, str(HERE))
    import reference
    from generate import generate

    import scnekit

    began = time.perf_counter()
    doc = generate(n, seed=seed)
    plan = scnekit.loads(doc)
    loaded = time.perf_counter() - began
    session = scnekit.Session()
    roadmap = session.solve(plan, time_limit=time_limit, gap=gap)
    result = roadmap.to_dict()
    f = session._formulation
    assert f is not None
    size = {"columns": len(f.variables), "rows": len(f.rows) + len(getattr(f, "pairs", ([],))[0])}
    model = reference.flat(doc)
    bad, J, _, exposure = reference.evaluate(doc, dict(roadmap.starts))
    size.update(binding(model, dict(roadmap.starts), exposure))
    out = {"n": n, "load_s": loaded, "build_s": roadmap.build_seconds, "solve_s": roadmap.solver_seconds,
           "total_s": roadmap.seconds, "status": roadmap.status, "gap": roadmap.gap,
           "objective": result["objective"], "bound": roadmap.bound, "violations": len(bad),
           "ref_objective": J, "peak_mb": peak_mb(), **size}
    f.problem.writeMPS(mps, with_objsense=True)
    return out


def binding(model: dict[str, Any], starts: dict[str, int], exposure: dict[str, list[float]]) -> dict[str, int]:
    """How many rules the roadmap meets with equality: the generated rules bind."""
    M, T = model["measures"], model["T"]
    load = [sum(1 for m, s in starts.items() if s <= t <= s + M[m]["d"] - 1) for t in range(1, T + 1)]
    got = {p: sum(M[m]["to"].get(p, 0.0) for m in starts) for p in model["parties"]}
    return {
        "parties_at_exposure_limit": sum(1 for p, row in exposure.items() if p in model["limits"]
                                         and max(row) >= model["limits"][p] - 1e-9),
        "parties_with_limit": len(model["limits"]),
        "phases_at_capacity": sum(1 for t in range(T) if load[t] >= model["cap"][t]),
        "min_received_within_1": sum(1 for p, v in model["min_received"].items() if got[p] <= v + 1),
    }


def child_alone(mps: str, time_limit: float, gap: float) -> dict[str, Any]:
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    t0 = time.perf_counter()
    h.readModel(mps)
    t1 = time.perf_counter()
    h.setOptionValue("mip_rel_gap", gap)
    h.setOptionValue("time_limit", time_limit)
    h.run()
    t2 = time.perf_counter()
    info = h.getInfo()
    has = info.primal_solution_status == 2
    return {"read_s": t1 - t0, "run_s": t2 - t1, "status": h.modelStatusToString(h.getModelStatus()),
            "objective": info.objective_function_value if has else None,
            "bound": info.mip_dual_bound, "gap": info.mip_gap if has else None, "peak_mb": peak_mb()}


def spawn(args: list[str], timeout: float) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), *args]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if run.returncode != 0:
        return {"error": run.stderr.strip().splitlines()[-1] if run.stderr.strip() else f"exit {run.returncode}"}
    return json.loads(run.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[200, 1000, 3000])
    parser.add_argument("--quick", action="store_true", help="200 measures only")
    parser.add_argument("--gap", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-alone", action="store_true", help="skip HiGHS alone")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--alone", help=argparse.SUPPRESS)
    parser.add_argument("--time-limit", type=float, default=None)
    parser.add_argument("--mps", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child_engine(args.child, args.time_limit, args.gap, args.mps, args.seed)))
        return 0
    if args.alone:
        print(json.dumps(child_alone(args.alone, args.time_limit, args.gap)))
        return 0
    sizes = [200] if args.quick else args.sizes
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; gap {args.gap}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            limit = args.time_limit or LIMITS.get(n, 120.0)
            mps = str(Path(tmp) / f"gen{n}.mps")
            eng = spawn(["--child", str(n), "--time-limit", str(limit), "--gap", str(args.gap),
                         "--mps", mps, "--seed", str(args.seed)], timeout=10 * limit + 300)
            print(f"engine {n}: {json.dumps(eng)}", flush=True)
            alone: dict[str, Any] = {}
            if not args.no_alone and "error" not in eng:
                alone = spawn(["--alone", mps, "--time-limit", str(limit), "--gap", str(args.gap)],
                              timeout=10 * limit + 300)
                print(f"HiGHS alone {n}: {json.dumps(alone)}", flush=True)
            rows.append((n, limit, eng, alone))
    print()
    print("| measures x phases | columns | rows | build s | solve s | total s | build share | status | gap | "
          "objective | checker | peak MB | HiGHS alone read+run s | HiGHS alone status, gap | ratio |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for n, _limit, eng, alone in rows:
        if "error" in eng:
            print(f"| {n} x 24 | error: {eng['error']} |")
            continue
        share = eng["build_s"] / eng["total_s"]
        check = "ok" if eng["violations"] == 0 and abs(eng["ref_objective"] - eng["objective"]) < 1e-6 else "FAIL"
        a_time = alone.get("read_s", 0) + alone.get("run_s", 0) if alone and "error" not in alone else None
        a_desc = (f"{alone['status']}, {alone['gap']:.4f}" if a_time and alone.get("gap") is not None
                  else alone.get("status", alone.get("error", "-")) if alone else "-")
        ratio = f"{eng['total_s'] / a_time:.2f}" if a_time else "-"
        print(f"| {n} x 24 | {eng['columns']} | {eng['rows']} | {eng['build_s']:.2f} | {eng['solve_s']:.2f} | "
              f"{eng['total_s']:.2f} | {share:.0%} | {eng['status']} | {eng['gap']:.4f} | {eng['objective']:.0f} | "
              f"{check} | {eng['peak_mb']:.0f} | {a_time if a_time is None else round(a_time, 2)} | {a_desc} | "
              f"{ratio} |")
    for n, _limit, eng, _ in rows:
        if n in TARGETS and "error" not in eng:
            ok = eng["total_s"] < TARGETS[n] and eng["gap"] is not None and eng["gap"] <= 0.01 + 1e-9
            extra = f", build share {eng['build_s'] / eng['total_s']:.0%} (target < 20%)" if n == 1000 else ""
            print(f"target {n} x 24 within 1% in < {TARGETS[n]:.0f} s: {'met' if ok else 'MISSED'} "
                  f"({eng['total_s']:.1f} s, gap {eng['gap']:.4f}{extra})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
