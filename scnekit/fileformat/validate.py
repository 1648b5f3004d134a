"""Turn a plain scenario document into a validated :class:`~scnekit.model.Plan`.

Every problem is collected with its field path; one :class:`InputError` lists them all.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from enum import StrEnum
from typing import Any, TypeVar

from scnekit.errors import InputError
from scnekit.limits import DEFAULT, Limits, shown
from scnekit.model import (
    FORMAT_VERSION,
    Balance,
    Horizon,
    Link,
    LinkKind,
    Measure,
    Milestone,
    MilestoneMode,
    Objective,
    Party,
    PartyKind,
    Plan,
    Rules,
    Scenario,
)

from . import spec
from .fields import ID_PATTERN, FieldReader
from .overrides import apply_overrides

#: cycles of ``requires`` reported at the most (each one found costs its length)
CYCLES = 20
# the keys of each section, from the one description of the format (spec.py)
TOP_KEYS = spec.keys(spec.TOP)
HORIZON_KEYS = spec.keys(spec.HORIZON)
PARTY_KEYS = spec.keys(spec.PARTY)
PARTY_KINDS = spec.lookup(spec.PARTY, "kind").choices
LINK_KINDS = spec.lookup(spec.LINK, "kind").choices
MILESTONE_MODES = spec.MILESTONE.one_of
MEASURE_KEYS = spec.keys(spec.MEASURE)
LINK_KEYS = spec.keys(spec.LINK)
MILESTONE_KEYS = spec.keys(spec.MILESTONE)
AT_LEAST_KEYS = spec.keys(spec.AT_LEAST)
RULES_KEYS = spec.keys(spec.RULES)
BALANCE_KEYS = spec.keys(spec.BALANCE)
OBJECTIVE_KEYS = spec.keys(spec.OBJECTIVE)
SCENARIO_KEYS = spec.keys(spec.SCENARIO)
SET_SECTIONS: dict[str, tuple[str, ...]] = {word: spec.keys(section)
                                            for word, section in spec.SET_SECTIONS.items()}


def parse_plan(document: Any, file: str | None = None, limits: Limits = DEFAULT) -> Plan:
    """Validate a whole scenario file, its scenarios included, and return the base plan."""
    return _Parser(file, limits).plan(document, check_scenarios=True)


def parse_effective(document: Any, scenario_id: str, unavailable: frozenset[str],
                    base: Plan) -> Plan:
    """Validate a document that a scenario's overrides made of ``base``'s document."""
    return _Parser(base.path, base.limits).plan(document, check_scenarios=False, scenario_id=scenario_id,
                                                unavailable=unavailable, base_document=base.document)


def check_variant(plan: Plan, scenario: Scenario) -> None:
    """Validate overrides made outside the file (a workshop's controls) against ``plan``."""
    parser = _Parser(plan.path, plan.limits)
    measure_ids = plan.measure_by_id
    parser.references(list(scenario.unavailable), "unavailable", measure_ids, "measure")
    for key in scenario.set:
        parser._set_path(key, f"set['{key}']", plan.document)
    if not parser.problems:
        parser._check_effective([scenario], plan.document)
    if parser.problems:
        raise InputError(parser.problems)


def check_set_paths(plan: Plan, paths: Iterable[str], where: str = "set") -> None:
    """Raise one :class:`InputError` naming every ``set`` path of ``paths`` that names
    nothing in ``plan``'s document (FORMAT.md section 1)."""
    parser = _Parser(plan.path, plan.limits)
    for key in paths:
        parser._set_path(key, f"{where} {key}", plan.document)
    if parser.problems:
        raise InputError(parser.problems)


class _Parser(FieldReader):
    def __init__(self, file: str | None = None, limits: Limits = DEFAULT,
                 reuse: Mapping[int, Measure] | None = None) -> None:
        """``reuse``: measures already validated, by the identity of their mapping in the
        document: a scenario's effective document shares the items it does not change."""
        super().__init__(file, limits)
        self._known: dict[tuple[int, str], set[str]] = {}
        self._reuse = reuse or {}
        self.parsed: dict[int, Measure] = {}

    def plan(self, document: Any, *, check_scenarios: bool, scenario_id: str = "base",
             unavailable: frozenset[str] = frozenset(),
             base_document: Mapping[str, Any] | None = None) -> Plan:
        doc = self.mapping(document, "", TOP_KEYS)
        if doc is None:
            raise InputError(self.problems)
        self._sizes(doc)
        self._version(doc)
        name = self.text(doc, "name", "", required=True) or ""
        description = self.text(doc, "description", "")
        horizon = self._horizon(doc.get("horizon"), "horizon") if "horizon" in doc else None
        if horizon is None and "horizon" not in doc:
            self.problem("horizon", "required field is missing")
        phases = horizon.phases if horizon else None
        parties = self._parties(doc)
        party_ids = dict.fromkeys((p.id for p in parties), 0)
        measure_ids = self._ids(doc.get("measures"), "measures")
        measures = self._measures(doc, phases, party_ids, measure_ids)
        links = self._links(doc.get("links"), measure_ids)
        milestones = self._milestones(doc.get("milestones"), phases, measure_ids)
        rules = self._rules(doc.get("rules"), party_ids)
        objective = self._objective(doc.get("objective"))
        scenarios = self._scenarios(doc.get("scenarios"), measure_ids, document, check_scenarios)
        # ``progress`` (a key of spec.TOP) is history, not the plan: it is accepted here and
        # read by scnekit.fileformat.progress, against the plan this returns
        if self.problems:
            raise InputError(self.problems)
        assert horizon is not None
        return Plan(name=name, description=description, horizon=horizon, parties=parties,
                    measures=measures, links=links, milestones=milestones, rules=rules,
                    objective=objective, scenarios=scenarios, scenario_id=scenario_id,
                    unavailable=unavailable,
                    document=base_document if base_document is not None else document,
                    path=self.file, limits=self.limits)

    def _sizes(self, doc: dict[str, Any]) -> None:
        """Refuse at once a list section longer than its limit, before any of it is read."""
        over = False
        for section in ("parties", "measures", "links", "milestones", "scenarios"):
            node = doc.get(section)
            if isinstance(node, list) and len(node) > getattr(self.limits, section):
                self.problem(section, f"lists {len(node):,} entries: {self.limits.hint(section)}")
                over = True
        if over:
            raise InputError(self.problems)

    def _version(self, doc: dict[str, Any]) -> None:
        if "scnekit" not in doc:
            self.problem("scnekit", "required field is missing (the format version: scnekit: 1)")
        elif doc["scnekit"] != FORMAT_VERSION or isinstance(doc["scnekit"], bool):
            self.problem("scnekit", f"unsupported format version {shown(doc['scnekit'])}; "
                                    f"this scnekit reads version {FORMAT_VERSION}")

    def _horizon(self, node: Any, path: str) -> Horizon | None:
        h = self.mapping(node, path, HORIZON_KEYS)
        if h is None:
            return None
        phases = self.whole(h, "phases", path, None, required=True, low=1)
        if phases is None:
            return None
        if phases > self.limits.phases:
            self.problem(f"{path}.phases", f"{phases:,} phases: {self.limits.hint('phases')}")
            return None
        labels = None
        if h.get("labels") is not None:
            labels = self.texts(h, "labels", path)
            if len(labels) != phases:
                self.problem(f"{path}.labels", f"must give exactly {phases} labels (one per phase), "
                                               f"got {len(labels)}")
        capacity = None
        cap = h.get("capacity")
        if isinstance(cap, list):
            if len(cap) != phases:
                self.problem(f"{path}.capacity", f"must give exactly {phases} numbers (one per "
                                                 f"phase), got {len(cap)}")
            capacity = tuple(self.whole_value(c, f"{path}.capacity[{i}]", 0) or 0
                             for i, c in enumerate(cap))
        elif cap is not None:
            single = self.whole_value(cap, f"{path}.capacity", None)
            capacity = None if single is None else (single,) * phases
        return Horizon(phases=phases, labels=labels, capacity=capacity)

    def _ids(self, node: Any, section: str) -> dict[str, int]:
        """The valid ids of a list section in order, each with its index in the section;
        each problem (bad id, duplicate) noted once."""
        ids: dict[str, int] = {}
        if not isinstance(node, list):
            return ids
        for i, item in enumerate(node):
            if not isinstance(item, dict) or "id" not in item:
                continue
            ident = self.ident(item["id"], f"{section}[{i}].id")
            if ident is None:
                continue
            if ident in ids:
                self.problem(f"{section}[{i}].id", f"duplicate id '{ident}' (first at {section}[{ids[ident]}])")
            else:
                ids[ident] = i
        return ids

    def _parties(self, doc: dict[str, Any]) -> tuple[Party, ...]:
        if "parties" not in doc:
            self.problem("parties", "required field is missing")
            return ()
        party_ids = self._ids(doc["parties"], "parties")
        out = []
        for i, node in enumerate(self.sequence(doc["parties"], "parties", 1)):
            path = f"parties[{i}]"
            p = self.mapping(node, path, PARTY_KEYS)
            if p is None:
                continue
            ident = _id_of(p)
            if "id" not in p:
                self.problem(f"{path}.id", "required field is missing")
            kind = _member(PartyKind, p.get("kind", PartyKind.AREA))
            if kind is None:
                self.problem(f"{path}.kind", f"must be one of {', '.join(PARTY_KINDS)}, got {shown(p.get('kind'))}")
                kind = PartyKind.AREA
            backers = self.references(p.get("backers", []), f"{path}.backers", party_ids, "party")
            if ident in backers:
                self.problem(f"{path}.backers", f"party '{ident}' cannot back itself")
            name = self.text(p, "name", path, default=ident)
            if ident is not None:
                out.append(Party(id=ident, name=name or ident, kind=kind, backers=backers,
                                 notes=self.text(p, "notes", path), source=self.text(p, "source", path)))
        return tuple(out)

    def _measures(self, doc: dict[str, Any], phases: int | None, party_ids: Collection[str],
                  measure_ids: Collection[str]) -> tuple[Measure, ...]:
        if "measures" not in doc:
            self.problem("measures", "required field is missing")
            return ()
        out = []
        for i, node in enumerate(self.sequence(doc["measures"], "measures", 1)):
            if id(node) in self._reuse:
                out.append(self._reuse[id(node)])
                continue
            path = f"measures[{i}]"
            m = self.mapping(node, path, MEASURE_KEYS)
            if m is None:
                continue
            if "id" not in m:
                self.problem(f"{path}.id", "required field is missing")
            ident = _id_of(m)
            by = None
            if "by" not in m:
                self.problem(f"{path}.by", "required field is missing")
            else:
                by = self.reference(m["by"], f"{path}.by", party_ids, "party")
            to: dict[str, float] = {}
            if m.get("to") is not None:
                to_node = self.mapping(m["to"], f"{path}.to", party_ids)
                for party, value in (to_node or {}).items():
                    if party in party_ids:
                        to[party] = self.number_value(value, f"{path}.to.{party}")
            high = phases or None
            duration = self.whole(m, "duration", path, 1, low=1) or 1
            earliest = self.whole(m, "earliest", path, 1, low=1, high=high) or 1
            latest = self.whole(m, "latest", path, phases, low=1, high=high) or phases or 1
            if earliest > latest:
                self.problem(f"{path}.latest", f"latest start {latest} is before earliest start {earliest}")
            requires = self.references(m.get("requires", []), f"{path}.requires", measure_ids, "measure")
            if ident in requires:
                self.problem(f"{path}.requires", f"measure '{ident}' cannot require itself")
            measure = Measure(
                id=ident or "", title=self.text(m, "title", path, default=ident) or "", by=by or "",
                cost=self.number(m, "cost", path, 0.0), to=to, duration=duration,
                earliest=earliest, latest=latest, mandatory=self.flag(m, "mandatory", path, False),
                requires=requires, category=self.text(m, "category", path), tags=self.texts(m, "tags", path),
                source=self.text(m, "source", path), notes=self.text(m, "notes", path))
            out.append(measure)
            self.parsed[id(node)] = measure
        self._cycles(out)
        return tuple(out)

    def _cycles(self, measures: list[Measure]) -> None:
        """Report each cycle of ``requires`` once: a depth-first search with its own stack
        (a chain of any length is fine; recursion would stop at Python's limit)."""
        requires = {m.id: m.requires for m in measures if m.id}
        index = {m.id: i for i, m in enumerate(measures) if m.id}
        state: dict[str, int] = {}  # 1: on the current trail, 2: done
        reported: set[frozenset[str]] = set()
        for root, needs in requires.items():
            if root in state:
                continue
            trail: list[str] = [root]
            place = {root: 0}
            state[root] = 1
            todo = [iter(needs)]
            while todo:
                nxt = next(todo[-1], None)
                if nxt is None:
                    todo.pop()
                    done = trail.pop()
                    del place[done]
                    state[done] = 2
                elif state.get(nxt) == 1 and len(reported) < CYCLES:
                    cycle = [*trail[place[nxt]:], nxt]
                    key = frozenset(cycle)
                    if key not in reported:
                        reported.add(key)
                        shown_ids = cycle if len(cycle) <= 12 else [*cycle[:5], f"... {len(cycle) - 10} more ...",
                                                                    *cycle[-5:]]
                        self.problem(f"measures[{index[nxt]}].requires",
                                     f"requires forms a cycle of {len(cycle) - 1} measures: " + " -> ".join(shown_ids))
                elif nxt in requires and nxt not in state:
                    state[nxt] = 1
                    place[nxt] = len(trail)
                    trail.append(nxt)
                    todo.append(iter(requires[nxt]))

    def _links(self, node: Any, measure_ids: Collection[str]) -> tuple[Link, ...]:
        if node is None:
            return ()
        out = []
        for i, item in enumerate(self.sequence(node, "links")):
            path = f"links[{i}]"
            ln = self.mapping(item, path, LINK_KEYS)
            if ln is None:
                continue
            kind = _member(LinkKind, ln.get("kind"))
            if kind is None:
                self.problem(f"{path}.kind", f"must be 'reciprocal' or 'exclusive', got {shown(ln.get('kind'))}")
            members = self.references(ln.get("measures"), f"{path}.measures", measure_ids, "measure",
                                      min_items=2) if "measures" in ln else ()
            if "measures" not in ln:
                self.problem(f"{path}.measures", "required field is missing")
            within = self.whole(ln, "within", path, 0) or 0
            if kind == LinkKind.EXCLUSIVE and "within" in ln:
                self.problem(f"{path}.within", "applies to reciprocal links only")
            if kind is not None:
                out.append(Link(kind=kind, measures=members, within=within))
        return tuple(out)

    def _milestones(self, node: Any, phases: int | None, measure_ids: Collection[str]) -> tuple[Milestone, ...]:
        if node is None:
            return ()
        self._ids(node, "milestones")
        out = []
        for i, item in enumerate(self.sequence(node, "milestones")):
            path = f"milestones[{i}]"
            k = self.mapping(item, path, MILESTONE_KEYS)
            if k is None:
                continue
            if "id" not in k:
                self.problem(f"{path}.id", "required field is missing")
            ident = _id_of(k)
            forms = [f for f in MILESTONE_MODES if f in k]
            if len(forms) != 1:
                self.problem(path, "must have exactly one of all, any, at_least"
                             + (f" (has {', '.join(forms)})" if forms else ""))
                continue
            form = MilestoneMode(forms[0])
            members: tuple[str, ...] = ()
            count = 0
            if form == MilestoneMode.AT_LEAST:
                al = self.mapping(k["at_least"], f"{path}.at_least", AT_LEAST_KEYS)
                if al is None:
                    continue
                if "of" not in al:
                    self.problem(f"{path}.at_least.of", "required field is missing")
                else:
                    members = self.references(al["of"], f"{path}.at_least.of", measure_ids, "measure",
                                              min_items=1)
                count = self.whole(al, "count", f"{path}.at_least", 1, required=True, low=1) or 1
                if members and count > len(members):
                    self.problem(f"{path}.at_least.count",
                                 f"count {count} exceeds the {len(members)} measures listed")
            else:
                members = self.references(k[form], f"{path}.{form}", measure_ids, "measure", min_items=1)
                count = len(members) if form == MilestoneMode.ALL else 1
            deadline = None
            if k.get("deadline") is not None:
                deadline = self.whole(k, "deadline", path, None, low=1, high=phases)
            out.append(Milestone(id=ident or "", title=self.text(k, "title", path, default=ident) or "",
                                 mode=form, measures=members, count=count,
                                 deadline=deadline, weight=self.number(k, "weight", path, 1.0),
                                 notes=self.text(k, "notes", path), source=self.text(k, "source", path)))
        return tuple(out)

    def _rules(self, node: Any, party_ids: Collection[str]) -> Rules:
        if node is None:
            return Rules()
        r = self.mapping(node, "rules", RULES_KEYS)
        if r is None:
            return Rules()
        default, by_party = self._per_party(r.get("max_exposure"), "rules.max_exposure", party_ids)
        stake_default, stake_by_party = self._per_party(r.get("min_stake"), "rules.min_stake", party_ids,
                                                        negative=True)
        min_received: dict[str, float] = {}
        if r.get("min_received") is not None:
            for key, value in (self.mapping(r["min_received"], "rules.min_received", party_ids) or {}).items():
                if key in party_ids:
                    min_received[key] = self.number_value(value, f"rules.min_received.{key}")
        balance = None
        if r.get("balance") is not None:
            b = self.mapping(r["balance"], "rules.balance", BALANCE_KEYS)
            if b is not None:
                if "among" not in b:
                    self.problem("rules.balance.among", "required field is missing")
                among = self.references(b.get("among", []), "rules.balance.among", party_ids, "party",
                                        min_items=2)
                if "max_gap" not in b:
                    self.problem("rules.balance.max_gap", "required field is missing")
                balance = Balance(among=among, max_gap=self.number(b, "max_gap", "rules.balance", 0.0))
        return Rules(exposure_default=default, exposure_by_party=by_party, min_received=min_received,
                     balance=balance, stake_default=stake_default, stake_by_party=stake_by_party)

    def _per_party(self, node: Any, path: str, party_ids: Collection[str], *,
                   negative: bool = False) -> tuple[float | None, dict[str, float]]:
        """A rule given as one number for every party or as ``{party: n, ..., default: n}``."""
        default: float | None = None
        by_party: dict[str, float] = {}
        if isinstance(node, dict):
            for key, value in (self.mapping(node, path, [*party_ids, "default"]) or {}).items():
                if key == "default":
                    default = self.number_value(value, f"{path}.default", negative=negative)
                elif key in party_ids:
                    by_party[key] = self.number_value(value, f"{path}.{key}", negative=negative)
        elif node is not None:
            default = self.number_value(node, path, negative=negative)
        return default, by_party

    def _objective(self, node: Any) -> Objective:
        if node is None:
            return Objective()
        o = self.mapping(node, "objective", OBJECTIVE_KEYS)
        if o is None:
            return Objective()
        return Objective(benefit=self.number(o, "benefit", "objective", 1.0),
                         milestones=self.number(o, "milestones", "objective", 1.0))

    def _scenarios(self, node: Any, measure_ids: Collection[str], document: Any,
                   check: bool) -> tuple[Scenario, ...]:
        if node is None:
            return ()
        ids = self._ids(node, "scenarios")
        out = []
        for i, item in enumerate(self.sequence(node, "scenarios")):
            path = f"scenarios[{i}]"
            s = self.mapping(item, path, SCENARIO_KEYS)
            if s is None:
                continue
            if "id" not in s:
                self.problem(f"{path}.id", "required field is missing")
            ident = _id_of(s)
            ident = ident if ident in ids else None
            if s.get("id") == "base":
                self.problem(f"{path}.id", "'base' is reserved for the model as written")
                ident = None
            listed = s.get("unavailable")
            unavailable = self.references([] if listed is None else listed, f"{path}.unavailable",
                                          measure_ids, "measure")
            overrides: dict[str, Any] = {}
            if s.get("set") is not None:
                set_node = s["set"]
                if not isinstance(set_node, dict):
                    self.problem(f"{path}.set", "must be a mapping of dotted paths to values")
                else:
                    overrides = dict(set_node)
                    for key in overrides:
                        self._set_path(key, f"{path}.set[{shown(key)}]", document)
            self.text(s, "notes", path)
            scenario = Scenario(id=ident or "", description=self.text(s, "description", path),
                                unavailable=unavailable, set=overrides)
            if ident is not None:
                out.append(scenario)
        if check and not self.problems:
            self._check_effective(out, document)
        return tuple(out)

    def _section_ids(self, document: Any, section: str) -> set[str]:
        """The ids written in a list section of ``document`` (kept: many ``set`` paths ask)."""
        key = (id(document), section)
        if key not in self._known:
            items = document.get(section) if isinstance(document, dict) else None
            self._known[key] = {item["id"] for item in (items if isinstance(items, list) else [])
                                if isinstance(item, dict) and isinstance(item.get("id"), str)}
        return self._known[key]

    def _set_path(self, key: Any, path: str, document: Any) -> None:
        if not isinstance(key, str):
            self.problem(path, "must be a dotted path such as measures.<id>.cost")
            return
        parts = key.split(".")
        section = parts[0]
        if section not in SET_SECTIONS:
            self.problem(path, f"names nothing: '{section}' is not one of {', '.join(SET_SECTIONS)}")
            return
        fields = SET_SECTIONS[section]
        if section in spec.SET_LIST_SECTIONS:
            if len(parts) != 3:
                self.problem(path, f"must have the form {section}.<id>.<field>")
                return
            if parts[1] not in self._section_ids(document, section):
                self.problem(path, f"names nothing: no {section[:-1] if section != 'parties' else 'party'} "
                                   f"with id '{parts[1]}'")
                return
            field = parts[2]
        else:
            if len(parts) != 2:
                self.problem(path, f"must have the form {section}.<field>")
                return
            field = parts[1]
        if field not in fields or field == "id":
            self.problem(path, f"names nothing: '{field}' is not a field of {section}")

    def _check_effective(self, scenarios: list[Scenario], document: Any) -> None:
        """Validate each scenario's effective document. The measures a scenario leaves as they
        are were validated with the base (the same phases and ids), so they are taken as they
        are: a scenario costs what it changes, plus a pass over the ids."""
        for i, scenario in enumerate(scenarios):
            same_horizon = not any(str(key).startswith("horizon.") for key in scenario.set)
            try:
                effective = apply_overrides(document, scenario)
                _Parser(self.file, self.limits, self.parsed if same_horizon else None).plan(
                    effective, check_scenarios=False)
            except InputError as err:
                for p in err.problems:
                    self.problem(f"scenarios[{i}].set",
                                 f"in scenario '{scenario.id}' the overrides make {p.path or 'the file'} "
                                 f"invalid: {p.message}")


E = TypeVar("E", bound=StrEnum)


def _member(kind: type[E], value: Any) -> E | None:
    """``value`` as a member of ``kind``, or None when it is not one of its values."""
    return kind(value) if isinstance(value, str) and value in set(kind) else None


def _id_of(item: Mapping[str, Any]) -> str | None:
    """The item's id when it is one (its problems are reported where ids are read)."""
    value = item.get("id")
    return value if isinstance(value, str) and ID_PATTERN.fullmatch(value) else None
