"""HiGHS in this process: instances that print nothing, and forks that cannot hang.

- highspy 1.16 prints a banner on stdout from the first ``Highs()`` of a process, before
  any option can be set, which breaks ``scnekit solve --format json``. Every instance is
  made with the process's stdout and stderr pointed at the null device (at the level of
  file descriptors, where the C++ library writes), then told to stay silent.
- HiGHS runs its search on a pool of threads that lives as long as the process. A child
  forked while that pool exists (``ProcessPoolExecutor`` with the ``fork`` start method)
  inherits a pool whose threads are gone, and its first solve waits for them forever.
  Before a fork the pool is shut down (the next run in either process starts a new one).
  Where a run is under way in another thread at that moment, the pool cannot be shut
  down: the child is marked, and a solve there raises :class:`SolverError` naming the fix.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import highspy

from scnekit.errors import SolverError

_lock = threading.Lock()  # guards _active, and the file descriptors while they point elsewhere
_active = 0  # HiGHS runs under way in this process
_pool_kept = False  # set in the parent just before a fork that could not shut the pool down
_inherited_run = False  # this process was forked while its parent ran HiGHS
FORKED_DURING_RUN = (
    "this process was forked while its parent was running the HiGHS solver, so the solver's "
    "threads cannot work here; start worker processes with the 'spawn' or 'forkserver' method, "
    "e.g. ProcessPoolExecutor(mp_context=multiprocessing.get_context('forkserver'))")


def new_highs() -> highspy.Highs:
    """A ``highspy.Highs`` instance with its output off; nothing reaches stdout or stderr."""
    _check_process()
    with _lock, _silenced():
        highs = highspy.Highs()  # type: ignore[no-untyped-call]
        highs.setOptionValue("output_flag", False)
    return highs


@contextmanager
def running() -> Iterator[None]:
    """Mark a HiGHS run under way (so that a fork meanwhile does not pull its threads away)."""
    global _active  # noqa: PLW0603 - process-wide count, see the module's doc
    _check_process()
    with _lock:
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1


def _check_process() -> None:
    if _inherited_run:
        raise SolverError(FORKED_DURING_RUN)


@contextmanager
def _silenced() -> Iterator[None]:
    """Point file descriptors 1 and 2 at the null device for the duration, flushing what
    Python and C had buffered before and after."""
    for stream in (sys.stdout, sys.stderr):
        with suppress(Exception):  # a replaced stream (a notebook's) may not flush; nothing of ours is lost
            stream.flush()
    try:
        saved = [os.dup(1), os.dup(2)]
    except OSError:  # no stdout or stderr to protect (a detached process)
        yield
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        os.dup2(null, 2)
        yield
        _flush_c_streams()
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, null):
            os.close(fd)


def _flush_c_streams() -> None:
    """fflush(NULL): what the C library buffered goes to the null device, not to the next writer."""
    with suppress(OSError, AttributeError):  # no C library to ask (not POSIX)
        ctypes.CDLL(None).fflush(None)


def _before_fork() -> None:
    global _pool_kept  # noqa: PLW0603
    _lock.acquire()
    _pool_kept = _active > 0
    if not _pool_kept:
        highspy.Highs.resetGlobalScheduler(True)


def _after_fork_in_parent() -> None:
    _lock.release()


def _after_fork_in_child() -> None:
    global _lock, _active, _inherited_run  # noqa: PLW0603
    _lock = threading.Lock()  # the parent's is held by the thread that forked
    _active = 0
    _inherited_run = _pool_kept


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_in_parent,
                        after_in_child=_after_fork_in_child)
