"""The ``scnekit`` command: validate and solve scenario files, serve workshops."""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from . import load, solve
from .cli_analyses import add_parsers as add_analysis_parsers
from .cli_analyses import run_compare, run_frontier, run_robust, run_sweep, run_walkaway
from .cli_files import add_parsers as add_file_parsers
from .cli_files import run_convert, run_new, run_schema
from .cli_progress import add_parsers as add_progress_parsers
from .cli_progress import run_replan, run_status
from .cli_report import add_parser as add_report_parser
from .cli_report import run_report
from .engine.formulation import Formulation
from .engine.pulp_compat import write_mps
from .errors import InputError, ScnekitError, UsageError
from .export.text import terminal_safe, text_report
from .limits import DEFAULT as DEFAULT_LIMITS
from .limits import inline
from .model import Plan
from .roadmap import Roadmap, Status

T = TypeVar("T")
EXIT_FOUND, EXIT_INFEASIBLE, EXIT_INPUT, EXIT_UNKNOWN, EXIT_BUG, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130
LIMIT_HELP = ("raise a limit on the input's size, e.g. --limit phases=1000 (repeatable; names and defaults "
              "in docs/FORMAT.md, Limits)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scnekit", description="Plan SCNE roadmaps from scenario files.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    validate = sub.add_parser("validate", help="check a scenario file and report every problem")
    validate.add_argument("file")
    validate.add_argument("--limit", action="append", default=[], metavar="NAME=N", help=LIMIT_HELP)
    run = sub.add_parser("solve", help="solve a scenario and print its roadmap")
    run.add_argument("file")
    run.add_argument("--limit", action="append", default=[], metavar="NAME=N", help=LIMIT_HELP)
    run.add_argument("--scenario", default=None, help="scenario id (default: base)")
    run.add_argument("--format", choices=("table", "json"), default="table")
    run.add_argument("--time-limit", type=float, default=None, metavar="S",
                     help="stop after about S seconds with the best roadmap found")
    run.add_argument("--gap", type=float, default=0.0, metavar="G",
                     help="stop once within this relative gap of the bound (default 0: optimal)")
    run.add_argument("--mps", default=None, metavar="PATH",
                     help="also write the model as an MPS file any solver can read")
    run.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                     help="report better roadmaps on stderr as they are found "
                          "(default: when stderr is a terminal)")
    add_analysis_parsers(sub, LIMIT_HELP)
    add_file_parsers(sub, LIMIT_HELP)
    add_report_parser(sub, LIMIT_HELP)
    add_progress_parsers(sub, LIMIT_HELP)
    workshop = sub.add_parser("workshop", help="serve the dashboard of a scenario file with Voila")
    workshop.add_argument("file")
    workshop.add_argument("--port", type=int, default=8866)
    workshop.add_argument("--host", default="127.0.0.1",
                          help="address to listen on (default 127.0.0.1: this machine only)")
    workshop.add_argument("--limit", action="append", default=[], metavar="NAME=N", help=LIMIT_HELP)
    workshop.add_argument("--max-kernels", type=int, default=None, metavar="N",
                          help="dashboards running at once, one per page load; the next is refused (default 30)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.default_int_handler)  # from here a Ctrl-C is handled below
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except KeyboardInterrupt:
        print("scnekit: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader of stdout went away (``| head``): nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FOUND
    except Exception as err:  # a defect of scnekit's own: said in one line, never a traceback
        if os.environ.get("SCNEKIT_DEBUG"):
            raise
        print(terminal_safe(f"scnekit: internal error ({type(err).__name__}: {err}). This is a defect in "
                            "scnekit: please report it with the file that caused it; SCNEKIT_DEBUG=1 shows "
                            "the traceback."), file=sys.stderr)
        return EXIT_BUG


def _run(args: argparse.Namespace) -> int:
    try:
        if args.command == "validate":
            return _validate(args.file, args.limit)
        if args.command == "solve":
            return _solve(args)
        if args.command == "compare":
            return run_compare(args)
        if args.command == "sweep":
            return run_sweep(args)
        if args.command == "frontier":
            return run_frontier(args)
        if args.command == "walkaway":
            return run_walkaway(args)
        if args.command == "robust":
            return run_robust(args)
        if args.command == "replan":
            return run_replan(args)
        if args.command == "status":
            return run_status(args)
        if args.command == "report":
            return run_report(args)
        if args.command == "convert":
            return run_convert(args)
        if args.command == "new":
            return run_new(args)
        if args.command == "schema":
            return run_schema(args)
        if args.command == "workshop":
            from .workshop import serve

            return serve(args.file, host=args.host, port=args.port, max_kernels=args.max_kernels,
                         limits=args.limit)
    except (InputError, UsageError) as err:
        print(terminal_safe(f"scnekit: {err}"), file=sys.stderr)
        return EXIT_INPUT
    except ScnekitError as err:
        print(terminal_safe(f"scnekit: {err}"), file=sys.stderr)
        return EXIT_UNKNOWN
    return EXIT_INPUT


def _validate(file: str, limits: list[str]) -> int:
    plan = load(file, limits=DEFAULT_LIMITS.with_options(limits))
    scenarios = ", ".join(plan.scenario_ids)
    print(terminal_safe(f"{file}: valid scenario file '{inline(plan.name)}': {len(plan.parties)} parties, "
                        f"{len(plan.measures)} measures, {len(plan.links)} links, {len(plan.milestones)} "
                        f"milestones, {plan.phases} phases; scenarios: {scenarios}"))
    return EXIT_FOUND


def _solve(args: argparse.Namespace) -> int:
    if args.time_limit is not None and not (math.isfinite(args.time_limit) and args.time_limit > 0):
        raise UsageError(f"--time-limit must be a positive number of seconds, got {args.time_limit}")
    if not (math.isfinite(args.gap) and 0 <= args.gap < 1):
        raise UsageError(f"--gap must be a fraction from 0 to 1, got {args.gap}")
    plan = load(args.file, limits=DEFAULT_LIMITS.with_options(args.limit))
    if args.mps:
        _write_mps(plan.scenario(args.scenario), args.mps)
    show = sys.stderr.isatty() if args.progress is None else args.progress
    with Interruption() as interruption:
        roadmap = interruption.run(lambda: solve(plan, args.scenario, args.time_limit, gap=args.gap,
                                                 progress=_report_progress if show else None,
                                                 stop=interruption.requested))
    if interruption.requested():
        print(f"scnekit: stopped on request after {roadmap.seconds:.1f} s; "
              + ("the best roadmap found follows" if roadmap.is_ok else "no roadmap had been found yet"),
              file=sys.stderr)
    if args.format == "json":
        print(json.dumps(roadmap.to_dict(), indent=2))  # ASCII: control characters escaped
    else:
        print(terminal_safe(text_report(roadmap)), end="")
    if roadmap.is_ok:
        return EXIT_FOUND
    return EXIT_INFEASIBLE if roadmap.status == Status.INFEASIBLE else EXIT_UNKNOWN


def _write_mps(plan: Plan, path: str) -> None:
    """The model as an MPS file; a path that cannot be written is a usage error."""
    try:
        write_mps(Formulation(plan).problem, path)
    except UsageError as err:
        raise UsageError(f"--mps: {err}") from None


def _report_progress(roadmap: Roadmap) -> None:
    print(f"scnekit: after {roadmap.seconds:.1f} s, a roadmap with objective {roadmap.objective:g} "
          f"(within {100 * (roadmap.gap or 0.0):.2f} % of the bound); still solving", file=sys.stderr, flush=True)


class Interruption:
    """Ctrl-C during a solve: the first asks the solver to stop and return its best
    roadmap; a second one ends the process at once (the default action of SIGINT)."""

    def __init__(self) -> None:
        self._asked = threading.Event()
        self._installed = False
        self._previous: Any = None

    def requested(self) -> bool:
        return self._asked.is_set()

    def run(self, work: Callable[[], T]) -> T:
        """Run ``work`` on a worker thread while this (main) thread waits in Python, so a
        Ctrl-C is handled at once even while HiGHS runs C++ code without callbacks."""
        result: list[T] = []
        error: list[BaseException] = []

        def target() -> None:
            try:
                result.append(work())
            except BaseException as exc:  # handed to the main thread, raised there
                error.append(exc)

        worker = threading.Thread(target=target, name="scnekit-solve", daemon=True)
        worker.start()
        while worker.is_alive():
            worker.join(0.1)
        if error:
            raise error[0]
        return result[0]

    def __enter__(self) -> Interruption:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._on_sigint)
            self._installed = True
        return self

    def __exit__(self, *exc: object) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)

    def _on_sigint(self, signum: int, frame: object) -> None:
        self._asked.set()
        # the next Ctrl-C must work even while HiGHS runs C++ code and Python cannot
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        # os.write: a handler may run in the middle of a print to stderr
        os.write(2, b"scnekit: stopping at the solver's next check (Ctrl-C again to abort)\n")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
