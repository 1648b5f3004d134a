"""The ``scnekit`` commands of a roadmap under way: ``replan`` (the rest re-planned from a
progress record) and ``status`` (the implementation report)."""

from __future__ import annotations

import argparse
import json
import math

from .analysis.implementation import implementation
from .analysis.replan import replan
from .errors import InputError, Problem, UsageError
from .export.progress_text import replan_text, status_text
from .export.text import terminal_safe
from .fileformat.documents import read_document
from .fileformat.progress import progress_of, read_progress
from .fileformat.sources import read_plan
from .history import Progress
from .limits import DEFAULT as DEFAULT_LIMITS
from .model import Plan
from .roadmap import Status

EXIT_FOUND, EXIT_INFEASIBLE, EXIT_UNKNOWN = 0, 1, 3


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser], limit_help: str) -> None:
    """Add ``replan`` and ``status`` to the command's sub-commands."""
    for name, text in (("replan", "re-plan the rest of a roadmap under way from its progress record"),
                       ("status", "report a roadmap's implementation: done, late, failed, on track; and the re-plan")):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("file")
        cmd.add_argument("--progress", default=None, metavar="P",
                         help="the progress record (YAML or JSON); default: the file's own 'progress' section")
        cmd.add_argument("--scenario", default=None, help="scenario id (default: base)")
        cmd.add_argument("--revises", default=None, metavar="ROADMAP.json",
                         help="the roadmap being revised, as `scnekit solve --format json` wrote it "
                              "(default: the record's 'roadmap', else the scenario's optimum)")
        cmd.add_argument("--format", choices=("table", "json"), default="table")
        cmd.add_argument("--time-limit", type=float, default=None, metavar="S", help="bound each solve to S seconds")
        cmd.add_argument("--limit", action="append", default=[], metavar="NAME=N", help=limit_help)
        if name == "replan":
            cmd.add_argument("--max-moves", type=int, default=None, metavar="K",
                             help="the best roadmap that moves at most K measures of the roadmap revised "
                                  "(beyond those the past forces to move)")


def run_replan(args: argparse.Namespace) -> int:
    plan, progress, revised = _inputs(args)
    result = replan(plan, progress, args.scenario, revised=revised, max_moves=args.max_moves,
                    time_limit=args.time_limit)
    if args.format == "json":
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(terminal_safe(replan_text(result)), end="")
    return _exit(result.roadmap.status)


def run_status(args: argparse.Namespace) -> int:
    plan, progress, revised = _inputs(args)
    report = implementation(plan, progress, args.scenario, revised=revised, time_limit=args.time_limit)
    if args.format == "json":
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(terminal_safe(status_text(report)), end="")
    return _exit(report.replan.roadmap.status)


def _inputs(args: argparse.Namespace) -> tuple[Plan, Progress, dict[str, int] | None]:
    if args.time_limit is not None and not (math.isfinite(args.time_limit) and args.time_limit > 0):
        raise UsageError(f"--time-limit must be a positive number of seconds, got {args.time_limit}")
    limits = DEFAULT_LIMITS.with_options(args.limit)
    plan = read_plan(args.file, limits)
    if args.progress is not None:
        progress = read_progress(args.progress, plan, limits)
    else:
        found = progress_of(plan)
        if found is None:
            raise UsageError(f"{args.file} has no 'progress' section: give the record with --progress P "
                             "(docs/FORMAT.md, Progress)")
        progress = found
    revised = _revised(args.revises, plan) if args.revises else None
    return plan, progress, revised


def _revised(path: str, plan: Plan) -> dict[str, int]:
    """The schedule of a roadmap JSON (FORMAT.md section 4), checked against the plan."""
    document = read_document(path, DEFAULT_LIMITS)
    rows = document.get("schedule") if isinstance(document, dict) else None
    if not isinstance(rows, list):
        raise InputError([Problem("schedule", "a roadmap JSON as `scnekit solve --format json` writes it has a "
                                              "'schedule' list", path)])
    out: dict[str, int] = {}
    problems = []
    for i, row in enumerate(rows):
        mid = row.get("measure") if isinstance(row, dict) else None
        start = row.get("start") if isinstance(row, dict) else None
        if mid not in plan.measure_by_id:
            problems.append(Problem(f"schedule[{i}].measure", f"no measure {mid!r} in the plan", path))
        elif isinstance(start, bool) or not isinstance(start, int) or not 1 <= start <= plan.phases:
            problems.append(Problem(f"schedule[{i}].start", f"must be a phase from 1 to {plan.phases}", path))
        else:
            out[mid] = start
    if problems:
        raise InputError(problems)
    return out


def _exit(status: Status) -> int:
    if status.found:
        return EXIT_FOUND
    return EXIT_INFEASIBLE if status == Status.INFEASIBLE else EXIT_UNKNOWN
