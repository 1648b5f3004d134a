"""The few exception types scnekit raises.

An infeasible scenario is not an error: `solve` returns a roadmap with status
``infeasible``. Errors are for input that cannot be read as format v1, for misuse of
the API, and for a solver that is missing or breaks.
"""

from __future__ import annotations

from dataclasses import dataclass


class ScnekitError(Exception):
    """Base class of every error scnekit raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where (file and field path) and what."""

    path: str
    message: str
    file: str | None = None

    def __str__(self) -> str:
        """One line, whatever the file's texts hold (their line breaks are shown as ``\\n``)."""
        where = f"{self.file}: " if self.file else ""
        field = f"{self.path}: " if self.path else ""
        return f"{where}{field}{self.message}".replace("\r", "\\r").replace("\n", "\\n")


class InputError(ScnekitError):
    """A scenario file (or an edit of one) that is not valid format v1.

    Carries every problem found, each with its file and field path.
    """

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the scenario input"
        super().__init__(head + ":\n" + "\n".join(f"  - {p}" for p in self.problems))

    def with_file(self, file: str) -> InputError:
        """The same problems, each attributed to ``file``."""
        return InputError([Problem(p.path, p.message, p.file or file) for p in self.problems])


class UsageError(ScnekitError):
    """An API or CLI call that names something that does not exist or mixes options."""


class SolverError(ScnekitError):
    """The solver is missing or failed in a way that is not a verdict on the scenario."""
