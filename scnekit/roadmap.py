"""The result of a solve: a roadmap with its status, ledgers and (if infeasible) conflicts."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

import pandas as pd

from .history import Progress
from .ledger import Ledger, evaluate
from .ledger import walkaway as ledger_walkaway
from .model import FORMAT_VERSION, Plan, Rule, RuleKind


class Status(StrEnum):
    """How a solve ended (FORMAT.md section 4)."""

    #: a roadmap proved to have the largest objective
    OPTIMAL = "optimal"
    #: a roadmap, not proved optimal (a time limit, a gap, a stop): see its gap
    FEASIBLE = "feasible"
    #: no roadmap keeps every rule; the conflicts say why
    INFEASIBLE = "infeasible"
    #: stopped before any roadmap was found or ruled out
    UNKNOWN = "unknown"

    @property
    def found(self) -> bool:
        """Whether a roadmap comes with this status."""
        return self in (Status.OPTIMAL, Status.FEASIBLE)


@dataclass(frozen=True)
class Clash:
    """Another rule a conflict's rule cannot hold together with, and its short statement."""

    rule: Rule
    text: str


@dataclass(frozen=True)
class Conflict:
    """A rule that cannot hold together with the others named beside it.

    ``statement`` says the rule in a planner's words; ``clashes`` names the other rules
    of the same irreducible set, each with a short statement. ``detail`` joins them into
    the one sentence of FORMAT.md section 4.
    """

    rule: RuleKind
    statement: str
    subject: str = ""
    clashes: tuple[Clash, ...] = ()

    @property
    def detail(self) -> str:
        """The rule and the others it clashes with, as one sentence."""
        if self.rule == RuleKind.STRUCTURE:
            return self.statement
        if self.clashes:
            return f"{self.statement}, which cannot hold together with: " + "; ".join(c.text for c in self.clashes)
        return f"{self.statement}, which no roadmap can satisfy given the measures' windows, requires and links"

    def to_dict(self) -> dict[str, Any]:
        """FORMAT.md's ``{"rule", "detail"}`` with the optional structured fields of docs/FORMAT.md."""
        out: dict[str, Any] = {"rule": str(self.rule), "detail": self.detail, "statement": self.statement}
        if self.subject:
            out["subject"] = self.subject
        out["with"] = [{"rule": str(c.rule.kind), "subject": c.rule.subject, "text": c.text} for c in self.clashes]
        return out


@dataclass(frozen=True)
class Roadmap:
    """A solved scenario. ``status`` is optimal, feasible, infeasible or unknown.

    ``unknown`` means a time limit stopped the solver before it found any roadmap or
    proved there is none. The objective is recomputed from the schedule, never taken
    from the solver.
    """

    plan: Plan
    status: Status
    starts: Mapping[str, int] = field(default_factory=dict)
    gap: float | None = None
    seconds: float = 0.0
    conflicts: tuple[Conflict, ...] = ()
    bound: float | None = None
    solver_seconds: float = 0.0
    build_seconds: float = 0.0
    pins: Mapping[str, int] = field(default_factory=dict)
    #: a re-plan's history (:mod:`scnekit.history`): phases up to ``progress.now`` happened
    progress: Progress | None = None
    #: measures that started and will never complete: ``{measure: start}`` (their cost stays spent)
    spent: Mapping[str, int] = field(default_factory=dict)

    @property
    def scenario(self) -> str:
        return self.plan.scenario_id

    @property
    def is_ok(self) -> bool:
        """Whether a roadmap was found (optimal or feasible)."""
        return self.status.found

    @cached_property
    def ledger(self) -> Ledger:
        return evaluate(self.plan, self.starts, self.spent)

    @property
    def objective(self) -> float | None:
        return self.ledger.objective if self.is_ok else None

    @property
    def achieved(self) -> dict[str, int | None]:
        return self.ledger.achieved

    @cached_property
    def schedule(self) -> pd.DataFrame:
        """One row per scheduled measure, in order of start."""
        rows = []
        horizon = self.plan.horizon
        for mid, start in sorted(self.starts.items(), key=lambda kv: (kv[1], kv[0])):
            m = self.plan.measure_by_id[mid]
            end = m.completion(start)
            rows.append({"measure": mid, "title": m.title, "by": m.by, "category": m.category or "",
                         "start": start, "end": end, "start_label": horizon.label(start),
                         "end_label": horizon.label(end), "cost": m.cost, "value": m.value,
                         "net": m.net, "pinned": mid in self.pins, "past": self._past(start)})
        columns = ["measure", "title", "by", "category", "start", "end", "start_label", "end_label",
                   "cost", "value", "net", "pinned", "past"]
        return pd.DataFrame(rows, columns=columns)

    @cached_property
    def milestones(self) -> pd.DataFrame:
        """Every milestone with the phase it is achieved (None where it never holds)."""
        rows = []
        for k in self.plan.milestones:
            achieved = self.ledger.achieved.get(k.id) if self.is_ok else None
            met = None if k.deadline is None else (achieved is not None and achieved <= k.deadline)
            rows.append({"milestone": k.id, "title": k.title, "achieved": achieved,
                         "deadline": k.deadline, "weight": k.weight, "on_time": met})
        frame = pd.DataFrame(rows, columns=["milestone", "title", "achieved", "deadline", "weight", "on_time"])
        return frame.astype({"achieved": "Int64", "deadline": "Int64"})

    @cached_property
    def exposure(self) -> pd.DataFrame:
        """E_p(t): rows are phases 1..T, columns are parties."""
        exposure = self.ledger.exposure if self.is_ok else {}
        T = self.plan.phases
        data = {p.id: (exposure[p.id] if p.id in exposure else [0.0] * T) for p in self.plan.parties}
        return pd.DataFrame(data, index=pd.RangeIndex(1, T + 1, name="phase"))

    @cached_property
    def received(self) -> pd.DataFrame:
        """R_p(t): value each party has received by each phase."""
        T = self.plan.phases
        data = {p: (v if self.is_ok else [0.0] * T) for p, v in self.ledger.received.items()}
        return pd.DataFrame(data, index=pd.RangeIndex(1, T + 1, name="phase"))

    def walkaway(self) -> pd.DataFrame:
        """Who is tempted to walk away, and when (ANALYSIS.md section 5): one row per party
        and phase with ``banked``, ``stake``, ``tempted`` and ``owed:<party>`` for every party.
        Empty when there is no roadmap."""
        columns = ["party", "phase", "banked", "stake", "tempted", *(f"owed:{p.id}" for p in self.plan.parties)]
        rows = ledger_walkaway(self.plan, self.starts, self.spent) if self.is_ok else []
        return pd.DataFrame(rows, columns=columns)

    def walkaway_dict(self) -> list[dict[str, Any]]:
        """The walk-away rows as ``scnekit walkaway`` prints them (``owed`` as a mapping)."""
        out = []
        for row in self.walkaway().to_dict("records"):
            owed = {p.id: float(row.pop(f"owed:{p.id}")) for p in self.plan.parties}
            out.append({"party": row["party"], "phase": int(row["phase"]), "banked": float(row["banked"]),
                        "stake": float(row["stake"]), "tempted": bool(row["tempted"]), "owed": owed})
        return out

    def _past(self, start: int) -> bool:
        """Whether a start lies in the history of a re-plan (at or before ``progress.now``)."""
        return self.progress is not None and start <= self.progress.now

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of FORMAT.md section 4; a re-plan adds ``now``, ``past`` on each
        schedule row and ``spent`` (docs/FORMAT.md, "Progress")."""
        out = self._contract()
        if self.progress is not None:
            out["now"] = self.progress.now
            for row in out["schedule"]:
                row["past"] = self._past(row["start"])
            out["spent"] = [{"measure": mid, "start": s} for mid, s in sorted(self.spent.items())]
        return out

    def _contract(self) -> dict[str, Any]:
        ok = self.is_ok
        return {
            "format": FORMAT_VERSION,
            "scenario": self.scenario,
            "status": str(self.status),
            "objective": self.objective if ok else None,
            "gap": (self.gap if self.gap is not None else 0.0) if ok else None,
            "seconds": round(self.seconds, 4),
            "schedule": [{"measure": mid, "start": s, "end": self.plan.measure_by_id[mid].completion(s)}
                         for mid, s in sorted(self.starts.items(), key=lambda kv: (kv[1], kv[0]))] if ok else [],
            "milestones": [{"milestone": k.id, "achieved": self.ledger.achieved.get(k.id) if ok else None}
                           for k in self.plan.milestones],
            "exposure": {p: [float(x) for x in self.exposure[p]] for p in self.exposure.columns},
            "conflicts": [c.to_dict() for c in self.conflicts],
        }

    def to_html(self, compare_with: Sequence[Roadmap] = (), *, implementation: Any = None) -> str:
        """A briefing of this roadmap as one self-contained HTML page (it opens offline: plotly.js,
        styles and figures are inline; nothing is fetched).

        It says, for a reader who has never heard of scnekit: what the roadmap achieves (the
        summary, or why there is none and which rules conflict), the roadmap phase by phase in
        sentences, the exchanges side by side, milestones against deadlines, what each party
        gives and receives (figures and tables), the rules and the scenario's assumptions,
        the comparison with the roadmaps in ``compare_with`` (other scenarios of the same
        plan, e.g. ``[scnekit.solve(plan, "earthquake")]``) and the sources of the measures.
        Every text from the file is escaped. It prints on A4, one section per page or more.
        ``implementation`` (a :class:`scnekit.Implementation`, whose re-plan this roadmap is)
        adds a section on implementation so far.
        """
        return _briefing("html")(self, compare_with, implementation=implementation)  # type: ignore[no-any-return]

    def to_markdown(self, compare_with: Sequence[Roadmap] = (), *, implementation: Any = None) -> str:
        """The briefing of :meth:`to_html` as Markdown text: the same sections, tables instead of figures."""
        return _briefing("markdown")(self, compare_with, implementation=implementation)  # type: ignore[no-any-return]

    def to_excel(self, path: str | os.PathLike[str], compare_with: Sequence[Roadmap] = (), *,
                 implementation: Any = None) -> None:
        """Write the briefing as an Excel workbook to ``path`` (replaced atomically).

        Sheets: summary, schedule, milestones, exposure, received, walk-away, measures,
        assumptions, and comparison and scenarios when ``compare_with`` is given. Numbers are
        numbers, headers bold and frozen; text is always text, never a formula. A path that
        cannot be written raises :class:`~scnekit.errors.UsageError`."""
        _briefing("excel")(self, path, compare_with, implementation=implementation)

    def __repr__(self) -> str:
        head = f"Roadmap({self.plan.name!r}, scenario={self.scenario!r}, status={str(self.status)!r}"
        if self.is_ok:
            head += f", objective={self.objective:g}, measures={len(self.starts)}"
        return head + f", seconds={self.seconds:.3f})"


#: The briefing writers behind :meth:`Roadmap.to_html`, :meth:`Roadmap.to_markdown` and
#: :meth:`Roadmap.to_excel`. Set by :mod:`scnekit.export.briefing` (which ``import scnekit``
#: imports), so that this layer never imports the export layer above it.
_briefing_writers: dict[str, Callable[..., Any]] = {}


def use_briefing_writers(*, html: Callable[..., str], markdown: Callable[..., str],
                         excel: Callable[..., None]) -> None:
    """Install the briefing writers (called once by scnekit.export.briefing)."""
    _briefing_writers.update(html=html, markdown=markdown, excel=excel)


def _briefing(kind: str) -> Callable[..., Any]:
    writer = _briefing_writers.get(kind)
    if writer is None:  # pragma: no cover - import scnekit installs them
        raise RuntimeError("the briefing writers are not loaded: import scnekit.export.briefing")
    return writer
