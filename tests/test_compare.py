"""Comparing scenarios (ANALYSIS.md section 1): the changes are exactly the differences
between independently checked roadmaps."""

from __future__ import annotations

import json

import pytest

import scnekit
from scnekit.analysis.compare import compare
from tests.support.checker import check_answer
from tests.support.paths import CASES, EXAMPLE, load_doc, run_cli


def test_changes_are_the_differences_of_checked_roadmaps() -> None:
    plan = scnekit.load(EXAMPLE)
    result = compare(plan, ["base", "earthquake", "track-collapse"])
    doc = load_doc(EXAMPLE)
    base = result.roadmaps["base"]
    for sid, roadmap in result.roadmaps.items():
        assert check_answer(doc, sid, roadmap.to_dict()) == []
        assert roadmap.objective == scnekit.solve(plan, sid).objective
    for sid in ("earthquake", "track-collapse"):
        other = result.roadmaps[sid]
        expected = {m.id for m in plan.measures if base.starts.get(m.id) != other.starts.get(m.id)}
        rows = result.measures[result.measures["scenario"] == sid]
        assert set(rows["measure"]) == expected
        for row in rows.to_dict("records"):
            before, after = base.starts.get(row["measure"]), other.starts.get(row["measure"])
            assert row["change"] == ("added" if before is None else "dropped" if after is None else "moved")
        slipped = {k.id for k in plan.milestones if base.achieved[k.id] != other.achieved[k.id]}
        assert set(result.milestones[result.milestones["scenario"] == sid]["milestone"]) == slipped


def test_json_and_sentences_follow_the_contract() -> None:
    result = compare(scnekit.load(EXAMPLE), "base,earthquake")
    answer = json.loads(json.dumps(result.to_dict()))
    assert answer["format"] == 1 and list(answer["scenarios"]) == ["base", "earthquake"]
    for change in answer["changes"]:
        assert change["scenario"] == "earthquake"
        if "measure" in change:
            assert change["change"] in ("moved", "added", "dropped")
        else:
            assert change["change"] in ("earlier", "later", "gained", "lost")
        assert set(change) == {"scenario", "measure" if "measure" in change else "milestone", "change", "from", "to"}
    text = "\n".join(result.sentences())
    assert text.startswith("earthquake: objective 746 (+80)") and "moves from phase" in text


def test_an_infeasible_scenario_has_no_changes_and_says_why() -> None:
    doc = load_doc(CASES / "case-1004.yaml")
    doc["scenarios"] = [*doc.get("scenarios", []), {"id": "impossible", "set": {"horizon.capacity": 0},
                                                     "unavailable": []}]
    doc["measures"][0]["mandatory"] = True
    plan = scnekit.loads(doc)
    result = compare(plan)
    assert result.roadmaps["impossible"].status == "infeasible"
    assert "impossible" not in set(result.measures["scenario"])
    assert any(line.startswith("impossible: no roadmap") for line in result.sentences())


def test_unknown_scenarios_are_usage_errors() -> None:
    with pytest.raises(scnekit.UsageError, match="has: base"):
        compare(scnekit.load(EXAMPLE), "base,nowhere")


def test_cli_compare() -> None:
    run = run_cli("compare", str(EXAMPLE), "--scenarios", "base,earthquake", "--format", "json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["changes"]
    run = run_cli("compare", str(EXAMPLE), "--scenarios", "base,earthquake")
    assert run.returncode == 0 and "earthquake: objective 746 (+80)" in run.stdout
    run = run_cli("compare", str(EXAMPLE), "--scenarios", "nowhere")
    assert run.returncode == 2 and "Traceback" not in run.stderr
    run = run_cli("compare", str(CASES / "case-1003.yaml"))
    assert run.returncode == 1  # no scenario has a roadmap
