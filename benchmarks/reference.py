"""Plans as plain data for peer models, and roadmaps judged by the independent checker.

The benchmarks build CP-SAT models from the scenario document itself (never from
scnekit's objects) and check every roadmap, the engine's and the peer's alike, with
``tests/support/checker.py``: the repository's checker written from FORMAT.md alone, which
shares no code with scnekit.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.support import checker

Doc = dict[str, Any]


def flat(doc: Doc, scenario: str | None = None) -> dict[str, Any]:
    """The plan of ``scenario`` as a plain dict, with the defaults of measures, capacity,
    exposure limits and objective weights filled in (links, milestones and balance are
    passed as written: a reader fills ``within`` and ``weight`` itself)."""
    doc = checker.effective(copy.deepcopy(doc), scenario)
    T = doc["horizon"]["phases"]
    caps = [checker._capacity(doc, t) for t in range(1, T + 1)]
    measures = {m["id"]: {
        "by": m["by"], "cost": float(m.get("cost", 0)),
        "to": {p: float(v) for p, v in (m.get("to") or {}).items()},
        "d": int(m.get("duration", 1)), "earliest": int(m.get("earliest", 1)),
        "latest": int(m.get("latest", T)), "mandatory": bool(m.get("mandatory", False)),
        "requires": list(m.get("requires") or []), "unavailable": m["id"] in doc["_unavailable"],
    } for m in doc["measures"]}
    parties = [p["id"] for p in doc["parties"]]
    rules = doc.get("rules") or {}
    limits = {p: limit for p in parties if (limit := checker._limit(doc, p)) is not None}
    weights = doc.get("objective") or {}
    return {
        "T": T, "cap": caps, "measures": measures, "parties": parties,
        "links": doc.get("links") or [], "milestones": doc.get("milestones") or [], "limits": limits,
        "min_received": {p: float(v) for p, v in (rules.get("min_received") or {}).items()},
        "balance": rules.get("balance"),
        "w_benefit": float(weights.get("benefit", 1)), "w_milestones": float(weights.get("milestones", 1)),
    }


def evaluate(doc: Doc, starts: dict[str, int],
             scenario: str | None = None) -> tuple[list[str], float, dict[str, int | None], dict[str, list[float]]]:
    """The checker's verdict on a schedule: violations, objective J, achieved phases, exposure."""
    verdict = checker.assess(checker.effective(doc, scenario), starts)
    return verdict["violations"], verdict["objective"], verdict["achieved"], verdict["exposure"]
