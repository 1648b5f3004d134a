"""Where the bundled cases and example are, and a way to run the CLI in a fresh process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
CASES = ROOT / "tests" / "cases"
EXAMPLE = ROOT / "examples" / "syria_scne.yaml"


def load_doc(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def case_params() -> list[tuple[str, str, float | None]]:
    expected = json.loads((CASES / "expected.json").read_text())
    return [(name, scenario, exp["optimum"]) for name, by in expected.items() for scenario, exp in by.items()]


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scnekit", *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd)
