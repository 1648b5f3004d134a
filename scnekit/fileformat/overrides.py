"""Write a scenario's ``set`` values into a copy of the base document (FORMAT.md section 1)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from scnekit.model import Scenario

_LIST_SECTIONS = ("measures", "milestones", "parties")


def apply_overrides(document: Mapping[str, Any], scenario: Scenario) -> dict[str, Any]:
    """A copy of ``document`` with the scenario's ``set`` values written in.

    Paths must already be valid (see :mod:`scnekit.fileformat.validate`).
    """
    doc = copy.deepcopy(dict(document))
    for path, value in scenario.set.items():
        section, *rest = path.split(".")
        if section in _LIST_SECTIONS:
            ident, field = rest
            for item in doc[section]:
                if item.get("id") == ident:
                    item[field] = copy.deepcopy(value)
        else:
            node = doc.get(section)
            if not isinstance(node, dict):
                node = {}
                doc[section] = node
            node[rest[0]] = copy.deepcopy(value)
    return doc
