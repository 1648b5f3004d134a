"""How large a scenario input may be, so that no small file can make scnekit hang or crash.

Every limit is checked before the work it bounds grows: the file's size before it is
read, the nesting and the number of values (aliases expanded) before a YAML document is
built, the counts and lengths before the plan is. Past a limit, one
:class:`~scnekit.errors.InputError` names it and how to raise it:
``scnekit.load(path, limits=Limits(phases=2000))`` or ``--limit phases=2000`` on the CLI.
"""

from __future__ import annotations

import reprlib
from dataclasses import dataclass, fields, replace
from typing import Any

from scnekit.errors import UsageError


@dataclass(frozen=True)
class Limits:
    """The largest scenario input scnekit accepts (defaults in docs/FORMAT.md, "Limits")."""

    #: bytes in a scenario file
    file_bytes: int = 20_000_000
    #: levels of mappings and lists inside one another
    depth: int = 32
    #: values in the document, with every YAML alias counted as the value it stands for
    nodes: int = 2_000_000
    #: entries of each list section
    parties: int = 1_000
    measures: int = 20_000
    links: int = 50_000
    milestones: int = 5_000
    scenarios: int = 1_000
    #: the horizon's phases
    phases: int = 400
    #: characters in an id
    id_length: int = 128
    #: characters in any text (a title, a note, a label)
    text_length: int = 10_000

    def hint(self, name: str) -> str:
        """How to raise limit ``name``: the words that end an error message."""
        return (f"the limit is {getattr(self, name):,}; raise it with --limit {name}=N on the command line "
                f"or scnekit.load(..., limits=Limits({name}=N))")

    def with_options(self, options: list[str]) -> Limits:
        """These limits with ``NAME=N`` options applied (the CLI's ``--limit``), each at most
        :data:`CEILINGS` (past them the machine, not the file, would give way)."""
        known = {f.name for f in fields(self)}
        changes: dict[str, int] = {}
        for option in options:
            name, sep, value = option.partition("=")
            name = name.strip().replace("-", "_")
            if not sep or name not in known:
                raise UsageError(f"--limit takes NAME=N with NAME one of {', '.join(sorted(known))}; got {option!r}")
            try:
                number = int(value.replace("_", ""))
            except ValueError:
                number = 0
            if number < 1 or number > CEILINGS.get(name, 10**9):
                raise UsageError(f"--limit {name} takes a whole number from 1 to {CEILINGS.get(name, 10**9):,}, "
                                 f"got {value!r}")
            changes[name] = number
        return replace(self, **changes)


DEFAULT = Limits()
#: The most ``--limit`` may raise a limit to: beyond, Python's own recursion or the
#: machine's memory would fail before scnekit could say why.
CEILINGS = {"depth": 200, "file_bytes": 2_000_000_000}

#: The largest magnitude a number in a scenario may have (costs, values, limits, phases);
#: far beyond any plan, and small enough for the solver's floating point.
MAX_NUMBER = 1e15

_SHORT = reprlib.Repr()
_SHORT.maxstring = 60
_SHORT.maxother = 60
_SHORT.maxlist = _SHORT.maxdict = _SHORT.maxtuple = _SHORT.maxset = 4
_SHORT.maxlevel = 2


def shown(value: Any) -> str:
    """A value as it may appear in an error message: its repr, cut short (a huge or
    deeply shared value is never formatted in full)."""
    try:
        return _SHORT.repr(value)
    except (ValueError, RecursionError):  # an integer too long to print, a value that contains itself
        return f"a {type(value).__name__} too large to show"


def inline(text: str, most: int = 200) -> str:
    """A user's text inside a one-line message: line breaks shown as ``\\n``, cut at ``most``."""
    short = text if len(text) <= most else text[:most] + "..."
    return short.replace("\r", "\\r").replace("\n", "\\n")
