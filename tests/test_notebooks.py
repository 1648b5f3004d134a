"""The example notebooks run top to bottom with a real kernel (nbclient), in a copy of examples/."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
NOTEBOOKS = ("quickstart.ipynb", "workshop.ipynb", "variants.ipynb", "tradeoffs.ipynb")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
PLOTLY = "application/vnd.plotly.v1+json"

pytestmark = pytest.mark.notebook


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of examples/, and Jupyter/IPython folders of the test's own."""
    copy = tmp_path / "examples"
    shutil.copytree(EXAMPLES, copy, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    for name in ("JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    monkeypatch.setenv("SCNEKIT_OUTPUT", str(tmp_path / "output"))
    monkeypatch.delenv("SCNEKIT_FILE", raising=False)
    return copy


def execute(path: Path) -> nbformat.NotebookNode:
    notebook = nbformat.read(path, as_version=4)
    began = time.perf_counter()
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    print(f"{path.name} ran in {time.perf_counter() - began:.1f} s")
    return notebook


def outputs(notebook: nbformat.NotebookNode) -> list[dict]:
    return [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs]


def text_of(notebook: nbformat.NotebookNode) -> str:
    parts = []
    for out in outputs(notebook):
        parts.append(out.get("text", ""))
        parts.append(str(out.get("data", {}).get("text/plain", "")))
        parts.append(str(out.get("data", {}).get("text/html", "")))
    return "\n".join(parts)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_without_outputs(name: str) -> None:
    notebook = nbformat.read(EXAMPLES / name, as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{name} has outputs"


def test_quickstart_runs_and_writes_an_offline_briefing(folder: Path, tmp_path: Path) -> None:
    notebook = execute(folder / "quickstart.ipynb")
    assert not [o for o in outputs(notebook) if o["output_type"] == "error"]
    text = text_of(notebook)
    assert "12 parties, 55 measures" in text
    assert "status='optimal'" in text  # the roadmap's repr
    assert "scne-criteria" in text and "start_label" in text  # the schedule table
    assert "frontline-calm" in text  # the milestones table
    assert "measures that differ" in text and "us-russia-frozen" in text
    assert any(WIDGET_VIEW in o.get("data", {}) for o in outputs(notebook)), "no Explorer shown"
    briefing = tmp_path / "output" / "briefing.html"
    page = briefing.read_text(encoding="utf-8")
    assert "Plotly.newPlot" in page and "plotly.js v" in page  # plotly.js is inlined
    assert not re.search(r"<script\b[^>]*\bsrc=", page)  # no script is fetched from anywhere
    markup = re.sub(r"<script\b[^>]*>.*?</script>", "", page, flags=re.DOTALL)
    assert "http://" not in markup and "https://" not in markup  # nor any stylesheet, image or font
    assert "Scenario us-russia-frozen" in page


def test_workshop_shows_only_the_explorer(folder: Path) -> None:
    notebook = execute(folder / "workshop.ipynb")
    outs = outputs(notebook)
    assert [o["output_type"] for o in outs] == ["display_data"], outs
    assert WIDGET_VIEW in outs[0]["data"]


def test_workshop_prints_what_is_wrong_with_a_bad_file(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = folder / "bad.yaml"
    bad.write_text("scnekit: 1\nname: broken\n", encoding="utf-8")
    monkeypatch.setenv("SCNEKIT_FILE", str(bad))
    notebook = execute(folder / "workshop.ipynb")
    outs = outputs(notebook)
    assert [o["output_type"] for o in outs] == ["stream"]
    assert "problem" in outs[0]["text"] and "bad.yaml" in outs[0]["text"]


def test_variants_sweeps_and_compares(folder: Path) -> None:
    notebook = execute(folder / "variants.ipynb")
    assert not [o for o in outputs(notebook) if o["output_type"] == "error"]
    text = text_of(notebook)
    solved = re.search(r"(\d+) variants solved: (.*)", text)
    assert solved, "the sweep did not report its variants"
    assert int(solved.group(1)) == 105  # 5 exposure limits x 3 capacities x 7 scenarios
    counts = {status: int(n) for n, status in re.findall(r"(\d+) (\w+)", solved.group(2))}
    assert sum(counts.values()) == 105 and set(counts) <= {"optimal", "feasible", "infeasible", "unknown"}
    assert counts.get("optimal", 0) + counts.get("feasible", 0) >= 90, counts  # roadmaps, not failures
    assert "achieved:frontline-calm" in text and "us-russia-frozen" in text  # the rows and the pivot
    for scenario in ("base", "earthquake"):  # the comparison's summary: status, objective, measures, milestones
        assert re.search(rf"{scenario}\s+optimal\s+\d+\.\d+\s+\d+\s+\d+", text), scenario
    flat = " ".join(text.split())  # the sentences are wrapped
    assert re.search(r"earthquake: objective \d+ \([+-]\d+\); .*(moves from phase \d+ to \d+|is added in phase)", flat)
    plots = [o["data"][PLOTLY] for o in outputs(notebook) if PLOTLY in o.get("data", {})]
    assert len(plots) == 3, "the two sweep figures and the comparison figure"
    sweeps, comparison = plots[:2], plots[2]
    assert all("rules.max_exposure" in str(p["layout"]) for p in sweeps)
    names = " ".join(str(t.get("name")) for t in sweeps[0]["data"])
    assert all(sid in names for sid in ("base", "us-russia-frozen", "earthquake", "without-loss")), names
    assert "earthquake" in str(comparison["data"])


def test_tradeoffs_answers_the_four_questions(folder: Path) -> None:
    notebook = execute(folder / "tradeoffs.ipynb")
    assert not [o for o in outputs(notebook) if o["output_type"] == "error"]
    flat = " ".join(text_of(notebook).split())
    assert re.search(r"\d+ points, optimal", flat)
    assert "cost_of_safety" in flat
    assert re.search(r"optimal: worst objective \d+", flat) and "phase 1:" in flat
    assert re.search(r"\w+ is tempted after phases [\d, ]+; its stake falls to -\d+", flat)
    assert re.search(r"with min_stake 0: objective \d+ against \d+ \(forbidding walk-away costs \d+\); "
                     r"tempted rows before the last quarter: 0", flat)
