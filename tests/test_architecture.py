"""The layer contract of docs/ARCHITECTURE.md holds, and it would catch an import upward."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support.paths import ROOT

LINT = Path(sys.executable).with_name("lint-imports")


def lint(folder: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(folder)}
    return subprocess.run([str(LINT), "--no-cache"], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=300)


def test_the_layers_hold() -> None:
    run = lint(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 kept, 0 broken" in run.stdout


def test_an_upward_import_breaks_the_contract(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "scnekit", tmp_path / "scnekit", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    model = tmp_path / "scnekit" / "model.py"
    model.write_text(model.read_text(encoding="utf-8") + "\nfrom scnekit.engine.session import Session\n",
                     encoding="utf-8")
    run = lint(tmp_path)
    assert run.returncode != 0
    assert "scnekit.model is not allowed to import scnekit.engine" in run.stdout, run.stdout


def test_the_engine_may_not_import_jupyter(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "scnekit", tmp_path / "scnekit", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    formulation = tmp_path / "scnekit" / "engine" / "formulation.py"
    formulation.write_text(formulation.read_text(encoding="utf-8") + "\nimport ipywidgets\n", encoding="utf-8")
    run = lint(tmp_path)
    assert run.returncode != 0
    assert "scnekit.engine.formulation -> ipywidgets" in run.stdout, run.stdout
