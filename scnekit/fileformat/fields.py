"""Field-level readers that collect problems with their paths instead of raising."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Collection, Iterable
from typing import Any

from scnekit.errors import Problem
from scnekit.limits import DEFAULT, MAX_NUMBER, Limits, inline, shown

ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*")  # the whole id: use fullmatch
_MISSING = object()
# "did you mean ...?" is looked up for this many problems at most: each look-up compares
# with every known name, and a broken file can have thousands of problems
HINTS = 20
HINT_CANDIDATES = 2_000  # more known names than this: no suggestion (each costs a comparison with all)


def describe(value: Any) -> str:
    """A value's type in a planner's words."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


class FieldReader:
    """Reads typed fields out of plain YAML/JSON data, collecting every problem."""

    def __init__(self, file: str | None = None, limits: Limits = DEFAULT) -> None:
        self.file = file
        self.limits = limits
        self.problems: list[Problem] = []
        self._hints = 0

    def _close_match(self, word: str, candidates: Collection[str]) -> str | None:
        """The candidate nearest ``word``, for the first :data:`HINTS` problems."""
        if self._hints >= HINTS or len(candidates) > HINT_CANDIDATES:
            return None
        self._hints += 1
        found = difflib.get_close_matches(word[:200], sorted(candidates), n=1)
        return found[0] if found else None

    def problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message, self.file))

    def mapping(self, node: Any, path: str, allowed: Iterable[str]) -> dict[str, Any] | None:
        """``node`` as a mapping whose keys are all in ``allowed``; None when it is not one."""
        if not isinstance(node, dict):
            self.problem(path, f"must be a mapping, got {describe(node)}")
            return None
        allowed = allowed if isinstance(allowed, (set, frozenset, dict)) else list(allowed)
        for key in node:
            if not isinstance(key, str) or key not in allowed:
                hint = self._close_match(str(key), allowed)
                listed = ", ".join(list(allowed)[:20]) + (", ..." if len(allowed) > 20 else "")
                extra = f"; did you mean '{hint}'?" if hint else f"; allowed: {listed}"
                self.problem(_join(path, shown(key) if not isinstance(key, str) else inline(key)),
                             f"unknown key{extra}")
        return node

    def sequence(self, node: Any, path: str, min_items: int = 0) -> list[Any]:
        if not isinstance(node, list):
            self.problem(path, f"must be a list, got {describe(node)}")
            return []
        if len(node) < min_items:
            self.problem(path, f"must list at least {min_items} item{'s' if min_items != 1 else ''}")
        return node

    def get(self, node: dict[str, Any], key: str, path: str, required: bool) -> Any:
        if key in node:
            return node[key]
        if required:
            self.problem(_join(path, key), "required field is missing")
        return _MISSING

    def text(self, node: dict[str, Any], key: str, path: str, *, required: bool = False,
             default: str | None = None) -> str | None:
        value = self.get(node, key, path, required)
        if value is _MISSING or (value is None and not required):
            return default
        if not isinstance(value, str) or (required and not value.strip()):
            self.problem(_join(path, key), f"must be non-empty text, got {describe(value)}")
            return default
        if len(value) > self.limits.text_length:
            self.problem(_join(path, key), f"is {len(value):,} characters long: {self.limits.hint('text_length')}")
            return default
        return value

    def ident(self, value: Any, path: str) -> str | None:
        if not isinstance(value, str):
            self.problem(path, f"must be an id (text), got {describe(value)}")
            return None
        if len(value) > self.limits.id_length:
            self.problem(path, f"an id of {len(value):,} characters: {self.limits.hint('id_length')}")
            return None
        if not ID_PATTERN.fullmatch(value):
            self.problem(path, f"{shown(value)} is not a valid id (lower-case letters, digits, '_' and '-', "
                               "starting with a letter or digit)")
            return None
        return value

    def number(self, node: dict[str, Any], key: str, path: str, default: float) -> float:
        value = self.get(node, key, path, False)
        if value is _MISSING:
            return default
        return self.number_value(value, _join(path, key), default)

    def number_value(self, value: Any, path: str, default: float = 0.0, *, negative: bool = False) -> float:
        """A finite number of at most :data:`MAX_NUMBER` in magnitude, not negative unless
        ``negative`` (a rule such as ``min_stake`` may ask for a loss it tolerates)."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.problem(path, f"must be a number, got {describe(value)}")
            return default
        if isinstance(value, int) and abs(value) > MAX_NUMBER:
            self.problem(path, f"must be at most {MAX_NUMBER:g} in magnitude")
            return default
        if not math.isfinite(value):
            self.problem(path, "must be a finite number")
            return default
        if value < 0 and not negative:
            self.problem(path, f"must not be negative, got {value}")
            return default
        if abs(value) > MAX_NUMBER:
            self.problem(path, f"must be at most {MAX_NUMBER:g} in magnitude")
            return default
        return float(value)

    def whole(self, node: dict[str, Any], key: str, path: str, default: int | None, *,
              required: bool = False, low: int = 0, high: int | None = None) -> int | None:
        value = self.get(node, key, path, required)
        if value is _MISSING:
            return default
        return self.whole_value(value, _join(path, key), default, low=low, high=high)

    def whole_value(self, value: Any, path: str, default: int | None, *, low: int = 0,
                    high: int | None = None) -> int | None:
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(path, f"must be a whole number, got {describe(value)}"
                         + (f" {value}" if isinstance(value, float) else ""))
            return default
        if abs(value) > MAX_NUMBER:
            self.problem(path, f"must be at most {MAX_NUMBER:g}")
            return default
        if value < low or (high is not None and value > high):
            span = f"from {low} to {high}" if high is not None else f"at least {low}"
            self.problem(path, f"must be {span}, got {value}")
            return default
        return value

    def flag(self, node: dict[str, Any], key: str, path: str, default: bool) -> bool:
        value = self.get(node, key, path, False)
        if value is _MISSING:
            return default
        if not isinstance(value, bool):
            self.problem(_join(path, key), f"must be true or false, got {describe(value)}")
            return default
        return value

    def texts(self, node: dict[str, Any], key: str, path: str) -> tuple[str, ...]:
        value = self.get(node, key, path, False)
        if value is _MISSING or value is None:
            return ()
        out = []
        for i, item in enumerate(self.sequence(value, _join(path, key))):
            if isinstance(item, str) and len(item) > self.limits.text_length:
                self.problem(f"{_join(path, key)}[{i}]", f"is {len(item):,} characters long: "
                                                        f"{self.limits.hint('text_length')}")
            elif isinstance(item, str):
                out.append(item)
            else:
                self.problem(f"{_join(path, key)}[{i}]", f"must be text, got {describe(item)}")
        return tuple(out)

    def references(self, value: Any, path: str, known: Collection[str], what: str, *,
                   min_items: int = 0) -> tuple[str, ...]:
        """A list of ids that must each name one of ``known`` (a ``what``), once each.
        ``known`` is best a set or a dict: it is asked once per item."""
        out: dict[str, None] = {}
        for i, item in enumerate(self.sequence(value, path, min_items)):
            ref = self.reference(item, f"{path}[{i}]", known, what)
            if ref is None:
                continue
            if ref in out:
                self.problem(f"{path}[{i}]", f"'{ref}' is listed twice")
                continue
            out[ref] = None
        return tuple(out)

    def reference(self, value: Any, path: str, known: Collection[str], what: str) -> str | None:
        ref = self.ident(value, path)
        if ref is None:
            return None
        if ref not in known:
            hint = self._close_match(ref, known)
            extra = f"; did you mean '{hint}'?" if hint else ""
            self.problem(path, f"unknown {what} '{ref}'{extra}")
            return None
        return ref


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
