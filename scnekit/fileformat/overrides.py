"""Write a scenario's ``set`` values into a copy of the base document (FORMAT.md section 1)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from scnekit.model import Scenario

_LIST_SECTIONS = ("measures", "milestones", "parties")


def apply_overrides(document: Mapping[str, Any], scenario: Scenario) -> dict[str, Any]:
    """``document`` with the scenario's ``set`` values written in, copied on write: the
    sections, items and values it changes are new, everything else is shared with
    ``document`` (read it, never change it). Linear in the document and the paths.

    Paths must already be valid (see :mod:`scnekit.fileformat.validate`).
    """
    doc = dict(document)
    positions: dict[str, dict[str, int]] = {}  # section -> id -> index, for the sections copied
    copied: set[tuple[str, int]] = set()
    for path, value in scenario.set.items():
        section, *rest = path.split(".")
        if section in _LIST_SECTIONS:
            ident, field = rest
            if section not in positions:
                doc[section] = list(doc[section])
                positions[section] = {}
                for i, item in enumerate(doc[section]):
                    if isinstance(item, dict) and isinstance(item.get("id"), str):
                        positions[section].setdefault(item["id"], i)
            at = positions[section].get(ident)
            if at is None:
                continue
            if (section, at) not in copied:
                doc[section][at] = dict(doc[section][at])
                copied.add((section, at))
            doc[section][at][field] = copy.deepcopy(value)
        else:
            if (section, -1) not in copied:
                node = doc.get(section)
                doc[section] = dict(node) if isinstance(node, dict) else {}
                copied.add((section, -1))
            doc[section][rest[0]] = copy.deepcopy(value)
    return doc
