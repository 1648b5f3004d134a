"""Ids an analysis is asked for: ``None`` for all, a comma list as the CLI gives it, or ids."""

from __future__ import annotations

from collections.abc import Sequence

from scnekit.errors import UsageError


def pick(given: Sequence[str] | str | None, known: Sequence[str], what: str, listed: str) -> list[str]:
    """``known`` when ``given`` is None, else the ids given, each once and in order; an id
    that is not known is a :class:`UsageError` ending with ``listed: <the known ids>``."""
    if given is None:
        return list(known)
    ids = [s.strip() for s in given.split(",")] if isinstance(given, str) else list(given)
    unknown = [s for s in ids if s not in known]
    if unknown or not ids:
        raise UsageError(f"no {what} {', '.join(repr(s) for s in unknown) or 'given'}; {listed}: {', '.join(known)}")
    return list(dict.fromkeys(ids))
