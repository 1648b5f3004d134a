"""A background worker that runs only the latest job: rapid changes coalesce into one solve."""

from __future__ import annotations

import atexit
import logging
import threading
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

Job = TypeVar("Job")
log = logging.getLogger(__name__)
# Workers still open when the interpreter exits. Their threads are daemons, and one may be
# inside the solver's C++ code: ended there, the process aborts ("terminate called without
# an active exception"). They are closed first, which asks a running solve to stop.
_open: weakref.WeakSet[LatestOnly[object]] = weakref.WeakSet()
EXIT_SECONDS = 10.0


class LatestOnly(Generic[Job]):
    """Runs ``work(job)`` on one daemon thread; a job submitted while another waits replaces it.

    ``on_busy(True)`` is called when work is submitted to an idle worker and
    ``on_busy(False)`` when the worker runs out of work, both under the worker's lock,
    so the two never arrive out of order. ``on_error`` receives any exception
    ``work`` raises; the worker goes on with the next job.

    ``idle``, if given, is asked for background work after each job while nothing else
    was submitted: a callable to run, or None when there is nothing left to do. Background work never
    marks the worker busy, :meth:`wait` does not wait for it, and it should poll
    :attr:`superseded` to give way to submitted work at once.
    """

    def __init__(self, work: Callable[[Job], None], *, on_busy: Callable[[bool], None],
                 on_error: Callable[[BaseException], None], name: str = "scnekit-explorer",
                 idle: Callable[[], Callable[[], None] | None] | None = None) -> None:
        self._work = work
        self._on_busy = on_busy
        self._on_error = on_error
        self._idle = idle
        self._name = name
        self._lock = threading.Condition()
        self._pending: list[Job] = []
        self._running = False
        self._closed = False
        self._thread: threading.Thread | None = None
        _open.add(self)  # type: ignore[arg-type]

    @property
    def busy(self) -> bool:
        with self._lock:
            return self._running or bool(self._pending)

    @property
    def superseded(self) -> bool:
        """Whether the running job is stale: a newer job waits, or the worker was closed.
        A long job polls this to give way at once."""
        with self._lock:
            return self._closed or bool(self._pending)

    def submit(self, job: Job) -> None:
        """Queue ``job``, dropping any job still waiting (the running one finishes)."""
        with self._lock:
            if self._closed:
                raise RuntimeError("this explorer was closed")
            was_busy = self._running or bool(self._pending)
            self._pending[:] = [job]
            if not was_busy:
                self._signal(True)
            self._start()
            self._lock.notify_all()

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
            self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no job runs or waits; False if ``timeout`` seconds pass first."""
        with self._lock:
            return self._lock.wait_for(lambda: not self._running and not self._pending, timeout)

    def close(self, timeout: float | None = 5.0) -> None:
        """Drop waiting work and stop the thread once the running job ends."""
        with self._lock:
            self._closed = True
            self._pending.clear()
            self._lock.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        _open.discard(self)  # type: ignore[arg-type]

    def _loop(self) -> None:
        while True:
            with self._lock:
                self._lock.wait_for(lambda: self._closed or bool(self._pending))
                if self._closed:
                    self._running = False
                    self._lock.notify_all()
                    return
                job = self._pending.pop()
                self._running = True
            try:
                self._work(job)
            except Exception as exc:  # shown to the user by on_error, never swallowed
                log.exception("explorer update failed")
                self._report(exc)
            with self._lock:
                self._running = False
                if not self._pending:
                    self._signal(False)
                self._lock.notify_all()
            if self._idle is not None:
                self._run_background()

    def _run_background(self) -> None:
        """Run ``idle``'s work until it has none or a job is submitted."""
        assert self._idle is not None
        try:
            while not self.superseded:
                task = self._idle()
                if task is None:
                    break
                task()
        except Exception:  # background work is never shown; a failure is logged, and the
            # change that needs the roadmap solves it again in the foreground
            log.exception("explorer background work failed")

    def _signal(self, busy: bool) -> None:
        try:
            self._on_busy(busy)
        except Exception as exc:  # a broken busy mark must not stop the worker
            log.exception("could not mark the explorer busy=%s", busy)
            self._report(exc)

    def _report(self, exc: BaseException) -> None:
        try:
            self._on_error(exc)
        except Exception:
            log.exception("could not show an explorer error")


@atexit.register
def _close_all() -> None:
    """Close every worker still open, so that no solve runs while the interpreter ends."""
    for runner in list(_open):
        runner.close(timeout=EXIT_SECONDS)
