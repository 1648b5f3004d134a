"""Ctrl-C while the ``scnekit`` command is still starting (its imports take a few hundred
milliseconds, seconds on a loaded machine) ends it quietly with exit status 130, as a
Ctrl-C does once it runs (``scnekit.cli.main`` takes over the signal then). Only when
scnekit runs as the command: a plain ``import scnekit`` leaves the signal alone."""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType

EXIT_INTERRUPTED = 130


def guard() -> None:
    """Until the command's ``main`` starts, a Ctrl-C ends the process at once, without a traceback."""
    started_as = sys.argv[0] if sys.argv else ""
    # "-m" while ``python -m scnekit`` imports the package; the console script's own path otherwise
    if started_as == "-m" or os.path.basename(started_as) == "scnekit":
        signal.signal(signal.SIGINT, _interrupted)


def _interrupted(signum: int, frame: FrameType | None) -> None:
    os.write(2, b"scnekit: interrupted\n")
    os._exit(EXIT_INTERRUPTED)


guard()  # on import: ``scnekit/__init__.py`` imports this module before anything else
