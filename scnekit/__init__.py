"""scnekit: plan peace-process roadmaps towards a safe, calm and neutral environment.

>>> import scnekit
>>> plan = scnekit.load("examples/syria_scne.yaml")
>>> roadmap = scnekit.solve(plan, scenario="earthquake")
>>> roadmap.schedule        # a pandas DataFrame
"""

from __future__ import annotations

import os

from . import _startup  # noqa: F401 - first: guards a starting command's Ctrl-C (see _startup)
from .analysis.compare import Comparison, compare
from .analysis.implementation import Implementation, implementation
from .analysis.replan import Replan, replan
from .analysis.sweep import sweep
from .engine.session import Session, solve
from .errors import InputError, Problem, ScnekitError, SolverError, UsageError
from .export import briefing as _briefing  # noqa: F401 - installs Roadmap.to_html, to_markdown, to_excel
from .fileformat.progress import read_progress
from .fileformat.scenarios import variant
from .fileformat.sources import read_plan
from .fileformat.validate import parse_plan
from .history import Event, Happened, Progress
from .limits import DEFAULT as DEFAULT_LIMITS
from .limits import Limits
from .model import Link, Measure, Milestone, Party, Plan, Rule, RuleKind, Rules, Scenario
from .roadmap import Conflict, Roadmap, Status

__version__ = "0.1.0"


def load(path: str | os.PathLike[str], *, limits: Limits = DEFAULT_LIMITS) -> Plan:
    """Read and validate a scenario file (YAML, JSON, or an Excel workbook .xlsx); raises
    one :class:`InputError` listing every problem, each with its field path (in a workbook,
    its sheet and cell: ``measures!D7``).

    ``limits`` bounds the file's size and contents (:class:`Limits`; docs/FORMAT.md)."""
    return read_plan(path, limits)


def loads(document: object, file: str | None = None, *, limits: Limits = DEFAULT_LIMITS) -> Plan:
    """Validate a scenario document already in memory (a dict as YAML would give)."""
    return parse_plan(document, file, limits)


__all__ = [
    "Comparison",
    "Conflict",
    "Event",
    "Happened",
    "Implementation",
    "InputError",
    "Limits",
    "Link",
    "Measure",
    "Milestone",
    "Party",
    "Plan",
    "Problem",
    "Progress",
    "Replan",
    "Roadmap",
    "Rule",
    "RuleKind",
    "Rules",
    "Scenario",
    "ScnekitError",
    "Session",
    "SolverError",
    "Status",
    "UsageError",
    "compare",
    "implementation",
    "load",
    "loads",
    "read_progress",
    "replan",
    "solve",
    "sweep",
    "variant",
]
