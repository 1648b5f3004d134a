"""The explorer's Progress tab, driven through its Python API and its widgets (no browser)."""

from __future__ import annotations

import html
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import scnekit
from scnekit.fileformat.progress import read_progress, write_progress
from scnekit.fileformat.savefile import read_autosave_file, write_autosave
from scnekit.history import Event, Happened, Progress
from scnekit.widgets import Draft, Explorer

from .test_widgets import SYRIA, WORKSHOP


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


def test_progress_tab_is_there(explorer: Explorer) -> None:
    assert explorer.tabs.titles[-1] == "Progress"
    assert explorer.tabs.children[-1] is explorer.progress_view.panel
    assert explorer.progress is None
    assert "scne-progress-timeline" in explorer.progress_view.views.outputs["timeline"]._dom_classes


@pytest.mark.skipif(not SYRIA.exists(), reason="the Syria example is not there yet")
def test_syria_record_replans_the_rest(tmp_path: Path, open_explorer: type[Explorer]) -> None:
    """Now 2, one measure late and one failed (as examples/syria_progress.yaml has them): the
    tab shows the re-plan's moves and the rule the past broke; undo gives the record before;
    the record saved reads back equal."""
    path = Path(shutil.copy(SYRIA, tmp_path / "syria.yaml"))
    example = read_progress(SYRIA.parent / "syria_progress.yaml", scnekit.load(path))
    e = open_explorer(path)
    e.wait(timeout=120)
    e.set_progress(Progress(0, (), example.roadmap))  # revise the roadmap the example revises
    e.set_now(2)
    e.record("disaster-cell", "completed", started=2, completed=2, note="a quarter late <after a dispute>")
    e.record("humanitarian-access", Happened.FAILED, ended=2)
    before = e.progress
    e.record_as_planned()  # the rest of phases 1-2 went as planned
    e.wait(timeout=120)
    progress = e.progress
    assert progress is not None and progress.now == 2


    def phases(record: Progress) -> dict[str, tuple[object, ...]]:
        return {e.measure: (e.status, e.started, e.completed, e.ended, e.retry) for e in record.events}
    assert phases(progress) == phases(example)  # the example's record, notes aside
    result = e.replanned
    expected = scnekit.replan(e.base, progress)
    assert result is not None
    assert result.roadmap.objective == expected.roadmap.objective
    assert len(result.moves) == len(expected.moves) > 0
    shown = e.progress_view.moves.value
    for move in result.moves:
        assert f"<b>{html.escape(move.measure)}</b>" in shown
        assert html.escape(move.reason) in shown
    assert [b.text for b in result.breaches] == [b.text for b in expected.breaches]
    assert html.escape(result.breaches[0].text) in shown
    assert "re-planned from phase 3" in e.progress_view.result.value
    assert "a quarter late &lt;after a dispute&gt;" in e.progress_view.table.value  # user text escaped
    assert "<after" not in e.progress_view.table.value
    # the past is shaded on the re-planned timeline
    assert any(s.x1 == 2.5 for s in e.progress_view.views.timeline.layout.shapes)

    assert e.undo()
    assert e.progress == before
    e.wait(timeout=120)
    assert e.replanned is not None and e.replanned.roadmap.progress == before

    saved = e.save_progress()
    assert saved == tmp_path / "syria.progress.yaml"
    assert read_progress(saved, e.base) == before


def test_now_slider_and_editor_record_through_the_widgets(explorer: Explorer) -> None:
    view = explorer.progress_view
    assert explorer.roadmap is not None
    planned = dict(explorer.roadmap.starts)
    view.now.value = 2
    explorer.wait()
    assert explorer.progress is not None and explorer.progress.now == 2
    assert explorer.progress.roadmap == planned  # the roadmap on screen is the one revised
    first = min((s, mid) for mid, s in planned.items())[1]
    assert view.measure.options[0][1] == first  # measures started by now come first
    view.measure.value = first
    view.status.value = "failed"
    view.ended.value = planned[first]
    view.record_button.click()
    explorer.wait()
    event = explorer.progress.by_measure[first]
    assert event.status == Happened.FAILED and event.ended == planned[first]
    assert "failed" in view.table.value
    assert explorer.replanned is not None
    assert any(m.measure == first for m in explorer.replanned.moves)
    assert "What moved against the roadmap revised" in view.moves.value


def test_an_invalid_record_says_why_and_changes_nothing(explorer: Explorer) -> None:
    explorer.set_now(2)
    explorer.wait()
    before = explorer.progress
    history = len(explorer._history)
    with pytest.raises(scnekit.InputError):
        explorer.record("trade", "completed", started=2, completed=1)
    assert explorer.progress == before
    assert len(explorer._history) == history
    assert "completed in phase 1, before it started (phase 2)" in explorer.progress_view.message.value
    view = explorer.progress_view  # the same through the widgets: shown, nothing raised
    view.measure.value = "trade"
    view.status.value = "completed"
    view.started.value = 2
    view.ended.value = 1
    view.record_button.click()
    assert explorer.progress == before
    assert "before it started" in view.message.value
    assert explorer.views.error.value == ""
    explorer.record("trade", "started", started=2)  # a valid one clears the message
    assert view.message.value == ""


def test_record_changes_are_autosaved_and_restored(workshop: Path, open_explorer: type[Explorer]) -> None:
    e = open_explorer(workshop)
    e.wait()
    e.set_now(1)
    e.record("monitoring", "completed", started=1, completed=1, note="on time")
    e.wait()
    assert e.autosave_path is not None
    found = read_autosave_file(e.autosave_path)
    assert found.progress is not None and found.progress["now"] == 1
    other = open_explorer(workshop, restore=True)
    other.wait()
    assert other.progress == e.progress
    assert other.replanned is not None


def test_offered_autosave_brings_the_record_back(workshop: Path, open_explorer: type[Explorer]) -> None:
    """Only the record changed (the draft is the file's): the autosave is still offered."""
    plan = scnekit.load(workshop)
    write_autosave(workshop, Draft(), "20200101T000000-abcdef01",
                   progress={"now": 1, "measures": [{"measure": "monitoring", "status": "failed", "ended": 1}]})
    e = open_explorer(workshop)
    e.wait()
    assert e.progress is None
    assert e.controls.restore_button.layout.display is None
    e.restore()
    e.wait()
    assert e.progress is not None and e.progress.by_measure["monitoring"].status == Happened.FAILED
    assert e.progress.now == 1 and plan.phases == 5
    assert e.undo()
    assert e.progress is None


def test_default_record_file_is_read_at_start_and_foreign_files_kept(workshop: Path,
                                                                     open_explorer: type[Explorer]) -> None:
    plan = scnekit.load(workshop)
    record = Progress(1, (Event("monitoring", Happened.STARTED, started=1),), {"monitoring": 1, "aid-north": 2})
    write_progress(workshop.with_name("workshop.progress.yaml"), record)
    e = open_explorer(workshop)
    e.wait()
    assert e.progress == record
    assert e.replanned is not None and e.replanned.revised == {"monitoring": 1, "aid-north": 2}
    e.set_now(2)
    assert e.save_progress() == workshop.with_name("workshop.progress.yaml")  # read at start: it may
    assert read_progress(workshop.with_name("workshop.progress.yaml"), plan).now == 2
    foreign = workshop.with_name("other.progress.yaml")
    foreign.write_text("now: 0\n", encoding="utf-8")
    with pytest.raises(scnekit.UsageError, match="not written by this explorer"):
        e.save_progress(foreign)
    e.save_progress(foreign, overwrite=True)
    assert read_progress(foreign, plan) == e.progress


def test_record_follows_the_settings_and_their_pins(explorer: Explorer) -> None:
    explorer.set_now(1)
    explorer.wait()
    explorer.pin("travel", 4)
    explorer.wait()
    result = explorer.replanned
    assert result is not None and result.roadmap.starts.get("travel") == 4
    assert explorer.undo()  # the pin goes; the record stays
    explorer.wait()
    assert explorer.progress is not None and explorer.progress.now == 1
