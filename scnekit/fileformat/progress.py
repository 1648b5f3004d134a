"""The progress record of a roadmap under way (docs/FORMAT.md, "Progress"): read from a
scenario file's ``progress`` section or from a YAML/JSON file of its own, validated
against the plan, and written back.

Only a record that contradicts itself or breaks the format is refused (a phase after
``now``, completed before started, a status without the phases it needs, an unknown
measure, a measure listed twice). What the record says that breaks the plan's rules (a
measure started before one it requires completed, a measure of an unavailable scenario
that happened, a reciprocal partner refused) is history: it is accepted here, and the
re-plan (:mod:`scnekit.analysis.replan`) reports it.

Every problem is collected with its path (``progress.measures[3].completed``, or
``measures[3].completed`` with the file's name for a file of its own); one
:class:`~scnekit.errors.InputError` lists them all.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from typing import Any

from scnekit.errors import InputError, Problem, UsageError
from scnekit.history import Event, Happened, Progress
from scnekit.limits import DEFAULT, Limits, inline, shown
from scnekit.model import FORMAT_VERSION, Plan

from . import spec
from .documents import dump_document, read_document
from .fields import FieldReader, describe
from .sheets import is_workbook
from .writing import write_text_atomic

#: the keys of the record and of each of its events, from the one description of the format
PROGRESS_KEYS = spec.keys(spec.PROGRESS)
EVENT_KEYS = spec.keys(spec.PROGRESS_EVENT)
#: the keys of a progress record kept in a file of its own (``scnekit`` besides the record's)
FILE_KEYS = spec.keys(spec.PROGRESS_FILE)
STATUSES: tuple[Happened, ...] = tuple(Happened)
_ENDED = tuple(h for h in Happened if h.ended)
_STARTS = (Happened.STARTED, Happened.COMPLETED)


def parse_progress(node: Any, plan: Plan, *, file: str | None = None, path: str = "progress") -> Progress:
    """The progress record ``node`` (the mapping of a ``progress`` section) read against
    ``plan``'s measures and phases. Raises one InputError listing every problem, each
    with its path under ``path`` (``""`` for the top level of a file of its own)."""
    return _Reader(plan, file, plan.limits).record(node, path, PROGRESS_KEYS)


def read_progress(path: str | os.PathLike[str], plan: Plan, limits: Limits = DEFAULT) -> Progress:
    """A progress record kept in a file of its own: YAML, or JSON when the name ends in
    ``.json``, holding the record's mapping at its top level (and ``scnekit: 1`` if it
    likes). Raises one InputError listing every problem, each named by the file."""
    file = str(path)
    if is_workbook(path):
        raise InputError([Problem("", "a progress record is a YAML or JSON file, not a workbook; write it as "
                                      ".yaml or .json (a scenario workbook has no progress sheet)", file)])
    document = read_document(path, limits)
    return _Reader(plan, file, limits).record(document, "", FILE_KEYS)


def progress_of(plan: Plan) -> Progress | None:
    """The progress record inside ``plan``'s own file (its ``progress`` section), validated;
    None when the file has none."""
    node = plan.document.get("progress") if isinstance(plan.document, Mapping) else None
    if node is None:
        return None
    return _Reader(plan, plan.path, plan.limits).record(node, "progress", PROGRESS_KEYS)


def progress_document(progress: Progress) -> dict[str, Any]:
    """The record as it is written (the mapping of a ``progress`` section): keys in the
    format's order, optional fields only where they are set (``retry`` only when true,
    ``measures`` only when something happened, ``roadmap`` whenever the record has one)."""
    out: dict[str, Any] = {"now": progress.now}
    if progress.events:
        out["measures"] = [_event_document(e) for e in progress.events]
    if progress.roadmap is not None:
        out["roadmap"] = {measure: start for measure, start in progress.roadmap.items()}
    return out


def _event_document(event: Event) -> dict[str, Any]:
    out: dict[str, Any] = {"measure": event.measure, "status": Happened(event.status).value}
    for key in ("started", "completed", "ended"):
        value = getattr(event, key)
        if value is not None:
            out[key] = value
    if event.retry:
        out["retry"] = True
    for key in ("note", "source"):
        value = getattr(event, key)
        if value is not None:
            out[key] = value
    return out


def write_progress(path: str | os.PathLike[str], progress: Progress) -> None:
    """Write ``progress`` as a file of its own (JSON when the name ends in ``.json``, else
    YAML), with ``scnekit: 1`` first, atomically and under the write lock
    (:func:`~scnekit.fileformat.writing.write_text_atomic`). Reading it back with
    :func:`read_progress` gives the same record."""
    if is_workbook(path):
        raise UsageError(f"{path}: a progress record is written as YAML or JSON, not as a workbook; "
                         "name a .yaml or .json file")
    kind = "json" if str(path).lower().endswith(".json") else "yaml"
    document = {"scnekit": FORMAT_VERSION, **progress_document(progress)}
    write_text_atomic(path, dump_document(document, kind))


class _Reader(FieldReader):
    def __init__(self, plan: Plan, file: str | None, limits: Limits) -> None:
        super().__init__(file, limits)
        self.plan = plan
        self.phases = plan.phases
        self.known: Collection[str] = plan.measure_by_id

    def fail(self) -> InputError:
        return InputError(self.problems)

    def record(self, node: Any, path: str, keys: tuple[str, ...]) -> Progress:
        doc = self.mapping(node, path, keys)
        if doc is None:
            raise self.fail()
        self._sizes(doc, path)
        if "scnekit" in keys and "scnekit" in doc:
            version = doc["scnekit"]
            if version != FORMAT_VERSION or isinstance(version, bool):
                self.problem(_join(path, "scnekit"), f"unsupported format version {shown(version)}; "
                                        f"this scnekit reads version {FORMAT_VERSION}")
        now = self.whole(doc, "now", path, None, required=True, low=0, high=self.phases)
        events = self._events(doc.get("measures"), _join(path, "measures"), now)
        roadmap = self._roadmap(doc.get("roadmap"), _join(path, "roadmap"))
        if self.problems:
            raise self.fail()
        assert now is not None
        return Progress(now=now, events=tuple(events), roadmap=roadmap, file=self.file)

    def _sizes(self, doc: dict[str, Any], path: str) -> None:
        """Refuse at once a record with more entries than the plan may have measures."""
        over = False
        for key in ("measures", "roadmap"):
            node = doc.get(key)
            if isinstance(node, (list, dict)) and len(node) > self.limits.measures:
                self.problem(_join(path, key), f"lists {len(node):,} entries: {self.limits.hint('measures')}")
                over = True
        if over:
            raise self.fail()

    def _events(self, node: Any, path: str, now: int | None) -> list[Event]:
        if node is None:
            return []
        out: list[Event] = []
        first: dict[str, int] = {}
        for i, item in enumerate(self.sequence(node, path)):
            event = self._event(item, path, i, now=now, first=first)
            if event is not None:
                out.append(event)
        return out

    def _event(self, item: Any, list_path: str, index: int, *, now: int | None,
               first: dict[str, int]) -> Event | None:
        """The event ``item`` at ``list_path[index]``; ``first`` holds where each measure
        was first listed."""
        path = f"{list_path}[{index}]"
        e = self.mapping(item, path, EVENT_KEYS)
        if e is None:
            return None
        measure = None
        if "measure" not in e:
            self.problem(f"{path}.measure", "required field is missing")
        else:
            measure = self.reference(e["measure"], f"{path}.measure", self.known, "measure")
        if measure is not None and measure in first:
            self.problem(f"{path}.measure", f"'{measure}' is listed twice (first at {list_path}[{first[measure]}])")
            measure = None
        elif measure is not None:
            first[measure] = index
        status = self._status(e, path)
        started = self._phase(e, "started", path, status, required=_STARTS, allowed=STATUSES)
        completed = self._phase(e, "completed", path, status, required=(Happened.COMPLETED,),
                                allowed=(Happened.COMPLETED,))
        ended = self._phase(e, "ended", path, status, required=_ENDED, allowed=_ENDED)
        retry = self.flag(e, "retry", path, False)
        if "retry" in e and status is not None and not status.ended:
            self.problem(f"{path}.retry", f"applies to failed or withdrawn measures only, not to {status.value} ones")
        note = self.text(e, "note", path)
        source = self.text(e, "source", path)
        if now is not None:
            for key, phase in (("started", started), ("completed", completed), ("ended", ended)):
                if phase is not None and phase > now:
                    self.problem(f"{path}.{key}", f"phase {phase} is after now ({now}): the record tells what "
                                                  "has happened by now")
        if started is not None:
            for key, phase in (("completed", completed), ("ended", ended)):
                if phase is not None and phase < started:
                    self.problem(f"{path}.{key}", f"{key} in phase {phase}, before it started (phase {started})")
        if measure is None or status is None:
            return None
        return Event(measure=measure, status=status, started=started, completed=completed, ended=ended,
                     retry=retry and status.ended, note=note, source=source)

    def _status(self, e: dict[str, Any], path: str) -> Happened | None:
        if "status" not in e:
            self.problem(f"{path}.status", f"required field is missing (one of {', '.join(STATUSES)})")
            return None
        value = e["status"]
        if isinstance(value, str) and value in set(Happened):
            return Happened(value)
        got = shown(value) if isinstance(value, str) else describe(value)
        self.problem(f"{path}.status", f"must be one of {', '.join(STATUSES)}, got {got}")
        return None

    def _phase(self, e: dict[str, Any], key: str, path: str, status: Happened | None, *,
               required: tuple[Happened, ...], allowed: tuple[Happened, ...]) -> int | None:
        """A phase of the event, 1..T, required for the statuses ``required`` and refused
        for those not ``allowed`` (nothing said either way while the status is unknown)."""
        if key not in e:
            if status in required:
                self.problem(f"{path}.{key}", f"required field is missing (the status is {status})")
            return None
        if status is not None and status not in allowed:
            only = " or ".join(s.value for s in allowed)
            self.problem(f"{path}.{key}", f"applies to {only} measures only, not to {status.value} ones")
            return None
        return self.whole_value(e[key], f"{path}.{key}", None, low=1, high=self.phases)

    def _roadmap(self, node: Any, path: str) -> dict[str, int] | None:
        if node is None:
            return None
        if not isinstance(node, dict):
            self.problem(path, f"must be a mapping of measure ids to start phases, got {describe(node)}")
            return None
        out: dict[str, int] = {}
        for key, value in node.items():
            where = _join(path, inline(key) if isinstance(key, str) else shown(key))
            measure = self.reference(key, where, self.known, "measure")
            start = self.whole_value(value, where, None, low=1, high=self.phases)
            if measure is not None and start is not None:
                out[measure] = start
        return out


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


__all__ = ["parse_progress", "progress_document", "progress_of", "read_progress", "write_progress"]
