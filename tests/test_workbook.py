"""Scenario workbooks (.xlsx): read, written, converted without loss, every mistake named by its cell."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings

import scnekit
from scnekit.fileformat.conversion import convert, yaml_text
from scnekit.fileformat.documents import parse_text
from scnekit.fileformat.savefile import add_scenario
from scnekit.fileformat.sheet_reading import read_workbook
from scnekit.fileformat.sheet_writing import workbook_bytes
from scnekit.fileformat.sources import read_source

from .support.checker import check_answer
from .support.paths import CASES, EXAMPLE, ROOT, run_cli
from .support.strategies import plans

FILES = [EXAMPLE, *sorted(CASES.glob("*.yaml")), *sorted((CASES / "edges").glob("*.yaml")),
         ROOT / "scnekit" / "fileformat" / "starter" / "starter.yaml"]


def normalised(value: Any) -> Any:
    """A document without the empty values a workbook cannot tell from absent ones
    (``to: {}``, ``requires: []``, ``notes: null``): docs/FORMAT.md, Workbooks."""
    if isinstance(value, dict):
        return {k: normalised(v) for k, v in value.items() if v not in (None, [], {})}
    if isinstance(value, list):
        return [normalised(v) for v in value]
    return value


def through_workbook(document: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    data, rounded = workbook_bytes(document)
    assert rounded == []
    target = tmp_path / "plan.xlsx"
    target.write_bytes(data)
    sheet = read_workbook(target)
    assert sheet.problems == []
    return sheet.document


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_example_and_case_goes_through_a_workbook_and_back_unchanged(path: Path, tmp_path: Path) -> None:
    document, plan = read_source(path)
    back = through_workbook(document, tmp_path)
    assert normalised(back) == normalised(document)
    again = scnekit.load(tmp_path / "plan.xlsx")
    assert again.measures == plan.measures and again.rules == plan.rules and again.scenario_ids == plan.scenario_ids


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_example_and_case_goes_through_json_and_written_yaml_unchanged(path: Path, tmp_path: Path) -> None:
    document, _ = read_source(path)
    assert parse_text(yaml_text(document)) == document
    for suffix in (".json", ".xlsx", ".yaml"):
        convert(path, tmp_path / f"copy{suffix}")
        assert normalised(read_source(tmp_path / f"copy{suffix}")[0]) == normalised(document)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(document=plans())
def test_random_plans_go_through_a_workbook_unchanged(document: dict[str, Any], tmp_path_factory: Any) -> None:
    back = through_workbook(document, tmp_path_factory.mktemp("wb"))
    assert normalised(back) == normalised(document)


def test_a_workbook_plan_solves_to_the_same_checked_roadmap_as_its_yaml(tmp_path: Path) -> None:
    assert run_cli("convert", str(EXAMPLE), str(tmp_path / "syria.xlsx")).returncode == 0
    from_yaml = scnekit.solve(scnekit.load(EXAMPLE), "earthquake")
    from_sheet = scnekit.solve(scnekit.load(tmp_path / "syria.xlsx"), "earthquake")
    sheet_document = read_workbook(tmp_path / "syria.xlsx").document
    assert check_answer(sheet_document, "earthquake", from_sheet.to_dict()) == []
    assert from_sheet.objective == from_yaml.objective
    solved = run_cli("solve", str(tmp_path / "syria.xlsx"), "--scenario", "earthquake", "--format", "json")
    assert solved.returncode == 0 and json.loads(solved.stdout)["objective"] == from_yaml.objective


def test_yaml_comments_are_kept_when_the_target_is_yaml(tmp_path: Path) -> None:
    assert run_cli("convert", str(EXAMPLE), str(tmp_path / "copy.yaml")).returncode == 0
    assert (tmp_path / "copy.yaml").read_text() == EXAMPLE.read_text()
    assert "# ILLUSTRATIVE NUMBERS" in (tmp_path / "copy.yaml").read_text()


def test_convert_refuses_to_write_over_a_file_or_the_source(tmp_path: Path) -> None:
    target = tmp_path / "plan.xlsx"
    target.write_bytes(b"mine")
    refused = run_cli("convert", str(EXAMPLE), str(target))
    assert refused.returncode == 2 and "exists" in refused.stderr and target.read_bytes() == b"mine"
    assert run_cli("convert", str(EXAMPLE), str(target), "--force").returncode == 0
    same = run_cli("convert", str(EXAMPLE), str(EXAMPLE))
    assert same.returncode == 2 and "the source itself" in same.stderr
    odd = run_cli("convert", str(EXAMPLE), str(tmp_path / "plan.csv"))
    assert odd.returncode == 2 and ".xlsx" in odd.stderr


def _example_workbook(tmp_path: Path) -> Path:
    document, _ = read_source(EXAMPLE)
    data, _ = workbook_bytes(document)
    path = tmp_path / "plan.xlsx"
    path.write_bytes(data)
    return path


def _column(sheet: Any, header: str) -> int:
    return [c.value for c in sheet[1]].index(header) + 1


def test_a_workshop_spreadsheet_with_mistakes_gets_one_message_naming_every_bad_cell(tmp_path: Path) -> None:
    path = _example_workbook(tmp_path)
    book = openpyxl.load_workbook(path)
    measures = book["measures"]
    measures.cell(7, _column(measures, "by"), "x")
    measures.cell(8, _column(measures, "cost"), "three")
    measures.cell(9, _column(measures, "requires"), "frontline-monitoring,,calm-sna")
    measures.cell(10, _column(measures, "duration"), -1)
    measures.cell(1, measures.max_column + 1, "colour")
    book["milestones"].cell(3, _column(book["milestones"], "mode"), "most")
    book["rules"].cell(2, 1, "max_exposur")
    scenarios = book["scenarios"]
    scenarios.cell(3, _column(scenarios, "set"), "measures.nope.cost")
    book.create_sheet("Sheet1")
    book.create_sheet("_our notes")
    book.save(path)
    result = run_cli("validate", str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = [line.strip() for line in result.stderr.splitlines() if line.strip().startswith("- ")]
    found = {re.match(r"- .*?: ([A-Za-z_0-9 ]+![A-Z]+[0-9]+): ", line).group(1) for line in lines}  # type: ignore[union-attr]
    by = f"measures!{openpyxl.utils.get_column_letter(_column(measures, 'by'))}7"
    expected = {by, "measures!" + openpyxl.utils.get_column_letter(_column(measures, "cost")) + "8",
                "measures!" + openpyxl.utils.get_column_letter(_column(measures, "requires")) + "9",
                "measures!" + openpyxl.utils.get_column_letter(_column(measures, "duration")) + "10",
                "measures!" + openpyxl.utils.get_column_letter(measures.max_column) + "1",
                "milestones!" + openpyxl.utils.get_column_letter(_column(book["milestones"], "mode")) + "3",
                "rules!A2", "scenarios!" + openpyxl.utils.get_column_letter(_column(scenarios, "set")) + "3",
                "Sheet1!A1"}
    assert found == expected, result.stderr
    assert f"{by}: unknown party 'x'" in result.stderr
    assert "_our notes" not in result.stderr
    assert result.stderr.count("\n  - ") == len(expected)


def test_text_that_looks_like_a_formula_stays_text_both_ways(tmp_path: Path) -> None:
    document, _ = read_source(EXAMPLE)
    hostile = '=HYPERLINK("http://example.invalid","x")'
    document["measures"][0]["title"] = hostile
    document["measures"][1]["notes"] = "+1 and -2 @here"
    data, _ = workbook_bytes(document)
    book = openpyxl.load_workbook(io.BytesIO(data))
    cell = book["measures"].cell(2, _column(book["measures"], "title"))
    assert cell.data_type == "s" and cell.value == hostile
    assert normalised(through_workbook(document, tmp_path)) == normalised(document)


def test_a_formula_is_read_by_its_saved_result_and_one_never_computed_is_named(tmp_path: Path) -> None:
    path = _example_workbook(tmp_path)
    book = openpyxl.load_workbook(path)
    measures = book["measures"]
    column = openpyxl.utils.get_column_letter(_column(measures, "cost"))
    measures[f"{column}2"] = "=1+2"
    measures[f"{column}3"] = "=2*2"
    book.save(path)
    # a spreadsheet program saves each formula's result beside it; do that for the first one only
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet_part = next(name for name in parts if name.startswith("xl/worksheets/") and b"1+2" in parts[name])
    parts[sheet_part] = parts[sheet_part].replace(b"<f>1+2</f><v></v>", b"<f>1+2</f><v>3</v>").replace(
        b"<f>1+2</f><v />", b"<f>1+2</f><v>3</v>")
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    sheet = read_workbook(path)
    assert sheet.document["measures"][0]["cost"] == 3
    assert [p.path for p in sheet.problems] == [f"measures!{column}3"]
    assert "formula" in sheet.problems[0].message


def test_what_is_not_a_workbook_is_refused_in_one_line(tmp_path: Path) -> None:
    fake = tmp_path / "plan.xlsx"
    fake.write_text("scnekit: 1\n")
    result = run_cli("validate", str(fake))
    assert result.returncode == 2 and "not an Excel workbook" in result.stderr and "Traceback" not in result.stderr
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 30_000_000)
    result = run_cli("validate", str(bomb), "--limit", "file_bytes=1000000")
    assert result.returncode == 2 and "unpacks to" in result.stderr


def test_scnekit_new_writes_starters_that_validate_and_solve(tmp_path: Path) -> None:
    for suffix in (".yaml", ".json", ".xlsx"):
        path = tmp_path / f"plan{suffix}"
        assert run_cli("new", str(path)).returncode == 0
        roadmap = scnekit.solve(scnekit.load(path))
        assert roadmap.status == scnekit.Status.OPTIMAL
        assert check_answer(read_source(path)[0], "base", roadmap.to_dict()) == []
        for scenario in roadmap.plan.scenario_ids:
            assert scnekit.solve(roadmap.plan, scenario).is_ok
    again = run_cli("new", str(tmp_path / "plan.yaml"))
    assert again.returncode == 2 and "exists" in again.stderr
    assert "# the format version" in (tmp_path / "plan.yaml").read_text()
    book = openpyxl.load_workbook(tmp_path / "plan.xlsx")
    measures = book["measures"]
    assert measures.freeze_panes == "B2"
    assert measures.cell(1, _column(measures, "cost")).comment is not None
    lists = {str(v.sqref).split(":")[0][:1]: v.formula1 for v in measures.data_validations.dataValidation}
    assert any("parties!" in formula for formula in lists.values())
    assert any("humanitarian" in formula for formula in lists.values())
    kinds = book["parties"].data_validations.dataValidation
    assert any("mediator" in v.formula1 for v in kinds)


def test_a_scenario_saved_into_a_workbook_keeps_the_rest_of_it(tmp_path: Path) -> None:
    path = _example_workbook(tmp_path)
    book = openpyxl.load_workbook(path)
    book.create_sheet("_our notes")["A1"] = "who said what"
    book.save(path)
    plan = scnekit.load(path)
    saved = add_scenario(path, scnekit.Scenario(id="tighter", description="less exposure",
                                                set={"rules.max_exposure": 1, "measures.missing-info.cost": 2},
                                                unavailable=("power-station",)))
    assert saved.scenario_ids == [*plan.scenario_ids, "tighter"]
    reread = scnekit.load(path).scenario("tighter")
    assert reread.measure_by_id["missing-info"].cost == 2
    assert openpyxl.load_workbook(path)["_our notes"]["A1"].value == "who said what"
    with pytest.raises(scnekit.UsageError, match="already has"):
        add_scenario(path, scnekit.Scenario(id="tighter"))


def test_a_workbook_is_read_within_the_limits(tmp_path: Path) -> None:
    path = _example_workbook(tmp_path)
    result = run_cli("validate", str(path), "--limit", "measures=10")
    assert result.returncode == 2 and "more than 10 rows" in result.stderr
    assert yaml.safe_load(yaml_text({"a": "b"})) == {"a": "b"}


def test_a_progress_record_is_never_dropped_on_the_way_to_a_workbook(tmp_path: Path) -> None:
    document, _ = read_source(EXAMPLE)
    document["progress"] = {"now": 1, "measures": [{"measure": "scne-criteria", "status": "completed",
                                                      "started": 1, "completed": 1}]}
    source = tmp_path / "plan.json"
    source.write_text(json.dumps(document))
    refused = run_cli("convert", str(source), str(tmp_path / "plan.xlsx"))
    assert refused.returncode == 2 and "progress record" in refused.stderr
    assert not (tmp_path / "plan.xlsx").exists()
    assert run_cli("convert", str(source), str(tmp_path / "plan.yaml")).returncode == 0
    assert read_source(tmp_path / "plan.yaml")[0]["progress"] == document["progress"]
