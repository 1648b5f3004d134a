"""How long the analyses around a roadmap take on the Syria example.

- the exposure frontier of the base scenario, every point (target: under 10 s);
- robust first steps over base, earthquake and us-russia-frozen with K = 2, proven
  optimal (target: under 10 s), when scnekit.analysis.robust is there;
- the walk-away rows of a roadmap (target: under 20 ms), median of 50;
- what forbidding walk-away costs: base against the no-walking-away scenario.

    .venv/bin/python benchmarks/analyses.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

import scnekit
from scnekit.analysis.frontier import frontier

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "syria_scne.yaml"


def timed(action):  # type: ignore[no-untyped-def]
    began = time.perf_counter()
    result = action()
    return time.perf_counter() - began, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each timed analysis")
    args = parser.parse_args()
    plan = scnekit.load(EXAMPLE)
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; Python {sys.version.split()[0]}")
    runs = [timed(lambda: frontier(plan)) for _ in range(args.repeat)]
    seconds = [s for s, _ in runs]
    found = runs[-1][1]
    points = ", ".join(f"P={p.peak_exposure:g} J={p.objective:g}" for p in found.points)
    print(f"frontier (base, all parties): {len(found.points)} points [{points}], status {found.status}; "
          f"median {statistics.median(seconds):.2f} s, worst {max(seconds):.2f} s (target < 10 s: "
          f"{'met' if max(seconds) < 10 else 'MISSED'})")
    if importlib.util.find_spec("scnekit.analysis.robust") is not None:
        from scnekit.analysis.robust import robust

        chosen = ["base", "earthquake", "us-russia-frozen"]
        runs = [timed(lambda: robust(plan, chosen, 2)) for _ in range(args.repeat)]
        seconds = [s for s, _ in runs]
        answer = runs[-1][1]
        print(f"robust first steps ({', '.join(chosen)}, K=2, worst case): status {answer.status}, value "
              f"{answer.value}; median {statistics.median(seconds):.2f} s, worst {max(seconds):.2f} s "
              f"(target < 10 s: {'met' if max(seconds) < 10 else 'MISSED'})")
    roadmap = scnekit.solve(plan)
    times = []
    for _ in range(50):  # each call recomputes the ledger from the schedule
        began = time.perf_counter()
        roadmap.walkaway()
        times.append(time.perf_counter() - began)
    print(f"walk-away rows of a roadmap: median {1000 * statistics.median(times):.1f} ms, worst "
          f"{1000 * max(times):.1f} ms (target < 20 ms: {'met' if statistics.median(times) < 0.020 else 'MISSED'})")
    held = scnekit.solve(plan, "no-walking-away")
    print(f"forbidding walk-away (min_stake 0): objective {held.objective:g} against {roadmap.objective:g} "
          f"(costs {roadmap.objective - held.objective:g}); solved in {held.seconds:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
