"""A scenario file of any kind (YAML, JSON or an Excel workbook) read and validated, every
problem named where the user wrote it: a field path in a text file, a cell in a workbook."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from scnekit.errors import InputError
from scnekit.limits import DEFAULT, Limits
from scnekit.model import Plan

from .documents import read_document
from .progress import progress_of
from .sheets import is_workbook
from .validate import parse_plan

if TYPE_CHECKING:
    from .sheet_reading import SheetDocument


def read_plan(path: str | os.PathLike[str], limits: Limits = DEFAULT) -> Plan:
    """Read and validate a scenario file (by its suffix: .xlsx/.xlsm, .json, else YAML).

    Raises one InputError listing every problem; in a workbook each is named by its cell
    (``measures!D7: unknown party 'x'``). A progress record in the file (its ``progress``
    section) is validated too, once the plan is (docs/FORMAT.md, "Progress")."""
    return read_source(path, limits)[1]


def validated(sheet: SheetDocument, limits: Limits = DEFAULT) -> Plan:
    """The plan of a workbook's document, with the workbook's own problems and the
    validator's (named by cell) in one InputError."""
    try:
        plan = parse_plan(sheet.document, sheet.file, limits)
    except InputError as err:
        raise InputError(sheet.problems + sheet.relocate(err.problems)) from None
    if sheet.problems:
        raise InputError(sheet.problems)
    return plan


def read_source(path: str | os.PathLike[str], limits: Limits = DEFAULT) -> tuple[Any, Plan]:
    """A scenario file's document (as written, not yet overridden by any scenario) and its
    plan, its progress record (if any) validated too."""
    if is_workbook(path):  # a workbook has no progress sheet
        from .sheet_reading import read_workbook  # openpyxl: imported when a workbook is read (80 ms)

        sheet = read_workbook(path, limits)
        return sheet.document, validated(sheet, limits)
    document = read_document(path, limits)
    plan = parse_plan(document, str(path), limits)
    progress_of(plan)
    return document, plan
