"""Formulations: LP bound against the optimum, and HiGHS' time to a 1 % gap, per model.

Five models of the same plans, each loaded into plain HiGHS (default options, one
thread, ``mip_rel_gap`` 0.01, no heuristic or warm start from scnekit):

- ``running-sum + hull``: the engine's model (``scnekit.engine.formulation``): binaries
  S[m,t] = "started by t", monotone; per-phase rows for requires, links, capacity and
  exposure; ``at_least`` milestones as the convex hull per phase (part_x <= y,
  part_x <= D_x(t), count*y <= sum part_x); from ``Formulation.ESSENTIAL_FROM`` start
  columns on, holds(t) <= D_x(t) for each member x a milestone cannot hold without,
  and holds(t) <= D_a(t) + D_b(t) for two such members (``Formulation._essential``).
- ``running-sum + aggregated``: the same, but ``at_least`` milestones as the one
  aggregated row count*y <= sum D_x(t) (the engine before the hull).
- ``essential rows at every size`` and ``no essential rows``: the engine's model with
  and without those rows, whatever the size.
- ``start-indicator + big-M``: the textbook model: x[m,t] = "starts at t",
  z_m = sum x <= 1, precedence and reciprocal windows as one aggregated big-M row on
  start times, capacity and exposure as sums over x, aggregated milestone rows.

A running-sum model and a start-indicator model with the same per-phase rows have the
same LP bound (S = cumulative sum of x is unimodular); what differs is the
aggregation of rows, which is what the third model shows.

    .venv/bin/python benchmarks/formulations.py           # Syria scenarios, 200 and 1000 x 24
    .venv/bin/python benchmarks/formulations.py --quick   # Syria scenarios, 200 x 24
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import pulp

import scnekit
from scnekit.engine.formulation import Formulation, _clean
from scnekit.engine.highs import HighsModel
from scnekit.engine.pulp_compat import EQ, GE, LE, add_row, expression
from scnekit.engine.windows import structural_windows
from scnekit.model import LinkKind, Plan
from scnekit.roadmap import Status

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "examples" / "syria_scne.yaml"


class Hull(Formulation):
    """The engine's model with the at_least hull rows at every size."""

    HULL_FROM = 0


class Essential(Hull):
    """The engine's model with the rows for a milestone's essential members at every size."""

    ESSENTIAL_FROM = 0


class NoEssential(Hull):
    """The engine's model without the rows for a milestone's essential members at any size."""

    ESSENTIAL_FROM = 1 << 62


class Aggregated(Formulation):
    """The engine's model with at_least milestones as one aggregated row per phase."""

    HULL_FROM = 1 << 62


class StartIndicator:
    """x[m,t] start indicators with aggregated big-M rows (a comparison baseline)."""

    def __init__(self, plan: Plan) -> None:
        self.plan, T = plan, plan.phases
        self.problem = pulp.LpProblem("start_indicator", pulp.LpMaximize)
        self.variables: list[pulp.LpVariable] = []
        self.rows: list[Any] = []
        windows = structural_windows(plan)
        x: dict[str, dict[int, pulp.LpVariable]] = {}
        for m in plan.measures:
            w = windows[m.id]
            lo = max(w[0], m.earliest) if w else T + 1
            hi = w[1] if w and m.id not in plan.unavailable else 0
            x[m.id] = {t: self._var(f"x_{m.id}_{t}") for t in range(lo, hi + 1)}
        self.x = x
        dur = {m.id: m.duration for m in plan.measures}

        def z(mid: str) -> dict[pulp.LpVariable, float]:
            return {v: 1.0 for v in x[mid].values()}

        def done(mid: str, t: int) -> dict[pulp.LpVariable, float]:  # D_m(t)
            return {v: 1.0 for s, v in x[mid].items() if s + dur[mid] - 1 <= t}

        def started(mid: str, t: int) -> dict[pulp.LpVariable, float]:  # S_m(t)
            return {v: 1.0 for s, v in x[mid].items() if s <= t}

        def start(mid: str) -> dict[pulp.LpVariable, float]:  # sum t x
            return {v: float(s) for s, v in x[mid].items()}

        def plus(*parts: tuple[dict[pulp.LpVariable, float], float]) -> dict[pulp.LpVariable, float]:
            out: dict[pulp.LpVariable, float] = {}
            for terms, k in parts:
                for v, c in terms.items():
                    out[v] = out.get(v, 0.0) + k * c
            return out

        for m in plan.measures:
            self._row(f"once_{m.id}", z(m.id), LE, 1.0)
            if m.mandatory:
                self._row(f"mandatory_{m.id}", z(m.id), GE, 1.0)
            for p in m.requires:
                self._row(f"requires_z_{m.id}_{p}", plus((z(m.id), 1), (z(p), -1)), LE, 0.0)
                # start_m >= start_p + d_p when m is scheduled: big-M T + d_p
                big = float(T + dur[p])
                self._row(f"requires_{m.id}_{p}", plus((start(p), 1), (z(p), dur[p]), (start(m.id), -1),
                                                       (z(m.id), big)), LE, big)
        for i, ln in enumerate(plan.links):
            if ln.kind == LinkKind.EXCLUSIVE:
                self._row(f"exclusive{i}", plus(*((z(a), 1) for a in ln.measures)), LE, 1.0)
                continue
            for a, b in zip(ln.measures, ln.measures[1:], strict=False):
                self._row(f"reciprocal{i}_{a}_{b}", plus((z(a), 1), (z(b), -1)), EQ, 0.0)
                for u, v in ((a, b), (b, a)):  # start_u - start_v <= within + T (1 - z_u)
                    self._row(f"within{i}_{u}_{v}", plus((start(u), 1), (start(v), -1), (z(u), T)), LE,
                              float(ln.within + T))
        for t in range(1, T + 1):
            cap = plan.horizon.capacity_at(t)
            if cap is not None:
                terms = plus(*((started(m.id, t), 1) for m in plan.measures),
                             *((started(m.id, t - m.duration), -1) for m in plan.measures))
                self._row(f"capacity_{t}", terms, LE, float(cap))
            for party in plan.parties:
                limit = plan.rules.exposure_limit(party.id)
                if limit is None:
                    continue
                terms = plus(*((started(m.id, t), m.cost) for m in plan.measures if m.by == party.id),
                             *((done(m.id, t), -m.to[party.id]) for m in plan.measures
                               if m.to.get(party.id)))
                if terms:
                    self._row(f"exposure_{party.id}_{t}", terms, LE, float(limit))

        def received(p: str) -> dict[pulp.LpVariable, float]:
            return plus(*((z(m.id), m.to[p]) for m in plan.measures if m.to.get(p)))

        for p, least in plan.rules.min_received.items():
            self._row(f"min_received_{p}", received(p), GE, float(least))
        if plan.rules.balance is not None:
            among = plan.rules.balance.among
            for a in among:
                for b in among:
                    if a != b:
                        self._row(f"balance_{a}_{b}", plus((received(a), 1), (received(b), -1)), LE,
                                  float(plan.rules.balance.max_gap))
        objective: dict[pulp.LpVariable, float] = {}
        for m in plan.measures:
            for s, v in x[m.id].items():
                objective[v] = plan.objective.benefit * m.net * max(0, T - (s + m.duration - 1) + 1)
        for k in plan.milestones:
            for t in range(1, T + 1):
                y = self._var(f"holds_{k.id}_{t}")
                self._row(f"milestone_{k.id}_{t}", plus((({y: 1.0}), k.count),
                                                        *((done(x_, t), -1) for x_ in k.measures)), LE, 0.0)
                if k.deadline == t:
                    self._row(f"deadline_{k.id}", {y: 1.0}, GE, 1.0)
                objective[y] = plan.objective.milestones * k.weight
        self.problem.setObjective(expression(objective))

    def _var(self, name: str) -> pulp.LpVariable:
        var = self.problem.add_variable(_clean(name), 0, 1, pulp.LpBinary)
        self.variables.append(var)
        return var

    def _row(self, name: str, terms: dict[pulp.LpVariable, float], sense: int, rhs: float) -> None:
        terms = {v: c for v, c in terms.items() if c}
        if terms:
            self.rows.append(add_row(self.problem, terms, sense, rhs, _clean(name)))


def load(model: Any) -> HighsModel:
    if isinstance(model, Formulation):  # its two-term rows live in bulk
        return HighsModel.from_formulation(model)
    return HighsModel(model.problem, model.variables, model.rows)


def measure(model: Any, limit: float) -> dict[str, Any]:
    hm = load(model)
    nonzeros = hm.highs.getNumNz()
    lp = hm.relaxation()
    began = time.perf_counter()
    out = hm.run(time_limit=limit, gap=0.01)
    return {"lp": lp.objective, "lp_s": lp.seconds, "mip_s": time.perf_counter() - began, "state": out.state,
            "objective": out.objective, "bound": out.bound, "cols": len(model.variables),
            "rows": hm.highs.getNumRow(), "nonzeros": nonzeros}


def instances(quick: bool) -> list[tuple[str, Plan, float]]:
    out: list[tuple[str, Plan, float]] = []
    if EXAMPLE.exists():
        base = scnekit.load(EXAMPLE)
        out += [(f"syria {sc}", base.scenario(sc), 60.0) for sc in base.scenario_ids]
    sys.path.insert(0, str(HERE))
    from generate import generate

    out.append(("generated 200 x 24", scnekit.loads(generate(200)), 60.0))
    if not quick:
        out.append(("generated 1000 x 24", scnekit.loads(generate(1000)), 90.0))
    return out


MODELS = [("running-sum + hull (engine)", Hull), ("essential rows at every size", Essential),
          ("no essential rows", NoEssential), ("running-sum + aggregated", Aggregated),
          ("start-indicator + big-M", StartIndicator)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Syria scenarios and 200 x 24 only")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; HiGHS alone, gap 0.01")
    table = []
    for label, plan, limit in instances(args.quick):
        results = {}
        for name, cls in MODELS:
            r = measure(cls(plan), limit)
            results[name] = r
            print(f"{label:28s} {name:40s} LP {r['lp']:.2f} | {r['state']:9s} J={r['objective']} "
                  f"bound={r['bound']} in {r['mip_s']:.2f} s | {r['cols']} cols {r['rows']} rows "
                  f"{r['nonzeros']} nz", flush=True)
        best = max(r["objective"] for r in results.values() if r["objective"] is not None)
        kind = "best known"
        if plan.phases <= 8 or len(plan.measures) <= 200:  # small enough to prove the optimum
            exact = scnekit.Session().solve(plan, time_limit=120)
            if exact.status == Status.OPTIMAL and exact.objective is not None:
                best, kind = exact.objective, "optimum"
        table.append((label, f"{best:.0f} ({kind})", best, results))
    print()
    print("Reference = the optimum (proved by the engine with gap 0) where it was found in 120 s, else the "
          "best roadmap any model found. LP gap = (LP bound - reference) / reference.")
    print()
    print("| instance | reference | " + " | ".join(f"{n}: LP gap, s to 1 % (status)" for n, _ in MODELS) + " |")
    print("|---|---|" + "---|" * len(MODELS))
    for label, ref, best, results in table:
        cells = []
        for name, _ in MODELS:
            r = results[name]
            gap = (r["lp"] - best) / abs(best) if best else float("nan")
            cells.append(f"{gap:.2%}, {r['mip_s']:.2f} ({r['state']})")
        print(f"| {label} | {ref} | " + " | ".join(cells) + " |")
    last = table[-1][3]
    sizes = "; ".join(f"{n}: {last[n]['cols']} cols, {last[n]['rows']} rows, {last[n]['nonzeros']} nonzeros"
                      for n, _ in MODELS)
    print(f"\nmodel size on {table[-1][0]}: {sizes}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
