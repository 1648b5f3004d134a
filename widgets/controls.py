"""The explorer's controls. Each change becomes an edit of the workshop's draft (see :mod:`.state`)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from html import escape
from typing import Any

import ipywidgets as widgets

from scnekit.fileformat.savefile import Draft
from scnekit.model import Plan

from . import state

Edit = Callable[[Draft], Draft]
WIDE = {"description_width": "110px"}
NARROW = {"description_width": "76px"}
NUMBER = ".4"  # d3-format: up to 4 significant digits, no trailing zeros (5, 2.5)


class Controls:
    """Every control of the explorer, and the left-hand panel that holds them.

    ``edit`` receives a function from the current draft to the next one; the explorer
    applies it. :meth:`show` sets the controls from a draft without calling ``edit``.
    """

    def __init__(self, base: Plan, edit: Callable[[Edit], None]) -> None:
        self._base = base
        self._edit = edit
        self._plan: Plan = base
        self._syncing = False
        self._draft = Draft()  # the draft on screen, to show again after an entry that is not valid
        self._added: set[tuple[str, str]] = set()  # (measure, party) boxes opened with "add party"
        self._scenario_unavailable: dict[str, frozenset[str]] = {}
        self._makers: dict[widgets.ValueWidget, Callable[[Any], Edit]] = {}
        self._moved: widgets.ValueWidget | None = None  # the slider a person moved last

        self.scenario = widgets.Dropdown(description="scenario", style=WIDE, layout=_full())
        self.scenario.add_class("scne-scenario")
        self.max_exposure = _limit_slider("all parties", "scne-max-exposure")
        self.no_exposure_limit = _no_limit("scne-max-exposure-none")
        self.party_exposure = {p: _limit_slider(p, f"scne-exposure-{p}") for p in _limited_parties(base)}
        for slider in self.party_exposure.values():
            slider.add_class("scne-party-exposure")
        self.capacity = _limit_slider("capacity", "scne-capacity", whole=True, low=1)
        self.no_capacity_limit = _no_limit("scne-capacity-none")
        self.capacity_note = widgets.HTML()
        self.horizon = widgets.IntSlider(description="last phase", style=WIDE, layout=_full(),
                                         min=state.shortest_horizon(base), max=base.phases, value=base.phases,
                                         continuous_update=False)
        self.horizon.add_class("scne-horizon")
        self.horizon_note = widgets.HTML()
        self.benefit = widgets.FloatSlider(description="net benefit", min=0, max=10, step=0.5,
                                           readout_format=NUMBER, style=WIDE, layout=_full(),
                                           continuous_update=False)
        self.benefit.add_class("scne-benefit")
        self.milestone_weight = widgets.FloatSlider(description="milestones", min=0, max=10,
                                                    step=0.5, readout_format=NUMBER, style=WIDE, layout=_full(),
                                                    continuous_update=False)
        self.milestone_weight.add_class("scne-milestone-weight")

        self.measures = {m.id: self._checkbox(m.id, m.title) for m in base.measures}
        self.measures_box = widgets.VBox(list(self._measure_sections(base)), layout=widgets.Layout(
            max_height="420px", overflow="auto", width="100%", border="1px solid #ccc", padding="4px"))
        self.measures_box.add_class("scne-measures")

        self.pin_measure = widgets.Dropdown(description="measure", options=sorted(m.id for m in base.measures),
                                            style=WIDE, layout=_full())
        self.pin_measure.add_class("scne-pin-measure")
        self.pin_phase = widgets.Dropdown(description="starts in", style=WIDE, layout=_full())
        self.pin_phase.add_class("scne-pin-phase")
        self.pin_button = _button("Pin", "scne-pin", "Fix this measure to start in this phase")
        self.unpin_button = _button("Unpin", "scne-unpin", "Let the solver choose this measure's start again")
        self.pins = widgets.HTML()
        self.pins.add_class("scne-pins")

        self.undo_button = _button("Undo", "scne-undo", "Undo the last change")
        self.reset_button = _button("Reset to scenario", "scne-reset",
                                    "Drop every change made here; keep the chosen scenario")
        self.restore_button = _button("Restore unsaved work", "scne-restore",
                                      "Bring back the state autosaved by an earlier session")
        self.restore_button.layout.display = "none"
        self.save_name = widgets.Text(description="scenario id", placeholder="new-scenario-id",
                                      style=WIDE, layout=_full())
        self.save_name.add_class("scne-save-name")
        self.save_description = widgets.Text(description="description", placeholder="optional",
                                             style=WIDE, layout=_full())
        self.save_description.add_class("scne-save-description")
        self.save_button = _button("Save", "scne-save", "Add the current settings to the file as a scenario")
        self.save_message = widgets.HTML()
        self.save_message.add_class("scne-save-message")

        self._build_milestones(base)
        self._build_measure_editor(base)

        self._observe()
        self.panel = widgets.VBox([
            self.scenario,
            _heading("Exposure limits", "the most any party may be owed at any time"),
            _row(self.max_exposure), self.no_exposure_limit, *(_row(s) for s in self.party_exposure.values()),
            _heading("Capacity and horizon", "measures in progress per phase; the horizon's last phase"),
            _row(self.capacity), self.no_capacity_limit, self.capacity_note, self.horizon, self.horizon_note,
            _heading("Objective weights", "net benefit against milestones achieved"),
            self.benefit, self.milestone_weight,
            _heading("Pin a measure to a phase"), self.pin_measure, self.pin_phase,
            widgets.HBox([self.pin_button, self.unpin_button]), self.pins,
            self.milestones_section, self.measure_section,
            _heading("Measures available"), self.measures_box,
            widgets.HBox([self.undo_button, self.reset_button]), self.restore_button,
            _heading("Save as a new scenario of the file"), self.save_name, self.save_description,
            self.save_button, self.save_message,
        ], layout=widgets.Layout(width="440px", min_width="380px", flex="0 0 auto", padding="0 12px 0 0"))
        self.panel.add_class("scne-controls")

    # -- showing a state -----------------------------------------------------------

    def show(self, base: Plan, draft: Draft, plan: Plan | None) -> None:
        """Set every control from ``draft``; ``plan`` is its model, None when it is not valid."""
        if base is not self._base:
            self._base, self._scenario_unavailable = base, {}
        with self._quiet():
            options = base.scenario_ids
            if list(self.scenario.options) != options:
                self.scenario.options = options
            self.scenario.value = draft.scenario if draft.scenario in options else "base"
            if plan is not None:
                self._plan = plan
                self._show_plan(base, draft, plan)
            gone = self._unavailable_in(draft.scenario)
            for mid, box in self.measures.items():
                box.disabled = mid in gone
                box.value = mid not in gone and mid not in draft.unavailable
                box.tooltip = (f"unavailable in scenario '{draft.scenario}'" if mid in gone
                               else getattr(self._base.measure_by_id.get(mid), "title", mid))
            self._show_pins(draft)
            self._draft = draft
            self._show_milestones(draft)
            self._show_measure()

    def _show_plan(self, base: Plan, draft: Draft, plan: Plan) -> None:
        rules = plan.rules
        limits = [rules.exposure_default, *rules.exposure_by_party.values()]
        _set_limit(self.max_exposure, rules.exposure_default, limits, self.no_exposure_limit)
        for party, slider in self.party_exposure.items():
            _set_limit(slider, rules.exposure_limit(party), limits)
        caps = plan.horizon.capacity
        _set_limit(self.capacity, min(caps) if caps else None, list(caps or ()), self.no_capacity_limit,
                   high=max(10, len(plan.measures)))
        varies = caps is not None and len(set(caps)) > 1
        self.capacity_note.value = (f"<i>varies by phase: {'/'.join(str(c) for c in caps or ())}; "
                                    "moving the slider sets one number for every phase</i>" if varies else "")
        self.horizon.max = max(state.full_horizon(base, draft), self.horizon.min)
        self.horizon.value = plan.phases
        self.horizon_note.value = f"<i>last phase: {escape(plan.horizon.label(plan.phases))}</i>"
        for slider, weight in ((self.benefit, plan.objective.benefit),
                               (self.milestone_weight, plan.objective.milestones)):
            slider.max = max(10.0, weight)
            slider.value = weight
        self._show_phases()

    def _show_pins(self, draft: Draft) -> None:
        if not draft.pins:
            self.pins.value = "<i>No measure is pinned.</i>"
            return
        items = "".join(f"<li><b>{escape(m)}</b> starts in {escape(self._phase(p))}</li>"
                        for m, p in sorted(draft.pins.items()))
        self.pins.value = f"Pinned:<ul style='margin:2px 0'>{items}</ul>"

    def _show_phases(self) -> None:
        """Offer the phases the selected measure may start in under the model on screen."""
        plan, mid = self._plan, self.pin_measure.value
        m = plan.measure_by_id.get(mid) if mid else None
        phases = range(m.earliest, m.last_start(plan.phases) + 1) if m else range(0)
        options = [(self._phase(t), t) for t in phases]
        keep = self.pin_phase.value
        if list(self.pin_phase.options) != options:
            self.pin_phase.options = options
        if options:
            self.pin_phase.value = keep if keep in phases else options[0][1]
        self.pin_button.disabled = not options

    def _phase(self, phase: int) -> str:
        horizon = self._plan.horizon
        if not 1 <= phase <= horizon.phases:
            return f"phase {phase} (beyond the horizon)"
        return f"{horizon.label(phase)} (phase {phase})" if horizon.labels else f"phase {phase}"

    # -- milestones and the measure editor -------------------------------------------------

    def _build_milestones(self, base: Plan) -> None:
        """One row per milestone: its title, the phase it is due by (or none), its weight."""
        self.milestone_titles: dict[str, widgets.HTML] = {}
        self.deadlines: dict[str, widgets.Dropdown] = {}
        self.milestone_weights: dict[str, widgets.FloatText] = {}
        rows: list[widgets.Widget] = [widgets.HTML(
            "<div style='display:flex;font-size:13px;color:#555'><span style='flex:1'>milestone</span>"
            "<span style='width:100px'>due by</span><span style='width:74px'>weight</span></div>")]
        for k in base.milestones:
            title = widgets.HTML(layout=widgets.Layout(flex="1 1 auto", width="auto", overflow="hidden"))
            deadline = widgets.Dropdown(layout=widgets.Layout(width="96px", flex="0 0 auto"))
            deadline.add_class("scne-deadline")
            deadline.add_class(f"scne-deadline-{k.id}")
            weight = widgets.FloatText(step=1, layout=widgets.Layout(width="70px", flex="0 0 auto"))
            weight.add_class("scne-weight")
            weight.add_class(f"scne-weight-{k.id}")
            self.milestone_titles[k.id], self.deadlines[k.id], self.milestone_weights[k.id] = title, deadline, weight
            row = widgets.HBox([title, deadline, weight], layout=widgets.Layout(width="100%", align_items="center"))
            row.add_class("scne-milestone-row")
            rows.append(row)
        self.milestones_note = widgets.HTML()
        self.milestones_note.add_class("scne-edit-note")
        self.milestones_section = _section(
            "Milestones: deadlines and weights", "scne-milestone-controls",
            [*rows, self.milestones_note] if base.milestones else [widgets.HTML("<i>The file has no milestones.</i>")])

    def _build_measure_editor(self, base: Plan) -> None:
        """Pick one measure (by title, searchable) and change its cost and its value to each party."""
        self._measure_labels = {m.id: f"{m.category or 'other'}: {m.title}" for m in base.measures}
        self.measure_search = widgets.Text(description="find", placeholder="part of a title or id",
                                           style=NARROW, layout=_fit())
        self.measure_search.add_class("scne-measure-search")
        self.measure_pick = widgets.Dropdown(description="measure", options=self._measure_options(""),
                                             style=NARROW, layout=_fit())
        self.measure_pick.add_class("scne-measure-pick")
        self.measure_about = widgets.HTML()
        self.measure_cost = widgets.FloatText(description="cost", step=1, style=WIDE,
                                              layout=widgets.Layout(width="230px"))
        self.measure_cost.add_class("scne-measure-cost")
        self.measure_values: dict[str, widgets.FloatText] = {}
        for p in base.parties:
            box = widgets.FloatText(description=f"to {p.id}", step=1, style=WIDE,
                                    layout=widgets.Layout(width="230px", display="none"))
            box.add_class("scne-measure-value")
            box.add_class(f"scne-measure-value-{p.id}")
            self.measure_values[p.id] = box
        self.measure_add_party = widgets.Dropdown(description="add party", style=WIDE,
                                                  layout=widgets.Layout(width="auto", flex="1 1 auto", min_width="0"))
        self.measure_add_party.add_class("scne-measure-add-party")
        self.measure_add_button = _button("Add", "scne-measure-add", "Give this measure a value to this party")
        self.measure_add_button.layout.min_width = "64px"
        self.measure_reset = _button("Reset to file", "scne-measure-reset",
                                     "This measure's cost and values as the scenario writes them")
        self.measure_note = widgets.HTML()
        self.measure_note.add_class("scne-edit-note")
        self.measure_section = _section("Measure: cost and value to each party", "scne-measure-editor", [
            self.measure_search, self.measure_pick, self.measure_about, self.measure_cost,
            widgets.HTML("<div style='font-size:13px;color:#555'>value to each party</div>"),
            *self.measure_values.values(), _row(self.measure_add_party, self.measure_add_button),
            self.measure_reset, self.measure_note])

    def _measure_options(self, term: str) -> list[tuple[str, str]]:
        """The measures whose title, category or id holds ``term``, by category then title."""
        term = term.strip().lower()
        found = [(label, mid) for mid, label in self._measure_labels.items()
                 if not term or term in label.lower() or term in mid]
        return sorted(found)

    def _show_milestones(self, draft: Draft) -> None:
        plan = self._plan
        options = [("none", 0), *((plan.horizon.label(t), t) for t in range(1, plan.phases + 1))]
        for k in plan.milestones:
            if k.id not in self.deadlines:
                continue
            changed = any(f"milestones.{k.id}.{f}" in draft.set for f in ("deadline", "weight"))
            name = escape(k.title)
            self.milestone_titles[k.id].value = (  # two lines at most; the whole title on hover
                f"<div title='{name} ({escape(k.id)})' style='font-size:13px;line-height:1.25;overflow:hidden;"
                f"display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical;"
                f"{'font-weight:bold' if changed else ''}'>{name}</div>")
            dropdown = self.deadlines[k.id]
            if list(dropdown.options) != options:
                dropdown.options = options
            dropdown.value = k.deadline or 0
            self.milestone_weights[k.id].value = k.weight

    def _show_measure(self) -> None:
        """The picked measure's cost and values in the model on screen."""
        plan, mid = self._plan, self.measure_pick.value
        m = plan.measure_by_id.get(mid) if mid else None
        for box in (self.measure_cost, self.measure_add_party, self.measure_add_button, self.measure_reset):
            box.disabled = m is None
        if m is None:
            self.measure_about.value = "<i>No measure matches.</i>" if self.measure_search.value else ""
            for box in self.measure_values.values():
                box.layout.display = "none"
            return
        by = plan.party_by_id.get(m.by)
        self.measure_about.value = (f"<div style='font-size:13px;line-height:1.3;margin:4px 0'><b>"
                                    f"{escape(m.title)}</b> ({escape(m.id)}), taken by "
                                    f"{escape(by.name if by else m.by)}</div>")
        self.measure_cost.value = m.cost
        shown = [p for p in self.measure_values if p in m.to or (m.id, p) in self._added]
        for p, box in self.measure_values.items():
            box.layout.display = None if p in shown else "none"
            box.value = m.to.get(p, 0.0)
        others = [(p.id, p.id) for p in plan.parties if p.id not in shown and p.id != m.by]
        if list(self.measure_add_party.options) != others:
            self.measure_add_party.options = others
        if others and self.measure_add_party.value is None:
            self.measure_add_party.value = others[0][1]
        self.measure_add_button.disabled = not others
        edited = [f for f in ("cost", "to") if f"measures.{m.id}.{f}" in self._draft.set]
        self.measure_reset.disabled = not edited
        self.measure_note.value = ("<i>changed here: " + " and ".join("cost" if f == "cost" else "values"
                                                                      for f in edited) + "</i>") if edited else ""

    def _add_party(self) -> None:
        mid, party = self.measure_pick.value, self.measure_add_party.value
        if mid is None or party is None:
            return
        self._added.add((mid, party))
        self._quietly(self._show_measure)
        self.measure_note.value = f"<i>type the value of this measure to {escape(party)}</i>"

    def _checked(self, control: widgets.ValueWidget, make: Callable[[Any], Edit], note: widgets.HTML) -> None:
        """Like :meth:`_on`, for a box one can type anything into: ``make`` raises ValueError for a
        value the file would refuse, which ``note`` then shows; the box goes back, nothing changes."""
        def changed(change: dict[str, Any]) -> None:
            if self._syncing:
                return
            try:
                edit = make(change["new"])
            except ValueError as exc:
                self._quietly(lambda: self.show(self._base, self._draft, None))
                note.value = (f"<span class='scne-invalid' style='color:#b00020'>{escape(str(exc))}: "
                              "nothing changed</span>")
                return
            note.value = ""
            self._edit(edit)

        control.observe(changed, names="value")

    def _deadline_edit(self, milestone: str) -> Callable[[Any], Edit]:
        def make(value: int) -> Edit:
            return lambda d: state.with_deadline(d, self._base, self._plan, milestone, int(value) or None)
        return make

    def _milestone_weight_edit(self, milestone: str) -> Callable[[Any], Edit]:
        def make(value: float) -> Edit:
            state.amount(f"the weight of '{milestone}'", value)
            return lambda d: state.with_milestone_weight(d, self._base, milestone, value)
        return make

    def _cost_edit(self, value: float) -> Edit:
        mid = self.measure_pick.value
        if mid is None:
            raise ValueError("choose a measure first")
        state.amount(f"the cost of '{mid}'", value)
        return lambda d: state.with_cost(d, self._base, mid, value)

    def _value_edit(self, party: str) -> Callable[[Any], Edit]:
        def make(value: float) -> Edit:
            mid = self.measure_pick.value
            if mid is None:
                raise ValueError("choose a measure first")
            state.amount(f"the value of '{mid}' to '{party}'", value)
            return lambda d: state.with_value(d, self._base, self._plan, mid, party=party, value=value)
        return make

    # -- reacting to the user --------------------------------------------------------

    def _observe(self) -> None:
        self._on(self.scenario, lambda v: lambda d: state.with_scenario(d, self._base, v))
        self._on(self.max_exposure, lambda v: lambda d: state.with_exposure(d, v))
        self._on(self.no_exposure_limit,
                 lambda v: lambda d: state.with_exposure(d, None if v else self.max_exposure.value))
        for party, slider in self.party_exposure.items():
            self._on(slider, self._party_edit(party))
        self._on(self.capacity, lambda v: lambda d: state.with_capacity(d, int(v)))
        self._on(self.no_capacity_limit,
                 lambda v: lambda d: state.with_capacity(d, None if v else int(self.capacity.value)))
        self._on(self.horizon, lambda v: lambda d: state.with_horizon(d, self._base, int(v)))
        self._on(self.benefit, lambda v: lambda d: state.with_weight(d, "benefit", v))
        self._on(self.milestone_weight, lambda v: lambda d: state.with_weight(d, "milestones", v))
        for mid, box in self.measures.items():
            self._on(box, self._availability_edit(mid))
        self.pin_measure.observe(lambda _: self._quietly(self._show_phases), names="value")
        for mid, dropdown in self.deadlines.items():
            self._checked(dropdown, self._deadline_edit(mid), self.milestones_note)
        for mid, box in self.milestone_weights.items():
            self._checked(box, self._milestone_weight_edit(mid), self.milestones_note)
        self._checked(self.measure_cost, self._cost_edit, self.measure_note)
        for party, box in self.measure_values.items():
            self._checked(box, self._value_edit(party), self.measure_note)
        self.measure_search.observe(lambda change: self._quietly(lambda: self._search(change["new"])), names="value")
        self.measure_pick.observe(lambda _: self._quietly(self._show_measure), names="value")
        self.measure_add_button.on_click(lambda _: self._add_party())
        self.measure_reset.on_click(
            lambda _: self._edit(lambda d: state.without_measure_edits(d, self.measure_pick.value)))
        self.pin_button.on_click(lambda _: self._pin())
        self.unpin_button.on_click(
            lambda _: self._edit(lambda d: state.without_pin(d, self.pin_measure.value)))

    def _search(self, term: str) -> None:
        options = self._measure_options(term)
        keep = self.measure_pick.value
        self.measure_pick.options = options
        if options:
            self.measure_pick.value = keep if keep in [v for _, v in options] else options[0][1]
        self._show_measure()

    def _party_edit(self, party: str) -> Callable[[Any], Edit]:
        def make(value: float) -> Edit:
            return lambda d: state.with_party_exposure(d, self._plan, party, value)
        return make

    def _availability_edit(self, measure: str) -> Callable[[Any], Edit]:
        def make(value: bool) -> Edit:
            return lambda d: state.with_available(d, measure, bool(value))
        return make

    def _on(self, control: widgets.ValueWidget, make: Callable[[Any], Edit]) -> None:
        def changed(change: dict[str, Any]) -> None:
            if not self._syncing:
                if control in self._makers:
                    self._moved = control
                self._edit(make(change["new"]))

        if control is self.max_exposure or control is self.capacity or control in self.party_exposure.values():
            self._makers[control] = make  # limits only: their neighbours share the model's structure
        control.observe(changed, names="value")

    def nearby(self, draft: Draft, most: int = 4) -> list[Draft]:
        """Drafts one slider step away from ``draft``, the likeliest next moves first: the
        limit slider moved last, then the exposure limit of all parties, then capacity.
        Called on the widgets' thread, where the sliders' values are current."""
        order = [self._moved] if self._moved is not None else []
        order += [c for c in (self.max_exposure, self.capacity) if c is not self._moved]
        out: list[Draft] = []
        for control in order:
            if control.disabled:
                continue
            for value in (control.value - control.step, control.value + control.step):
                if control.min <= value <= control.max:
                    out.append(self._makers[control](value)(draft))
        return out[:most]

    def _pin(self) -> None:
        mid, phase = self.pin_measure.value, self.pin_phase.value
        if mid is None or phase is None:
            raise ValueError("choose a measure and a phase to pin it to")
        self._edit(lambda d: state.with_pin(d, mid, int(phase)))

    def _unavailable_in(self, scenario: str) -> frozenset[str]:
        if scenario not in self._scenario_unavailable:
            found = self._base.scenario_by_id.get(scenario)
            self._scenario_unavailable[scenario] = frozenset(found.unavailable if found else ())
        return self._scenario_unavailable[scenario]

    def _checkbox(self, mid: str, title: str) -> widgets.Checkbox:
        box = widgets.Checkbox(value=True, description=mid, indent=False, tooltip=title,
                               layout=widgets.Layout(width="auto", flex="0 0 auto"))
        box.add_class("scne-measure")
        box.add_class(f"scne-measure-{mid}")
        return box

    def _measure_sections(self, base: Plan) -> Iterator[widgets.Widget]:
        categories: dict[str, list[str]] = {}
        for m in base.measures:
            categories.setdefault(m.category or "other", []).append(m.id)
        for category, mids in categories.items():
            yield _heading(category, size=15)
            yield widgets.VBox([self.measures[m] for m in mids], layout=widgets.Layout(flex="0 0 auto"))

    @contextmanager
    def _quiet(self) -> Iterator[None]:
        was, self._syncing = self._syncing, True
        try:
            yield
        finally:
            self._syncing = was

    def _quietly(self, action: Callable[[], None]) -> None:
        with self._quiet():
            action()


def _limited_parties(base: Plan) -> list[str]:
    """Parties with a limit of their own in the file or in any of its scenarios."""
    limited = set(base.rules.exposure_by_party)
    for s in base.scenarios:
        value = s.set.get(state.EXPOSURE)
        if isinstance(value, dict):
            limited.update(k for k in value if k != "default")
    return [p.id for p in base.parties if p.id in limited]


def _limit_slider(description: str, css: str, *, whole: bool = False, low: int = 0) -> widgets.FloatSlider:
    """A limit's slider, in steps of one; its readout can be typed into (a file's 2.5 shows as 2.5)."""
    slider_type = widgets.IntSlider if whole else widgets.FloatSlider
    extra = {} if whole else {"readout_format": NUMBER}
    slider = slider_type(description=description, min=low, max=10, step=1, value=low, style=WIDE,
                         layout=widgets.Layout(width="100%", flex="1 1 auto"), continuous_update=False, **extra)
    slider.add_class(css)
    return slider


def _no_limit(css: str) -> widgets.Checkbox:
    box = widgets.Checkbox(description="no limit", indent=False, layout=widgets.Layout(width="auto"))
    box.add_class("scne-no-limit")  # under its slider, where the track starts (see theme.py)
    box.add_class(css)
    return box


def _set_limit(slider: widgets.FloatSlider, value: float | None, seen: Iterable[float | None],
               none: widgets.Checkbox | None = None, *, high: int = 10) -> None:
    """Show ``value`` (None: no limit); the range reaches twice the largest limit seen."""
    numbers = [float(v) for v in [*seen, value] if v is not None]
    slider.max = max([high, *(math.ceil(2 * v) for v in numbers)])
    if none is not None:
        none.value = value is None
    slider.disabled = value is None
    if value is not None:
        slider.value = value


def _row(*children: widgets.Widget) -> widgets.HBox:
    return widgets.HBox(list(children), layout=widgets.Layout(width="100%", align_items="center"))


def _heading(text: str, note: str = "", size: int = 17) -> widgets.HTML:
    hint = f"<div style='font-size:13px;color:#555'>{escape(note)}</div>" if note else ""
    heading = widgets.HTML(f"<div style='font-weight:bold;font-size:{size}px;margin-top:8px'>"
                           f"{escape(text)}</div>{hint}", layout=widgets.Layout(flex="0 0 auto"))
    heading.add_class("scne-heading")
    return heading


def _button(text: str, css: str, tooltip: str) -> widgets.Button:
    """A button without an icon: icons need Font Awesome, which some pages fetch from the web."""
    button = widgets.Button(description=text, tooltip=tooltip,
                            layout=widgets.Layout(width="auto", min_width="110px"))
    button.add_class(css)
    return button


def _section(title: str, css: str, children: list[widgets.Widget]) -> widgets.Accordion:
    """A section that opens on a click, so that long lists stay out of the way."""
    section = widgets.Accordion([widgets.VBox(children, layout=widgets.Layout(width="100%"))], titles=(title,),
                                layout=widgets.Layout(width="100%", flex="0 0 auto", margin="8px 0 0 0"))
    section.add_class(css)
    return section


def _fit() -> widgets.Layout:
    """The width left in a section, never more (a long option is cut, not the section widened)."""
    return widgets.Layout(width="auto", max_width="100%", min_width="0", flex="1 1 auto")


def _full() -> widgets.Layout:
    return widgets.Layout(width="100%")
