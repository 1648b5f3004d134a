"""Sweep variants (ANALYSIS.md section 2): the product of ``set`` values, per scenario,
solved on local processes, any ``concurrent.futures`` executor or a Dask cluster.

What goes to a worker is small: the scenario document, its limits and a chunk of
variants (scenario id and values). Each worker process keeps one
:class:`~scnekit.engine.session.Session` per document, so variants that change only
bounds (limits, capacity, availability, ...) re-solve the model it already holds; each
solve starts afresh otherwise (``Session(history=False)``), so where a variant has several
optimal roadmaps the one reported does not depend on which variants the worker solved
before. Rows come back in the order of the variants, whatever order the executor
finishes them in, so the result does not depend on the executor (with a ``time_limit``,
a variant cut short depends on the machine's speed, as any timed solve does).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
import yaml
from tqdm import tqdm

from scnekit.engine.session import Session, check_arguments
from scnekit.errors import InputError, ScnekitError, UsageError
from scnekit.fileformat.scenarios import variant
from scnekit.fileformat.validate import check_set_paths, parse_plan
from scnekit.limits import Limits
from scnekit.model import Plan
from scnekit.roadmap import Roadmap

from .compare import scenario_list

#: Status of a variant whose values the format refuses (beside the solver's statuses).
INVALID = "invalid"
BASE_COLUMNS = ["status", "objective", "gap", "seconds", "error"]


class ClusterClient(Protocol):
    """What scnekit needs of a ``dask.distributed.Client``."""

    def get_executor(self, **kwargs: Any) -> Executor: ...


@dataclass(frozen=True)
class Task:
    """A chunk of variants for one worker: the document (not a built model) and the values."""

    key: str  # identifies the document, so a worker keeps one Session per plan
    document: Mapping[str, Any]
    file: str | None
    limits: Limits
    paths: tuple[str, ...]
    variants: tuple[tuple[int, str, tuple[Any, ...]], ...]  # (row, scenario, values)
    time_limit: float | None


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C during a sweep: ``rows`` holds the variants solved so far (a DataFrame)."""

    def __init__(self, rows: pd.DataFrame) -> None:
        super().__init__(f"sweep interrupted after {len(rows)} variants")
        self.rows = rows


def sweep(plan: Plan, vary: Mapping[str, Sequence[Any] | str], *, scenarios: Sequence[str] | str | None = None,
          executor: Executor | ClusterClient | None = None, time_limit: float | None = None,
          progress: bool | Callable[[int, int], None] | None = None, workers: int | None = None) -> pd.DataFrame:
    """Solve every combination of ``vary``'s values under each scenario; one row per variant.

    ``vary`` maps a ``set`` path to its values (a list, or text as on the CLI: ``1,2,5`` or
    ``start:stop:step``, stop included). ``scenarios``: ``None`` for ``base``, ``"all"``,
    or ids. ``executor``: any ``concurrent.futures.Executor`` or a ``dask.distributed.Client``;
    by default local processes, ``workers`` of them (one per core). ``progress``: a bar on
    stderr (``None``: when stderr is a terminal), or a callable told ``(done, total)``.

    A variant the format refuses is a row with status ``invalid``, a failed solve a row
    with status ``unknown``, each with its ``error``; neither ends the sweep. Ctrl-C raises
    :class:`SweepInterrupted` carrying the rows solved so far.
    """
    values = {path: parse_values(v) if isinstance(v, str) else list(v) for path, v in vary.items()}
    if not values or any(not v for v in values.values()):
        raise UsageError("vary needs at least one path, each with at least one value")
    check_set_paths(plan, values, where="vary")
    check_arguments(plan, time_limit=time_limit)
    base = plan if plan.scenario_id == "base" else plan.scenario("base")
    chosen = ["base"] if scenarios is None else scenario_list(base, scenarios)
    paths = tuple(values)
    variants = [(sid, combo) for sid in chosen for combo in itertools.product(*values.values())]
    milestones = [k.id for k in base.milestones]
    rows: list[dict[str, Any] | None] = [None] * len(variants)
    owned, pool = _executor(executor, workers)
    tasks = _tasks(base, paths, variants, time_limit, _slots(pool, workers))
    bar = _bar(progress, len(variants))
    finished = False
    try:
        for chunk in _run(pool, tasks, cancel=not owned):
            for row in chunk:
                rows[row.pop("row")] = row
            bar(sum(r is not None for r in rows))
        finished = True
    except KeyboardInterrupt:
        raise SweepInterrupted(_frame([r for r in rows if r is not None], paths, milestones)) from None
    finally:
        bar(None)
        if owned:
            _shut(pool, at_once=not finished)
    return _frame([r for r in rows if r is not None], paths, milestones)


def parse_values(text: str) -> list[Any]:
    """``1,2,5`` (each a YAML scalar: numbers, true/false, text) or ``start:stop:step``
    (numbers, stop included)."""
    text = text.strip()
    if ":" in text and "," not in text:
        parts = text.split(":")
        try:
            start, stop, *rest = (Decimal(p) for p in parts)
            step = rest[0] if rest else Decimal(1)
        except (InvalidOperation, ValueError):
            raise UsageError(f"{text!r}: a range is start:stop:step with numbers") from None
        if len(parts) > 3 or step <= 0 or stop < start or not all(x.is_finite() for x in (start, stop, step)):
            raise UsageError(f"{text!r}: a range is start:stop:step with step > 0 and stop >= start")
        count = int((stop - start) / step) + 1
        if count > 100_000:
            raise UsageError(f"{text!r} gives {count:,} values; at most 100,000")
        numbers = [start + i * step for i in range(count)]
        return [int(x) if x == x.to_integral_value() else float(x) for x in numbers]
    out = []
    for token in text.split(","):
        if not token.strip():
            raise UsageError(f"{text!r}: an empty value")
        out.append(yaml.safe_load(token.strip()))
    return out


def solve_task(task: Task) -> list[dict[str, Any]]:
    """Solve a chunk of variants in this process (a worker's entry point)."""
    plan, session = _session(task)
    out = []
    for row, scenario, combo in task.variants:
        overrides = dict(zip(task.paths, combo, strict=True))
        began = time.perf_counter()
        record: dict[str, Any] = {"row": row, "scenario": scenario, **overrides}
        try:
            roadmap = session.solve(variant(plan, scenario, set=overrides, name=scenario),
                                    time_limit=task.time_limit)
        except InputError as err:
            record.update(status=INVALID, seconds=time.perf_counter() - began, error=_invalid(err, scenario))
        except ScnekitError as err:
            record.update(status="unknown", seconds=time.perf_counter() - began, error=str(err))
        else:
            record.update(_result(roadmap))
        out.append(record)
    return out


# -- in a worker -------------------------------------------------------------------------

# One Session per plan and per thread: a thread pool or a Dask worker with several threads
# runs tasks side by side, and a Session (its HiGHS model) serves one solve at a time.
_LOCAL = threading.local()


def _session(task: Task) -> tuple[Plan, Session]:
    """This thread's plan and Session for the task's document (kept for the next task)."""
    sessions: dict[str, tuple[Plan, Session]] = _LOCAL.__dict__.setdefault("sessions", {})
    if task.key not in sessions:
        if len(sessions) >= 4:
            sessions.pop(next(iter(sessions)))
        # no history: a variant's roadmap must not depend on what this worker solved before
        sessions[task.key] = (parse_plan(task.document, task.file, task.limits), Session(history=False))
    return sessions[task.key]


def _invalid(err: InputError, scenario: str) -> str:
    """Why the format refuses a variant, in the words of its values (not of a file's path)."""
    said = f"in scenario '{scenario}' the overrides make "
    return "; ".join(p.message.replace(said, "the varied values make ") if p.message.startswith(said)
                     else f"{p.path}: {p.message}" if p.path else p.message for p in err.problems)


def _result(roadmap: Roadmap) -> dict[str, Any]:
    record: dict[str, Any] = {"status": str(roadmap.status), "objective": roadmap.objective,
                              "gap": roadmap.gap if roadmap.is_ok else None, "seconds": roadmap.seconds,
                              "error": "; ".join(c.detail for c in roadmap.conflicts) or None}
    for k in roadmap.plan.milestones:
        record[f"achieved:{k.id}"] = roadmap.achieved.get(k.id) if roadmap.is_ok else None
    return record


def _quiet_worker() -> None:
    """Workers leave Ctrl-C to the process that runs the sweep (it stops them)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


# -- in the process that runs the sweep ----------------------------------------------------

def _executor(executor: Executor | ClusterClient | None, workers: int | None) -> tuple[bool, Executor]:
    """The executor to use, and whether the sweep made it (and must shut it down)."""
    if executor is None:
        count = workers or os.cpu_count() or 1
        method = "forkserver" if sys.platform == "linux" else "spawn"
        return True, ProcessPoolExecutor(count, mp_context=multiprocessing.get_context(method),
                                         initializer=_quiet_worker)
    if isinstance(executor, Executor):
        return False, executor
    if hasattr(executor, "get_executor"):
        return False, executor.get_executor()
    raise UsageError(f"executor must be a concurrent.futures.Executor or a dask.distributed.Client, "
                     f"got {type(executor).__name__}")


def _slots(pool: Executor, workers: int | None) -> int:
    found = getattr(pool, "_max_workers", None)
    if isinstance(found, int):
        return found
    client = getattr(pool, "_client", None)  # a Dask ClientExecutor
    if client is not None:
        try:
            return max(1, int(sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values())))
        except (KeyError, AttributeError, TypeError, OSError):
            return workers or 2
    return workers or os.cpu_count() or 1


def _tasks(plan: Plan, paths: tuple[str, ...], variants: list[tuple[str, tuple[Any, ...]]],
           time_limit: float | None, slots: int) -> list[Task]:
    """Chunks of variants in order: at most four, so that every worker stays busy, the
    progress bar moves and Ctrl-C loses little; at least one, so that tiny plans do not
    pay a dispatch per variant."""
    document = dict(plan.document)
    key = hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()
    size = max(1, min(4, math.ceil(len(variants) / (4 * slots))))
    numbered = [(i, sid, combo) for i, (sid, combo) in enumerate(variants)]
    return [Task(key, document, plan.path, plan.limits, paths, tuple(numbered[i:i + size]), time_limit)
            for i in range(0, len(numbered), size)]


def _run(pool: Executor, tasks: list[Task], cancel: bool) -> Iterator[list[dict[str, Any]]]:
    """Each task's rows as it finishes; a task that fails gives rows that say why. If the
    caller stops early, the tasks not started are cancelled where ``cancel`` says so."""
    pending: dict[Future[list[dict[str, Any]]], Task] = {pool.submit(solve_task, t): t for t in tasks}
    try:
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED, timeout=0.5)
            for future in done:
                task = pending.pop(future)
                try:
                    yield future.result()
                except Exception as exc:  # a worker that died or broke: its variants say so
                    yield [{"row": row, "scenario": sid, **dict(zip(task.paths, combo, strict=True)),
                            "status": "unknown", "error": f"the worker failed: {type(exc).__name__}: {exc}"}
                           for row, sid, combo in task.variants]
    finally:
        if cancel:
            for future in pending:
                future.cancel()


def _shut(pool: Executor, at_once: bool) -> None:
    """Shut down a pool the sweep made; ``at_once``: without waiting for variants still running.

    Its processes are stopped first and nothing is cancelled: the pool then fails every
    waiting task itself. (Python 3.11's pool, finding a task cancelled as it breaks, raises
    in its own thread and leaves a queue that blocks the interpreter's exit.)
    """
    if at_once and isinstance(pool, ProcessPoolExecutor):
        for process in list(getattr(pool, "_processes", {}).values()):
            if process.is_alive():
                process.terminate()
    pool.shutdown(wait=True)


def _bar(progress: bool | Callable[[int, int], None] | None, total: int) -> Callable[[int | None], None]:
    """A function told the number of variants done (None at the end)."""
    if callable(progress):
        told = progress
        return lambda done: None if done is None else told(done, total)
    show = sys.stderr.isatty() if progress is None else progress
    bar = tqdm(total=total, unit="variant", desc="sweep", file=sys.stderr, disable=not show, smoothing=0.1)

    def update(done: int | None) -> None:
        if done is None:
            bar.close()
        else:
            bar.update(done - bar.n)

    return update


def _frame(rows: Iterable[dict[str, Any]], paths: tuple[str, ...], milestones: list[str]) -> pd.DataFrame:
    columns = ["scenario", *paths, *BASE_COLUMNS, *(f"achieved:{k}" for k in milestones)]
    frame = pd.DataFrame(list(rows), columns=columns)
    for k in milestones:
        frame[f"achieved:{k}"] = frame[f"achieved:{k}"].astype("Int64")
    return frame.astype({"objective": "float64", "gap": "float64", "seconds": "float64"})


def _one_type_per_column(rows: pd.DataFrame) -> pd.DataFrame:
    """Parquet holds one type per column: a varied column whose values mix types (``1`` and
    ``x`` for an invalid variant) is written as text."""
    out = rows.copy()
    for column in out.columns:
        kinds = {type(v) for v in out[column] if v is not None and not (isinstance(v, float) and math.isnan(v))}
        if out[column].dtype == object and len(kinds) > 1:
            out[column] = [None if v is None else str(v) for v in out[column]]
    return out


def output_format(path: str) -> str:
    """``csv``, ``parquet`` or ``jsonl`` by the file's ending; a usage error otherwise, or
    when Parquet is asked for without pyarrow."""
    lower = path.lower()
    kind = ("csv" if lower.endswith(".csv") else "parquet" if lower.endswith(".parquet")
            else "jsonl" if lower.endswith((".jsonl", ".ndjson")) else None)
    if kind is None:
        raise UsageError(f"--out {path}: the name must end in .csv, .parquet or .jsonl")
    if kind == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError as err:
            raise UsageError("writing Parquet needs pyarrow: pip install 'scnekit[parquet]'") from err
    return kind


def write_rows(rows: pd.DataFrame, path: str) -> None:
    """Write sweep rows as CSV, Parquet or JSON Lines, by the file's ending."""
    kind = output_format(path)
    try:
        if kind == "csv":
            rows.to_csv(path, index=False)
        elif kind == "parquet":
            _one_type_per_column(rows).to_parquet(path, index=False)
        elif rows.empty:
            Path(path).write_text("", encoding="utf-8")
        else:
            rows.to_json(path, orient="records", lines=True)
    except OSError as err:
        raise UsageError(f"--out {path}: cannot write there ({err.strerror or err})") from None
