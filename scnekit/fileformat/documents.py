"""Reading scenario documents (YAML or JSON) within the limits, and writing them as text.
I/O only: no validation. Writing to shared files is :mod:`scnekit.fileformat.writing`."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import yaml

from scnekit.errors import InputError, Problem
from scnekit.limits import DEFAULT, Limits, shown

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's, where built


class _StrictSafeLoader(_Loader):  # type: ignore[valid-type,misc]
    """PyYAML's safe loader (libyaml's C parser where available), refusing duplicate keys
    instead of keeping the last."""


def _construct_mapping(loader: _StrictSafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if isinstance(key, (str, int, float, bool)) and key in seen:
            mark = key_node.start_mark
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {shown(key)} (line {mark.line + 1})", mark
            )
        if isinstance(key, (str, int, float, bool)):
            seen.add(key)
    mapping: dict[Any, Any] = loader.construct_mapping(node, deep=deep)
    return mapping


_StrictSafeLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_text(text: str, file: str | None = None, kind: str = "yaml", limits: Limits = DEFAULT) -> Any:
    """Parse a scenario document from text; ``kind`` is ``yaml`` or ``json``.

    A YAML document is composed first and checked against ``limits`` (nesting, and the
    number of values with every alias expanded) before any Python object is built."""
    if kind == "json":
        return _parse_json(text, file, limits)
    loader = _StrictSafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_size(node, _yaml_children, file, limits)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        message = " ".join(str(exc).split())
        raise InputError([Problem("", f"not valid YAML: {message}", file)]) from None
    except RecursionError:
        raise InputError([Problem("", f"nested too deeply: {limits.hint('depth')}", file)]) from None
    finally:
        loader.dispose()


def _parse_json(text: str, file: str | None, limits: Limits) -> Any:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise ValueError(f"duplicate key {shown(key)}")
            out[key] = value
        return out

    try:
        data = json.loads(text, object_pairs_hook=no_duplicates)
    except (json.JSONDecodeError, ValueError) as exc:
        raise InputError([Problem("", f"not valid JSON: {exc}", file)]) from None
    except RecursionError:
        raise InputError([Problem("", f"nested too deeply: {limits.hint('depth')}", file)]) from None
    _check_size(data, _data_children, file, limits)
    return data


def _yaml_children(node: Any) -> list[Any]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _data_children(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [*value.keys(), *value.values()]
    if isinstance(value, list):
        return value
    return []


def _check_size(root: Any, children: Callable[[Any], list[Any]], file: str | None, limits: Limits) -> None:
    """Refuse a document nested deeper than ``limits.depth`` or holding more than
    ``limits.nodes`` values, counting a shared node (a YAML alias) once per use: linear in
    the composed document, however far its aliases would expand."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    open_: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        parts = children(node)
        if finished:
            open_.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in parts)
            depth[key] = 1 + max((depth[id(c)] for c in parts), default=0)
            if size[key] > limits.nodes:
                raise InputError([Problem("", f"holds more than {limits.nodes:,} values (YAML aliases "
                                              f"counted where they are used): {limits.hint('nodes')}", file)])
            if depth[key] > limits.depth:
                raise InputError([Problem("", f"nested more than {limits.depth} levels deep: "
                                              f"{limits.hint('depth')}", file)])
            continue
        if key in size:
            continue
        if key in open_:
            raise InputError([Problem("", "a YAML alias refers to a value that contains it", file)])
        open_.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in parts if id(c) not in size)
        if len(open_) > limits.depth:
            raise InputError([Problem("", f"nested more than {limits.depth} levels deep: "
                                          f"{limits.hint('depth')}", file)])


def read_document(path: str | os.PathLike[str], limits: Limits = DEFAULT) -> Any:
    """Read a YAML or JSON document (JSON when the name ends in ``.json``), at most
    ``limits.file_bytes`` of it: a larger file, or an endless one, is refused unread."""
    file = str(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(limits.file_bytes + 1)
    except FileNotFoundError:
        raise InputError([Problem("", "no such file", file)]) from None
    except IsADirectoryError:
        raise InputError([Problem("", "is a folder, not a scenario file", file)]) from None
    except OSError as exc:
        raise InputError([Problem("", f"cannot be read ({exc.strerror})", file)]) from None
    if len(data) > limits.file_bytes:
        raise InputError([Problem("", f"is larger than {limits.file_bytes:,} bytes: {limits.hint('file_bytes')}",
                                  file)])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError([Problem("", "not a UTF-8 text file", file)]) from None
    kind = "json" if file.lower().endswith(".json") else "yaml"
    return parse_text(text, file, kind, limits)


def dump_document(document: Any, kind: str = "yaml") -> str:
    """A document as YAML (keys in their given order) or JSON text."""
    if kind == "json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
