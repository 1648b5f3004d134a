"""The bundled Syria example: valid, sourced, and every scenario solves to a roadmap
that keeps every rule (checked independently)."""

from __future__ import annotations

import pytest

import scnekit
from tests.support.checker import check_answer
from tests.support.paths import EXAMPLE, load_doc

PLAN = scnekit.load(EXAMPLE)


def test_example_is_big_enough_and_sourced() -> None:
    assert len(PLAN.measures) >= 30 and len(PLAN.scenarios) >= 3
    assert all(m.source for m in PLAN.measures), "every measure cites where it comes from"
    kinds = {p.kind for p in PLAN.parties}
    assert {"area", "external", "mediator", "civil_society"} <= kinds
    assert any(ln.kind == "reciprocal" for ln in PLAN.links)
    assert any(k.deadline for k in PLAN.milestones)
    assert PLAN.rules.balance is not None and PLAN.rules.exposure_by_party
    assert "illustrative" in (PLAN.description or "").lower()


@pytest.mark.parametrize("scenario", PLAN.scenario_ids)
def test_every_scenario_solves_and_keeps_every_rule(scenario: str) -> None:
    roadmap = scnekit.solve(PLAN, scenario)
    assert roadmap.status == "optimal", roadmap.conflicts
    assert check_answer(load_doc(EXAMPLE), scenario, roadmap.to_dict()) == []


def test_progress_reports_better_roadmaps_that_keep_every_rule() -> None:
    """Interim roadmaps (for a view that should not wait for the proof) are real ones."""
    seen: list[scnekit.Roadmap] = []
    final = scnekit.Session().solve(PLAN, progress=seen.append)
    assert final.status == "optimal"
    assert seen, "the heuristic's roadmap is reported before the proof"
    objectives = [r.objective for r in seen]
    assert objectives == sorted(objectives) and len(set(objectives)) == len(objectives)
    assert all(r.status == "feasible" and r.gap is not None and r.gap >= 0 for r in seen)
    assert objectives[-1] <= final.objective  # type: ignore[operator]
    for roadmap in seen:
        assert check_answer(load_doc(EXAMPLE), "base", roadmap.to_dict()) == []


def test_stop_ends_a_solve_with_the_best_roadmap_so_far() -> None:
    asked = 0

    def stop() -> bool:
        nonlocal asked
        asked += 1
        return True

    session = scnekit.Session()
    roadmap = session.solve(PLAN, stop=stop)
    assert asked >= 1
    assert roadmap.status in ("feasible", "unknown")
    if roadmap.status == "feasible":
        assert check_answer(load_doc(EXAMPLE), "base", roadmap.to_dict()) == []
    # the same session then solves to the proven optimum, as a fresh one does
    again = session.solve(PLAN)
    assert again.status == "optimal" and again.objective == scnekit.solve(PLAN).objective


def test_a_stopped_solve_leaves_the_next_one_whole() -> None:
    """HiGHS keeps its interrupt flag between runs; the next solve must not inherit it."""
    session = scnekit.Session()
    session.solve(PLAN, stop=lambda: True)
    again = session.solve(PLAN, stop=lambda: False)
    assert again.status == "optimal" and again.objective == scnekit.solve(PLAN).objective


def test_an_error_in_a_progress_callback_leaves_the_session_whole() -> None:
    """The error reaches the caller, and the model HiGHS holds still solves."""
    session = scnekit.Session()

    def broken(roadmap: scnekit.Roadmap) -> None:
        raise RuntimeError("the view could not be drawn")

    with pytest.raises(RuntimeError, match="could not be drawn"):
        session.solve(PLAN, progress=broken)
    again = session.solve(PLAN)
    assert again.status == "optimal" and again.objective == scnekit.solve(PLAN).objective


def test_an_error_inside_a_highs_callback_is_raised_after_the_run() -> None:
    from scnekit.engine.formulation import Formulation
    from scnekit.engine.highs import HighsModel

    model = HighsModel.from_formulation(Formulation(PLAN))

    def broken(found: object) -> None:
        raise RuntimeError("raised inside HiGHS")

    with pytest.raises(RuntimeError, match="inside HiGHS"):
        model.run(found=broken)
    outcome = model.run()
    assert outcome.state == "optimal" and outcome.objective == pytest.approx(scnekit.solve(PLAN).objective)


def test_a_stop_in_the_final_search_keeps_the_lp_bound() -> None:
    """Stopped before HiGHS has a bound of its own, the gap is measured against the LP's."""
    polls = 0

    def stop() -> bool:
        nonlocal polls
        polls += 1
        return polls > 3  # past the Python-level checks, inside HiGHS

    roadmap = scnekit.Session().solve(PLAN, stop=stop)
    if roadmap.status == "feasible":
        assert roadmap.bound is not None and roadmap.gap is not None
        assert roadmap.bound >= roadmap.objective  # type: ignore[operator]
        assert roadmap.gap > 0, "the Syria example's optimum is below its LP bound"


def test_a_tighter_setting_that_does_not_bite_keeps_the_proven_optimum() -> None:
    """A stricter limit that the optimum already keeps needs no search; a binding one does."""
    from scnekit.fileformat.scenarios import variant

    session = scnekit.Session()
    first = session.solve(PLAN)
    assert first.status == "optimal"
    peak = max(first.exposure[p].max() for p in first.exposure.columns)
    loose = {p.id: max(peak, PLAN.rules.exposure_limit(p.id) or 0) for p in PLAN.parties}
    unused = next(m.id for m in PLAN.measures if m.id not in first.starts)
    # every limit at least the current peak, one unused measure gone: tighter or equal, not biting
    relaxed = variant(PLAN, set={"rules.max_exposure": {**loose}})
    session.solve(relaxed)  # looser than the base: a search
    kept_before = session.kept
    tighter = variant(PLAN, set={"rules.max_exposure": {**loose}}, unavailable=[unused])
    answer = session.solve(tighter)
    assert session.kept == kept_before + 1
    fresh = scnekit.Session().solve(tighter)
    assert answer.status == fresh.status == "optimal" and answer.objective == fresh.objective
    binding = variant(PLAN, set={"rules.max_exposure": {**loose, "gos": 0}})
    answer = session.solve(binding)
    assert session.kept == kept_before + 1, "a binding limit must be searched"
    assert answer.objective == scnekit.Session().solve(binding).objective


def test_a_return_to_settings_proved_before_needs_no_search() -> None:
    """Proofs of earlier settings are kept: going back to them, or tightening them, is answered at once."""
    from scnekit.fileformat.scenarios import variant

    session = scnekit.Session()
    base = session.solve(PLAN)
    looser = variant(PLAN, set={"rules.max_exposure": {"default": 8}})
    other = session.solve(looser)
    assert other.objective is not None and base.objective is not None and other.objective >= base.objective
    kept_before = session.kept
    again = session.solve(PLAN)  # not within the last proof's region only: within the first's
    assert session.kept == kept_before + 1
    assert again.status == "optimal" and again.objective == base.objective
    assert check_answer(load_doc(EXAMPLE), "base", again.to_dict()) == []
