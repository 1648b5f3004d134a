"""What each control of the explorer does to the workshop's :class:`~scnekit.fileformat.savefile.Draft`.

Every function returns a new draft; none solves anything. The explorer keeps the drafts
in order, so undo is going back one.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from scnekit.fileformat.overrides import apply_overrides
from scnekit.fileformat.savefile import Draft
from scnekit.fileformat.scenarios import as_scenario
from scnekit.model import Plan

EXPOSURE = "rules.max_exposure"
CAPACITY = "horizon.capacity"
PHASES = "horizon.phases"


def number(value: float) -> int | float:
    """A whole number as int (so a saved file reads ``3``, not ``3.0``)."""
    value = float(value)
    return int(value) if value.is_integer() else value


def with_scenario(draft: Draft, base: Plan, scenario: str) -> Draft:
    """Start from another scenario of the file, keeping the workshop's own changes."""
    moved = replace(draft, scenario=scenario)
    if PHASES in draft.set:
        return with_horizon(moved, base, int(draft.set[PHASES]))
    return moved


def with_exposure(draft: Draft, limit: float | None) -> Draft:
    """One exposure limit for every party (None: no party has a limit)."""
    return _set(draft, EXPOSURE, None if limit is None else number(limit))


def with_party_exposure(draft: Draft, plan: Plan, party: str, limit: float | None) -> Draft:
    """Change one party's exposure limit in ``plan`` (the model on screen), keeping the others'."""
    rules = plan.rules
    limits: dict[str, Any] = {}
    if rules.exposure_default is not None:
        limits["default"] = number(rules.exposure_default)
    for p in plan.parties:
        own = rules.exposure_by_party.get(p.id)
        if own is not None and own != rules.exposure_default:
            limits[p.id] = number(own)
    if limit is None:
        if rules.exposure_default is not None:
            raise ValueError(f"'{party}' cannot go without a limit while every other party has one")
        limits.pop(party, None)
    else:
        limits[party] = number(limit)
    return _set(draft, EXPOSURE, limits or None)


def with_capacity(draft: Draft, capacity: int | None) -> Draft:
    """At most ``capacity`` measures in progress in every phase (None: no limit)."""
    return _set(draft, CAPACITY, None if capacity is None else int(capacity))


def with_weight(draft: Draft, which: str, weight: float) -> Draft:
    """Weight of the objective's ``benefit`` or ``milestones`` term."""
    if which not in ("benefit", "milestones"):
        raise ValueError(f"no objective weight '{which}'; the weights are benefit and milestones")
    return _set(draft, f"objective.{which}", number(weight))


def with_available(draft: Draft, measure: str, available: bool) -> Draft:
    """Make one measure available or unavailable."""
    gone = [m for m in draft.unavailable if m != measure]
    if not available:
        gone.append(measure)
    return replace(draft, unavailable=tuple(gone))


def with_pin(draft: Draft, measure: str, phase: int) -> Draft:
    """Fix ``measure`` to start in ``phase``."""
    return replace(draft, pins={**draft.pins, measure: int(phase)})


def without_pin(draft: Draft, measure: str) -> Draft:
    return replace(draft, pins={m: p for m, p in draft.pins.items() if m != measure})


def reset(draft: Draft) -> Draft:
    """The chosen scenario as the file writes it."""
    return Draft(scenario=draft.scenario)


def scenario_document(base: Plan, draft: Draft) -> dict[str, Any]:
    """The document the draft's scenario and overrides give, before any horizon cut."""
    rest = {k: v for k, v in draft.set.items() if not _horizon_key(k, v)}
    return apply_overrides(base.document, as_scenario(base, draft.scenario, set=rest))


def with_horizon(draft: Draft, base: Plan, phases: int) -> Draft:
    """End the horizon after ``phases``; labels and capacities are cut to fit.

    A later ``latest`` start or milestone deadline moves to the new last phase, so the
    scenario stays valid input: what was due by then is due by the end.
    """
    rest = {k: v for k, v in draft.set.items() if not _horizon_key(k, v)}
    document = scenario_document(base, draft)
    horizon = document.get("horizon") or {}
    full = int(horizon["phases"])
    if phases >= full:
        return replace(draft, set=rest)
    cut: dict[str, Any] = {PHASES: int(phases)}
    if horizon.get("labels") is not None:
        cut["horizon.labels"] = list(horizon["labels"])[:phases]
    if isinstance(horizon.get("capacity"), list):
        cut[CAPACITY] = list(horizon["capacity"])[:phases]
    for m in document.get("measures") or []:
        if m.get("latest") is not None and m["latest"] > phases:
            cut[f"measures.{m['id']}.latest"] = phases
    for k in document.get("milestones") or []:
        if k.get("deadline") is not None and k["deadline"] > phases:
            cut[f"milestones.{k['id']}.deadline"] = phases
    return replace(draft, set={**rest, **cut})


def shortest_horizon(base: Plan) -> int:
    """The earliest end the horizon slider offers: every measure's earliest start stays inside it."""
    return max([1, *(m.earliest for m in base.measures)])


def full_horizon(base: Plan, draft: Draft) -> int:
    """The number of phases of the draft's scenario before any cut."""
    return int((scenario_document(base, draft).get("horizon") or {})["phases"])


def _horizon_key(path: str, value: Any) -> bool:
    """Whether an override belongs to a horizon cut (and is redone with each new cut)."""
    if path in (PHASES, "horizon.labels"):
        return True
    if path == CAPACITY:
        return isinstance(value, list)
    return (path.startswith("measures.") and path.endswith(".latest")) or (
        path.startswith("milestones.") and path.endswith(".deadline"))


def _set(draft: Draft, path: str, value: Any) -> Draft:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{path} must be a finite number")
    return replace(draft, set={**draft.set, path: value})
