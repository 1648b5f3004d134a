"""Hostile and broken input: one InputError listing the problems, never a hang, a crash or a
traceback; limits named with the way to raise them; nothing raw reaches the terminal."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

import scnekit
from scnekit.fileformat.documents import parse_text
from tests.support.paths import CASES, EXAMPLE, run_cli

SMALL = CASES / "case-1004.yaml"


def small_doc() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(SMALL.read_text())
    return doc


def bomb(levels: int = 9) -> str:
    """A billion-laughs YAML: nine nested lists of nine aliases, 9**9 values expanded."""
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def problems_of(text: str, kind: str = "yaml", limits: scnekit.Limits | None = None) -> list[scnekit.Problem]:
    with pytest.raises(scnekit.InputError) as err:
        doc = parse_text(text, "hostile." + kind, kind, limits or scnekit.Limits())
        scnekit.loads(doc, "hostile." + kind, limits=limits or scnekit.Limits())
    return err.value.problems


@pytest.mark.parametrize("where", ["scnekit: *l8", "name: x\nscnekit: 1\nparties: [{id: *l8}]",
                                   "scnekit: 1\nparties: [{id: a, kind: *l5}]"])
def test_alias_bombs_are_refused_before_they_expand(where: str) -> None:
    began = time.perf_counter()
    found = problems_of(bomb() + where)
    assert time.perf_counter() - began < 5
    assert any("limit" in p.message or "must" in p.message or "unsupported" in p.message for p in found)
    assert all(len(str(p)) < 2000 for p in found)  # no value formatted in full


def test_a_bomb_small_enough_to_build_is_never_formatted_in_full() -> None:
    found = problems_of(bomb(5) + "scnekit: *l4\nname: x\n")
    version = next(p for p in found if p.path == "scnekit")
    assert len(version.message) < 300


@pytest.mark.parametrize("kind", ["yaml", "json"])
def test_deep_nesting_is_an_input_error(kind: str) -> None:
    depth = 100_000
    text = '{"scnekit": ' + "[" * depth + "]" * depth + "}"
    found = problems_of(text, kind)
    assert any("nest" in p.message or "depth" in p.message for p in found), found


def test_a_value_that_contains_itself_is_refused() -> None:
    found = problems_of("scnekit: 1\nname: &a [*a]\n")
    assert found


def test_too_many_phases_names_the_limit_and_how_to_raise_it() -> None:
    doc = small_doc()
    doc["horizon"]["phases"] = 100_000_000
    with pytest.raises(scnekit.InputError) as err:
        scnekit.loads(doc)
    assert "horizon.phases" in str(err.value) and "--limit phases=N" in str(err.value)
    doc["horizon"]["phases"] = 450
    doc["horizon"].pop("labels", None)
    doc["horizon"].pop("capacity", None)
    plan = scnekit.loads(doc, limits=scnekit.Limits(phases=500))
    assert plan.phases == 450


def test_list_sections_over_their_limit_are_refused_unread() -> None:
    doc = small_doc()
    doc["measures"] = doc["measures"] * 40
    with pytest.raises(scnekit.InputError) as err:
        scnekit.loads(doc, limits=scnekit.Limits(measures=10))
    assert [p.path for p in err.value.problems] == ["measures"]


def test_long_ids_and_texts_are_refused_with_their_path() -> None:
    doc = small_doc()
    doc["measures"][0]["id"] = "m" * 129
    doc["measures"][1]["title"] = "t" * 10_001
    with pytest.raises(scnekit.InputError) as err:
        scnekit.loads(doc)
    paths = {p.path for p in err.value.problems}
    assert "measures[0].id" in paths and "measures[1].title" in paths


def test_endless_and_oversized_files_are_refused_unread(tmp_path: Path) -> None:
    if Path("/dev/zero").exists():
        began = time.perf_counter()
        with pytest.raises(scnekit.InputError, match="not a regular file"):
            scnekit.load("/dev/zero")
        assert time.perf_counter() - began < 10
    big = tmp_path / "big.yaml"
    big.write_text("# " + "x" * 2000 + "\n", encoding="utf-8")
    with pytest.raises(scnekit.InputError, match="file_bytes"):
        scnekit.load(big, limits=scnekit.Limits(file_bytes=1000))


def test_huge_integers_are_input_errors() -> None:
    doc = small_doc()
    doc["measures"][0]["cost"] = 10**400
    doc["horizon"]["capacity"] = 10**400
    with pytest.raises(scnekit.InputError) as err:
        scnekit.loads(doc)
    paths = {p.path for p in err.value.problems}
    assert {"measures[0].cost", "horizon.capacity"} <= paths


def test_an_id_that_is_a_list_with_a_set_path_is_an_input_error() -> None:
    doc = small_doc()
    doc["measures"][0]["id"] = ["not", "an", "id"]
    doc["scenarios"] = [{"id": "s", "set": {"measures.m1.cost": 1}}]
    with pytest.raises(scnekit.InputError) as err:
        scnekit.loads(doc)
    assert any(p.path == "measures[0].id" for p in err.value.problems)


def test_a_long_requires_chain_listed_in_reverse_validates() -> None:
    n = 5_000
    doc = {"scnekit": 1, "name": "chain", "horizon": {"phases": 3}, "parties": [{"id": "a"}],
           "measures": [{"id": f"m{i}", "title": "m", "by": "a", **({"requires": [f"m{i + 1}"]} if i + 1 < n else {})}
                        for i in range(n)]}
    plan = scnekit.loads(doc)
    assert len(plan.measures) == n
    doc["measures"][-1]["requires"] = ["m0"]  # now a cycle through all of them
    with pytest.raises(scnekit.InputError, match="cycle"):
        scnekit.loads(doc)


def test_mps_into_a_folder_is_a_usage_error(tmp_path: Path) -> None:
    run = run_cli("solve", str(SMALL), "--mps", str(tmp_path))
    assert run.returncode == 2 and "--mps" in run.stderr and "Traceback" not in run.stderr


@pytest.mark.parametrize("option", [["--time-limit", "nan"], ["--time-limit", "-1"], ["--gap", "nan"],
                                    ["--limit", "phases=0"], ["--limit", "nonsense=3"]])
def test_numeric_options_are_checked(option: list[str]) -> None:
    run = run_cli("solve", str(SMALL), *option)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "Traceback" not in run.stderr


def test_control_characters_never_reach_the_terminal(tmp_path: Path) -> None:
    doc = small_doc()
    doc["name"] = "Plan\x1b[2J\x1b[HAll checks passed\u202e"
    doc["measures"][0]["title"] = "aid\x07\x1b]0;owned\x07"
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    for args in (["validate", str(path)], ["solve", str(path)]):
        run = run_cli(*args)
        assert run.returncode == 0, run.stderr
        for raw in ("\x1b", "\x07", "\u202e"):
            assert raw not in run.stdout + run.stderr
        assert "\\x1b[2J" in run.stdout
    doc["parties"][0]["id"] = "bad\x1bid"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    run = run_cli("validate", str(path))
    assert run.returncode == 2 and "\x1b" not in run.stderr and "\\x1b" in run.stderr


def test_json_output_escapes_control_characters(tmp_path: Path) -> None:
    doc = small_doc()
    doc["measures"][0]["title"] = "aid\x1b[2J"
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    run = run_cli("solve", str(path), "--format", "json")
    assert run.returncode == 0 and "\x1b" not in run.stdout
    json.loads(run.stdout)


def test_ctrl_c_while_a_large_file_loads_exits_cleanly(tmp_path: Path) -> None:
    doc = small_doc()
    doc["measures"] = [{**m, "notes": "n" * 9_000} for m in doc["measures"]] * 300
    for i, m in enumerate(doc["measures"]):
        m["id"] = f"m{i}"
    for k in doc.get("milestones", []):
        k.pop("deadline", None)
    path = tmp_path / "large.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "scnekit", "validate", str(path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    time.sleep(0.8)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert "Traceback" not in err
    assert proc.returncode in (130, 0, 2), err  # 0 or 2: it had finished before the signal


def test_a_defect_is_one_line_and_its_own_exit_status() -> None:
    script = ("import scnekit.cli as cli, sys\n"
              "def broken(args):\n    raise RuntimeError('boom')\n"
              "cli._run = broken\nsys.exit(cli.main(['validate', 'x.yaml']))\n")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "SCNEKIT_DEBUG": ""})
    assert run.returncode == 4
    assert "internal error (RuntimeError: boom)" in run.stderr and "Traceback" not in run.stderr


def test_the_example_still_validates_under_the_default_limits() -> None:
    assert len(scnekit.load(EXAMPLE).measures) == 55


def test_a_pipe_is_refused_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "plan.yaml"
    os.mkfifo(fifo)
    began = time.perf_counter()
    with pytest.raises(scnekit.InputError, match="not a regular file"):
        scnekit.load(fifo)
    assert time.perf_counter() - began < 5


@pytest.mark.parametrize("value", ["!!int abc", "!!float abc", "!!timestamp abc", "!!bool maybe", "!!int ''",
                                   "1" * 5000, "1:" + "59:" * 3000 + "59"])
def test_values_yaml_cannot_build_are_input_errors(value: str) -> None:
    began = time.perf_counter()
    text = SMALL.read_text().replace("scnekit: 1", "scnekit: 1\ndescription: " + value, 1)
    with pytest.raises(scnekit.InputError):
        scnekit.loads(parse_text(text, "tags.yaml"), "tags.yaml")
    assert time.perf_counter() - began < 5


def test_an_alias_to_a_long_text_counts_its_characters() -> None:
    text = "t: &t " + "x" * 9_000 + "\ntags: [" + ", ".join(["*t"] * 3_000) + "]\n"
    found = problems_of(text)
    assert any("characters" in p.message for p in found)


def test_ids_with_a_line_break_are_not_ids() -> None:
    doc = small_doc()
    doc["measures"][0]["id"] = doc["measures"][0]["id"] + "\n"
    with pytest.raises(scnekit.InputError) as err:
        scnekit.loads(doc)
    assert "measures[0].id" in str(err.value) and "\n" not in str(err.value).split("\n", 1)[1].replace(
        "\n  - ", "")


def test_cycle_reports_stay_short_on_long_chains() -> None:
    n = 2_000
    doc = {"scnekit": 1, "name": "cycles", "horizon": {"phases": 3}, "parties": [{"id": "a"}],
           "measures": [{"id": f"m{i:05d}" + "x" * 100, "title": "m", "by": "a",
                         "requires": [f"m{(i + 1) % n:05d}" + "x" * 100, "m00000" + "x" * 100] if i else
                         [f"m{1:05d}" + "x" * 100]}
                        for i in range(n)]}
    began = time.perf_counter()
    with pytest.raises(scnekit.InputError) as err:
        scnekit.loads(doc)
    assert time.perf_counter() - began < 10
    assert len(str(err.value)) < 100_000


def test_suggestions_stay_quick_among_many_ids() -> None:
    n = 5_000
    doc = {"scnekit": 1, "name": "typos", "horizon": {"phases": 3}, "parties": [{"id": "a"}],
           "measures": [{"id": f"abab{i:07d}", "title": "m", "by": "a",
                         **({"requires": [f"abab{i:07d}x"]} if i < 60 else {})} for i in range(n)]}
    began = time.perf_counter()
    with pytest.raises(scnekit.InputError):
        scnekit.loads(doc)
    assert time.perf_counter() - began < 10


def test_scenarios_cost_what_they_change() -> None:
    n, scenarios = 5_000, 60
    doc = {"scnekit": 1, "name": "many", "horizon": {"phases": 3}, "parties": [{"id": "a"}],
           "measures": [{"id": f"m{i}", "title": "m", "by": "a"} for i in range(n)],
           "scenarios": [{"id": f"s{j}", "set": {f"measures.m{j}.cost": 2}} for j in range(scenarios)]}
    began = time.perf_counter()
    plan = scnekit.loads(doc)
    assert len(plan.scenarios) == scenarios
    assert time.perf_counter() - began < 20
