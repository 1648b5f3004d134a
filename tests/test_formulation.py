"""The model's structure: what completions imply, and the rows built on it."""

from __future__ import annotations

import scnekit
from scnekit.engine.formulation import Formulation
from scnekit.engine.highs import HighsModel
from scnekit.engine.implications import completed_before
from tests.support.paths import EXAMPLE

PLAN = scnekit.load(EXAMPLE)


def doc(measures: list[dict[str, object]], links: list[dict[str, object]] | None = None) -> scnekit.Plan:
    return scnekit.loads({"scnekit": 1, "name": "t", "horizon": {"phases": 6},
                          "parties": [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}],
                          "measures": [{"title": m["id"], "by": "a", **m} for m in measures],
                          "links": links or []})


def test_requires_chains_and_same_phase_links_imply_completion() -> None:
    plan = doc([{"id": "m"}, {"id": "n", "requires": ["m"]}, {"id": "o", "requires": ["n"]},
                {"id": "p"}, {"id": "q"}, {"id": "long", "duration": 2}, {"id": "r"}],
               [{"kind": "reciprocal", "measures": ["p", "q"]},
                {"kind": "reciprocal", "measures": ["long", "r"]}])
    before = completed_before(plan)
    assert before["m"] == {"n", "o"}  # o needs n needs m: both complete after m
    assert before["n"] == {"o"} and before["o"] == frozenset()
    assert before["p"] == {"q"} and before["q"] == {"p"}  # same start, same duration
    # same start: the two-phase measure completes after the one-phase one, not before it
    assert before["r"] == {"long"} and before["long"] == frozenset()


def test_a_link_with_room_implies_nothing() -> None:
    plan = doc([{"id": "p"}, {"id": "q"}], [{"kind": "reciprocal", "measures": ["p", "q"], "within": 1}])
    assert completed_before(plan) == {"p": frozenset(), "q": frozenset()}


class Essential(Formulation):
    """The model with the rows for essential milestone members, whatever its size."""

    ESSENTIAL_FROM = 0


def test_the_syria_frontline_milestone_cannot_hold_without_the_sna_sdf_calm() -> None:
    """3 of 5, two same-phase pairs, no-incursion needing calm-sdf: calm-sdf is essential,
    and neither ceasefire nor no-incursion is, but those two are essential together."""
    f = Essential(PLAN)  # kept: PuLP 4 rows need their model alive
    names = [row.name for row in f.rows] + f.pairs[2]
    assert any(n.startswith("essential_frontline-calm_calm-sdf_") for n in names)
    assert not any(n.startswith("essential_frontline-calm_ceasefire-gos_") for n in names)
    assert any(n.startswith("essential2_frontline_calm_ceasefire_gos_no_incursion_turkey_") for n in names)
    plain = Formulation(PLAN)
    assert not any(n.startswith("essential") for n in [row.name for row in plain.rows] + plain.pairs[2]), \
        "a model of this size goes without them"


def test_essential_rows_tighten_the_lp_bound_of_the_syria_example() -> None:
    bounds = [HighsModel.from_formulation(cls(PLAN)).relaxation().objective for cls in (Formulation, Essential)]
    optimum = scnekit.solve(PLAN).objective
    assert optimum is not None and bounds[0] is not None and bounds[1] is not None
    assert bounds[0] > bounds[1] + 5 and bounds[1] >= optimum


def test_the_check_of_a_roadmap_against_the_model_catches_each_kind_of_breach() -> None:
    """A row, a two-term row, a bound and integrality: each breach is seen."""
    from scnekit.fileformat.scenarios import variant

    f = Formulation(PLAN)
    model = HighsModel.from_formulation(f)
    outcome = model.run()
    assert outcome.state == "optimal" and model.satisfies(outcome.values)
    x = model.vector(outcome.values)
    assert model.satisfies(x)
    started = f.started["frontline-monitoring"]
    first, last = min(started), max(started)
    broken = x.copy()
    broken[model.index[started[first].name]] = 1.0
    broken[model.index[started[last].name]] = 0.0  # started by the first phase, not by the last
    assert not model.satisfies(broken)
    half = x.copy()
    half[model.integer[0]] = 0.5
    assert not model.satisfies(half)
    # a limit the optimum breaks: the bounds pushed by sync are what the check reads
    peak = float(scnekit.solve(PLAN).exposure.max().max())
    f.apply(variant(PLAN, set={"rules.max_exposure": {"default": peak - 1}}))
    model.sync()
    assert not model.satisfies(x)
