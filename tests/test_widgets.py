"""The explorer in plain pytest: set controls, wait, compare with the engine solving the same variant."""

from __future__ import annotations

import errno
import html
import json
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import ipywidgets as widgets
import plotly
import pytest
from plotly.offline import get_plotlyjs

import scnekit
from scnekit.analysis.frontier import Frontier, FrontierPoint, frontier
from scnekit.analysis.robust import robust
from scnekit.analysis.stability import fewest_moves
from scnekit.fileformat.savefile import (
    Draft,
    autosave_folder,
    legacy_autosave_path,
    pin_overrides,
    read_autosave,
    read_autosave_file,
    write_autosave,
)
from scnekit.fileformat.scenarios import variant
from scnekit.widgets import Explorer, walkaway
from scnekit.widgets.figure import Figure, plotlyjs
from scnekit.widgets.runner import LatestOnly
from scnekit.widgets.views import Views

ROOT = Path(__file__).resolve().parents[1]
SYRIA = ROOT / "examples" / "syria_scne.yaml"

WORKSHOP = """\
# A small workshop file for the explorer tests.
# Numbers are made up; comments like this one must survive a save.
scnekit: 1
name: Test workshop
horizon:
  phases: 5
  labels: [Q1, Q2, Q3, Q4, Q5]
  capacity: 3   # at most three steps at once
parties:
  - id: north
    name: North
  - id: south
    name: South
  - id: envoy
    name: Envoy
    kind: mediator
measures:
  - id: monitoring
    title: Monitoring along the line
    category: security
    by: envoy
    cost: 1
    to: {north: 1, south: 1}
    latest: 2
  - id: aid-north
    title: Aid into the north
    category: humanitarian
    by: south
    cost: 3
    to: {north: 4}
  - id: aid-south
    title: Aid into the south
    category: humanitarian
    by: north
    cost: 3
    to: {south: 4}
  - id: trade
    title: Trade crossing
    category: trade
    by: north
    cost: 2
    to: {south: 2, north: 1}
    duration: 2
    requires: [monitoring]
  - id: travel
    title: Civilian travel
    category: movement
    by: south
    cost: 2
    to: {north: 3}
    earliest: 2
links:
  - kind: reciprocal
    measures: [aid-north, aid-south]
    within: 1
milestones:
  - id: calm
    title: Calm on the line
    all: [monitoring, trade]
    weight: 3
  - id: linkage
    title: Linkage across the line
    any: [travel, aid-north]
    deadline: 4
    weight: 2
rules:
  # north is the most careful party
  max_exposure:
    default: 4
    north: 3
objective:
  benefit: 1
  milestones: 1
scenarios:
  - id: squeeze
    description: capacity falls and trade is off
    unavailable: [trade]
    set:
      horizon.capacity: [2, 1, 1, 2, 2]
"""

CLASSES = ["scne-scenario", "scne-max-exposure", "scne-capacity", "scne-measures", "scne-timeline",
           "scne-exposure", "scne-flows", "scne-milestones", "scne-status", "scne-error", "scne-undo",
           "scne-save"]


@pytest.fixture
def workshop(tmp_path: Path) -> Path:
    path = tmp_path / "workshop.yaml"
    path.write_text(WORKSHOP, encoding="utf-8")
    return path


@pytest.fixture
def open_explorer() -> Iterator[type[Explorer]]:
    made: list[Explorer] = []

    class Tracked(Explorer):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            made.append(self)

    yield Tracked
    for explorer in made:
        explorer.close()


@pytest.fixture
def explorer(workshop: Path, open_explorer: type[Explorer]) -> Explorer:
    e = open_explorer(workshop)
    e.wait()
    return e


def fresh(base: scnekit.Plan, draft: Draft) -> scnekit.Roadmap:
    """What the engine gives for the draft, solved from scratch."""
    return scnekit.Session().solve(variant(base, draft.scenario, set=dict(draft.set),
                                           unavailable=list(draft.unavailable)), pins=dict(draft.pins))


def all_classes(root: widgets.Widget) -> set[str]:
    found = set(root._dom_classes)
    for child in getattr(root, "children", ()):
        found |= all_classes(child)
    return found


def bars(explorer: Explorer) -> dict[str, tuple[float, float]]:
    return {y: (b, x) for trace in explorer.views.timeline.data if trace.type == "bar"
            for y, b, x in zip(trace.y, trace.base, trace.x, strict=True)}


# -- first view ---------------------------------------------------------------------------


def test_first_roadmap_is_the_engines(explorer: Explorer, workshop: Path) -> None:
    expected = scnekit.solve(scnekit.load(workshop))
    assert explorer.roadmap is not None
    assert explorer.roadmap.status == "optimal"
    assert explorer.roadmap.objective == expected.objective == 41.0
    assert "optimal" in explorer.views.status.value
    assert "41" in explorer.views.status.value


def test_stable_css_classes_are_present(explorer: Explorer) -> None:
    classes = all_classes(explorer)
    for name in CLASSES:
        assert name in classes, name
    assert "scne-busy" not in explorer._dom_classes


def test_views_show_the_roadmap_on_screen(explorer: Explorer) -> None:
    roadmap = explorer.roadmap
    assert roadmap is not None
    schedule = roadmap.schedule
    assert bars(explorer) == {r.measure: (r.start - 0.5, r.end - r.start + 1) for r in schedule.itertuples()}
    lines = {t.name: list(t.y) for t in explorer.views.exposure.data if not t.name.startswith("limit")}
    assert lines == {p: list(roadmap.exposure[p]) for p in roadmap.exposure.columns}
    assert list(explorer.views.timeline.layout.xaxis.ticktext) == ["Q1", "Q2", "Q3", "Q4", "Q5"]


def test_figure_widgets_carry_the_figures_shown(explorer: Explorer) -> None:
    """Each view is a figure widget whose ``spec`` trait is the figure's data and layout as JSON."""
    explorer.controls.max_exposure.value = 0
    explorer.wait()
    assert explorer.roadmap is not None
    for name, view in explorer.views.widgets.items():
        assert isinstance(view, Figure)
        spec = json.loads(view.spec)
        assert set(spec) == {"data", "layout"}
        assert spec == json.loads(explorer.views.figures[name].to_json())
        assert view.figure is explorer.views.figures[name]
        assert f"scne-{name}" in view._dom_classes and view.name == name
        assert view.get_state()["spec"] == view.spec  # what a page connecting later gets
    spec = json.loads(explorer.views.widgets["timeline"].spec)
    drawn = {y for trace in spec["data"] if trace["type"] == "bar" for y in trace["y"]}
    assert drawn == set(explorer.roadmap.starts)
    assert explorer.views.outputs is explorer.views.widgets  # the earlier name still answers


def test_plotly_js_is_sent_once_per_kernel(explorer: Explorer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every figure refers to the one PlotlyJS widget; only it carries plotly.js, and only
    the figure's JSON travels with each figure."""
    loaders = {id(v.loader) for v in explorer.views.widgets.values()}
    loaders |= {id(v.loader) for v in explorer.progress_view.views.widgets.values()}
    assert loaders == {id(plotlyjs())}
    loader = plotlyjs()
    assert loader.comm is not None and Figure(name="another").loader is loader
    assert len(json.dumps(loader.get_state())) < 10_000  # a page restoring the widgets does not fetch it
    sent: list[tuple[dict[str, object], list[bytes]]] = []
    monkeypatch.setattr(loader.comm, "send", lambda data=None, buffers=None, **_: sent.append((data, buffers)))
    before = loader.sent
    loader._handle_custom_msg({"request": "plotly.js"}, [])  # what a page asks, once
    loader._handle_custom_msg({"request": "something else"}, [])
    ((message, buffers),) = sent
    assert message["method"] == "custom" and message["content"] == {"plotlyjs": plotly.__version__}  # type: ignore[index]
    assert bytes(buffers[0]).decode() == get_plotlyjs() and len(buffers[0]) > 1_000_000
    assert loader.sent == before + 1
    view = explorer.views.widgets["timeline"]
    state = view.get_state()
    assert state["loader"] == f"IPY_MODEL_{loader.model_id}"
    assert all(len(json.dumps(v)) < 100_000 for v in state.values()), "plotly.js travels with a figure"
    assert "Plotly.react" in state["_esm"] and "globalThis[SHARED]" in state["_esm"]
    assert "cdn" not in state["_esm"].lower() and "http" not in state["_esm"]


def test_a_closed_plotly_js_is_made_again() -> None:
    first = plotlyjs()
    first.close()
    second = plotlyjs()
    assert second is not first and second.comm is not None and Figure(name="x").loader is second


def test_figures_set_from_threads_each_arrive_whole(explorer: Explorer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Figures set from several threads at once: each is one message of the shared loader,
    addressed to the figure, whole, numbered in the order sent; the last one is the figure
    kept, and the figure's own model sends no trait update (see widgets/figure.py)."""
    assert explorer.roadmap is not None
    view = Figure(name="threads")
    loader = view.loader
    own: list[dict[str, object]] = []
    sent: list[tuple[dict[str, object], list[bytes]]] = []
    monkeypatch.setattr(view.comm, "send", lambda data=None, **_: own.append(data))
    monkeypatch.setattr(loader.comm, "send", lambda data=None, buffers=None, **_: sent.append((data, buffers)))
    figures_ = [explorer.views.timeline, explorer.views.exposure, explorer.views.flows, explorer.views.milestones]

    def draw(i: int) -> None:
        for k in range(20):
            view.show(figures_[(i + k) % 4], batch=i * 100 + k)

    threads = [threading.Thread(target=draw, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    mine = [(m["content"], b) for m, b in sent if m["content"].get("figure") == view.key]  # type: ignore[union-attr]
    assert len(mine) >= 4 and all(json.loads(bytes(b[0]).decode())["data"] for _, b in mine)  # each whole
    versions = [c["version"] for c, _ in mine]
    assert versions == sorted(versions) and len(set(versions)) == len(versions) and versions[-1] == view.version
    assert bytes(mine[-1][1][0]).decode() == view.spec
    assert view.figure is not None and json.loads(view.spec) == json.loads(view.figure.to_json())
    assert not [m for m in own if m and m.get("method") == "update"]
    state = view.get_state()
    assert (state["spec"], state["version"], state["batch"]) == (view.spec, view.version, view.batch)
    assert view.get_state("spec") == {"spec": view.spec} and "spec" not in view.get_state("name")


def test_a_view_that_starts_late_gets_the_current_figure(explorer: Explorer, monkeypatch: pytest.MonkeyPatch) -> None:
    """A page's view asks the loader for its figure (newer ones may have gone by before it
    listened): the loader answers with that figure's current one, and ignores unknown keys."""
    assert explorer.roadmap is not None
    view = explorer.views.widgets["timeline"]
    assert isinstance(view, Figure)
    loader = view.loader
    sent: list[tuple[dict[str, object], list[bytes]]] = []
    monkeypatch.setattr(loader.comm, "send", lambda data=None, buffers=None, **_: sent.append((data, buffers)))
    loader._handle_custom_msg({"request": "figure", "key": view.key}, [])
    loader._handle_custom_msg({"request": "figure", "key": "no such figure"}, [])
    ((message, buffers),) = sent
    assert message["content"] == {"figure": view.key, "version": view.version,  # type: ignore[index]
                                  "batch": view.batch, "sent": view.sent}
    assert bytes(buffers[0]).decode() == view.spec and view.version >= 2  # placeholder, then roadmaps


def test_a_view_that_starts_sends_the_status_and_busy_mark_again(explorer: Explorer,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A page drops updates for widgets it has not made yet: one that loaded the states just
    before the optimum came would show "solving…" for ever. When a view starts on a page,
    what the solving thread changes goes out again, as it is now."""
    assert explorer.roadmap is not None
    view = explorer.views.widgets["timeline"]
    assert isinstance(view, Figure)
    states: dict[str, list[dict[str, object]]] = {}
    watched = {"explorer": explorer, "status": explorer.views.status, "error": explorer.views.error,
               "error-layout": explorer.views.error.layout, "walkaway": explorer.walkaway.sentences}
    for name, widget in watched.items():
        states[name] = []
        monkeypatch.setattr(widget.comm, "send", lambda data=None, buffers=None, _n=name, **_:
                            states[_n].append(data["state"]) if data and data.get("method") == "update" else None)
    monkeypatch.setattr(view.loader.comm, "send", lambda *_, **__: None)
    view.loader._handle_custom_msg({"request": "figure", "key": view.key}, [])
    assert states["explorer"] == [{"_dom_classes": tuple(explorer._dom_classes)}]
    assert "scne-busy" not in explorer._dom_classes
    assert states["status"] == [{"value": explorer.views.status.value}] and "solving" not in explorer.views.status.value
    assert states["error"] == [{"value": explorer.views.error.value}]
    assert states["error-layout"] == [{"display": explorer.views.error.layout.display}]
    assert states["walkaway"] == [{"value": explorer.walkaway.sentences.value}]
    explorer.close()
    states["explorer"].clear()
    view.loader._handle_custom_msg({"request": "figure", "key": view.key}, [])
    assert states["explorer"] == []  # a closed explorer sends nothing


def test_output_views_remain_selectable() -> None:
    """The earlier design (an Output per view), kept to measure against."""
    views = Views(mode="output")
    assert all(isinstance(v, widgets.Output) for v in views.widgets.values())
    (shown,) = views.widgets["timeline"].outputs
    assert "application/vnd.plotly.v1+json" in shown["data"]
    with pytest.raises(ValueError, match="mode"):
        Views(mode="canvas")


# -- each control against the engine ---------------------------------------------------------


def test_tighter_exposure_limit_matches_the_engine(explorer: Explorer) -> None:
    before = explorer.roadmap
    explorer.controls.max_exposure.value = 0
    explorer.wait()
    assert explorer.draft.set == {"rules.max_exposure": 0}
    expected = scnekit.solve(variant(explorer.base, set={"rules.max_exposure": 0}))
    assert explorer.roadmap is not None and before is not None
    assert explorer.roadmap.objective == expected.objective == 20.0
    assert explorer.roadmap.objective != before.objective
    assert set(bars(explorer)) == set(expected.starts)


def test_party_exposure_slider_keeps_the_other_limits(explorer: Explorer) -> None:
    explorer.controls.party_exposure["north"].value = 0
    explorer.wait()
    assert explorer.draft.set == {"rules.max_exposure": {"default": 4, "north": 0}}
    assert explorer.plan is not None
    assert explorer.plan.rules.exposure_limit("south") == 4
    assert explorer.roadmap is not None
    assert explorer.roadmap.objective == fresh(explorer.base, explorer.draft).objective
    assert explorer.controls.max_exposure.value == 4


def test_global_exposure_slider_moves_every_party(explorer: Explorer) -> None:
    explorer.controls.max_exposure.value = 2
    explorer.wait()
    assert explorer.controls.party_exposure["north"].value == 2
    limit = [t for t in explorer.views.exposure.data if t.name == "limit: north"]
    assert list(limit[0].y) == [2, 2]
    explorer.controls.no_exposure_limit.value = True
    explorer.wait()
    assert explorer.draft.set == {"rules.max_exposure": None}
    assert explorer.controls.max_exposure.disabled
    assert not [t for t in explorer.views.exposure.data if t.name.startswith("limit: ")]
    assert explorer.roadmap is not None
    assert explorer.roadmap.objective == fresh(explorer.base, explorer.draft).objective
    explorer.controls.no_exposure_limit.value = False
    explorer.wait()
    assert explorer.draft.set == {"rules.max_exposure": 2}


def test_capacity_and_weights_match_the_engine(explorer: Explorer) -> None:
    explorer.controls.capacity.value = 1
    explorer.wait()
    assert explorer.roadmap is not None
    assert explorer.roadmap.objective == fresh(explorer.base, explorer.draft).objective == 25.0
    explorer.controls.milestone_weight.value = 5
    explorer.wait()
    assert explorer.draft.set == {"horizon.capacity": 1, "objective.milestones": 5}
    assert explorer.roadmap.objective == fresh(explorer.base, explorer.draft).objective
    explorer.controls.no_capacity_limit.value = True
    explorer.wait()
    assert explorer.draft.set["horizon.capacity"] is None
    assert explorer.controls.capacity.disabled
    assert explorer.roadmap.objective == fresh(explorer.base, explorer.draft).objective


def test_shorter_horizon_trims_labels_and_moves_deadlines(explorer: Explorer) -> None:
    explorer.controls.horizon.value = 3
    explorer.wait()
    assert explorer.draft.set == {"horizon.phases": 3, "horizon.labels": ["Q1", "Q2", "Q3"],
                                  "milestones.linkage.deadline": 3}
    roadmap = explorer.roadmap
    assert roadmap is not None and roadmap.plan.phases == 3
    assert roadmap.objective == fresh(explorer.base, explorer.draft).objective
    assert list(explorer.views.timeline.layout.xaxis.ticktext) == ["Q1", "Q2", "Q3"]
    explorer.controls.horizon.value = 5
    explorer.wait()
    assert explorer.draft.set == {}


def test_horizon_slider_cannot_cut_before_an_earliest_start(explorer: Explorer) -> None:
    assert explorer.controls.horizon.min == 2  # travel starts no earlier than phase 2
    assert explorer.controls.horizon.max == 5


def test_measure_toggle_makes_it_unavailable(explorer: Explorer) -> None:
    explorer.controls.measures["travel"].value = False
    explorer.wait()
    assert explorer.draft.unavailable == ("travel",)
    assert explorer.roadmap is not None
    assert "travel" not in explorer.roadmap.starts
    assert explorer.roadmap.objective == fresh(explorer.base, explorer.draft).objective
    explorer.controls.measures["travel"].value = True
    explorer.wait()
    assert explorer.draft.unavailable == ()


def test_scenario_dropdown_and_its_unavailable_measures(explorer: Explorer, workshop: Path) -> None:
    explorer.controls.scenario.value = "squeeze"
    explorer.wait()
    assert explorer.roadmap is not None
    assert explorer.roadmap.objective == scnekit.solve(scnekit.load(workshop), "squeeze").objective == 27.0
    trade = explorer.controls.measures["trade"]
    assert trade.disabled and not trade.value
    assert "varies by phase" in explorer.controls.capacity_note.value
    assert explorer.controls.capacity.value == 1


def test_pin_and_unpin_a_measure(explorer: Explorer) -> None:
    c = explorer.controls
    c.pin_measure.value = "travel"
    assert [v for _, v in c.pin_phase.options] == [2, 3, 4, 5]
    c.pin_phase.value = 4
    c.pin_button.click()
    explorer.wait()
    assert explorer.draft.pins == {"travel": 4}
    assert explorer.roadmap is not None
    assert explorer.roadmap.starts["travel"] == 4
    assert explorer.roadmap.objective == fresh(explorer.base, explorer.draft).objective == 39.0
    assert "travel" in c.pins.value and "Q4" in c.pins.value
    pinned = [t for t in explorer.views.timeline.data if t.type == "bar" and "travel" in t.y]
    assert pinned[0].marker.line.width[list(pinned[0].y).index("travel")] == 3
    c.unpin_button.click()
    explorer.wait()
    assert explorer.draft.pins == {}
    assert explorer.roadmap.objective == 41.0


# -- infeasible, invalid, errors ---------------------------------------------------------------


def test_infeasible_setting_names_its_conflicts(explorer: Explorer) -> None:
    explorer.pin("travel", 2)
    explorer.controls.max_exposure.value = 0
    explorer.wait()
    roadmap = explorer.roadmap
    assert roadmap is not None and roadmap.status == "infeasible"
    status = explorer.views.status.value
    assert "no roadmap" in status
    assert {c.rule for c in roadmap.conflicts} == {"pin", "max_exposure"}
    for conflict in roadmap.conflicts:
        assert conflict.rule in status
        assert conflict.detail.replace("'", "&#x27;") in status
    for view in explorer.views.figures.values():
        assert "No roadmap" in view.layout.annotations[0].text


def test_invalid_combination_shows_the_input_error_and_keeps_the_roadmap(explorer: Explorer) -> None:
    before = explorer.roadmap
    explorer.apply(Draft(set={"horizon.phases": 3}))  # labels and a deadline no longer fit
    explorer.wait()
    assert explorer.plan is None
    assert explorer.roadmap is before
    status = explorer.views.status.value
    assert "not valid" in status and "horizon.labels" in status and "last valid" in status


def test_pin_beyond_the_horizon_is_reported_not_raised(explorer: Explorer) -> None:
    explorer.controls.horizon.value = 3
    explorer.pin("aid-north", 5)
    explorer.wait()
    assert "cannot pin" in explorer.views.status.value


def test_callback_errors_go_to_the_error_area(explorer: Explorer) -> None:
    assert explorer.views.error.layout.display == "none"
    explorer.controls.save_name.value = "base"
    explorer.controls.save_button.click()
    assert "reserved" in explorer.views.error.value
    assert explorer.views.error.layout.display is None
    assert "scne-error" in explorer.views.error._dom_classes
    explorer.controls.max_exposure.value = 1  # a new change clears it
    explorer.wait()
    assert explorer.views.error.value == ""


# -- many changes, undo --------------------------------------------------------------------------


def test_fifty_rapid_changes_end_on_the_last_state(explorer: Explorer) -> None:
    c = explorer.controls
    for i in range(50):
        c.max_exposure.value = i % 5
        c.capacity.value = 1 + i % 3
        if i % 7 == 0:
            c.measures["travel"].value = not c.measures["travel"].value
    explorer.wait()
    final = explorer.draft
    assert final.set == {"rules.max_exposure": 49 % 5, "horizon.capacity": 1 + 49 % 3}
    expected = fresh(explorer.base, final)
    roadmap = explorer.roadmap
    assert roadmap is not None
    assert roadmap.plan.rules.exposure_default == 4 and roadmap.plan.horizon.capacity == (2,) * 5
    assert roadmap.objective == expected.objective
    assert set(bars(explorer)) == set(roadmap.starts)
    assert f"{roadmap.objective:g}" in explorer.views.status.value
    assert "solving" not in explorer.views.status.value


def test_undo_restores_state_controls_and_roadmap(explorer: Explorer) -> None:
    first = explorer.roadmap
    assert first is not None
    explorer.controls.max_exposure.value = 0
    explorer.wait()
    assert explorer.roadmap is not None and explorer.roadmap.objective == 20.0
    assert explorer.can_undo
    explorer.controls.undo_button.click()
    explorer.wait()
    assert explorer.draft == Draft()
    assert explorer.controls.max_exposure.value == 4
    assert explorer.roadmap.objective == first.objective
    assert dict(explorer.roadmap.starts) == dict(first.starts)
    assert not explorer.undo()
    assert explorer.controls.undo_button.disabled


def test_reset_drops_every_change(explorer: Explorer) -> None:
    explorer.controls.scenario.value = "squeeze"
    explorer.controls.max_exposure.value = 1
    explorer.pin("travel", 3)
    explorer.controls.reset_button.click()
    explorer.wait()
    assert explorer.draft == Draft(scenario="squeeze")


# -- autosave and restore ---------------------------------------------------------------------------


def test_every_change_is_autosaved(explorer: Explorer, workshop: Path) -> None:
    assert explorer.autosave_path is not None
    assert not explorer.autosave_path.exists()  # opening changes nothing
    explorer.controls.max_exposure.value = 2
    explorer.pin("travel", 3)
    explorer.wait()
    found = read_autosave(workshop)
    assert found is not None
    assert found.draft == explorer.draft == Draft(set={"rules.max_exposure": 2}, pins={"travel": 3})


def test_restore_brings_back_the_autosaved_state(explorer: Explorer, workshop: Path,
                                                 open_explorer: type[Explorer]) -> None:
    explorer.controls.scenario.value = "squeeze"
    explorer.controls.measures["travel"].value = False
    explorer.wait()
    expected = explorer.roadmap
    explorer.close()  # the tab is gone

    again = open_explorer(workshop, restore=True)
    again.wait()
    assert again.draft == Draft(scenario="squeeze", unavailable=("travel",))
    assert again.controls.scenario.value == "squeeze"
    assert again.controls.measures["travel"].value is False
    assert again.roadmap is not None and expected is not None
    assert again.roadmap.objective == expected.objective


def test_restore_button_is_offered_when_an_autosave_exists(explorer: Explorer, workshop: Path,
                                                           open_explorer: type[Explorer]) -> None:
    explorer.controls.max_exposure.value = 1
    explorer.wait()
    later = open_explorer(workshop)
    later.wait()
    assert later.draft == Draft()
    button = later.controls.restore_button
    assert button.layout.display is None and "Restore" in button.description
    button.click()
    later.wait()
    assert later.draft == Draft(set={"rules.max_exposure": 1})
    assert button.layout.display == "none"
    assert later.undo() and later.draft == Draft()


def test_no_autosave_when_switched_off(workshop: Path, open_explorer: type[Explorer]) -> None:
    e = open_explorer(workshop, autosave=False)
    e.controls.max_exposure.value = 1
    e.wait()
    assert read_autosave(workshop) is None


def test_two_explorers_of_one_file_keep_their_own_autosaves(workshop: Path,
                                                             open_explorer: type[Explorer]) -> None:
    """Two participants on one file: neither autosave replaces the other; the next
    explorer lists both and offers the newest."""
    first, second = open_explorer(workshop), open_explorer(workshop)
    first.controls.max_exposure.value = 1
    first.wait()
    second.pin("travel", 3)
    second.wait()
    assert first.autosave_path is not None and second.autosave_path is not None
    assert first.autosave_path != second.autosave_path
    assert read_autosave_file(first.autosave_path).draft == Draft(set={"rules.max_exposure": 1})
    assert read_autosave_file(second.autosave_path).draft == Draft(pins={"travel": 3})

    later = open_explorer(workshop)
    later.wait()
    assert [a.path for a in later.autosaves()] == [second.autosave_path, first.autosave_path]
    later.controls.restore_button.click()
    later.wait()
    assert later.draft == Draft(pins={"travel": 3})


def test_only_unsaved_work_of_other_sessions_is_offered(workshop: Path, open_explorer: type[Explorer]) -> None:
    """An explorer is not offered its own autosave, nor one whose state the file already holds."""
    e = open_explorer(workshop)
    e.controls.max_exposure.value = 2
    e.wait()
    with pytest.raises(scnekit.UsageError, match="no autosave"):
        e.restore()
    e.save_scenario("agreed")  # the autosave's state is now a scenario of the file
    later = open_explorer(workshop)
    later.wait()
    assert [a.draft for a in later.autosaves()] == [Draft(set={"rules.max_exposure": 2})]
    assert later.controls.restore_button.layout.display == "none"
    with pytest.raises(scnekit.UsageError, match="no autosave"):
        later.restore()


def test_autosave_of_earlier_versions_is_offered_back(workshop: Path, open_explorer: type[Explorer]) -> None:
    legacy = legacy_autosave_path(workshop)
    legacy.write_text("scnekit_autosave: 1\nfile: workshop.yaml\nsaved_at: '2025-05-01T10:00:00+00:00'\n"
                      "scenario: squeeze\nset: {}\nunavailable: [travel]\npins: {}\n", encoding="utf-8")
    e = open_explorer(workshop)
    e.wait()
    (found,) = e.autosaves()
    assert found.path == legacy and found.session is None
    assert "Restore" in e.controls.restore_button.description
    e.controls.restore_button.click()
    e.wait()
    assert e.draft == Draft(scenario="squeeze", unavailable=("travel",))
    assert legacy.exists()  # kept: nothing typed is lost


def test_unreadable_autosaves_are_shown_and_the_explorer_opens(workshop: Path,
                                                               open_explorer: type[Explorer]) -> None:
    """An autosave that is not UTF-8, or holds a value YAML cannot build, is named in the
    error area; the explorer opens anyway and offers the readable one."""
    folder = autosave_folder(workshop)
    folder.mkdir()
    (folder / "bad-bytes.yaml").write_bytes(b"scnekit_autosave: 1\nscenario: caf\xe9\n")
    (folder / "bad-value.yaml").write_bytes(b"scnekit_autosave: !!int x\n")
    write_autosave(workshop, Draft(set={"rules.max_exposure": 1}), "readable")
    e = open_explorer(workshop)
    e.wait()
    assert e.roadmap is not None and e.draft == Draft()
    shown = html.unescape(e.views.error.value)
    assert "bad-bytes.yaml" in shown and "bad-value.yaml" in shown
    assert "not a UTF-8 text file" in shown
    assert e.views.error.layout.display is None
    assert [a.session for a in e.autosaves()] == ["readable"]
    assert "Restore" in e.controls.restore_button.description
    e.controls.restore_button.click()
    e.wait()
    assert e.draft == Draft(set={"rules.max_exposure": 1})


def test_restore_true_skips_unreadable_autosaves(workshop: Path, open_explorer: type[Explorer]) -> None:
    folder = autosave_folder(workshop)
    folder.mkdir()
    (folder / "zzz-broken.yaml").write_bytes(b"\xff\xfe")
    write_autosave(workshop, Draft(pins={"travel": 3}), "readable")
    e = open_explorer(workshop, restore=True)
    e.wait()
    assert e.draft == Draft(pins={"travel": 3})
    assert "zzz-broken.yaml" in html.unescape(e.views.error.value)



# -- saving a scenario ---------------------------------------------------------------------------------


def test_saved_scenario_reproduces_the_objective(explorer: Explorer, workshop: Path) -> None:
    c = explorer.controls
    c.scenario.value = "squeeze"
    c.max_exposure.value = 2
    c.measures["aid-south"].value = False
    c.pin_measure.value = "travel"
    c.pin_phase.value = 3
    c.pin_button.click()
    explorer.wait()
    shown = explorer.roadmap
    assert shown is not None and shown.is_ok
    c.save_name.value = "room-a"
    c.save_description.value = "What the room agreed on"
    c.save_button.click()
    assert explorer.views.error.value == ""
    assert "room-a" in c.save_message.value
    assert "room-a" in c.scenario.options

    saved = scnekit.load(workshop)
    again = scnekit.solve(saved, "room-a")
    assert again.objective == shown.objective
    assert again.starts["travel"] == 3
    entry = saved.scenario_by_id["room-a"]
    assert entry.description == "What the room agreed on"
    assert entry.set["measures.travel.mandatory"] is True
    assert set(entry.unavailable) == {"trade", "aid-south"}


def test_saving_keeps_comments_and_refuses_taken_names(explorer: Explorer, workshop: Path) -> None:
    explorer.controls.max_exposure.value = 3
    explorer.wait()
    explorer.save_scenario("looser")
    text = workshop.read_text(encoding="utf-8")
    assert text.startswith(WORKSHOP)
    assert "# north is the most careful party" in text
    assert "capacity: 3   # at most three steps at once" in text
    with pytest.raises(scnekit.UsageError, match="already has a scenario 'squeeze'"):
        explorer.save_scenario("squeeze")
    with pytest.raises(scnekit.UsageError, match="reserved"):
        explorer.save_scenario("base")
    assert workshop.read_text(encoding="utf-8") == text


def test_save_failure_names_the_file_and_the_reason(explorer: Explorer, workshop: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A save the system refuses (here a full disk) is shown in the error area as a
    UsageError naming the file and why, not as a bare OSError."""
    before = workshop.read_text(encoding="utf-8")

    def full(*_: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    explorer.controls.save_name.value = "on-a-full-disk"
    explorer.controls.save_button.click()
    shown = html.unescape(explorer.views.error.value)
    assert "workshop.yaml" in shown and "No space left on device" in shown and "UsageError" in shown
    assert workshop.read_text(encoding="utf-8") == before


def test_explorer_saves_under_the_limits_the_file_was_loaded_with(tmp_path: Path, open_explorer: type[Explorer]) -> None:
    """A 500-phase file loaded with raised limits can be saved to from the explorer, which
    also starts from one of its scenarios under those limits."""
    path = tmp_path / "long.yaml"
    path.write_text(WORKSHOP.replace("  phases: 5\n  labels: [Q1, Q2, Q3, Q4, Q5]\n", "  phases: 500\n")
                    .replace("      horizon.capacity: [2, 1, 1, 2, 2]\n", "      horizon.capacity: 2\n"),
                    encoding="utf-8")
    limits = scnekit.Limits(phases=1000)
    plan = scnekit.load(path, limits=limits)
    e = open_explorer(plan, autosave=False, anticipate=False)
    e.wait()
    e.pin("travel", 450)
    e.wait()
    e.save_scenario("late-travel")
    assert e.base.limits == limits
    saved = scnekit.load(path, limits=limits)
    assert saved.scenario_ids[-1] == "late-travel"
    assert scnekit.solve(saved, "late-travel").starts["travel"] == 450
    other = open_explorer(saved.scenario("squeeze"), autosave=False, anticipate=False)
    other.wait()
    assert other.draft == Draft(scenario="squeeze") and other.base.limits == limits


def test_explorer_can_start_from_a_scenario(workshop: Path, open_explorer: type[Explorer]) -> None:
    e = open_explorer(scnekit.load(workshop).scenario("squeeze"), autosave=False)
    e.wait()
    assert e.draft == Draft(scenario="squeeze")
    assert e.roadmap is not None and e.roadmap.objective == 27.0


def test_plan_without_a_file_explores_but_cannot_save(open_explorer: type[Explorer]) -> None:
    import yaml

    e = open_explorer(scnekit.loads(yaml.safe_load(WORKSHOP)))
    e.controls.max_exposure.value = 0
    e.wait()
    assert e.roadmap is not None and e.roadmap.objective == 20.0
    assert e.autosave_path is None
    with pytest.raises(scnekit.UsageError, match="not loaded from a file"):
        e.save_scenario("anything")


def test_unknown_keyword_is_an_error(workshop: Path) -> None:
    with pytest.raises(TypeError):
        Explorer(workshop, autosve=False)  # type: ignore[call-arg]


# -- the worker ---------------------------------------------------------------------------------------


def test_worker_marks_busy_and_coalesces_waiting_jobs() -> None:
    release = threading.Event()
    started = threading.Event()
    ran: list[int] = []
    marks: list[bool] = []

    def work(job: int) -> None:
        if job == 0:
            started.set()
            release.wait(10)
        ran.append(job)

    runner: LatestOnly[int] = LatestOnly(work, on_busy=marks.append, on_error=lambda e: None)
    try:
        runner.submit(0)
        assert started.wait(10)
        for job in range(1, 51):
            runner.submit(job)
        assert runner.busy and marks == [True]
        assert not runner.wait(0.05)
        release.set()
        assert runner.wait(10)
        assert ran == [0, 50]
        assert marks == [True, False]
    finally:
        release.set()
        runner.close()


def test_worker_tells_a_running_job_it_is_superseded() -> None:
    started = threading.Event()
    gave_way: list[int] = []
    runner: LatestOnly[int] = LatestOnly(lambda job: None, on_busy=lambda b: None, on_error=lambda e: None)

    def work(job: int) -> None:
        if job == 0:
            started.set()
            deadline = time.monotonic() + 10
            while not runner.superseded and time.monotonic() < deadline:
                time.sleep(0.01)
            gave_way.append(job)

    runner._work = work
    try:
        runner.submit(0)
        assert started.wait(10)
        assert not runner.superseded
        runner.submit(1)
        assert runner.wait(10)
        assert gave_way == [0]
    finally:
        runner.close()


def test_worker_reports_errors_and_goes_on() -> None:
    errors: list[BaseException] = []
    ran: list[int] = []

    def work(job: int) -> None:
        if job == 1:
            raise RuntimeError("boom")
        ran.append(job)

    runner: LatestOnly[int] = LatestOnly(work, on_busy=lambda b: None, on_error=errors.append)
    try:
        runner.submit(1)
        assert runner.wait(10)
        runner.submit(2)
        assert runner.wait(10)
        assert [str(e) for e in errors] == ["boom"] and ran == [2]
    finally:
        runner.close()


def test_busy_mark_while_a_solve_runs(explorer: Explorer) -> None:
    gate = threading.Event()
    solve = explorer._session.solve

    def slow(*args: object, **kwargs: object) -> scnekit.Roadmap:
        gate.wait(10)
        return solve(*args, **kwargs)  # type: ignore[arg-type]

    explorer._session.solve = slow  # type: ignore[method-assign]
    try:
        shown = explorer.roadmap
        explorer.controls.max_exposure.value = 0
        assert "scne-busy" in explorer._dom_classes
        assert "solving" in explorer.views.status.value
        assert explorer.roadmap is shown  # the last roadmap stays on screen
    finally:
        gate.set()
    explorer.wait()
    assert "scne-busy" not in explorer._dom_classes
    assert "solving" not in explorer.views.status.value


# -- the Syria example ------------------------------------------------------------------------------


@pytest.mark.skipif(not SYRIA.exists(), reason="the Syria example is not there yet")
def test_syria_example_in_the_explorer(tmp_path: Path, open_explorer: type[Explorer]) -> None:
    path = Path(shutil.copy(SYRIA, tmp_path / "syria.yaml"))
    e = open_explorer(path)
    e.wait(timeout=120)
    plan = scnekit.load(path)
    assert e.roadmap is not None
    assert e.roadmap.objective == scnekit.solve(plan).objective
    assert set(e.controls.party_exposure) == {"gos", "aanes", "sig", "hts", "ose", "arab-group"}
    e.controls.scenario.value = "track-collapse"
    e.wait(timeout=120)
    assert e.roadmap.objective == scnekit.solve(plan, "track-collapse").objective
    assert e.controls.measures["ceasefire-hts"].disabled


@pytest.mark.skipif(not SYRIA.exists(), reason="the Syria example is not there yet")
def test_syria_shows_the_best_so_far_then_the_optimum(tmp_path: Path, open_explorer: type[Explorer]) -> None:
    """The room sees a roadmap before the proof; the last word is the optimum."""
    path = Path(shutil.copy(SYRIA, tmp_path / "syria.yaml"))
    e = open_explorer(path)
    e.wait(timeout=120)
    shown: list[str] = []
    set_status = e.views.set_status

    def record(html: str) -> None:
        shown.append(html)
        set_status(html)

    e.views.set_status = record  # type: ignore[method-assign]
    e.controls.party_exposure["gos"].value = 5
    e.wait(timeout=120)
    assert any("best so far" in html for html in shown[:-1]), shown
    assert "optimal" in shown[-1] and "best so far" not in shown[-1]
    assert e.roadmap is not None
    assert e.roadmap.objective == fresh(e.base, e.draft).objective


@pytest.mark.skipif(not SYRIA.exists(), reason="the Syria example is not there yet")
def test_syria_wall_stays_steady_as_a_limit_steps_down_and_back(tmp_path: Path,
                                                                open_explorer: type[Explorer]) -> None:
    """Each new setting shows the optimum that moves the fewest measures of the wall on screen
    (as few as fewest_moves says any optimum must); a setting shown before comes back as shown."""
    path = Path(shutil.copy(SYRIA, tmp_path / "syria.yaml"))
    e = open_explorer(path)
    e.wait(timeout=120)
    slider = e.controls.party_exposure["ose"]
    shown: dict[float, dict[str, int]] = {}
    wall = dict(e.roadmap.starts) if e.roadmap is not None else {}
    for value in (6, 5, 4, 3, 4, 5, 6):
        slider.value = value
        e.wait(timeout=120)
        roadmap = e.roadmap
        assert roadmap is not None and roadmap.status == "optimal"
        assert roadmap.objective == fresh(e.base, e.draft).objective
        assert e.plan is not None
        moves = sum(1 for m in e.plan.measures if roadmap.starts.get(m.id) != wall.get(m.id))
        if value in shown:  # back to a setting on screen before: the same wall, measure for measure
            assert dict(roadmap.starts) == shown[value], value
        else:
            steadier, proven = fewest_moves(e.plan, roadmap.starts, wall, time_limit=60)
            least = sum(1 for m in e.plan.measures if steadier.get(m.id) != wall.get(m.id))
            assert proven
            assert moves <= least, (value, moves, least)
            shown[value] = dict(roadmap.starts)
        wall = dict(roadmap.starts)
    assert e.roadmap is not None and dict(e.roadmap.starts) == shown[6]  # the first wall, exactly
    assert e._walls.seconds, "the steadying stage never ran"


@pytest.mark.skipif(not SYRIA.exists(), reason="the Syria example is not there yet")
def test_syria_new_change_cuts_the_running_solve_short(tmp_path: Path, open_explorer: type[Explorer]) -> None:
    path = Path(shutil.copy(SYRIA, tmp_path / "syria.yaml"))
    e = open_explorer(path, anticipate=False)  # nothing solved ahead: two changes, two solves
    e.wait(timeout=120)
    results: list[scnekit.Roadmap] = []
    started = threading.Event()
    solve = e._session.solve

    def recorded(*args: object, **kwargs: object) -> scnekit.Roadmap:
        started.set()
        roadmap = solve(*args, **kwargs)  # type: ignore[arg-type]
        results.append(roadmap)
        return roadmap

    e._session.solve = recorded  # type: ignore[method-assign]
    e.controls.party_exposure["gos"].value = 5
    assert started.wait(60)  # the solve of gos=5 runs (else the two changes would coalesce)
    e.controls.party_exposure["gos"].value = 3
    e.wait(timeout=120)
    assert len(results) == 2
    assert results[0].status in ("feasible", "unknown"), "the stale solve gave way"
    assert results[1].status == "optimal"
    # shown: that optimum, or the equally good one that moves the fewest measures of the wall
    assert e.roadmap is not None and e.roadmap.objective == results[1].objective
    assert e.roadmap.objective == fresh(e.base, e.draft).objective


def test_idle_time_solves_the_next_slider_steps(workshop: Path, open_explorer: type[Explorer]) -> None:
    """After a change, the settings one step away are solved ahead and then shown from memory."""
    e = open_explorer(workshop)
    e.wait()
    e.controls.capacity.value = 2
    e.wait()
    # the neighbours of the first state may have been solved ahead already: count from here
    before = e.anticipated
    deadline = time.monotonic() + 60
    while e.anticipated < before + 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert e.anticipated >= before + 2, "the capacity slider's neighbours were not solved ahead"
    calls: list[object] = []
    solve = e._session.solve

    def counted(*args: object, **kwargs: object) -> scnekit.Roadmap:
        calls.append(kwargs.get("diagnose", True))
        return solve(*args, **kwargs)  # type: ignore[arg-type]

    e._session.solve = counted  # type: ignore[method-assign]
    e.controls.capacity.value = 1  # one step down: solved ahead
    e.wait()
    assert True not in calls, "the step was solved again instead of shown from memory"
    assert "solved ahead" in e.views.status.value
    assert e.roadmap is not None
    assert e.roadmap.objective == fresh(e.base, e.draft).objective


def test_no_work_ahead_when_switched_off(workshop: Path, open_explorer: type[Explorer]) -> None:
    e = open_explorer(workshop, anticipate=False)
    e.wait()
    e.controls.capacity.value = 2
    e.wait()
    time.sleep(0.5)
    assert e.anticipated == 0


def test_work_ahead_gives_way_to_a_change(workshop: Path, open_explorer: type[Explorer]) -> None:
    """A change made while the explorer solves ahead is answered, and correctly."""
    e = open_explorer(workshop)
    e.wait()
    for value in (2, 1, 3, 2, 1):
        e.controls.capacity.value = value
        time.sleep(0.01)
    e.controls.max_exposure.value = 3
    e.wait()
    assert e.roadmap is not None
    assert e.roadmap.objective == fresh(e.base, e.draft).objective


def test_an_unchanged_view_is_not_sent_again(explorer: Explorer) -> None:
    """Drawing the same roadmap twice sends nothing (no browser redraw)."""
    assert explorer.roadmap is not None
    before = {name: (v.spec, v.batch, v.sent) for name, v in explorer.views.widgets.items()}
    explorer.views.show(explorer.roadmap)
    assert {name: (v.spec, v.batch, v.sent) for name, v in explorer.views.widgets.items()} == before


# -- the Compare tab ----------------------------------------------------------------------------


def test_compare_tab_shows_the_figure_and_the_sentences(explorer: Explorer) -> None:
    view = explorer.compare
    assert explorer.tabs.titles[:5] == ("Roadmap", "Compare", "Trade-off", "Walk-away", "Robust start")
    assert explorer.tabs.children[1] is view.panel
    assert view.chosen == ["base", "squeeze"]  # base and the first other scenario
    view.button.click()
    explorer.wait()
    assert explorer.views.error.value == ""
    comparison = view.comparison
    assert comparison is not None and list(comparison.roadmaps) == ["base", "squeeze"]
    expected = scnekit.solve(scnekit.load(explorer.base.path), "squeeze")
    assert comparison.roadmaps["squeeze"].objective == expected.objective
    changed = {*comparison.measures["measure"], *(f"◆ {k}" for k in comparison.milestones["milestone"])}
    ticks = set(view.figure.layout.yaxis.ticktext)
    assert changed and ticks == changed
    assert "squeeze" in view.figure.layout.title.text
    (shown,) = view.output.outputs
    assert shown["data"]["application/vnd.plotly.v1+json"]["data"] == json.loads(view.figure.to_json())["data"]
    sentences = comparison.sentences()
    assert sentences and all(html.escape(line) in view.sentences.value for line in sentences)
    assert "Compared" in view.status.value and not view.button.disabled
    assert "scne-compare" in all_classes(explorer)


def test_compare_needs_two_scenarios_and_says_so(explorer: Explorer) -> None:
    explorer.compare.scenarios.value = ("squeeze",)
    explorer.compare.button.click()  # no exception: the error area says it
    explorer.wait()
    assert "at least two scenarios" in explorer.views.error.value
    assert explorer.views.error.layout.display is None
    assert explorer.compare.comparison is None


def test_compare_failure_goes_to_the_error_area(explorer: Explorer) -> None:
    def broken(*args: object, **kwargs: object) -> scnekit.Roadmap:
        raise RuntimeError("the solver <b>broke</b>")

    explorer._compare_session.solve = broken  # type: ignore[method-assign]
    explorer.compare.button.click()
    explorer.wait()
    error = explorer.views.error.value
    assert "Could not compare the scenarios" in error and "the solver &lt;b&gt;broke&lt;/b&gt;" in error
    assert explorer.views.error.layout.display is None
    assert "failed" in explorer.compare.status.value and not explorer.compare.button.disabled
    assert explorer.compare.comparison is None
    assert explorer.roadmap is not None and explorer.roadmap.status == "optimal"  # the roadmap tab goes on


def test_compare_default_follows_the_scenario_until_chosen(explorer: Explorer) -> None:
    explorer.controls.scenario.value = "squeeze"
    explorer.wait()
    assert explorer.compare.chosen == ["base", "squeeze"]
    explorer.save_scenario("tight", "saved from the explorer")
    assert "tight" in explorer.compare.scenarios.options
    explorer.compare.scenarios.value = ("squeeze", "tight")
    explorer.controls.scenario.value = "base"
    explorer.wait()
    assert explorer.compare.chosen == ["squeeze", "tight"]  # a choice of the user's is kept


# -- the Trade-off, Walk-away and Robust start tabs ----------------------------------------------


def test_analysis_tabs_are_there_with_their_classes(explorer: Explorer) -> None:
    assert explorer.tabs.titles == ("Roadmap", "Compare", "Trade-off", "Walk-away", "Robust start", "Progress")
    assert list(explorer.tabs.children[2:]) == [explorer.tradeoff.panel, explorer.walkaway.panel,
                                                explorer.robust.panel, explorer.progress_view.panel]
    classes = all_classes(explorer)
    for name in ("scne-tradeoff", "scne-tradeoff-button", "scne-tradeoff-figure", "scne-tradeoff-points",
                 "scne-walkaway", "scne-walkaway-figure", "scne-robust", "scne-robust-button", "scne-robust-shared"):
        assert name in classes, name


def frontier_marks(explorer: Explorer) -> list[tuple[float, float]]:
    (marks,) = [t for t in explorer.tradeoff.figure.data if t.mode == "markers+text"]
    return list(zip(marks.x, marks.y, strict=True))


def test_tradeoff_tab_draws_the_frontier_of_the_settings_on_screen(explorer: Explorer) -> None:
    view = explorer.tradeoff
    assert view.chosen == ["north", "south", "envoy"]  # every party by default
    explorer.pin("travel", 4)
    explorer.wait()
    view.button.click()
    explorer.wait()
    assert explorer.views.error.value == ""
    expected = frontier(variant(explorer.base, set=pin_overrides({"travel": 4})))
    found = view.frontier
    assert found is not None and found.status == "optimal" and found.points
    assert [(p.peak_exposure, p.objective) for p in found.points] == [
        (p.peak_exposure, p.objective) for p in expected.points] == [(1, 39)]  # unpinned: (0, 20), (1, 41)
    assert all(p.roadmap.starts["travel"] == 4 for p in found.points)  # the pin holds at every point
    assert frontier_marks(explorer) == [(p.peak_exposure, p.objective) for p in found.points]
    (limit,) = [s for s in view.figure.layout.shapes if s.type == "line"]
    assert limit.x0 == 4 == view.limit  # the largest limit of the chosen parties (north 3, the others 4)
    assert "differ (3 to 4)" in view.status.value and "Frontier" in view.status.value
    (shown,) = view.output.outputs
    assert shown["data"]["application/vnd.plotly.v1+json"]["data"] == json.loads(view.figure.to_json())["data"]
    assert [v for _, v in view.points.options] == [None, *range(len(found.points))]
    assert not view.load_button.disabled


def test_tradeoff_over_chosen_parties_marks_their_limit(explorer: Explorer) -> None:
    view = explorer.tradeoff
    view.parties.value = ("north",)
    view.button.click()
    explorer.wait()
    assert view.frontier is not None and view.frontier.parties == ("north",)
    expected = frontier(explorer.base, parties=["north"])
    assert frontier_marks(explorer) == [(p.peak_exposure, p.objective) for p in expected.points]
    assert view.limit == 3 and "north" in view.figure.layout.title.text
    explorer.controls.max_exposure.value = 2  # other settings: the frontier shown is marked as theirs
    explorer.wait()
    assert "before the last changes" in view.status.value
    view.button.click()
    explorer.wait()
    assert "before the last changes" not in view.status.value and view.limit == 2


def test_tradeoff_point_loads_its_roadmap_on_screen(explorer: Explorer) -> None:
    view = explorer.tradeoff
    view.button.click()
    explorer.wait()
    assert view.frontier is not None
    low = view.frontier.points[0]
    assert low.objective < 41
    explorer.tabs.selected_index = 2
    view.points.value = 0
    view.load_button.click()
    explorer.wait()
    assert explorer.roadmap is low.roadmap
    assert explorer.tabs.selected_index == 0
    assert set(bars(explorer)) == set(low.roadmap.starts)
    status = explorer.views.status.value
    assert f"peak exposure <b>{low.peak_exposure:g}</b>" in status and "Frontier point" in status
    assert f"objective <b>{low.objective:g}</b>" in status
    heat = explorer.walkaway.figure.data[0]  # the Walk-away tab follows the roadmap on screen
    rows = low.roadmap.walkaway()
    assert [list(r) for r in heat.z] == [[rows[(rows["party"] == p) & (rows["phase"] == t)]["stake"].item()
                                          for t in heat.x] for p in heat.y]
    view.back_button.click()
    explorer.wait()
    assert explorer.roadmap is not None and explorer.roadmap.objective == 41
    assert "Frontier point" not in explorer.views.status.value


def test_tradeoff_mistakes_and_failures_go_to_the_error_area(explorer: Explorer,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    view = explorer.tradeoff
    view.load_button.click()  # nothing to load yet
    assert "compute the frontier" in explorer.views.error.value
    view.parties.value = ()
    view.button.click()
    assert "at least one party" in explorer.views.error.value
    view.parties.value = ("north", "south", "envoy")
    explorer.apply(Draft(set={"horizon.phases": 3}))  # not a valid plan
    explorer.wait()
    view.button.click()
    assert "Could not compute the frontier" in explorer.views.error.value
    assert "horizon.labels" in explorer.views.error.value
    explorer.undo()
    explorer.wait()

    def broken(*args: object, **kwargs: object) -> Frontier:
        raise RuntimeError("the frontier <b>broke</b>")

    monkeypatch.setattr("scnekit.widgets.explorer.frontier", broken)
    view.button.click()
    explorer.wait()
    error = explorer.views.error.value
    assert "Could not compute the frontier" in error and "the frontier &lt;b&gt;broke&lt;/b&gt;" in error
    assert "could not be computed" in view.status.value and view.frontier is None
    assert explorer.roadmap is not None and explorer.roadmap.objective == 41  # the roadmap tab goes on


def test_tradeoff_newer_request_supersedes_and_keeps_the_last_figure(explorer: Explorer,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    view = explorer.tradeoff
    view.button.click()
    explorer.wait()
    first = view.figure
    started, release = threading.Event(), threading.Event()
    calls: list[tuple[str, ...]] = []
    real = frontier

    def slow(plan: scnekit.Plan, *, parties: tuple[str, ...], time_limit: float | None,
             progress: Callable[[FrontierPoint], None]) -> Frontier:
        calls.append(tuple(parties))
        if len(calls) == 1:
            started.set()
            assert release.wait(20)
            found = real(plan, parties=parties, time_limit=time_limit)
            progress(found.points[0])  # a newer request waits: this raises and ends the old one
            raise AssertionError("the superseded frontier was not stopped")
        return real(plan, parties=parties, time_limit=time_limit, progress=progress)

    monkeypatch.setattr("scnekit.widgets.explorer.frontier", slow)
    view.button.click()
    assert started.wait(20)
    assert view.figure is first and "Computing the frontier" in view.status.value  # the last figure stays
    view.parties.value = ("south",)
    view.button.click()
    release.set()
    explorer.wait()
    assert calls == [("north", "south", "envoy"), ("south",)]
    assert view.frontier is not None and view.frontier.parties == ("south",)
    assert explorer.views.error.value == ""


def test_walkaway_tab_follows_the_roadmap_on_screen(explorer: Explorer) -> None:
    view = explorer.walkaway
    assert view.lines == [] and "No party is tempted" in view.sentences.value
    explorer.pin("monitoring", 2)
    explorer.wait()
    roadmap = explorer.roadmap
    assert roadmap is not None and roadmap.starts["monitoring"] == 2
    assert view.lines == ["north is tempted after phase 2; its stake falls to -1",
                          "envoy is tempted after phase 1; its stake falls to -1"]
    assert all(html.escape(line) in view.sentences.value for line in view.lines)
    heat = view.figure.data[0]
    rows = roadmap.walkaway()
    assert [list(r) for r in heat.z] == [[rows[(rows["party"] == p) & (rows["phase"] == t)]["stake"].item()
                                          for t in heat.x] for p in heat.y]
    assert json.loads(view.output.spec)["data"] == json.loads(view.figure.to_json())["data"]
    explorer.apply(Draft(pins={"trade": 4}))
    explorer.wait()
    assert view.lines == ["north is tempted after phases 2-3; its stake falls to -1"]
    explorer.pin("travel", 2)
    explorer.controls.max_exposure.value = 0  # infeasible: no roadmap, nobody's stake
    explorer.wait()
    assert view.lines == [] and "No roadmap" in view.sentences.value
    assert not view.figure.data


def test_walkaway_phases_in_words() -> None:
    assert walkaway._phases([2]) == "phase 2"
    assert walkaway._phases([1, 2, 3, 4]) == "phases 1-4"
    assert walkaway._phases([1, 2, 4, 6, 7]) == "phases 1-2, 4 and 6-7"


def test_robust_tab_shows_the_shared_first_steps(explorer: Explorer) -> None:
    view = explorer.robust
    assert view.chosen == ["base", "squeeze"]
    assert (view.shared.min, view.shared.max) == (1, 4)  # 1..T-1
    view.shared.value = 2
    view.button.click()
    explorer.wait()
    assert explorer.views.error.value == ""
    expected = robust(explorer.base, ["base", "squeeze"], 2)
    result = view.result
    assert result is not None and result.status == "optimal"
    assert result.first_steps == expected.first_steps and result.value == expected.value
    for step in result.first_steps:
        assert f"<b>{step['measure']}</b>" in view.tables.value
    for sid, answer in result.scenarios.items():
        assert f"<b>{sid}</b>" in view.tables.value
        assert f">{answer.optimum:g}<" in view.tables.value and f">{answer.price:g}<" in view.tables.value
    assert f"<b>{result.value:g}</b>" in view.status.value
    own, here = view.figure.data
    assert list(own.y) == [result.scenarios[s].optimum for s in ("base", "squeeze")]
    assert list(here.y) == [result.scenarios[s].roadmap.objective for s in ("base", "squeeze")]
    view.criterion.value = "mean"
    view.button.click()
    explorer.wait()
    assert view.result is not None and str(view.result.criterion) == "mean"


def test_robust_tab_says_why_there_are_no_common_first_steps(explorer: Explorer) -> None:
    explorer.apply(Draft(pins={"monitoring": 1}))
    explorer.save_scenario("pinned")
    explorer.apply(Draft(unavailable=("monitoring",)))
    explorer.save_scenario("no-monitoring")
    explorer.wait()
    view = explorer.robust
    view.scenarios.value = ("pinned", "no-monitoring")
    view.shared.value = 1
    view.button.click()
    explorer.wait()
    result = view.result
    assert result is not None and result.status == "infeasible" and result.reasons
    assert "No common first steps" in view.status.value
    for reason in result.reasons:
        assert html.escape(reason) in view.tables.value  # escaped: the ids come quoted
    assert "unavailable in scenario" in view.tables.value
    assert not view.figure.data


def test_robust_mistakes_and_failures_go_to_the_error_area(explorer: Explorer,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    view = explorer.robust
    view.scenarios.value = ("squeeze",)
    view.button.click()
    assert "at least two scenarios" in explorer.views.error.value
    view.scenarios.value = ("base", "squeeze")

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("robust <i>broke</i>")

    monkeypatch.setattr("scnekit.widgets.explorer.robust", broken)
    view.button.click()
    explorer.wait()
    assert "Could not find robust first steps" in explorer.views.error.value
    assert "robust &lt;i&gt;broke&lt;/i&gt;" in explorer.views.error.value
    assert "see the message above" in view.status.value and view.result is None


def test_close_stops_every_worker_of_the_tabs(workshop: Path) -> None:
    explorer = Explorer(workshop)
    explorer.wait()
    explorer.tradeoff.button.click()
    explorer.robust.button.click()
    explorer.close()
    runners = [explorer._runner, explorer._comparer, explorer._frontier_runner, explorer._robust_runner]
    assert all(r.superseded for r in runners)  # closed
    assert all(r._thread is None or not r._thread.is_alive() for r in runners)


# -- milestones and the measure editor ------------------------------------------------------------------


def achieved(roadmap: scnekit.Roadmap, milestone: str) -> int | None:
    row = roadmap.milestones.set_index("milestone").loc[milestone]
    return None if row["achieved"] is None or row["achieved"] != row["achieved"] else int(row["achieved"])


def test_milestone_deadline_and_weight_match_the_engine(explorer: Explorer) -> None:
    c = explorer.controls
    assert [label for label, _ in c.deadlines["linkage"].options] == ["none", "Q1", "Q2", "Q3", "Q4", "Q5"]
    assert c.deadlines["linkage"].value == 4 and c.deadlines["calm"].value == 0  # calm has no deadline
    c.deadlines["linkage"].value = 2
    explorer.wait()
    assert explorer.draft.set == {"milestones.linkage.deadline": 2}
    roadmap = explorer.roadmap
    assert roadmap is not None and roadmap.status == "optimal"
    assert roadmap.objective == fresh(explorer.base, explorer.draft).objective
    reached = achieved(roadmap, "linkage")
    assert reached is not None and reached <= 2
    c.milestone_weights["calm"].value = 5
    explorer.wait()
    assert explorer.draft.set == {"milestones.linkage.deadline": 2, "milestones.calm.weight": 5}
    assert roadmap is not explorer.roadmap
    assert explorer.roadmap.objective == fresh(explorer.base, explorer.draft).objective == 47.0
    assert "font-weight:bold" in c.milestone_titles["calm"].value  # marked as changed here
    c.deadlines["linkage"].value = 0  # "none"
    explorer.wait()
    assert explorer.draft.set["milestones.linkage.deadline"] is None
    assert explorer.plan is not None and explorer.plan.milestone_by_id["linkage"].deadline is None
    assert explorer.roadmap.objective == fresh(explorer.base, explorer.draft).objective
    c.deadlines["linkage"].value = 4  # back to the file's: nothing left edited
    c.milestone_weights["calm"].value = 3
    explorer.wait()
    assert explorer.draft == Draft()


def test_deadline_nothing_can_meet_names_the_conflict(explorer: Explorer) -> None:
    explorer.controls.deadlines["calm"].value = 1  # trade needs monitoring first and takes two phases
    explorer.wait()
    roadmap = explorer.roadmap
    assert roadmap is not None and roadmap.status == "infeasible"
    assert "deadline" in {c.rule for c in roadmap.conflicts}
    status = html.unescape(explorer.views.status.value)
    assert "no roadmap" in status and "milestone deadline" in status and "calm" in status


def test_measure_cost_and_values_match_the_engine(explorer: Explorer) -> None:
    c = explorer.controls
    c.measure_search.value = "trade"
    assert [v for _, v in c.measure_pick.options] == ["trade"]
    assert c.measure_pick.value == "trade" and c.measure_cost.value == 2
    shown = {p for p, box in c.measure_values.items() if box.layout.display != "none"}
    assert shown == {"north", "south"}
    assert [v for _, v in c.measure_add_party.options] == ["envoy"]
    before = explorer.roadmap
    c.measure_cost.value = 9
    explorer.wait()
    assert explorer.draft.set == {"measures.trade.cost": 9}
    expected = scnekit.solve(variant(explorer.base, set={"measures.trade.cost": 9}))
    assert explorer.roadmap is not None and before is not None
    assert explorer.roadmap.objective == expected.objective != before.objective
    c.measure_values["south"].value = 1
    explorer.wait()
    assert explorer.draft.set["measures.trade.to"] == {"south": 1, "north": 1}  # the whole mapping
    c.measure_add_party.value = "envoy"
    c.measure_add_button.click()
    assert c.measure_values["envoy"].layout.display is None and explorer.draft.set["measures.trade.to"] == {
        "south": 1, "north": 1}  # opening the box changes nothing yet
    c.measure_values["envoy"].value = 2.5
    explorer.wait()
    assert explorer.draft.set["measures.trade.to"] == {"south": 1, "north": 1, "envoy": 2.5}
    assert explorer.roadmap.objective == fresh(explorer.base, explorer.draft).objective
    assert "changed here" in c.measure_note.value and not c.measure_reset.disabled
    c.measure_reset.click()
    explorer.wait()
    assert explorer.draft == Draft()
    assert c.measure_reset.disabled and c.measure_cost.value == 2


@pytest.mark.parametrize(("control", "value", "why"), [
    (lambda c: c.milestone_weights["calm"], -1.0, "must not be negative"),
    (lambda c: c.measure_cost, float("inf"), "must be a finite number"),
    (lambda c: c.measure_values["north"], -0.5, "must not be negative"),
    (lambda c: c.measure_cost, 1e16, "must be at most"),
])
def test_invalid_entry_says_why_and_changes_nothing(explorer: Explorer, control: Callable[[object], widgets.FloatText],
                                                    value: float, why: str) -> None:
    c = explorer.controls
    c.measure_pick.value = "monitoring"
    box = control(c)
    was = box.value
    box.value = value
    explorer.wait()
    note = c.milestones_note if box is c.milestone_weights["calm"] else c.measure_note
    assert why in note.value and "nothing changed" in note.value
    assert box.value == was  # the box shows what holds again
    assert explorer.draft == Draft() and not explorer.can_undo
    assert explorer.autosave_path is not None and not explorer.autosave_path.exists()


def test_a_chosen_deadline_outlives_a_horizon_cut(explorer: Explorer) -> None:
    c = explorer.controls
    c.deadlines["linkage"].value = 2
    c.horizon.value = 3
    explorer.wait()
    assert [v for _, v in c.deadlines["linkage"].options] == [0, 1, 2, 3]
    assert explorer.draft.set["milestones.linkage.deadline"] == 2
    c.horizon.value = 5
    explorer.wait()
    assert explorer.draft.set == {"milestones.linkage.deadline": 2}


def test_new_controls_undo_autosave_and_save(explorer: Explorer, workshop: Path) -> None:
    c = explorer.controls
    c.deadlines["linkage"].value = 3
    c.measure_pick.value = "aid-north"
    c.measure_cost.value = 1
    c.measure_values["north"].value = 6
    explorer.wait()
    edited = {"milestones.linkage.deadline": 3, "measures.aid-north.cost": 1, "measures.aid-north.to": {"north": 6}}
    assert explorer.draft.set == edited
    found = read_autosave(workshop)
    assert found is not None and found.draft == explorer.draft
    shown = explorer.roadmap
    assert shown is not None and shown.objective == fresh(explorer.base, explorer.draft).objective
    assert explorer.undo()
    explorer.wait()
    assert explorer.draft.set == {k: v for k, v in edited.items() if k != "measures.aid-north.to"}
    assert c.measure_values["north"].value == 4
    found = read_autosave(workshop)
    assert found is not None and found.draft == explorer.draft
    c.measure_values["north"].value = 6
    explorer.wait()
    explorer.save_scenario("room-b")
    entry = scnekit.load(workshop).scenario_by_id["room-b"]
    assert dict(entry.set) == edited
    assert scnekit.solve(scnekit.load(workshop), "room-b").objective == shown.objective


@pytest.mark.skipif(not SYRIA.exists(), reason="the Syria example is not there yet")
def test_syria_deadline_cost_and_value_controls(tmp_path: Path, open_explorer: type[Explorer]) -> None:
    """A quarter earlier, a costlier step, a party that values a measure less: each as the
    engine solves it, undoable, autosaved, and saved back as a scenario that reproduces it."""
    path = Path(shutil.copy(SYRIA, tmp_path / "syria.yaml"))
    e = open_explorer(path, anticipate=False)
    e.wait(timeout=120)
    c = e.controls
    assert len(c.deadlines) == 10 and c.deadlines["frontline-calm"].value == 4
    c.deadlines["frontline-calm"].value = 3
    e.wait(timeout=120)
    roadmap = e.roadmap
    assert roadmap is not None
    if roadmap.status == "optimal":
        reached = achieved(roadmap, "frontline-calm")
        assert reached is not None and reached <= 3
    else:  # no roadmap reaches it by then: the status says which rules clash
        assert "milestone deadline" in e.views.status.value
    measure = e.base.measure_by_id["ceasefire-gos"]
    c.measure_pick.value = measure.id
    c.measure_cost.value = measure.cost + 3
    e.wait(timeout=120)
    assert e.roadmap is not None
    assert e.roadmap.objective == scnekit.solve(variant(e.base, set=dict(e.draft.set))).objective
    party = "aanes" if "aanes" in measure.to else next(iter(measure.to))
    c.measure_values[party].value = measure.to[party] / 2
    e.wait(timeout=120)
    to = e.draft.set[f"measures.{measure.id}.to"]
    assert set(to) == set(measure.to) and to[party] == measure.to[party] / 2
    found = read_autosave(path)
    assert found is not None and found.draft == e.draft
    assert e.undo()
    e.wait(timeout=120)
    assert f"measures.{measure.id}.to" not in e.draft.set and c.measure_values[party].value == measure.to[party]
    c.measure_values[party].value = measure.to[party] / 2
    e.wait(timeout=120)
    shown = e.roadmap
    assert shown is not None and shown.status == "optimal"
    c.save_name.value = "room-asked"
    c.save_button.click()
    assert e.views.error.value == "" and "room-asked" in c.save_message.value
    again = scnekit.solve(scnekit.load(path), "room-asked")
    assert again.objective == shown.objective
