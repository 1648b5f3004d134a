"""Peer: the same plans built directly in OR-Tools CP-SAT, solved to the same gap.

CP-SAT runs in its own subprocess that never imports scnekit or highspy (highspy 1.15
and ortools each ship libhighs.so; whichever loads first breaks the other). Its model
is written here from the plain dict of ``benchmarks/reference.py``, in
CP-SAT's own idiom: a boolean S[m,t] = "started by t" per measure and phase,
implications for monotonicity, requires and reciprocal windows, enforced linear
constraints for milestones, and linear capacity, exposure, minimum and balance rows.
Every CP-SAT roadmap is checked with the repository's independent checker (``tests/support/checker.py``),
as is the engine's, and its objective is the J the checker computes from the schedule.

    .venv/bin/pip install -e '.[bench]'            # OR-Tools, once
    .venv/bin/python benchmarks/peer.py            # Syria (exact) + 200/1000/3000 x 24 (1 % gap)
    .venv/bin/python benchmarks/peer.py --quick    # Syria + 200
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
EXAMPLE = ROOT / "examples" / "syria_scne.yaml"
# (label, measures or None for the Syria example, gap, time limit)
INSTANCES: list[tuple[str, int | None, float, float]] = [
    ("syria base (exact)", None, 0.0, 120.0),
    ("generated 200 x 24", 200, 0.01, 60.0),
    ("generated 1000 x 24", 1000, 0.01, 60.0),
    ("generated 3000 x 24", 3000, 0.01, 120.0),
]


def document(n: int | None, seed: int) -> dict[str, Any]:
    if n is None:
        import yaml

        return yaml.safe_load(EXAMPLE.read_text())
    sys.path.insert(0, str(HERE))
    from generate import generate

    return generate(n, seed=seed)


def cpsat_solve(doc: dict[str, Any], gap: float, limit: float, workers: int) -> dict[str, Any]:
    """Build and solve in CP-SAT (call only in a process without highspy)."""
    sys.path.insert(0, str(HERE))
    import reference
    from ortools.sat.python import cp_model

    def whole(x: float) -> int:
        if x != int(x):
            raise ValueError(f"CP-SAT needs whole numbers; got {x} (scale the plan first)")
        return int(x)

    began = time.perf_counter()
    model = reference.flat(doc)
    T, M = model["T"], model["measures"]
    cp = cp_model.CpModel()
    lo = {m: max(1, d["earliest"]) for m, d in M.items()}
    hi = {m: min(d["latest"], T - d["d"] + 1) if not d["unavailable"] else 0 for m, d in M.items()}
    S: dict[str, dict[int, Any]] = {}
    for m in M:
        S[m] = {t: cp.NewBoolVar(f"S_{m}_{t}") for t in range(lo[m], hi[m] + 1)}
        for t in range(lo[m], hi[m]):
            cp.AddImplication(S[m][t], S[m][t + 1])

    def s(m: str, t: int) -> Any:
        if not S[m] or t < lo[m]:
            return None
        return S[m][min(t, hi[m])]

    def z(m: str) -> Any:
        return S[m][hi[m]] if S[m] else None

    def done(m: str, t: int) -> Any:
        return s(m, t - M[m]["d"] + 1)

    def lin(terms: list[tuple[Any, float]]) -> Any:
        return sum(whole(c) * v for v, c in terms if v is not None)

    for m, d in M.items():
        if d["mandatory"]:
            if z(m) is None:
                cp.AddBoolOr([])  # infeasible
            else:
                cp.Add(z(m) == 1)
        for p in d["requires"]:
            for t, var in S[m].items():
                before = s(p, t - M[p]["d"])
                if before is None:
                    cp.Add(var == 0)
                else:
                    cp.AddImplication(var, before)
    for ln in model["links"]:
        mem = ln["measures"]
        if ln["kind"] == "exclusive":
            cp.AddAtMostOne([z(x) for x in mem if z(x) is not None])
            continue
        if any(z(x) is None for x in mem):
            for x in mem:
                if z(x) is not None:
                    cp.Add(z(x) == 0)
            continue
        for a, b in itertools.pairwise(mem):
            cp.Add(z(a) == z(b))
        w = int(ln.get("within", 0))
        for x in mem:
            for c in mem:
                if x != c:
                    for t, var in S[x].items():
                        later = s(c, t + w)
                        if later is None:
                            cp.Add(var == 0)
                        else:
                            cp.AddImplication(var, later)
    for t in range(1, T + 1):
        if model["cap"][t - 1] != float("inf"):
            terms = [(s(m, t), 1) for m in M] + [(s(m, t - M[m]["d"]), -1) for m in M]
            cp.Add(lin(terms) <= whole(model["cap"][t - 1]))
    for p in model["parties"]:
        if p in model["limits"]:
            for t in range(1, T + 1):
                terms = [(s(m, t), d["cost"]) for m, d in M.items() if d["by"] == p and d["cost"]]
                terms += [(done(m, t), -d["to"][p]) for m, d in M.items() if d["to"].get(p)]
                cp.Add(lin(terms) <= whole(model["limits"][p]))

    def received(p: str) -> Any:
        return lin([(z(m), d["to"][p]) for m, d in M.items() if d["to"].get(p)])

    for p, least in model["min_received"].items():
        cp.Add(received(p) >= whole(least))
    if model["balance"]:
        among = model["balance"]["among"]
        for a in among:
            for b in among:
                if a != b:
                    cp.Add(received(a) - received(b) <= whole(model["balance"]["max_gap"]))
    objective: list[tuple[Any, float]] = []
    for m, d in M.items():
        net = sum(d["to"].values()) - d["cost"]
        if net:
            objective += [(done(m, t), model["w_benefit"] * net) for t in range(1, T + 1)]
    for k in model["milestones"]:
        if "all" in k:
            mem, count = k["all"], len(k["all"])
        elif "any" in k:
            mem, count = k["any"], 1
        else:
            mem, count = k["at_least"]["of"], k["at_least"]["count"]
        for t in range(1, T + 1):
            y = cp.NewBoolVar(f"holds_{k['id']}_{t}")
            ds = [done(x, t) for x in mem if done(x, t) is not None]
            if len(ds) < count:
                cp.Add(y == 0)
            else:
                cp.Add(sum(ds) >= count).OnlyEnforceIf(y)
            if k.get("deadline") == t:
                cp.Add(y == 1)
            objective.append((y, model["w_milestones"] * float(k.get("weight", 1))))
    cp.Maximize(lin(objective))
    built = time.perf_counter() - began
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = limit
    solver.parameters.num_workers = workers
    solver.parameters.relative_gap_limit = gap
    solved = time.perf_counter()
    status = solver.Solve(cp)
    seconds = time.perf_counter() - solved
    name = solver.StatusName(status)
    out: dict[str, Any] = {"build_s": built, "solve_s": seconds, "total_s": built + seconds, "status": name}
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        starts = {}
        for m, steps in S.items():
            for t, var in steps.items():
                if solver.Value(var):
                    starts[m] = t
                    break
        bad, J, _, _ = reference.evaluate(doc, starts)
        # a FEASIBLE (not optimal) answer may leave a milestone indicator at 0 where the
        # milestone holds: CP-SAT's objective is then below the roadmap's J, so report J
        obj, bound = solver.ObjectiveValue(), solver.BestObjectiveBound()
        out.update(objective=J, cpsat_objective=obj, bound=bound, gap=max(0.0, bound - J) / max(1.0, abs(J)),
                   violations=len(bad), ref_objective=J)
    return out


def engine_solve(doc: dict[str, Any], gap: float, limit: float) -> dict[str, Any]:
    sys.path.insert(0, str(HERE))
    import reference

    import scnekit

    began = time.perf_counter()
    plan = scnekit.loads(doc)
    roadmap = scnekit.Session().solve(plan, time_limit=limit, gap=gap)
    total = time.perf_counter() - began
    bad, J, _, _ = reference.evaluate(doc, dict(roadmap.starts))
    return {"total_s": total, "status": roadmap.status, "objective": roadmap.objective, "gap": roadmap.gap,
            "bound": roadmap.bound, "violations": len(bad), "ref_objective": J}


def spawn(args: list[str], timeout: float) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), *args]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if run.returncode != 0:
        tail = run.stderr.strip().splitlines()
        return {"error": tail[-1] if tail else f"exit {run.returncode}"}
    return json.loads(run.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Syria and 200 only")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=8,
                        help="CP-SAT workers (default 8, its portfolio; this machine time-slices them)")
    parser.add_argument("--cpsat", help=argparse.SUPPRESS)  # child: "n|gap|limit"
    parser.add_argument("--engine", help=argparse.SUPPRESS)
    args = parser.parse_args()
    for flag, fn in (("cpsat", cpsat_solve), ("engine", engine_solve)):
        spec = getattr(args, flag)
        if spec:
            n_s, gap_s, limit_s = spec.split("|")
            doc = document(None if n_s == "syria" else int(n_s), args.seed)
            extra = (args.workers,) if flag == "cpsat" else ()
            print(json.dumps(fn(doc, float(gap_s), float(limit_s), *extra)))  # type: ignore[operator]
            return 0
    if importlib.util.find_spec("ortools") is None:  # looked up, not imported (see the module doc)
        print("peer.py needs OR-Tools: .venv/bin/pip install -e '.[bench]'", file=sys.stderr)
        return 2
    instances = INSTANCES[:2] if args.quick else INSTANCES
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; CP-SAT workers {args.workers}, "
          "HiGHS (engine) 1 thread")
    rows = []
    for label, n, gap, limit in instances:
        spec = f"{'syria' if n is None else n}|{gap}|{limit}"
        eng = spawn(["--engine", spec, "--seed", str(args.seed)], timeout=10 * limit + 300)
        print(f"engine {label}: {json.dumps(eng)}", flush=True)
        cps = spawn(["--cpsat", spec, "--seed", str(args.seed), "--workers", str(args.workers)],
                    timeout=10 * limit + 300)
        print(f"CP-SAT {label}: {json.dumps(cps)}", flush=True)
        rows.append((label, gap, limit, eng, cps))
    print()
    print("| instance | gap asked | limit s | engine s | engine status, gap, objective | CP-SAT s (build + solve) | "
          "CP-SAT status, gap, objective | checker (engine / CP-SAT) | CP-SAT / engine time |")
    print("|---|---|---|---|---|---|---|---|---|")
    for label, gap, limit, eng, cps in rows:
        def desc(r: dict[str, Any]) -> str:
            if "error" in r:
                return f"error: {r['error']}"
            if r.get("objective") is None:
                return r["status"]
            return f"{r['status']}, {r['gap']:.4f}, {r['objective']:.0f}"

        def check(r: dict[str, Any]) -> str:
            if r.get("objective") is None:
                return "-"
            ok = r["violations"] == 0 and abs(r["ref_objective"] - r["objective"]) < 1e-6
            return "ok" if ok else "FAIL"

        e_t = eng.get("total_s")
        c_t = cps.get("total_s")
        ratio = f"{c_t / e_t:.2f}" if e_t and c_t else "-"
        c_desc = f"{c_t:.2f} ({cps['build_s']:.2f} + {cps['solve_s']:.2f})" if c_t else "-"
        print(f"| {label} | {gap} | {limit:.0f} | {e_t if e_t is None else round(e_t, 2)} | {desc(eng)} | "
              f"{c_desc} | {desc(cps)} | {check(eng)} / {check(cps)} | {ratio} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
