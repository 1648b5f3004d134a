"""Write what a workshop changed back to its scenario file, and keep autosaves beside it.

A :class:`Draft` is the state of a workshop: the scenario it started from, the overrides
it made (``set``, ``unavailable``) and the measures it pinned to a phase. It becomes a
new ``scenarios`` entry of the file (:func:`add_scenario`), with pins written in format
v1 as ``earliest = latest = phase`` and ``mandatory: true``. YAML files are edited
round-trip, so the planner's comments and layout survive; JSON files stay JSON. Saves
from several processes into one file take turns under a lock, so none is lost.

Each explorer session autosaves to its own file, ``<file>.autosave/<session>.yaml``; the
single ``<file>.autosave.yaml`` of earlier versions is still read.
"""

from __future__ import annotations

import copy
import io
import json
import os
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from scnekit.errors import InputError, Problem, ScnekitError, UsageError
from scnekit.limits import DEFAULT, Limits
from scnekit.model import Plan, Scenario

from .documents import parse_text, read_document
from .fields import ID_PATTERN
from .scenarios import as_scenario, variant
from .sheets import is_workbook
from .sources import validated
from .validate import parse_plan
from .writing import update_bytes, update_text, write_text_atomic

AUTOSAVE_FOLDER_SUFFIX = ".autosave"  # <file>.autosave/<session>.yaml, one per explorer session
AUTOSAVE_SUFFIX = ".autosave.yaml"  # the single autosave of earlier versions, still read
AUTOSAVE_VERSION = 1
_INDENTS = ((2, 2, 0), (2, 4, 2), (4, 4, 2), (4, 6, 4), (4, 4, 0), (4, 2, 0), (2, 3, 1), (3, 3, 0), (4, 6, 2))


@dataclass(frozen=True)
class Draft:
    """A workshop's state: a scenario of the file plus overrides and pins on top of it."""

    scenario: str = "base"
    set: Mapping[str, Any] = field(default_factory=dict)
    unavailable: tuple[str, ...] = ()
    pins: Mapping[str, int] = field(default_factory=dict)

    @property
    def edited(self) -> bool:
        """Whether anything was changed on top of the scenario."""
        return bool(self.set or self.unavailable or self.pins)

    @property
    def label(self) -> str:
        """How the draft is named on screen: its scenario, marked when edited."""
        return f"{self.scenario} (edited)" if self.edited else self.scenario

    def plan(self, base: Plan) -> Plan:
        """The model this draft describes (pins aside); raises InputError when it is not valid."""
        return variant(base, self.scenario, set=dict(self.set), unavailable=list(self.unavailable),
                       name=self.label)

    def to_scenario(self, base: Plan, name: str, description: str | None = None) -> Scenario:
        """The ``scenarios`` entry that reproduces this draft, pins included, from the file alone."""
        overrides = {**self.set, **pin_overrides(self.pins)}
        return as_scenario(base, self.scenario, set=overrides, unavailable=list(self.unavailable),
                           name=name, description=description)

    def to_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "set": copy.deepcopy(dict(self.set)),
                "unavailable": list(self.unavailable), "pins": dict(self.pins)}

    def key(self) -> str:
        """A text that two drafts share exactly when they describe the same state."""
        return json.dumps(self.to_dict(), sort_keys=True, default=str)

    def saved_in(self, base: Plan) -> bool:
        """Whether the file ``base`` was read from already holds this state: as written, or as a scenario."""
        try:
            mine = self.to_scenario(base, "draft")
        except ScnekitError:  # its starting scenario is gone from the file: only the draft holds it
            return False
        return any(_overrides(mine) == _overrides(s) for s in (Scenario("base"), *base.scenarios))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], file: str | None = None) -> Draft:
        """Read a draft back from :meth:`to_dict`'s shape; raises InputError naming what is wrong."""
        problems = []
        scenario = data.get("scenario", "base")
        if not isinstance(scenario, str):
            problems.append(Problem("scenario", "must be a scenario id", file))
        overrides = data.get("set") or {}
        if not isinstance(overrides, dict) or not all(isinstance(k, str) for k in overrides):
            problems.append(Problem("set", "must map dotted paths to values", file))
        unavailable = data.get("unavailable") or []
        if not isinstance(unavailable, list) or not all(isinstance(m, str) for m in unavailable):
            problems.append(Problem("unavailable", "must be a list of measure ids", file))
        pins = data.get("pins") or {}
        if not isinstance(pins, dict) or not all(
                isinstance(m, str) and isinstance(p, int) and not isinstance(p, bool) for m, p in pins.items()):
            problems.append(Problem("pins", "must map measure ids to whole phase numbers", file))
        if problems:
            raise InputError(problems)
        return cls(scenario=scenario, set=dict(overrides), unavailable=tuple(unavailable), pins=dict(pins))


@dataclass(frozen=True)
class Autosave:
    """A draft found beside a scenario file, with the time it was written and the session
    that wrote it (None for the single autosave of earlier versions). ``progress`` is the
    progress record the session kept, as written (the mapping of a ``progress`` section,
    not yet validated against a plan), or None."""

    draft: Draft
    saved_at: datetime
    path: Path
    session: str | None = None
    progress: Mapping[str, Any] | None = None


def pin_overrides(pins: Mapping[str, int]) -> dict[str, Any]:
    """Pins as format v1 overrides: each measure starts exactly at its phase and must be scheduled."""
    out: dict[str, Any] = {}
    for mid, phase in sorted(pins.items()):
        out[f"measures.{mid}.earliest"] = phase
        out[f"measures.{mid}.latest"] = phase
        out[f"measures.{mid}.mandatory"] = True
    return out


def add_scenario(path: str | os.PathLike[str], scenario: Scenario, *, limits: Limits = DEFAULT) -> Plan:
    """Append ``scenario`` to the file's ``scenarios`` list and return the file's new base plan.

    Refuses the id ``base`` and ids the file already has, including one that another
    writer saved since the caller read the file: under an exclusive lock the file is
    read again, checked, validated under ``limits`` (pass those the file was loaded
    with, ``plan.limits``) and only then replaced (:func:`update_text`), so explorers
    saving into one file from several processes never lose each other's work. A
    read-only file is refused; links, mode, owner and extended attributes (ACLs) are
    kept. A file that cannot be written is a UsageError naming it and the reason.
    """
    if not ID_PATTERN.fullmatch(scenario.id):
        raise UsageError(f"'{scenario.id}' cannot name a scenario: use lower-case letters, digits, "
                         "'_' and '-', starting with a letter or digit")
    if scenario.id == "base":
        raise UsageError("'base' is reserved for the model as written; choose another scenario name")
    if is_workbook(path):
        return update_bytes(path, lambda data: _appended_workbook(data, scenario, os.fspath(path), limits))
    return update_text(path, lambda text: _appended(text, scenario, os.fspath(path), limits))


def new_session() -> str:
    """A name for one explorer session's autosave: its start time and random hex, unique across processes."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(4)}"


def autosave_folder(path: str | os.PathLike[str]) -> Path:
    """The folder of a scenario file's session autosaves: beside it, named ``<file>.autosave``."""
    return Path(f"{os.fspath(path)}{AUTOSAVE_FOLDER_SUFFIX}")


def autosave_path(path: str | os.PathLike[str], session: str) -> Path:
    """Where the explorer session ``session`` autosaves the scenario file ``path``."""
    return autosave_folder(path) / f"{session}.yaml"


def legacy_autosave_path(path: str | os.PathLike[str]) -> Path:
    """The single autosave that versions before sessions wrote: ``<file>.autosave.yaml``."""
    return Path(f"{os.fspath(path)}{AUTOSAVE_SUFFIX}")


def autosave_paths(path: str | os.PathLike[str]) -> list[Path]:
    """Every autosave of the scenario file ``path``: each session's, then the legacy one if any."""
    folder = autosave_folder(path)
    found = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    legacy = legacy_autosave_path(path)
    return [*found, legacy] if legacy.is_file() else found


def write_autosave(path: str | os.PathLike[str], draft: Draft, session: str, *,
                   progress: Mapping[str, Any] | None = None) -> Path:
    """Write ``draft`` (with the time) to the autosave of session ``session`` of the scenario file ``path``;
    ``progress``, a progress record as written (:func:`~scnekit.fileformat.progress.progress_document`), with it."""
    target = autosave_path(path, session)
    try:
        target.parent.mkdir(exist_ok=True)
    except OSError as err:
        raise UsageError(f"{target} could not be saved: {err.strerror or err} ({target.parent})") from err
    document = {"scnekit_autosave": AUTOSAVE_VERSION, "file": Path(path).name,
                "saved_at": datetime.now(UTC).isoformat(timespec="microseconds"), **draft.to_dict()}
    if progress is not None:
        document["progress"] = copy.deepcopy(dict(progress))
    head = (f"# Unsaved explorer state for {Path(path).name}, written on every change.\n"
            "# Restore it with Explorer(plan, restore=True) or the Restore button.\n")
    write_text_atomic(target, head + yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
    return target


def read_autosave_file(target: Path, limits: Limits = DEFAULT) -> Autosave:
    """The autosave in the file ``target``; raises InputError naming it when it is not one.

    It is read as a scenario file is (:func:`~scnekit.fileformat.documents.read_document`):
    at most ``limits.file_bytes`` bytes, UTF-8, YAML within ``limits``; whatever stops
    that (bytes that are not UTF-8, a value such as ``!!int x``) is an InputError too.
    """
    file = str(target)
    try:
        data = read_document(target, limits)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as exc:
        # PyYAML's constructors raise what they meet on a value they cannot build
        raise InputError([Problem("", f"not valid YAML: {type(exc).__name__}: {exc}", file)]) from None
    if not isinstance(data, dict) or data.get("scnekit_autosave") != AUTOSAVE_VERSION:
        raise InputError([Problem("", "not a scnekit explorer autosave (version 1)", file)])
    try:
        saved_at = datetime.fromisoformat(str(data.get("saved_at")))
    except ValueError:
        raise InputError([Problem("saved_at", "must be an ISO date and time", file)]) from None
    session = None if target.name.endswith(AUTOSAVE_SUFFIX) else target.stem
    progress = data.get("progress")
    if progress is not None and not isinstance(progress, dict):
        raise InputError([Problem("progress", "must be a progress record (a mapping)", file)])
    return Autosave(Draft.from_dict(data, file), saved_at, target, session, progress)


def read_autosaves(path: str | os.PathLike[str], limits: Limits = DEFAULT) -> list[Autosave]:
    """Every autosave of the scenario file ``path``, newest first; raises InputError on one that is not."""
    return newest_first(read_autosave_file(target, limits) for target in autosave_paths(path))


def read_autosave(path: str | os.PathLike[str]) -> Autosave | None:
    """The newest autosave of the scenario file ``path`` (of any session), or None when there is none."""
    return next(iter(read_autosaves(path)), None)


def newest_first(autosaves: Iterable[Autosave]) -> list[Autosave]:
    """``autosaves`` sorted by the time each was written, newest first."""
    return sorted(autosaves, key=lambda a: (_utc(a.saved_at), a.path.name), reverse=True)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _overrides(scenario: Scenario) -> str:
    return json.dumps([dict(scenario.set), sorted(scenario.unavailable)], sort_keys=True, default=str)


def _appended(text: str, scenario: Scenario, file: str, limits: Limits) -> tuple[str, Plan]:
    """The file's ``text`` with ``scenario`` appended, and its plan under ``limits``; refuses a
    taken id or an invalid result."""
    kind = "json" if file.lower().endswith(".json") else "yaml"
    existing = parse_text(text, file, kind, limits)
    if not isinstance(existing, dict):
        raise InputError([Problem("", "must be a mapping at the top level", file)])
    listed = existing.get("scenarios")
    known = [s.get("id") for s in listed if isinstance(s, dict)] if isinstance(listed, list) else []
    if scenario.id in known:
        raise UsageError(f"{Path(file).name} already has a scenario '{scenario.id}' (if it was not there "
                         "when you opened the file, someone else saved it since); choose another name")
    entry = _entry(scenario)
    updated = _append_json(text, entry) if kind == "json" else _append_yaml(text, entry, file)
    return updated, parse_plan(parse_text(updated, file, kind, limits), file, limits)


def _appended_workbook(data: bytes, scenario: Scenario, file: str, limits: Limits) -> tuple[bytes, Plan]:
    """:func:`_appended` for a workbook: the scenario's rows added to its sheet 'scenarios'."""
    from .sheet_reading import read_workbook  # openpyxl: imported when a workbook is written (80 ms)
    from .sheet_writing import append_scenario

    known = read_workbook(file, limits, data=data).document.get("scenarios") or []
    if scenario.id in [s.get("id") for s in known if isinstance(s, dict)]:
        raise UsageError(f"{Path(file).name} already has a scenario '{scenario.id}' (if it was not there "
                         "when you opened the file, someone else saved it since); choose another name")
    updated = append_scenario(data, _entry(scenario))
    return updated, validated(read_workbook(file, limits, data=updated), limits)


def _entry(scenario: Scenario) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": scenario.id}
    if scenario.description:
        entry["description"] = scenario.description
    if scenario.unavailable:
        entry["unavailable"] = list(scenario.unavailable)
    if scenario.set:
        entry["set"] = copy.deepcopy(dict(scenario.set))
    return entry


def _append_json(text: str, entry: dict[str, Any]) -> str:
    document = json.loads(text)
    scenarios = document.get("scenarios") or []
    document["scenarios"] = [*scenarios, entry]
    lines = text.splitlines()
    indent = len(lines[1]) - len(lines[1].lstrip(" ")) if len(lines) > 1 and lines[1].startswith(" ") else 2
    return json.dumps(document, indent=indent or 2, ensure_ascii=False) + "\n"


def _append_yaml(text: str, entry: dict[str, Any], file: str) -> str:
    rt = _round_trip(text)
    document = rt.load(text)
    if not isinstance(document, CommentedMap):
        raise InputError([Problem("", "must be a mapping at the top level", file)])
    scenarios = document.get("scenarios")
    node = CommentedMap((k, CommentedMap((p, _node(v)) for p, v in value.items()) if k == "set" else _node(value))
                        for k, value in entry.items())
    if isinstance(scenarios, CommentedSeq) and len(scenarios):
        scenarios.append(node)
    else:
        document["scenarios"] = CommentedSeq([node])
    return _dump(rt, document)


def _round_trip(text: str) -> YAML:
    """A round-trip YAML whose indentation reproduces ``text`` exactly, where one does."""
    best: tuple[int, YAML] | None = None
    for mapping, sequence, offset in _INDENTS:
        rt = YAML()
        rt.preserve_quotes = True
        rt.width = 4096
        rt.indent(mapping=mapping, sequence=sequence, offset=offset)
        out = _dump(rt, rt.load(text))
        if out == text:
            return rt
        diff = sum(a != b for a, b in zip(out.splitlines(), text.splitlines(), strict=False))
        diff += abs(len(out.splitlines()) - len(text.splitlines()))
        if best is None or diff < best[0]:
            best = (diff, rt)
    assert best is not None
    return best[1]


def _dump(rt: YAML, document: Any) -> str:
    out = io.StringIO()
    rt.dump(document, out)
    return out.getvalue()


def _node(value: Any) -> Any:
    """Plain data as ruamel nodes: small lists and mappings of plain values in flow style."""
    if isinstance(value, dict):
        node = CommentedMap((k, _node(v)) for k, v in value.items())
        if value and all(not isinstance(v, (dict, list)) for v in value.values()):
            node.fa.set_flow_style()
        return node
    if isinstance(value, list):
        seq = CommentedSeq(_node(v) for v in value)
        if all(not isinstance(v, (dict, list)) for v in value):
            seq.fa.set_flow_style()
        return seq
    return value
