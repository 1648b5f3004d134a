"""A second exact backend for the workshop's re-solves? The 30 steps of benchmarks/workshop.py,
each proved optimal three ways: the engine's ``Session`` (its tuned path: bounds updated in
place, heuristics, then HiGHS), SCIP (``pyscipopt``) on the engine's MPS export, and HiGHS
alone on the same file. SCIP and HiGHS alone read the file each time (as a second backend
would get the model), and the read is counted separately.

    .venv/bin/python benchmarks/backends.py            # 30 steps (about 5 minutes)
    .venv/bin/python benchmarks/backends.py --quick    # 6 steps
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import highspy
import pyscipopt

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workshop import EXAMPLE, steps

import scnekit
from scnekit.engine.formulation import Formulation
from scnekit.engine.pulp_compat import write_mps
from scnekit.fileformat.scenarios import variant


def scip(path: str) -> tuple[float, float, float]:
    """(read seconds, solve seconds, objective) of SCIP on an MPS file."""
    began = time.perf_counter()
    model = pyscipopt.Model()
    model.hideOutput()
    model.setParam("limits/time", 120)
    model.readProblem(path)
    read = time.perf_counter() - began
    model.optimize()
    assert model.getStatus() == "optimal", model.getStatus()
    return read, time.perf_counter() - began - read, float(model.getObjVal())


def highs(path: str) -> tuple[float, float, float]:
    began = time.perf_counter()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.readModel(path)
    read = time.perf_counter() - began
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return read, time.perf_counter() - began - read, float(h.getInfo().objective_function_value)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n = 6 if args.quick else 30
    plan = scnekit.load(EXAMPLE)
    session = scnekit.Session()
    session.solve(plan)  # the explorer has the base solved before anyone moves a slider
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder:
        for i, (label, overrides, unavailable, pins) in enumerate(steps(n)):
            model = variant(plan, set=overrides, unavailable=unavailable)
            began = time.perf_counter()
            roadmap = session.solve(model, pins=pins)
            engine = time.perf_counter() - began
            assert roadmap.status == scnekit.Status.OPTIMAL
            path = os.path.join(folder, f"step{i}.mps")
            write_mps(Formulation(model, pins=pins).problem, path)
            s_read, s_solve, s_obj = scip(path)
            h_read, h_solve, h_obj = highs(path)
            assert abs(s_obj - roadmap.objective) < 1e-6 * max(1, abs(s_obj)), (label, s_obj, roadmap.objective)
            assert abs(h_obj - roadmap.objective) < 1e-6 * max(1, abs(h_obj)), (label, h_obj, roadmap.objective)
            rows.append({"step": label, "engine": engine, "scip": s_solve, "scip_read": s_read,
                         "highs": h_solve, "highs_read": h_read})
            print(f"{i + 1:>2} {label:<40} engine {engine:6.2f} s  SCIP {s_solve:6.2f} s (+{s_read:.2f} read)  "
                  f"HiGHS alone {h_solve:6.2f} s (+{h_read:.2f} read)", flush=True)
    load = os.getloadavg()[0]
    print(f"\n{n} exact re-solves of the Syria example (load average {load:.1f}):")
    for key in ("engine", "scip", "highs"):
        values = [r[key] for r in rows]
        print(f"  {key:<7} median {statistics.median(values):6.2f} s, worst {max(values):6.2f} s, "
              f"total {sum(values):6.1f} s")
    wins = sum(1 for r in rows if r["scip"] + r["scip_read"] < r["engine"])
    searched = [r for r in rows if r["engine"] > 0.05]  # the engine re-used no earlier proof
    ratio = statistics.median(r["scip"] / r["engine"] for r in searched) if searched else float("nan")
    print(f"  SCIP (read included) faster than the engine on {wins} of {n} steps; median ratio SCIP/engine "
          f"{ratio:.1f} over the {len(searched)} steps the engine searched")
    return 0


if __name__ == "__main__":
    sys.exit(main())
