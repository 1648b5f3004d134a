"""The CLI's analysis commands (ANALYSIS.md): ``scnekit compare`` and ``scnekit sweep``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from typing import Any

from .analysis.compare import compare, exit_status
from .analysis.frontier import MAX_POINTS, frontier
from .analysis.robust import robust
from .analysis.sweep import SweepInterrupted, output_format, sweep, write_rows
from .engine.session import solve
from .errors import UsageError
from .export.text import terminal_safe
from .fileformat.sources import read_plan
from .limits import DEFAULT as DEFAULT_LIMITS
from .model import FORMAT_VERSION, Plan
from .roadmap import Status

EXIT = {Status.OPTIMAL: 0, Status.FEASIBLE: 0, Status.INFEASIBLE: 1, Status.UNKNOWN: 3}
EXIT_INTERRUPTED = 130


def add_parsers(sub: Any, limit_help: str) -> None:
    """Add ``compare`` and ``sweep`` to the CLI's subcommands."""
    comp = sub.add_parser("compare", help="solve several scenarios and say what changes between them")
    comp.add_argument("file")
    comp.add_argument("--scenarios", default="all", help="ids separated by commas, or all (default; base first)")
    comp.add_argument("--format", choices=("table", "json"), default="table")
    comp.add_argument("--time-limit", type=float, default=None, metavar="S", help="for each scenario's solve")
    comp.add_argument("--limit", action="append", default=[], metavar="NAME=N", help=limit_help)
    run = sub.add_parser("sweep", help="solve every combination of varied values, one row per variant")
    run.add_argument("file")
    run.add_argument("--vary", action="append", required=True, metavar="PATH=VALUES",
                     help="a set path and its values: 1,2,5 or start:stop:step (stop included); repeatable")
    run.add_argument("--scenarios", default=None, help="ids separated by commas, or all (default: base)")
    where = run.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=None, metavar="N",
                       help="local worker processes (default: one per core)")
    where.add_argument("--dask", default=None, metavar="ADDRESS",
                       help="run on a Dask cluster, e.g. tcp://127.0.0.1:8786 (needs scnekit[cluster])")
    run.add_argument("--time-limit", type=float, default=None, metavar="S", help="for each variant's solve")
    run.add_argument("--out", required=True, metavar="FILE", help="results: .csv, .parquet or .jsonl")
    run.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                     help="a progress bar on stderr (default: when stderr is a terminal)")
    run.add_argument("--limit", action="append", default=[], metavar="NAME=N", help=limit_help)
    front = sub.add_parser("frontier", help="what each notch of exposure costs: the exact objective/peak frontier")
    front.add_argument("file")
    front.add_argument("--scenario", default=None, help="scenario id (default: base)")
    front.add_argument("--parties", default=None, help="ids separated by commas whose peak counts (default: all)")
    front.add_argument("--max-points", type=int, default=MAX_POINTS, metavar="N", help="stop after N points")
    front.add_argument("--format", choices=("table", "json"), default="table")
    front.add_argument("--time-limit", type=float, default=None, metavar="S", help="for each solve")
    front.add_argument("--limit", action="append", default=[], metavar="NAME=N", help=limit_help)
    rob = sub.add_parser("robust", help="first steps that hold whatever scenario comes true")
    rob.add_argument("file")
    rob.add_argument("--scenarios", required=True, help="ids separated by commas, or all")
    rob.add_argument("--shared", type=int, required=True, metavar="K", help="phases 1..K are the same in all")
    rob.add_argument("--criterion", choices=("worst", "mean"), default="worst")
    rob.add_argument("--format", choices=("table", "json"), default="table")
    rob.add_argument("--time-limit", type=float, default=None, metavar="S", help="for the whole analysis")
    rob.add_argument("--limit", action="append", default=[], metavar="NAME=N", help=limit_help)
    walk = sub.add_parser("walkaway", help="who is tempted to walk away from the roadmap, and when")
    walk.add_argument("file")
    walk.add_argument("--scenario", default=None, help="scenario id (default: base)")
    walk.add_argument("--format", choices=("table", "json"), default="table")
    walk.add_argument("--time-limit", type=float, default=None, metavar="S")
    walk.add_argument("--limit", action="append", default=[], metavar="NAME=N", help=limit_help)


def run_frontier(args: argparse.Namespace) -> int:
    plan = _load(args.file, args.limit)
    found = frontier(plan, args.scenario, args.parties, max_points=args.max_points, time_limit=args.time_limit)
    if args.format == "json":
        print(json.dumps(found.to_dict(), indent=2))
    elif not found.points:
        lines = [f"{plan.name} - scenario '{found.scenario}': no roadmap ({found.status})"]
        lines += [f"  - [{c.rule}] {c.detail}" for c in found.conflicts]
        print(terminal_safe("\n".join(lines)))
    else:
        best = found.points[-1].objective
        lines = [f"{plan.name} - scenario '{found.scenario}': what each notch of exposure costs "
                 f"(peak over {', '.join(found.parties) if len(found.parties) <= 6 else 'all parties'})",
                 f"  {'peak exposure':>13}  {'objective':>10}  {'given up':>9}  measures"]
        lines += [f"  {p.peak_exposure:>13g}  {p.objective:>10g}  {best - p.objective:>9g}  {len(p.roadmap.starts)}"
                  for p in found.points]
        if found.truncated:
            lines.append(f"  (stopped after {len(found.points)} points: --max-points)")
        if found.status != Status.OPTIMAL:
            lines.append("  (a solve was cut short by the time limit: the points may not all be exact)")
        print(terminal_safe("\n".join(lines)))
    return EXIT[Status.OPTIMAL if found.points else found.status]


def run_robust(args: argparse.Namespace) -> int:
    plan = _load(args.file, args.limit)
    answer = robust(plan, args.scenarios, args.shared, args.criterion, time_limit=args.time_limit)
    if args.format == "json":
        print(json.dumps(answer.to_dict(), indent=2))
    else:
        lines = [f"{plan.name}: first steps shared by {', '.join(answer.scenarios)} in phases 1..{answer.shared} "
                 f"({answer.criterion} case): {answer.status}"]
        if answer.status.found:
            steps = ", ".join(f"{s['measure']} (phase {s['start']})" for s in answer.first_steps) or "none"
            lines.append(f"  start with: {steps}")
            lines.append(f"  {answer.criterion} objective {answer.value:g}")
            for sid, part in answer.scenarios.items():
                lines.append(f"  {sid}: objective {part.roadmap.objective:g}, on its own {part.optimum:g}, "
                             f"price {part.price:g}")
        lines += [f"  - {reason}" for reason in answer.reasons]
        print(terminal_safe("\n".join(lines)))
    return EXIT[answer.status]


def run_walkaway(args: argparse.Namespace) -> int:
    plan = _load(args.file, args.limit)
    roadmap = solve(plan, args.scenario, args.time_limit)
    if args.format == "json":
        print(json.dumps({"format": FORMAT_VERSION, "scenario": roadmap.scenario, "roadmap": roadmap.to_dict(),
                          "rows": roadmap.walkaway_dict()}, indent=2))
    elif not roadmap.is_ok:
        print(terminal_safe(f"{plan.name} - scenario '{roadmap.scenario}': no roadmap ({roadmap.status})"))
    else:
        rows = roadmap.walkaway()
        tempted = rows[rows["tempted"]]
        lines = [f"{plan.name} - scenario '{roadmap.scenario}': objective {roadmap.objective:g}"]
        if tempted.empty:
            lines.append("No party gains by walking away before the end: every stake is 0 or more.")
        for party, group in tempted.groupby("party", sort=False):
            records = group.to_dict("records")
            worst = min(records, key=lambda r: r["stake"])
            phases = ", ".join(str(int(r["phase"])) for r in records)
            lines.append(f"  {party} is tempted after phase {phases}: its stake falls to {worst['stake']:g} "
                         f"after phase {int(worst['phase'])} (it has banked {worst['banked']:g} by then)")
        print(terminal_safe("\n".join(lines)))
    return EXIT[roadmap.status]


def run_compare(args: argparse.Namespace) -> int:
    plan = _load(args.file, args.limit)
    result = compare(plan, args.scenarios, time_limit=args.time_limit)
    if args.format == "json":
        print(json.dumps(result.to_dict(), indent=2))
    else:
        lines = [f"{plan.name}: {len(result.roadmaps)} scenarios compared with '{result.reference}'"]
        for sid, roadmap in result.roadmaps.items():
            found = f"objective {roadmap.objective:g}" if roadmap.is_ok else "no roadmap"
            lines.append(f"  {sid}: {roadmap.status}, {found}")
            lines += [f"      [{c.rule}] {c.detail}" for c in roadmap.conflicts]
        lines += ["", *result.sentences()]
        print(terminal_safe("\n".join(lines)))
    return EXIT[exit_status(list(result.roadmaps.values()))]


def run_sweep(args: argparse.Namespace) -> int:
    plan = _load(args.file, args.limit)
    vary = dict(_vary(args.vary))
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers takes a whole number of at least 1, got {args.workers}")
    output_format(args.out)  # before hours of solving, not after
    client = _client(args.dask) if args.dask else None
    try:
        rows = sweep(plan, vary, scenarios=args.scenarios, executor=client, time_limit=args.time_limit,
                     progress=args.progress, workers=args.workers)
    except SweepInterrupted as stop:
        write_rows(stop.rows, args.out)
        print(f"scnekit: interrupted; the {len(stop.rows)} variants solved so far are in {args.out}",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        if client is not None:
            client.close()
    write_rows(rows, args.out)
    counts = rows["status"].value_counts()
    said = ", ".join(f"{n} {status}" for status, n in counts.items())
    print(terminal_safe(f"{plan.name}: {len(rows)} variants ({said}) written to {args.out}"))
    found = {Status(s) for s in rows["status"] if s in set(Status)}
    return EXIT[exit_status_of(found)]


def exit_status_of(statuses: set[Status]) -> Status:
    """A sweep answers when any variant found a roadmap (exit 0)."""
    if any(s.found for s in statuses):
        return Status.OPTIMAL
    return Status.UNKNOWN if Status.UNKNOWN in statuses else Status.INFEASIBLE


def _load(file: str, limits: list[str]) -> Plan:
    chosen = DEFAULT_LIMITS.with_options(limits)
    return read_plan(file, chosen)


def _vary(options: Iterable[str]) -> Iterable[tuple[str, str]]:
    for option in options:
        path, sep, values = option.partition("=")
        if not sep or not path.strip() or not values.strip():
            raise UsageError(f"--vary takes PATH=VALUES, e.g. rules.max_exposure=1:6:1; got {option!r}")
        yield path.strip(), values.strip()


def _client(address: str) -> Any:
    """A Dask client connected to ``address``; a usage error when Dask or the cluster is missing."""
    try:
        from distributed import Client
    except ImportError as err:
        raise UsageError("--dask needs Dask: pip install 'scnekit[cluster]'") from err
    try:
        return Client(address, timeout="10s")  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as err:
        raise UsageError(f"--dask {address}: no Dask scheduler answers there ({err})") from None
