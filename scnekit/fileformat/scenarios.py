"""Apply a scenario's ``unavailable`` and ``set`` to the base plan (FORMAT.md section 1)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scnekit.errors import UsageError
from scnekit.model import Plan, Scenario, use_scenario_selector

from .overrides import apply_overrides
from .validate import check_variant, parse_effective


def select(plan: Plan, scenario_id: str | None) -> Plan:
    """The model a scenario selects; ``None`` or ``base`` is the plan as written."""
    if scenario_id is None or scenario_id == plan.scenario_id:
        return plan
    if plan.scenario_id != "base":
        raise UsageError("select scenarios from the base plan, not from another scenario")
    if scenario_id == "base":
        return plan
    scenario = plan.scenario_by_id.get(scenario_id)
    if scenario is None:
        known = ", ".join(plan.scenario_ids)
        raise UsageError(f"no scenario '{scenario_id}' in {plan.name!r}; it has: {known}")
    document = apply_overrides(plan.document, scenario)
    return parse_effective(document, scenario_id, frozenset(scenario.unavailable), plan)


def variant(plan: Plan, scenario_id: str | None = None, *, set: Mapping[str, Any] | None = None,
            unavailable: tuple[str, ...] | list[str] = (), name: str = "variant") -> Plan:
    """A scenario built on the fly: ``scenario_id``'s overrides, then ``set`` and ``unavailable``.

    This is what a workshop's controls describe; :func:`as_scenario` turns the same
    arguments into a ``scenarios`` entry that reproduces it from the file.
    Raises :class:`~scnekit.errors.InputError` if the result is not valid.
    """
    base = plan if plan.scenario_id == "base" else select(plan, "base")
    scenario = as_scenario(base, scenario_id, set=set, unavailable=unavailable, name=name)
    check_variant(base, scenario)
    document = apply_overrides(base.document, scenario)
    return parse_effective(document, name, frozenset(scenario.unavailable), base)


def as_scenario(plan: Plan, scenario_id: str | None = None, *, set: Mapping[str, Any] | None = None,
                unavailable: tuple[str, ...] | list[str] = (), name: str = "variant",
                description: str | None = None) -> Scenario:
    """One scenario entry combining ``scenario_id`` (if any) with further overrides."""
    merged: dict[str, Any] = {}
    gone: list[str] = []
    if scenario_id not in (None, "base"):
        start = plan.scenario_by_id.get(scenario_id)
        if start is None:
            raise UsageError(f"no scenario '{scenario_id}'; known: {', '.join(plan.scenario_ids)}")
        merged.update(start.set)
        gone.extend(start.unavailable)
    merged.update(set or {})
    gone.extend(x for x in unavailable if x not in gone)
    return Scenario(id=name, description=description, unavailable=tuple(gone), set=merged)


use_scenario_selector(select)
