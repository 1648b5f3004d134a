"""Reading scenario documents (YAML or JSON) within the limits, and writing them as text.
I/O only: no validation. Writing to shared files is :mod:`scnekit.fileformat.writing`."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from typing import Any

import yaml

from scnekit.errors import InputError, Problem
from scnekit.limits import DEFAULT, Limits, inline, shown

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
        raise InputError([Problem("", f"not valid YAML: {inline(message)}", file)]) from None
    except (ValueError, TypeError, IndexError, AttributeError, KeyError, OverflowError) as exc:
        # PyYAML's constructors on values they cannot read (a tag such as !!int abc, an
        # integer of thousands of digits)
        raise InputError([Problem("", f"a value cannot be read: {inline(str(exc))[:300]}", file)]) from None
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
    _check_size(data, _data_children, file, limits, _data_length)
    return data


def _yaml_length(node: Any) -> int:
    return len(node.value) if isinstance(node, yaml.ScalarNode) else 0


def _data_length(value: Any) -> int:
    return len(value) if isinstance(value, str) else 0


def _yaml_children(node: Any) -> list[Any]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _scalar(node: Any) -> bool:
    """Whether a node is a value (not a mapping or a list): it adds no level of nesting."""
    return not isinstance(node, (yaml.MappingNode, yaml.SequenceNode, dict, list))


def _data_children(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [*value.keys(), *value.values()]
    if isinstance(value, list):
        return value
    return []


def _check_size(root: Any, children: Callable[[Any], list[Any]], file: str | None, limits: Limits,
                length: Callable[[Any], int] | None = None) -> None:
    """Refuse a document nested deeper than ``limits.depth`` levels of mappings and lists,
    holding more than ``limits.nodes`` values, with a value longer than
    ``limits.text_length``, or spelling out more than ``limits.file_bytes`` characters,
    counting a shared node (a YAML alias) once per use: linear in the composed document,
    however far its aliases would expand."""
    length = length or _yaml_length
    size: dict[int, int] = {}
    chars: dict[int, int] = {}
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
            chars[key] = length(node) + sum(chars[id(c)] for c in parts)
            depth[key] = (0 if _scalar(node) else 1) + max((depth[id(c)] for c in parts), default=0)
            if length(node) > limits.text_length:
                raise InputError([Problem("", f"holds a value of {length(node):,} characters: "
                                              f"{limits.hint('text_length')}", file)])
            if size[key] > limits.nodes:
                raise InputError([Problem("", f"holds more than {limits.nodes:,} values (YAML aliases "
                                              f"counted where they are used): {limits.hint('nodes')}", file)])
            if chars[key] > limits.file_bytes:
                raise InputError([Problem("", f"spells out more than {limits.file_bytes:,} characters (YAML "
                                              f"aliases counted where they are used): {limits.hint('file_bytes')}",
                                          file)])
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
        if len(open_) > limits.depth + 1:
            raise InputError([Problem("", f"nested more than {limits.depth} levels deep: "
                                          f"{limits.hint('depth')}", file)])


def read_document(path: str | os.PathLike[str], limits: Limits = DEFAULT) -> Any:
    """Read a YAML or JSON document (JSON when the name ends in ``.json``) from a regular
    file, at most ``limits.file_bytes`` of it: a larger file is refused unread, and so is
    a pipe or a device (which could block or never end)."""
    file = str(path)
    try:
        if not stat.S_ISREG(os.stat(path).st_mode) and not os.path.isdir(path):
            raise InputError([Problem("", "is not a regular file (a pipe, a device or a socket); "
                                          "save the scenario to a file first", file)])
        with open(path, "rb") as handle:
            data = _read_at_most(handle, limits.file_bytes + 1)
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


def _read_at_most(handle: Any, count: int, chunk: int = 1 << 20) -> bytes:
    """Up to ``count`` bytes, read a chunk at a time (never a buffer of ``count`` at once)."""
    parts: list[bytes] = []
    left = count
    while left > 0:
        part = handle.read(min(chunk, left))
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def dump_document(document: Any, kind: str = "yaml") -> str:
    """A document as YAML (keys in their given order) or JSON text."""
    if kind == "json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
