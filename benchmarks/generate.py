"""Deterministic generator of realistic, feasible scenario documents (format v1).

A plan is built as negotiation tracks between pairs of areas of control: each track
is a run of measures in one category (aid, trade, movement, ...) with ``requires``
chains, step-for-step (reciprocal) pairs, now and then an alternative (exclusive)
step, and a milestone over some of its steps. Externals back areas and fund some
steps; a mediator (mandatory opening steps) and civil society take part too.

Feasibility holds by construction: a *witness* roadmap is scheduled first (a
random subset of measures, greedily, within capacity and every link), and the rules
are then set so that the witness keeps them (exposure limits at least its peak,
minimum received at most what it gives, deadlines no earlier than it reaches them).
The limits start from tight base values, so the rules bind for the optimiser, who
wants more measures earlier than the witness has them.

    .venv/bin/python benchmarks/generate.py                 # stats for 200/1000/3000 x 24
    .venv/bin/python benchmarks/generate.py --measures 1000 --out plan.yaml
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

CATEGORIES = ("humanitarian", "trade", "movement", "education", "disaster", "detainees",
              "security", "cyber", "documentation", "return")
SIZES = (200, 1000, 3000)
PHASES = 24

Doc = dict[str, Any]
Starts = dict[str, int]


def _parties(n: int, rng: random.Random) -> tuple[list[Doc], list[str], list[str]]:
    n_areas = 4 + n // 200
    n_ext = 2 + n // 400
    areas = [f"a{i:02d}" for i in range(1, n_areas + 1)]
    externals = [f"x{i:02d}" for i in range(1, n_ext + 1)]
    parties: list[Doc] = []
    for a in areas:
        backers = sorted(rng.sample(externals, k=min(len(externals), rng.choice((1, 1, 2)))))
        parties.append({"id": a, "name": f"Area of control {a}", "kind": "area", "backers": backers})
    parties += [{"id": x, "name": f"External actor {x}", "kind": "external"} for x in externals]
    parties.append({"id": "ose", "name": "Mediator's office", "kind": "mediator"})
    parties.append({"id": "civil", "name": "Civil society", "kind": "civil_society"})
    return parties, areas, externals


def _measure(mid: str, title: str, category: str, by: str, gets: str, backers: dict[str, list[str]],
             rng: random.Random, T: int) -> Doc:
    to: dict[str, int] = {gets: rng.randint(1, 3)}
    if rng.random() < 0.6:
        to["civil"] = rng.randint(1, 2)
    if backers.get(gets) and rng.random() < 0.3:
        to[rng.choice(backers[gets])] = 1
    m: Doc = {"id": mid, "title": title, "category": category, "by": by,
              "cost": rng.choice((1, 1, 2, 2, 2, 3, 3, 4)), "to": to,
              "duration": rng.choices((1, 2, 3), weights=(65, 25, 10))[0]}
    if rng.random() < 0.15:
        m["earliest"] = rng.randint(2, 8)
    if rng.random() < 0.08:
        m["latest"] = rng.randint(T // 2, T)
    return m


def generate(n: int, phases: int = PHASES, seed: int = 0) -> Doc:
    """A feasible scenario document with ``n`` measures over ``phases`` phases."""
    return generate_with_witness(n, phases, seed)[0]


def generate_with_witness(n: int, phases: int = PHASES, seed: int = 0) -> tuple[Doc, Starts]:
    """The document of :func:`generate` and the witness roadmap that keeps all its rules."""
    rng = random.Random(f"scnekit-bench-{n}-{phases}-{seed}")
    T = phases
    parties, areas, externals = _parties(n, rng)
    backers = {p["id"]: p.get("backers", []) for p in parties}
    measures: list[Doc] = []
    links: list[Doc] = []
    tracks: list[list[str]] = []
    # mandatory opening steps by the mediator
    for i in range(max(2, n // 100)):
        m = _measure(f"ose-{i:03d}", f"Mediator opening step {i}", "process", "ose",
                     rng.choice(areas), backers, rng, T)
        m.update(cost=1, duration=1, mandatory=True, latest=rng.randint(2, 4))
        m.pop("earliest", None)
        measures.append(m)
    while len(measures) < n:
        a, b = rng.sample(areas, 2)
        category = rng.choice(CATEGORIES)
        k = len(tracks)
        size = min(rng.randint(4, 12), n - len(measures))
        ids: list[str] = []
        j = 0
        while j < size:
            # a step-for-step pair (a and b each give one step) or a single step
            pair = j + 1 < size and rng.random() < 0.45
            first = len(ids)
            # a single step: mostly by the track's first area (tracks are not symmetric:
            # one side tends to give more), sometimes by the other, or by an external
            single = rng.choices(((a, b), (b, a), ("ext", "")), weights=(6, 2, 2))[0]
            for side in ((a, b), (b, a)) if pair else (single,):
                by, gets = side
                if by == "ext":
                    by, gets = rng.choice(backers[a] or externals), rng.choice((a, b))
                mid = f"t{k:04d}-{len(ids):02d}"
                measures.append(_measure(mid, f"{category.capitalize()} step {len(ids)} of track {k}"
                                         f" ({by} for {gets})", category, by, gets, backers, rng, T))
                ids.append(mid)
            if pair:
                ma, mb = measures[-2], measures[-1]
                mb["duration"] = ma["duration"]
                mb.pop("earliest", None)
                mb["latest"] = ma.get("latest", T)
                links.append({"kind": "reciprocal", "measures": [ma["id"], mb["id"]],
                              "within": rng.choice((0, 0, 1))})
            # requires: on one earlier step of the track (never the pair partner)
            if first > 0 and rng.random() < 0.5:
                req = ids[rng.randint(max(0, first - 3), first - 1)]
                for mid in ids[first:]:
                    next(m for m in measures if m["id"] == mid)["requires"] = [req]
            j += 2 if pair else 1
        if len(ids) >= 3 and rng.random() < 0.25:
            links.append({"kind": "exclusive", "measures": rng.sample(ids[-3:], 2)})
        tracks.append(ids)
    doc: Doc = {
        "scnekit": 1,
        "name": f"Generated plan {n} x {T} (seed {seed})",
        "description": "Synthetic benchmark plan from benchmarks/generate.py",
        "horizon": {"phases": T},
        "parties": parties,
        "measures": measures,
        "links": _drop_conflicting_exclusive(links),
    }
    # tight exposure limits first; the witness keeps them, so they stay as they are
    limits = {**{a: float(rng.randint(0, 2)) for a in areas}, "ose": 3.0, "default": 3.0}
    witness = schedule_witness(doc, rng, limits)
    _set_rules(doc, tracks, areas, externals, witness, rng, limits)
    return doc, witness


def _drop_conflicting_exclusive(links: list[Doc]) -> list[Doc]:
    """An exclusive pair inside one reciprocal pair would kill both: drop it."""
    recip = [set(ln["measures"]) for ln in links if ln["kind"] == "reciprocal"]
    return [ln for ln in links if ln["kind"] == "reciprocal"
            or not any(set(ln["measures"]) <= r for r in recip)]


def schedule_witness(doc: Doc, rng: random.Random, limits: dict[str, float]) -> Starts:
    """A random roadmap that keeps the structural rules (windows, requires, links), the
    exposure ``limits`` and a capacity that is then written into ``doc``."""
    T = doc["horizon"]["phases"]
    measures = {m["id"]: m for m in doc["measures"]}
    partner: dict[str, list[str]] = {}
    for ln in doc["links"]:
        if ln["kind"] == "reciprocal":
            for x in ln["measures"]:
                partner[x] = [y for y in ln["measures"] if y != x]
    rivals: dict[str, set[str]] = {}
    for ln in doc["links"]:
        if ln["kind"] == "exclusive":
            for x in ln["measures"]:
                rivals.setdefault(x, set()).update(y for y in ln["measures"] if y != x)
    parties = [p["id"] for p in doc["parties"]]
    exposure = {p: [0.0] * (T + 2) for p in parties}
    excluded: set[str] = set()
    total_work = sum(m["duration"] for m in doc["measures"])
    capacity = max(4, math.ceil(0.7 * total_work / T))
    load = [0] * (T + 2)
    starts: Starts = {}
    for mid, m in measures.items():
        if mid in starts or mid in excluded:
            continue
        group = [mid, *partner.get(mid, [])]
        if not m.get("mandatory") and rng.random() > 0.7:
            excluded.update(group)
            continue
        if any(p not in starts for g in group for p in measures[g].get("requires", [])) or any(
                r in starts for g in group for r in rivals.get(g, ())):
            excluded.update(group)
            continue
        lo = max(max([measures[g].get("earliest", 1),
                      *(starts[p] + measures[p]["duration"] for p in measures[g].get("requires", []))])
                 for g in group)
        hi = min(min(measures[g].get("latest", T), T - measures[g]["duration"] + 1) for g in group)
        for s in range(lo, hi + 1):
            if all(load[t] + len(group) <= capacity for t in range(s, s + m["duration"])) and (
                    m.get("mandatory") or _keeps(exposure, limits, [(measures[g], s) for g in group], T)):
                for g in group:
                    starts[g] = s
                    _book(exposure, measures[g], s, T)
                for t in range(s, s + m["duration"]):
                    load[t] += len(group)
                break
        else:
            if m.get("mandatory"):
                raise RuntimeError(f"mandatory {mid} does not fit")
            excluded.update(group)
    doc["horizon"]["capacity"] = capacity
    return starts


def _book(exposure: dict[str, list[float]], m: Doc, s: int, T: int, sign: float = 1.0) -> None:
    """Add measure ``m`` started at ``s`` to every party's exposure E_p(t)."""
    for t in range(s, T + 1):
        exposure[m["by"]][t] += sign * m["cost"]
    for p, v in m["to"].items():
        for t in range(s + m["duration"] - 1, T + 1):
            exposure[p][t] -= sign * v


def _keeps(exposure: dict[str, list[float]], limits: dict[str, float], group: list[tuple[Doc, int]],
           T: int) -> bool:
    """Whether the group, started as given, keeps every exposure limit."""
    for m, s in group:
        _book(exposure, m, s, T)
    givers = {m["by"] for m, _ in group}  # only an implementer's exposure can grow
    ok = all(max(exposure[p][1:T + 1]) <= limits.get(p, limits["default"]) + 1e-9 for p in givers)
    for m, s in group:
        _book(exposure, m, s, T, -1.0)
    return ok


def _ledger(doc: Doc, starts: Starts) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Received R_p(t) and exposure E_p(t) of ``starts``, t = 1..T."""
    T = doc["horizon"]["phases"]
    got = {p["id"]: [0.0] * (T + 2) for p in doc["parties"]}
    gave = {p["id"]: [0.0] * (T + 2) for p in doc["parties"]}
    for m in doc["measures"]:
        s = starts.get(m["id"])
        if s is None:
            continue
        gave[m["by"]][s] += m["cost"]
        for p, v in m["to"].items():
            got[p][s + m["duration"] - 1] += v
    received = {p: _cumsum(v)[1:T + 1] for p, v in got.items()}
    exposure = {p: [g - r for g, r in zip(_cumsum(gave[p])[1:T + 1], received[p], strict=True)]
                for p in gave}
    return received, exposure


def _cumsum(xs: list[float]) -> list[float]:
    out, acc = [], 0.0
    for x in xs:
        acc += x
        out.append(acc)
    return out


def _set_rules(doc: Doc, tracks: list[list[str]], areas: list[str], externals: list[str],
               witness: Starts, rng: random.Random, target: dict[str, float]) -> None:
    T = doc["horizon"]["phases"]
    measures = {m["id"]: m for m in doc["measures"]}
    received, exposure = _ledger(doc, witness)
    limits: dict[str, float] = {}
    for p in [*areas, "ose"]:
        limits[p] = float(max(target[p], math.ceil(max(exposure[p]))))
    limits["default"] = float(max(target["default"], *(math.ceil(max(exposure[x])) for x in externals)))
    rules: Doc = {"max_exposure": limits}
    chosen = rng.sample(areas, k=max(1, len(areas) // 2))
    rules["min_received"] = {p: float(math.floor(0.9 * received[p][-1])) for p in sorted(chosen)}
    among = sorted(rng.sample(areas, k=min(4, len(areas))))
    got = [received[p][-1] for p in among]
    rules["balance"] = {"among": among, "max_gap": float(max(4, math.ceil(max(got) - min(got))))}
    doc["rules"] = rules
    milestones: list[Doc] = []
    for k, ids in enumerate(tracks):
        if len(ids) < 3 or rng.random() < 0.3:
            continue
        members = sorted(rng.sample(ids, k=rng.randint(2, min(6, len(ids)))))
        mode = rng.choice(("all", "any", "at_least", "at_least"))
        ms: Doc = {"id": f"m{k:04d}", "title": f"Milestone of track {k}",
                   "weight": rng.choice((2, 3, 4, 5, 6, 8))}
        if mode == "at_least" and len(members) >= 3:
            count = rng.randint(2, len(members) - 1)
            ms["at_least"] = {"count": count, "of": members}
        elif mode == "any":
            count = 1
            ms["any"] = members
        else:
            count = len(members)
            ms["all"] = members
        done = sorted(witness[x] + measures[x]["duration"] - 1 for x in members if x in witness)
        if len(done) >= count and rng.random() < 0.5:
            ms["deadline"] = min(T, done[count - 1] + rng.randint(0, 2))
        milestones.append(ms)
    doc["milestones"] = milestones
    doc["objective"] = {"benefit": 1, "milestones": 1}


def stats(doc: Doc) -> dict[str, Any]:
    """Counts that say what kind of plan ``doc`` is."""
    links = doc.get("links", [])
    ms = doc.get("milestones", [])
    return {
        "measures": len(doc["measures"]), "phases": doc["horizon"]["phases"],
        "parties": len(doc["parties"]), "capacity": doc["horizon"].get("capacity"),
        "requires": sum(len(m.get("requires", [])) for m in doc["measures"]),
        "reciprocal": sum(ln["kind"] == "reciprocal" for ln in links),
        "exclusive": sum(ln["kind"] == "exclusive" for ln in links),
        "milestones": len(ms), "deadlines": sum("deadline" in k for k in ms),
        "mandatory": sum(bool(m.get("mandatory")) for m in doc["measures"]),
    }


def binding(doc: Doc, gap: float = 0.001, limit: float = 60.0) -> dict[str, Any]:
    """Which rule families bind: drop each, re-solve (within ``gap``), and report how much
    the objective grows and how many of the dropped rule's rows the new optimum breaks."""
    import copy

    import reference

    import scnekit

    def best(d: Doc) -> tuple[float | None, dict[str, int]]:
        roadmap = scnekit.Session().solve(scnekit.loads(d), gap=gap, time_limit=limit)
        bad = reference.evaluate(doc, dict(roadmap.starts))[0] if roadmap.objective is not None else []
        kinds: dict[str, int] = {}
        for b in bad:
            kind = b.split(":")[0].split()[0]
            kinds[kind] = kinds.get(kind, 0) + 1
        return roadmap.objective, kinds

    base, _ = best(doc)
    out: dict[str, Any] = {"objective": base}
    for name, kind in (("capacity", "capacity"), ("max_exposure", "exposure"), ("min_received", "min_received"),
                       ("balance", "balance"), ("deadlines", "deadline")):
        d = copy.deepcopy(doc)
        if name == "capacity":
            d["horizon"].pop("capacity")
        elif name == "deadlines":
            for k in d["milestones"]:
                k.pop("deadline", None)
        else:
            d["rules"].pop(name, None)
        j, broken = best(d)
        grows = None if j is None or base is None else round((j - base) / base, 4)
        out[f"without {name}"] = {"objective_grows": grows, "rows_broken": broken.get(kind, 0)}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measures", type=int, nargs="*", default=list(SIZES))
    parser.add_argument("--phases", type=int, default=PHASES)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="write the (single) plan here")
    parser.add_argument("--quick", action="store_true", help="only the 200-measure plan")
    parser.add_argument("--bind", action="store_true",
                        help="also solve each plan without each rule family (gap 0.1%%): which bind")
    args = parser.parse_args()
    import reference

    import scnekit

    sizes = [200] if args.quick else args.measures
    for n in sizes:
        began = time.perf_counter()
        doc, witness = generate_with_witness(n, args.phases, args.seed)
        made = time.perf_counter() - began
        bad, J, _, exposure = reference.evaluate(doc, witness)
        scnekit.loads(doc)  # valid format v1
        limits = doc["rules"]["max_exposure"]
        at_limit = sum(1 for p, row in exposure.items() if p in limits
                       and max(row) >= limits[p] - 1e-9)
        print(json.dumps({**stats(doc), "generate_s": round(made, 2), "witness_scheduled": len(witness),
                          "witness_violations": len(bad), "witness_objective": J,
                          "parties_at_exposure_limit_in_witness": at_limit}))
        if bad:
            print("witness violates:", bad[:5], file=sys.stderr)
            return 1
        if args.bind:
            print(json.dumps({"measures": n, **binding(doc)}))
        if args.out:
            text = (json.dumps(doc) if args.out.suffix == ".json"
                    else yaml.safe_dump(doc, sort_keys=False))
            args.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
