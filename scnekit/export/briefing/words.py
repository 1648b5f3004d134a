"""Small pieces of the briefing's wording: numbers, phases, lists, rules and overrides in words.

Every function returns plain text; escaping is the renderer's job (Jinja2's autoescape
for HTML, :func:`scnekit.export.briefing.markdown.md` for Markdown).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from scnekit.model import Plan

MEASURE_FIELDS = {
    "cost": "the political cost of {what}", "to": "the value {what} gives", "duration": "the duration of {what}",
    "earliest": "the first phase {what} may start", "latest": "the last phase {what} may start",
    "mandatory": "whether {what} is mandatory", "requires": "what {what} requires first",
    "title": "the title of {what}", "by": "who implements {what}", "category": "the category of {what}",
}
MILESTONE_FIELDS = {
    "deadline": "the deadline of {what}", "weight": "the weight of {what}", "all": "the steps {what} needs (all of)",
    "any": "the steps {what} needs (any one of)", "at_least": "the steps {what} needs (at least a number of)",
    "title": "the title of {what}",
}
PLAN_FIELDS = {
    "rules.max_exposure": "the exposure limits (how much a party may be owed at any time)",
    "rules.min_received": "the least value each party must receive by the end",
    "rules.balance": "the balance rule between parties",
    "rules.min_stake": "the least stake each party must keep in the roadmap",
    "horizon.capacity": "the capacity (measures in progress at once)",
    "horizon.phases": "the number of phases", "horizon.labels": "the names of the phases",
    "objective.benefit": "the weight of net benefit in the objective",
    "objective.milestones": "the weight of milestones in the objective",
}


def num(value: float | int | None) -> str:
    """A number as a reader writes it: 3, 2.5, -1; an em dash for none."""
    return "—" if value is None else f"{float(value):g}"


def phase(plan: Plan, t: int | None) -> str:
    """``Q3`` where the file names its phases, else ``phase 3``; "never" for none."""
    if t is None:
        return "never"
    return plan.horizon.label(t) if plan.horizon.labels else f"phase {t}"


def phase_head(plan: Plan, t: int) -> str:
    """The heading of a phase: ``Phase 2 (Q2)`` or ``Phase 2``."""
    return f"Phase {t} ({plan.horizon.label(t)})" if plan.horizon.labels else f"Phase {t}"


def join(items: Sequence[str], last: str = "and") -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {last} " + items[-1]


def quoted(title: str) -> str:
    return f"“{title}”"


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def party_name(plan: Plan, party: str) -> str:
    found = plan.party_by_id.get(party)
    return found.name if found else party


def values(plan: Plan, mapping: Mapping[str, Any]) -> str:
    """``{gos: 2, default: 1}`` as ``Government-held areas 2, every other party 1``."""
    parts = [f"every other party {num(v)}" if k == "default" else f"{party_name(plan, k)} {num(v)}"
             for k, v in mapping.items() if k != "default"]
    if "default" in mapping:
        parts.append(f"every other party {num(mapping['default'])}" if parts else
                     f"every party {num(mapping['default'])}")
    return join(parts) or "none"


def rules_in_words(plan: Plan) -> list[str]:
    """Each rule the roadmap keeps, as a sentence."""
    rules, out = plan.rules, []
    limits = {p.id: rules.exposure_limit(p.id) for p in plan.parties}
    bounded = {k: v for k, v in limits.items() if v is not None}
    if bounded:
        common = {v for v in bounded.values()}
        if len(common) == 1 and len(bounded) == len(limits):
            out.append(f"No party may ever be owed more than {num(next(iter(common)))} (its exposure: the cost "
                       "of the steps it has started minus the value it has received).")
        else:
            text = join([f"{party_name(plan, k)} {num(v)}" for k, v in bounded.items()])
            free = [party_name(plan, k) for k, v in limits.items() if v is None]
            out.append(f"Exposure limits (the most a party may be owed at any time): {text}."
                       + (f" No limit for {join(free)}." if free else ""))
    if rules.min_received:
        out.append("By the end, each of these parties receives at least: "
                   + join([f"{party_name(plan, k)} {num(v)}" for k, v in rules.min_received.items()]) + ".")
    if rules.balance is not None:
        out.append(f"Balance: the value received by {join([party_name(plan, p) for p in rules.balance.among])} "
                   f"may differ by at most {num(rules.balance.max_gap)} between any two of them.")
    stakes = {p.id: rules.min_stake(p.id) for p in plan.parties}
    if any(v is not None for v in stakes.values()):
        out.append("Each of these parties keeps at least this stake in going on (what it still expects to gain "
                   "minus what it still has to give): "
                   + join([f"{party_name(plan, k)} {num(v)}" for k, v in stakes.items() if v is not None]) + ".")
    capacity = plan.horizon.capacity
    if capacity:
        if len(set(capacity)) == 1:
            out.append(f"At most {plural(capacity[0], 'measure')} may be in progress in any phase (the capacity "
                       "of mediators and implementers).")
        else:
            out.append("Measures in progress at once (capacity), phase by phase: "
                       + join([f"{phase(plan, t)} {c}" for t, c in enumerate(capacity, 1)]) + ".")
    mandatory = [m.title for m in plan.measures if m.mandatory]
    if mandatory:
        out.append("These measures must be part of any roadmap: " + join([quoted(t) for t in mandatory]) + ".")
    deadlines = [k for k in plan.milestones if k.deadline is not None]
    if deadlines:
        out.append("Deadlines: " + join([f"{quoted(k.title)} by {phase(plan, k.deadline)}" for k in deadlines])
                   + ".")
    return out


def override_in_words(plan: Plan, path: str, value: Any) -> str:
    """One ``set`` entry of a scenario as a sentence: what it changes, to what, from what."""
    section, *rest = path.split(".")
    base = _base_value(plan.document, section, rest)
    if section in ("measures", "milestones", "parties") and len(rest) == 2:
        ident, field = rest
        if section == "measures":
            found = plan.measure_by_id.get(ident)
            what = quoted(found.title) if found else ident
            template = MEASURE_FIELDS.get(field, "the " + field.replace("_", " ") + " of {what}")
        elif section == "milestones":
            milestone = plan.milestone_by_id.get(ident)
            what = "milestone " + (quoted(milestone.title) if milestone else ident)
            template = MILESTONE_FIELDS.get(field, "the " + field.replace("_", " ") + " of {what}")
        else:
            what = party_name(plan, ident)
            template = "the " + field.replace("_", " ") + " of {what}"
        subject = template.format(what=what)
        shown, before = _shown(plan, field, value), _shown(plan, field, base)
    else:
        subject = PLAN_FIELDS.get(path, path)
        shown, before = _shown(plan, path, value), _shown(plan, path, base)
    was = f" (in the base plan: {before})" if base is not None else " (not set in the base plan)"
    return f"{subject[:1].upper()}{subject[1:]} becomes {shown}{was}."


def _shown(plan: Plan, field: str, value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        if field == "at_least":
            return f"{value.get('count')} of " + _shown(plan, "all", value.get("of", []))
        if field in ("to", "rules.max_exposure", "rules.min_received", "rules.min_stake", "max_exposure"):
            return values(plan, value)
        return join([f"{k} {_shown(plan, k, v)}" for k, v in value.items()])
    if isinstance(value, list | tuple):
        if field in ("all", "any", "requires", "of"):
            return join([quoted(plan.measure_by_id[x].title) if x in plan.measure_by_id else str(x)
                         for x in value])
        if field == "horizon.capacity":
            return join([f"{phase(plan, t)} {c}" for t, c in enumerate(value, 1)])
        return join([_shown(plan, field, v) for v in value])
    if isinstance(value, int | float) and field in ("deadline", "earliest", "latest") and float(value).is_integer():
        return phase(plan, int(value))
    if isinstance(value, int | float):
        return num(value)
    return str(value)


def _base_value(document: Mapping[str, Any], section: str, rest: list[str]) -> Any:
    """The value a ``set`` path has in the base document as written, or None."""
    node = document.get(section)
    if section in ("measures", "milestones", "parties") and len(rest) == 2 and isinstance(node, list):
        for item in node:
            if isinstance(item, Mapping) and item.get("id") == rest[0]:
                return item.get(rest[1])
        return None
    if isinstance(node, Mapping) and rest:
        return node.get(rest[0])
    return None


def source_document(source: str) -> str:
    """The document a ``source`` names first: its text before the first comma, semicolon or bracket."""
    cut = len(source)
    for mark in (",", ";", "(", ":"):
        at = source.find(mark)
        if 0 < at < cut:
            cut = at
    return " ".join(source[:cut].split()) or source.strip()


def lines(texts: Iterable[str]) -> list[str]:
    """Texts with their inner whitespace (the folded lines of YAML) made single spaces."""
    return [" ".join(t.split()) for t in texts]
