"""Coefficient changes re-solved in place vs a rebuilt model, on the Syria example.

An explorer's controls for a measure's cost, its value to a party, a milestone's weight
and its deadline each give a plan that differs from the loaded one in coefficients only.
Each step here is one such change to the base plan, solved exactly by two Sessions in
turn (which goes first alternates, so load on the machine falls on both alike):

- rebuild: a Session whose model accepts only plans with its own costs, values, weights
  and deadlines, as before re-solving by coefficients: every step builds a new model;
- in place: the default Session, which sets the changed coefficients on the loaded model.

Timed per step: ``Session.solve`` (build or update, search, roadmap), and apart the part
before the search (``Roadmap.build_seconds``: the new model, or the update in place).
Both must reach the same optimum. Prints the median and worst of each and the load average.

    .venv/bin/python benchmarks/coefficients.py            # 20 steps
    .venv/bin/python benchmarks/coefficients.py --steps 8
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable, Hashable, Mapping
from pathlib import Path
from typing import Any

import scnekit
from scnekit.engine.formulation import Formulation
from scnekit.fileformat.scenarios import variant
from scnekit.model import Plan

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "syria_scne.yaml"


def coefficients(plan: Plan) -> Hashable:
    """What the structure key held before coefficient changes were made in place."""
    return (tuple((m.cost, tuple(sorted(m.to.items()))) for m in plan.measures),
            tuple((k.deadline, k.weight) for k in plan.milestones), plan.objective)


class Rebuilt(Formulation):
    """The model as before: any change of cost, value, weight or deadline builds a new one."""

    def accepts(self, plan: Plan) -> bool:
        return super().accepts(plan) and coefficients(plan) == coefficients(self.plan)


def rebuilt(plan: Plan, *, pins: Mapping[str, int] | None = None,
            stop: Callable[[], bool] | None = None) -> Formulation:
    return Rebuilt(plan, pins=pins, stop=stop)


def steps(base: Plan, n: int) -> list[tuple[str, dict[str, Any]]]:
    """``n`` single changes to ``base``: a cost, a value, a weight, a deadline, in turn."""
    measures = [m for m in base.measures if m.to]
    dated = [k for k in base.milestones if k.deadline is not None]
    out: list[tuple[str, dict[str, Any]]] = []
    for i in range(n):
        j = i // 4
        kind = i % 4
        if kind == 0:
            m = measures[(7 * j) % len(measures)]
            cost = m.cost + 1 if j % 2 == 0 else max(0.0, m.cost - 1)
            out.append((f"cost {m.id}={cost:g}", {f"measures.{m.id}.cost": cost}))
        elif kind == 1:
            m = measures[(7 * j + 3) % len(measures)]
            party = sorted(m.to)[j % len(m.to)]
            value = m.to[party] + 1 if j % 2 == 0 else max(0.0, m.to[party] - 1)
            out.append((f"value {m.id}->{party}={value:g}", {f"measures.{m.id}.to": {**m.to, party: value}}))
        elif kind == 2:
            k = base.milestones[j % len(base.milestones)]
            weight = k.weight * 2 if j % 2 == 0 else max(0.0, k.weight - 2)
            out.append((f"weight {k.id}={weight:g}", {f"milestones.{k.id}.weight": weight}))
        else:
            k = dated[j % len(dated)]
            assert k.deadline is not None
            deadline = min(base.phases, k.deadline + 1 + j % 2)
            out.append((f"deadline {k.id}={deadline}", {f"milestones.{k.id}.deadline": deadline}))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    base = scnekit.load(EXAMPLE)
    sessions = {"rebuild": scnekit.Session(formulation=rebuilt), "in place": scnekit.Session()}
    times: dict[str, list[float]] = {name: [] for name in sessions}
    builds: dict[str, list[float]] = {name: [] for name in sessions}
    loads = [os.getloadavg()[0]]
    for session in sessions.values():
        session.solve(base)
    print(f"{'step':44s} {'rebuild':>9s} {'in place':>9s}  (model: {'rebuild':>7s} {'in place':>8s})  objective")
    for i, (label, changes) in enumerate(steps(base, args.steps)):
        plan = variant(base, set=changes)
        order = list(sessions) if i % 2 == 0 else list(reversed(sessions))
        objectives: dict[str, float | None] = {}
        took: dict[str, float] = {}
        for name in order:
            began = time.perf_counter()
            roadmap = sessions[name].solve(plan)
            took[name] = time.perf_counter() - began
            assert roadmap.status == "optimal", (label, name, roadmap.status)
            objectives[name] = roadmap.objective
            times[name].append(took[name])
            builds[name].append(roadmap.build_seconds or 0.0)
        if abs((objectives["rebuild"] or 0.0) - (objectives["in place"] or 0.0)) > 1e-6:
            raise SystemExit(f"{label}: the two sessions disagree: {objectives}")
        loads.append(os.getloadavg()[0])
        print(f"{label:44s} {took['rebuild']:8.2f}s {took['in place']:8.2f}s  {'':7s} {builds['rebuild'][-1]:6.3f}s "
              f"{builds['in place'][-1]:7.3f}s   {objectives['in place']:g}")
    print()
    for name, values in times.items():
        print(f"{name:9s}: re-solve median {statistics.median(values):.2f} s, worst {max(values):.2f} s over "
              f"{len(values)} steps; of which the model median {statistics.median(builds[name]):.3f} s, worst "
              f"{max(builds[name]):.3f} s; rebuilds {sessions[name].rebuilds - 1}")
    print(f"load average (1 min) during the run: {min(loads):.2f}-{max(loads):.2f}, cores {os.cpu_count()}")


if __name__ == "__main__":
    main()
