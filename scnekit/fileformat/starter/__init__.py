"""The starter scenario file of ``scnekit new``: a small plan that validates and solves,
commented field by field."""

from __future__ import annotations

from importlib import resources


def starter_text() -> str:
    """The commented starter file (YAML)."""
    return resources.files(__package__).joinpath("starter.yaml").read_text(encoding="utf-8")
