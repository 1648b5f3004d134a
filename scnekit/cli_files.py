"""The ``scnekit`` commands about files: ``convert`` between YAML, JSON and Excel, ``new``
(a starter file), and ``schema`` (the JSON Schema of the format, for editors)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .errors import UsageError
from .export.text import terminal_safe
from .fileformat.conversion import convert, kind_of
from .fileformat.documents import parse_text
from .fileformat.schema import schema_text
from .fileformat.sheet_notes import header_note
from .fileformat.starter import starter_text
from .fileformat.writing import write_bytes_atomic, write_text_atomic
from .limits import DEFAULT as DEFAULT_LIMITS


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser], limit_help: str) -> None:
    """Add ``convert``, ``new`` and ``schema`` to the command's sub-commands."""
    conv = sub.add_parser("convert", help="write a scenario file as YAML, JSON or an Excel workbook (.xlsx)")
    conv.add_argument("source", help="a scenario file (.yaml, .yml, .json or .xlsx)")
    conv.add_argument("target", help="the file to write; its suffix says the kind")
    conv.add_argument("--force", action="store_true", help="replace the target if it exists")
    conv.add_argument("--limit", action="append", default=[], metavar="NAME=N", help=limit_help)
    new = sub.add_parser("new", help="write a commented starter scenario file (.yaml, .json) or workbook (.xlsx)")
    new.add_argument("file")
    new.add_argument("--force", action="store_true", help="replace the file if it exists")
    schema = sub.add_parser("schema", help="print the JSON Schema of the scenario format (for editors)")
    schema.add_argument("--out", default=None, metavar="PATH", help="write it to PATH instead of printing it")


def run_convert(args: argparse.Namespace) -> int:
    rounded = convert(args.source, args.target, limits=DEFAULT_LIMITS.with_options(args.limit),
                      overwrite=args.force, notes=header_note)
    for problem in rounded:
        print(terminal_safe(f"scnekit: note: {problem}"), file=sys.stderr)
    print(terminal_safe(f"scnekit: wrote {args.target}"), file=sys.stderr)
    return 0


def run_new(args: argparse.Namespace) -> int:
    kind = kind_of(args.file)
    if Path(args.file).exists() and not args.force:
        raise UsageError(f"{args.file} exists; choose another name, or pass --force to replace it")
    text = starter_text()
    if kind == "yaml":
        write_text_atomic(args.file, text)
    elif kind == "json":
        write_text_atomic(args.file, json.dumps(parse_text(text), indent=2, ensure_ascii=False) + "\n")
    else:
        from .fileformat.sheet_writing import workbook_bytes  # openpyxl: imported when used (80 ms)

        data, _ = workbook_bytes(parse_text(text), notes=header_note)
        write_bytes_atomic(args.file, data)
    print(terminal_safe(f"scnekit: wrote {args.file}; edit it, then: scnekit solve {args.file}"), file=sys.stderr)
    return 0


def run_schema(args: argparse.Namespace) -> int:
    text = schema_text()
    if args.out:
        write_text_atomic(args.out, text)
        print(terminal_safe(f"scnekit: wrote {args.out}"), file=sys.stderr)
    else:
        print(text, end="" if text.endswith("\n") else "\n")
    return 0
