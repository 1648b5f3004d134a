"""Reading and writing scenario documents (YAML or JSON). I/O only: no validation."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from scnekit.errors import InputError, Problem


class _StrictSafeLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing duplicate keys instead of keeping the last."""


def _construct_mapping(loader: _StrictSafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if isinstance(key, (str, int, float, bool)) and key in seen:
            mark = key_node.start_mark
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (line {mark.line + 1})", mark
            )
        if isinstance(key, (str, int, float, bool)):
            seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictSafeLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_text(text: str, file: str | None = None, kind: str = "yaml") -> Any:
    """Parse a scenario document from text; ``kind`` is ``yaml`` or ``json``."""
    if kind == "json":
        def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for key, value in pairs:
                if key in out:
                    raise ValueError(f"duplicate key {key!r}")
                out[key] = value
            return out

        try:
            return json.loads(text, object_pairs_hook=no_duplicates)
        except (json.JSONDecodeError, ValueError) as exc:
            raise InputError([Problem("", f"not valid JSON: {exc}", file)]) from None
    try:
        return yaml.load(text, Loader=_StrictSafeLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        message = " ".join(str(exc).split())
        raise InputError([Problem("", f"not valid YAML: {message}", file)]) from None


def read_document(path: str | os.PathLike[str]) -> Any:
    """Read a YAML or JSON document; JSON when the name ends in ``.json``."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError([Problem("", "no such file", file)]) from None
    except IsADirectoryError:
        raise InputError([Problem("", "is a folder, not a scenario file", file)]) from None
    except UnicodeDecodeError:
        raise InputError([Problem("", "not a UTF-8 text file", file)]) from None
    except OSError as exc:
        raise InputError([Problem("", f"cannot be read ({exc.strerror})", file)]) from None
    kind = "json" if file.lower().endswith(".json") else "yaml"
    return parse_text(text, file, kind)


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file, so a crash never leaves half a file."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or Path("."))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def dump_document(document: Any, kind: str = "yaml") -> str:
    """A document as YAML (keys in their given order) or JSON text."""
    if kind == "json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
