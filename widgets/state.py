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
from scnekit.limits import MAX_NUMBER
from scnekit.model import Plan

EXPOSURE = "rules.max_exposure"
CAPACITY = "horizon.capacity"
PHASES = "horizon.phases"
_DEFAULTS: dict[str, Any] = {"weight": 1, "cost": 0, "to": {}}  # what the file means when it says nothing


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


def amount(what: str, value: Any) -> int | float:
    """``value`` as the file takes a cost, a value or a weight: a finite number, not negative,
    at most the file's largest; raises ValueError saying why not."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{what} must be a number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, got {value}")
    if value < 0:
        raise ValueError(f"{what} must not be negative, got {value:g}")
    if value > MAX_NUMBER:
        raise ValueError(f"{what} must be at most {MAX_NUMBER:g}, got {value:g}")
    return number(value)


def with_deadline(draft: Draft, base: Plan, plan: Plan, milestone: str, deadline: int | None) -> Draft:
    """Milestone ``milestone`` due by the end of phase ``deadline`` of ``plan`` (the model on
    screen), or with no deadline (None)."""
    if milestone not in plan.milestone_by_id:
        raise ValueError(f"no milestone '{milestone}'")
    if deadline is not None and (isinstance(deadline, bool) or not isinstance(deadline, int)
                                 or not 1 <= deadline <= plan.phases):
        raise ValueError(f"the deadline of '{milestone}' must be a phase from 1 to {plan.phases} "
                             f"(or none), got {deadline!r}")
    return _own_set(draft, base, f"milestones.{milestone}.deadline", deadline)


def with_milestone_weight(draft: Draft, base: Plan, milestone: str, weight: Any) -> Draft:
    """The weight of milestone ``milestone`` in the objective."""
    if milestone not in base.milestone_by_id:
        raise ValueError(f"no milestone '{milestone}'")
    return _own_set(draft, base, f"milestones.{milestone}.weight", amount(f"the weight of '{milestone}'", weight))


def with_cost(draft: Draft, base: Plan, measure: str, cost: Any) -> Draft:
    """What measure ``measure`` costs the party that takes it."""
    if measure not in base.measure_by_id:
        raise ValueError(f"no measure '{measure}'")
    return _own_set(draft, base, f"measures.{measure}.cost", amount(f"the cost of '{measure}'", cost))


def with_value(draft: Draft, base: Plan, plan: Plan, measure: str, *, party: str, value: Any) -> Draft:
    """What measure ``measure`` is worth to ``party``, keeping its value to the other parties
    in ``plan`` (the model on screen); the override is the whole ``to`` mapping, as a
    scenario's ``set`` writes it. 0 keeps the party in the mapping with no value."""
    m = plan.measure_by_id.get(measure)
    if m is None:
        raise ValueError(f"no measure '{measure}'")
    if party not in plan.party_by_id:
        raise ValueError(f"no party '{party}'")
    to = {p: number(v) for p, v in m.to.items()}
    to[party] = amount(f"the value of '{measure}' to '{party}'", value)
    return _own_set(draft, base, f"measures.{measure}.to", to)


def without_measure_edits(draft: Draft, measure: str) -> Draft:
    """Measure ``measure``'s cost and values as the scenario writes them."""
    gone = (f"measures.{measure}.cost", f"measures.{measure}.to")
    return replace(draft, set={k: v for k, v in draft.set.items() if k not in gone})


def written(base: Plan, scenario: str, section: str, ident: str, key: str) -> Any:
    """The value ``scenario`` of the file gives ``section``'s item ``ident``'s ``key`` (None: none)."""
    document = apply_overrides(base.document, as_scenario(base, scenario))
    for item in document.get(section) or []:
        if isinstance(item, dict) and item.get("id") == ident:
            return item.get(key)
    return None


def _own_set(draft: Draft, base: Plan, path: str, value: Any) -> Draft:
    """Set ``path`` (``section.id.key``); a value the draft's scenario already gives drops the
    override, so that changing a value back leaves nothing edited."""
    section, ident, key = path.split(".")
    before = written(base, draft.scenario, section, ident, key)
    if before is None:
        before = _DEFAULTS.get(key)
    if _same(before, value):
        return replace(draft, set={k: v for k, v in draft.set.items() if k != path})
    return _set(draft, path, value)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) \
            and not isinstance(b, bool):
        return float(a) == float(b)
    return bool(a is None and b is None)


def reset(draft: Draft) -> Draft:
    """The chosen scenario as the file writes it."""
    return Draft(scenario=draft.scenario)


def scenario_document(base: Plan, draft: Draft) -> dict[str, Any]:
    """The document the draft's scenario and overrides give, before any horizon cut."""
    return apply_overrides(base.document, as_scenario(base, draft.scenario, set=uncut(base, draft)))


def uncut(base: Plan, draft: Draft) -> dict[str, Any]:
    """The draft's overrides but those of a horizon cut, which :func:`with_horizon` redoes.

    A deadline the cut moved to the last phase belongs to the cut; one the room chose
    (with the milestone controls) stays, also when the horizon grows back.
    """
    phases = draft.set.get(PHASES)
    out: dict[str, Any] = {}
    for path, value in draft.set.items():
        if _horizon_key(path, value):
            continue
        if phases is not None and value == phases and _is_deadline(path):
            before = written(base, draft.scenario, "milestones", path.split(".")[1], "deadline")
            if isinstance(before, int) and before > phases:
                continue  # moved there by the cut
        out[path] = value
    return out


def with_horizon(draft: Draft, base: Plan, phases: int) -> Draft:
    """End the horizon after ``phases``; labels and capacities are cut to fit.

    A later ``latest`` start or milestone deadline moves to the new last phase, so the
    scenario stays valid input: what was due by then is due by the end.
    """
    rest = uncut(base, draft)
    document = apply_overrides(base.document, as_scenario(base, draft.scenario, set=rest))
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
    """Whether an override belongs to a horizon cut (and is redone with each new cut); for
    deadlines, which the room also sets, see :func:`uncut`."""
    if path in (PHASES, "horizon.labels"):
        return True
    if path == CAPACITY:
        return isinstance(value, list)
    return path.startswith("measures.") and path.endswith(".latest")


def _is_deadline(path: str) -> bool:
    return path.startswith("milestones.") and path.endswith(".deadline")


def _set(draft: Draft, path: str, value: Any) -> Draft:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{path} must be a finite number")
    return replace(draft, set={**draft.set, path: value})
