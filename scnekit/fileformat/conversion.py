"""``scnekit convert``: a scenario file from one kind to another (YAML, JSON, Excel) without
loss. The document is validated first; what is written reads back as the same document
(docs/FORMAT.md, "Workbooks", says what a workbook cannot keep)."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from scnekit.errors import Problem, UsageError
from scnekit.limits import DEFAULT, Limits

from .sheets import is_workbook
from .sources import read_source
from .writing import write_bytes_atomic, write_text_atomic

KINDS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".xlsx": "xlsx"}


def kind_of(path: str | os.PathLike[str]) -> str:
    """``yaml``, ``json`` or ``xlsx`` by the file's suffix; a UsageError for any other."""
    suffix = Path(path).suffix.lower()
    if suffix not in KINDS:
        raise UsageError(f"{path}: a scenario file ends in {', '.join(KINDS)}; got '{suffix or 'no suffix'}'")
    return KINDS[suffix]


def convert(source: str | os.PathLike[str], target: str | os.PathLike[str], *, limits: Limits = DEFAULT,
            overwrite: bool = False, notes: Callable[[str, str], str | None] | None = None) -> list[Problem]:
    """Write the scenario file ``source`` as ``target`` (its kind by suffix). Returns what
    the target could not hold exactly (numbers with more digits than a workbook keeps).

    Comments of a YAML source are kept when the target is YAML too. The source is
    validated first (an InputError lists every problem); an existing target is refused
    unless ``overwrite``, and the source is never written over."""
    kind = kind_of(target)
    source_kind = "xlsx" if is_workbook(source) else ("json" if str(source).lower().endswith(".json") else "yaml")
    if Path(source).resolve() == Path(target).resolve():
        raise UsageError(f"{target}: the target is the source itself; name another file")
    if Path(target).exists() and not overwrite:
        raise UsageError(f"{target} exists; choose another name, or pass --force to replace it")
    document, _ = read_source(source, limits)
    rounded: list[Problem] = []
    if kind == "xlsx" and isinstance(document, Mapping) and document.get("progress") is not None:
        raise UsageError(f"{source} holds a progress record, which a workbook has no sheet for; move it to a file "
                         "of its own (YAML or JSON, read with --progress) and convert again (docs/FORMAT.md, Progress)")
    if kind == "xlsx":
        from .sheet_writing import workbook_bytes  # openpyxl: imported when a workbook is written (80 ms)

        data, rounded = workbook_bytes(document, notes=notes, file=str(source))
        write_bytes_atomic(target, data)
    elif kind == "json":
        write_text_atomic(target, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    elif source_kind == "yaml":  # the same text: its comments and layout kept
        write_text_atomic(target, Path(source).read_text(encoding="utf-8"))
    else:
        write_text_atomic(target, yaml_text(document))
    return rounded


def yaml_text(document: Any) -> str:
    """A document as readable YAML: keys in their order, short lists and mappings on one
    line, text with line breaks as a block."""
    out = io.StringIO()
    yaml = YAML()
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.dump(_styled(document), out)
    return out.getvalue()


def _styled(value: Any) -> Any:
    if isinstance(value, Mapping):
        mapping = CommentedMap((k, _styled(v)) for k, v in value.items())
        if value and all(_leaf(v) for v in value.values()) and len(value) <= 8 and _short(value):
            mapping.fa.set_flow_style()
        return mapping
    if isinstance(value, list):
        seq = CommentedSeq(_styled(v) for v in value)
        if all(_leaf(v) for v in value) and _short(value):
            seq.fa.set_flow_style()
        return seq
    if isinstance(value, str) and "\n" in value and _literal(value):
        return LiteralScalarString(value)
    return value


def _leaf(value: Any) -> bool:
    return not isinstance(value, (Mapping, list)) and not (isinstance(value, str) and "\n" in value)


def _short(value: Any) -> bool:
    return len(json.dumps(value, ensure_ascii=False, default=str)) <= 90


def _literal(text: str) -> bool:
    """Whether a text reads back the same from a YAML literal block."""
    return text.endswith("\n") and not any(c in text for c in "\t\r") and \
        all(line == line.rstrip() for line in text.split("\n")) and not text.startswith((" ", "\n"))
