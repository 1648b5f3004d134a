"""``scnekit report``: a briefing of a scenario's roadmap as HTML, Markdown or an Excel workbook."""

from __future__ import annotations

import argparse
import math
import os
from pathlib import Path
from typing import Any

from . import load
from .analysis.compare import compare, scenario_list
from .analysis.implementation import implementation
from .errors import UsageError
from .export.briefing import briefing_format
from .export.text import terminal_safe
from .fileformat.progress import read_progress
from .fileformat.writing import write_text_atomic
from .limits import DEFAULT as DEFAULT_LIMITS
from .limits import inline
from .roadmap import Status

EXIT = {Status.OPTIMAL: 0, Status.FEASIBLE: 0, Status.INFEASIBLE: 1, Status.UNKNOWN: 3}


def add_parser(sub: Any, limit_help: str) -> None:
    """Add ``report`` to the CLI's subcommands."""
    report = sub.add_parser("report", help="write a briefing of a roadmap: .html (one offline page), .md or .xlsx")
    report.add_argument("file")
    report.add_argument("--scenario", action="append", default=[], metavar="ID",
                        help="scenario id (default: base); repeat it (or give ids separated by commas) to add a "
                             "comparison of the other scenarios with the first")
    report.add_argument("--out", required=True, metavar="FILE",
                        help="the briefing; its suffix says the format: .html, .md or .xlsx")
    report.add_argument("--progress", default=None, metavar="P",
                        help="a progress record (YAML or JSON): brief on the re-planned roadmap, with a section on "
                             "implementation so far")
    report.add_argument("--time-limit", type=float, default=None, metavar="S", help="for each scenario's solve")
    report.add_argument("--limit", action="append", default=[], metavar="NAME=N", help=limit_help)


def run_report(args: argparse.Namespace) -> int:
    """Solve the chosen scenarios and write the briefing of the first (comparing it with the others).

    Returns 0 when the first scenario has a roadmap, 1 when it is infeasible (the briefing
    then says why), 3 when the time limit ran out first. An unknown suffix or a path that
    cannot be written is a :class:`UsageError`, raised before anything is solved."""
    kind = briefing_format(args.out)
    _check_writable(args.out)
    if args.time_limit is not None and not (math.isfinite(args.time_limit) and args.time_limit > 0):
        raise UsageError(f"--time-limit must be a positive number of seconds, got {args.time_limit}")
    plan = load(args.file, limits=DEFAULT_LIMITS.with_options(args.limit))
    given = [s.strip() for option in args.scenario for s in option.split(",") if s.strip()]
    chosen = scenario_list(plan, given) if given else ["base"]
    roadmaps = list(compare(plan, chosen, time_limit=args.time_limit).roadmaps.values())
    first, others = roadmaps[0], roadmaps[1:]
    done = None
    if args.progress is not None:
        done = implementation(plan, read_progress(args.progress, plan, plan.limits), chosen[0],
                              time_limit=args.time_limit)
        first = done.replan.roadmap
    if kind == "excel":
        first.to_excel(args.out, compare_with=others, implementation=done)
    else:
        text = (first.to_html(compare_with=others, implementation=done) if kind == "html"
                else first.to_markdown(compare_with=others, implementation=done))
        write_text_atomic(args.out, text)
    what = "a roadmap" if first.is_ok else f"no roadmap ({first.status})"
    compared = f", compared with {', '.join(r.scenario for r in others)}" if others else ""
    print(terminal_safe(f"{inline(plan.name)} - scenario '{first.scenario}': {what}{compared}; "
                        f"briefing written to {args.out}"))
    return EXIT[first.status]


def _check_writable(out: str) -> None:
    """Refuse, before solving, a path whose folder is missing or not writable, or that is a folder."""
    path = Path(out)
    folder = path.parent
    if path.is_dir():
        raise UsageError(f"--out {out!r} is a folder; give a file name ending in .html, .md or .xlsx")
    if not folder.is_dir():
        raise UsageError(f"cannot write {out!r}: the folder {os.fspath(folder)!r} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UsageError(f"cannot write {out!r}: permission denied")
