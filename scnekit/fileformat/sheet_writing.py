"""Writing a scenario document as a workbook (.xlsx) that :mod:`sheet_reading` reads back
as it was: headers with notes, frozen header rows, fitted columns, drop-down lists for the
fields that take one of a few values, numbers as numbers and text that is never a formula."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from scnekit.errors import InputError, Problem
from scnekit.model import LinkKind, PartyKind

from . import sheets
from .sheets import Column

#: the width of a column at the most, in characters
WIDEST = 60
#: the categories offered in a measure's drop-down list (free text: others are accepted)
CATEGORIES = ("humanitarian", "trade", "movement", "education", "disaster", "detainees", "documentation",
              "security", "cyber", "returns", "sanctions", "political", "accountability")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_FORMULA_START = ("=", "+", "-", "@")


def workbook_bytes(document: Mapping[str, Any], *, notes: Callable[[str, str], str | None] | None = None,
                   file: str | None = None) -> tuple[bytes, list[Problem]]:
    """The document as a workbook, and the numbers that a workbook could not hold exactly
    (each a Problem naming its field and the number written instead).

    ``notes(sheet, column)`` gives the note shown on a header cell (None: no note).
    Raises InputError naming every text a workbook cannot hold (control characters)."""
    writer = _Writer(notes or (lambda sheet, column: None), file)
    writer.write(document)
    if writer.refused:
        raise InputError(writer.refused)
    buffer = io.BytesIO()
    writer.book.save(buffer)
    return buffer.getvalue(), writer.rounded


class _Writer:
    def __init__(self, notes: Callable[[str, str], str | None], file: str | None) -> None:
        self.book = Workbook()
        self.book.remove(self.book.active)
        self.notes = notes
        self.file = file
        self.refused: list[Problem] = []
        self.rounded: list[Problem] = []

    def write(self, doc: Mapping[str, Any]) -> None:
        self._settings(doc)
        self._phases(doc.get("horizon") or {})
        parties = [p for p in doc.get("parties") or [] if isinstance(p, Mapping)]
        self._items("parties", sheets.PARTIES, parties)
        measures = [m for m in doc.get("measures") or [] if isinstance(m, Mapping)]
        recipients = [str(p.get("id")) for p in parties]
        for m in measures:
            recipients += [str(k) for k in (m.get("to") or {}) if str(k) not in recipients]
        to_columns = tuple(Column(sheets.TO_PREFIX + party, sheets.NUMBER) for party in recipients)
        self._items("measures", (*sheets.MEASURES_BEFORE_TO, *to_columns, *sheets.MEASURES_AFTER_TO),
                    [_flat_measure(m) for m in measures], paths=[f"measures[{i}]" for i in range(len(measures))])
        self._items("links", sheets.LINKS, [ln for ln in doc.get("links") or [] if isinstance(ln, Mapping)])
        milestones = [k for k in doc.get("milestones") or [] if isinstance(k, Mapping)]
        self._items("milestones", sheets.MILESTONES, [_flat_milestone(k) for k in milestones])
        self._table("rules", sheets.RULES, _rule_rows(doc.get("rules") or {}))
        self._table("scenarios", sheets.SCENARIOS, _scenario_rows(doc.get("scenarios") or []))
        self._validations(len(parties), len(measures))

    # -- sheets -------------------------------------------------------------------------

    def _settings(self, doc: Mapping[str, Any]) -> None:
        rows: list[tuple[str, Sequence[Any]]] = []
        for name in sheets.SETTING_FIELDS:
            section, _, key = name.rpartition(".")
            holder = doc.get(section) if section else doc
            if isinstance(holder, Mapping) and key in holder and holder[key] is not None:
                value = holder[key]
                if name == "horizon.capacity" and isinstance(value, list):
                    continue  # per phase, in the sheet 'phases'
                rows.append((name, [name, sheets.value_text(value) if isinstance(value, (list, dict)) else value]))
        self._table("settings", sheets.SETTINGS, rows)

    def _phases(self, horizon: Mapping[str, Any]) -> None:
        given = horizon.get("labels")
        labels: list[Any] = given if isinstance(given, list) else []
        given = horizon.get("capacity")
        capacity: list[Any] = given if isinstance(given, list) else []
        count = max(len(labels), len(capacity))
        if not count:
            return
        rows = []
        for i in range(count):
            label = labels[i] if i < len(labels) else None
            cap = capacity[i] if i < len(capacity) else None
            rows.append((f"horizon.labels[{i}]", [i + 1, label, cap]))
        self._table("phases", sheets.PHASES, rows)

    def _items(self, name: str, columns: Sequence[Column], items: Sequence[Mapping[str, Any]],
               paths: Sequence[str] | None = None) -> None:
        rows = []
        for i, item in enumerate(items):
            values = []
            for column in columns:
                value = item.get(column.key)
                values.append(_cell_value(value, column))
            rows.append((paths[i] if paths else f"{name}[{i}]", values))
        self._table(name, columns, rows)

    def _table(self, name: str, columns: Sequence[Column], rows: Iterable[tuple[str, Sequence[Any]]]) -> None:
        sheet = self.book.create_sheet(name)
        widths = [len(c.key) + 2 for c in columns]
        for index, column in enumerate(columns, start=1):
            cell = sheet.cell(row=1, column=index, value=column.key)
            cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
            note = self.notes(name, column.key.split(":", 1)[0] if ":" in column.key else column.key)
            if note:
                cell.comment = Comment(note, "scnekit", width=320, height=110)
        for number, (path, values) in enumerate(rows, start=2):
            for index, value in enumerate(values, start=1):
                if value is None:
                    continue
                self._put(sheet, number, index, value, f"{path} ({columns[index - 1].key})")
                widths[index - 1] = max(widths[index - 1], min(WIDEST, _width(value)))
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = min(WIDEST, width + 2)
        sheet.freeze_panes = "B2" if columns[0].key in ("id", "scenario", "field", "rule", "phase") else "A2"

    def _put(self, sheet: Worksheet, row: int, column: int, value: Any, path: str) -> None:
        if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
            self.refused.append(Problem(path, "holds a control character that a workbook cannot hold; remove it "
                                              "or keep this plan in YAML or JSON", self.file))
            return
        if isinstance(value, float) and float(f"{value:.16g}") != value:
            self.rounded.append(Problem(path, f"{value!r} has more digits than a workbook keeps; written as "
                                              f"{value:.16g}", self.file))
        cell = sheet.cell(row=row, column=column, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # never a formula, whatever it starts with
            if "\n" in value or len(value) > WIDEST:
                cell.alignment = Alignment(wrap_text=True, vertical="top")

    def _validations(self, parties: int, measures: int) -> None:
        """Drop-down lists: party kinds, link kinds, milestone modes, rules, parties, categories."""
        def choose(sheet: str, column: str, source: str, *, strict: bool = True) -> None:
            if sheet not in self.book.sheetnames:
                return
            ws = self.book[sheet]
            headers = [c.value for c in ws[1]]
            if column not in headers:
                return
            letter = get_column_letter(headers.index(column) + 1)
            rule = DataValidation(type="list", formula1=source, allow_blank=True,
                                  errorStyle="stop" if strict else "warning", showErrorMessage=True)
            rule.error = f"Choose one of the listed values for '{column}'."
            rule.add(f"{letter}2:{letter}{max(ws.max_row, 2) + 500}")
            ws.add_data_validation(rule)

        def listed(values: Iterable[str]) -> str:
            return '"' + ",".join(values) + '"'

        party_range = f"parties!$A$2:$A${parties + 501}"
        choose("parties", "kind", listed(PartyKind))
        choose("links", "kind", listed(LinkKind))
        choose("milestones", "mode", listed(sheets.MILESTONE_MODES))
        choose("rules", "rule", listed((*sheets.PER_PARTY_RULES, "balance")))
        choose("measures", "by", party_range)
        choose("measures", "mandatory", listed(("TRUE", "FALSE")))
        choose("measures", "category", listed(CATEGORIES), strict=False)


def append_scenario(data: bytes, entry: Mapping[str, Any]) -> bytes:
    """A workbook (its bytes) with one more scenario at the end of its sheet 'scenarios'
    (made, with its headers, where there is none); the rest of the workbook as it was."""
    book = load_workbook(io.BytesIO(data))
    names = {name.strip().lower(): name for name in book.sheetnames}
    if "scenarios" in names:
        sheet = book[names["scenarios"]]
    else:
        sheet = book.create_sheet("scenarios")
        for index, column in enumerate(sheets.SCENARIOS, start=1):
            cell = sheet.cell(row=1, column=index, value=column.key)
            cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
    headers = {str(c.value).strip().lower(): c.column for c in sheet[1] if c.value is not None}
    missing = [c.key for c in sheets.SCENARIOS if c.key not in headers]
    if missing:
        raise InputError([Problem("scenarios!A1", f"the sheet has no column {', '.join(missing)}; add the "
                                                  "headers to save a scenario into it")])
    row = sheet.max_row + 1
    for _, values in _scenario_rows([entry]):
        for column, value in zip(sheets.SCENARIOS, values, strict=True):
            if value is not None:
                cell = sheet.cell(row=row, column=headers[column.key], value=value)
                if isinstance(value, str):
                    cell.data_type = "s"
        row += 1
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _flat_measure(m: Mapping[str, Any]) -> dict[str, Any]:
    flat = {k: v for k, v in m.items() if k != "to"}
    for party, value in (m.get("to") or {}).items():
        flat[sheets.TO_PREFIX + str(party)] = value
    return flat


def _flat_milestone(k: Mapping[str, Any]) -> dict[str, Any]:
    flat = {key: v for key, v in k.items() if key not in sheets.MILESTONE_MODES}
    for mode in sheets.MILESTONE_MODES:
        if mode in k:
            flat["mode"] = mode
            members = k[mode]
            if mode == "at_least" and isinstance(members, Mapping):
                flat["count"] = members.get("count")
                members = members.get("of")
            flat["measures"] = members
    return flat


def _rule_rows(rules: Mapping[str, Any]) -> list[tuple[str, list[Any]]]:
    rows: list[tuple[str, list[Any]]] = []
    for rule in (*sheets.PER_PARTY_RULES, "balance"):
        value = rules.get(rule)
        if value is None:
            continue
        if rule == "balance" and isinstance(value, Mapping):
            among = value.get("among")
            rows.append(("rules.balance", [rule, sheets.list_text(among) if isinstance(among, list) else among,
                                           value.get("max_gap")]))
        elif isinstance(value, Mapping):
            rows += [(f"rules.{rule}.{party}", [rule, party, number]) for party, number in value.items()]
        else:
            rows.append((f"rules.{rule}", [rule, None, value]))
    return rows


def _scenario_rows(scenarios: Sequence[Any]) -> list[tuple[str, list[Any]]]:
    rows: list[tuple[str, list[Any]]] = []
    for i, s in enumerate(scenarios):
        if not isinstance(s, Mapping):
            continue
        unavailable = s.get("unavailable")
        head = [s.get("id"), s.get("description"), s.get("notes"),
                sheets.list_text(unavailable) if isinstance(unavailable, list) else unavailable]
        overrides = list((s.get("set") or {}).items())
        if not overrides:
            rows.append((f"scenarios[{i}]", [*head, None, None]))
        for j, (path, value) in enumerate(overrides):
            rows.append((f"scenarios[{i}].set.{path}",
                         [*(head if j == 0 else [s.get("id"), None, None, None]), path, sheets.value_text(value)]))
    return rows


def _cell_value(value: Any, column: Column) -> Any:
    if value is None:
        return None
    if column.cell == sheets.Cell.LIST and isinstance(value, list):
        return sheets.list_text(value)
    if isinstance(value, (list, dict)):
        return sheets.value_text(value)
    return value


def _width(value: Any) -> int:
    text = str(value)
    return max((len(line) for line in text.splitlines()), default=0)
