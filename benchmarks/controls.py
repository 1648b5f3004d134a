"""Do the solver's controls obey? Stop latency and time limits, end to end, at scale.

For generated plans (1000 and 3000 measures over 24 phases):

- stop: a thread asks ``scnekit.solve(plan, stop=...)`` to stop after s seconds (during
  the build, the LP, the search and the final MIP); prints how long the solve took to
  return after the request (target: under a second at any size);
- time limit: ``scnekit.solve(plan, time_limit=L)`` for several L; prints the wall time
  from the call to the roadmap and the overshoot in percent (the limit counts the build).

    .venv/bin/python benchmarks/controls.py [--measures 1000 3000] [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402

import scnekit  # noqa: E402


def stop_latency(plan: scnekit.Plan, after: float) -> tuple[float, str]:
    asked = threading.Event()
    at: list[float] = []

    def ask() -> None:
        time.sleep(after)
        at.append(time.perf_counter())
        asked.set()

    threading.Thread(target=ask, daemon=True).start()
    roadmap = scnekit.solve(plan, stop=asked.is_set)
    done = time.perf_counter()
    if not at:  # finished before the request
        return 0.0, f"finished first ({roadmap.status})"
    return done - at[0], str(roadmap.status)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measures", type=int, nargs="*", default=[1000, 3000])
    parser.add_argument("--quick", action="store_true", help="3000 measures, fewer points")
    args = parser.parse_args()
    sizes = [3000] if args.quick else args.measures
    stops = [0.3, 1.0, 3.0, 8.0] if args.quick else [0.3, 0.7, 1.0, 2.0, 4.0, 8.0, 12.0, 16.0]
    limits = [2.0, 5.0] if args.quick else [2.0, 5.0, 10.0, 20.0]
    for n in sizes:
        plan = scnekit.loads(generate(n))
        print(f"== {n} x 24", flush=True)
        latencies = []
        for after in stops:
            latency, status = stop_latency(plan, after)
            latencies.append(latency)
            print(f"stop after {after:5.1f} s: returned {latency:5.2f} s later ({status})", flush=True)
        print(f"stop latency: median {statistics.median(latencies):.2f} s, worst {max(latencies):.2f} s")
        for limit in limits:
            began = time.perf_counter()
            roadmap = scnekit.solve(plan, time_limit=limit)
            took = time.perf_counter() - began
            print(f"time limit {limit:5.1f} s: returned after {took:6.2f} s ({100 * (took / limit - 1):+5.1f} %), "
                  f"{roadmap.status}, build {roadmap.build_seconds:.2f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
