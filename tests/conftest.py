"""Shared fixtures; the helpers they use live in :mod:`tests.support`."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml


@pytest.fixture
def write_yaml(tmp_path: Path):
    def write(doc: dict | str, name: str = "plan.yaml") -> Path:
        path = tmp_path / name
        path.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc, sort_keys=False))
        return path

    return write
