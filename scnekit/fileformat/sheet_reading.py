"""Reading a scenario workbook (.xlsx) into a scenario document, remembering the cell each
value came from, so that every problem can be named as the user sees it: ``measures!D7``.

The layout is :mod:`scnekit.fileformat.sheets`; docs/FORMAT.md ("Workbooks") describes it."""

from __future__ import annotations

import io
import os
import re
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from scnekit.errors import InputError, Problem
from scnekit.limits import DEFAULT, Limits, inline, shown

from . import sheets
from .documents import parse_text
from .sheets import Cell, Column, is_workbook

__all__ = ["SheetDocument", "is_workbook", "read_workbook"]

#: a workbook may unpack to at most this many times ``limits.file_bytes`` (a zip bomb is refused unread)
UNPACKED = 5
#: an item named in a validator's message ("first at parties[0]"), to be named by its cell
_ITEM = re.compile(r"\b(?:parties|measures|links|milestones|scenarios)\[\d+\](?:\.[a-z_]+)?")
_LAST_STEP = re.compile(r"(\[[^\[\]]*\]|\.[^.\[\]]*)$")


@dataclass
class SheetDocument:
    """A scenario document read from a workbook, with where each of its values was written."""

    document: dict[str, Any] = field(default_factory=dict)
    #: document path (``measures[3].by``) -> the cell that holds its value (``measures!D5``)
    cells: dict[str, str] = field(default_factory=dict)
    #: document path of a key -> the cell that names it (a header, a rule's party, a setting)
    keys: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    file: str | None = None

    def problem(self, where: str, message: str) -> None:
        self.problems.append(Problem(where, message, self.file))

    def relocate(self, problems: list[Problem]) -> list[Problem]:
        """Problems found in the document, each named by its cell; those at a cell already
        named by a problem of the workbook itself are left out (one message a mistake)."""
        reported = {p.path for p in self.problems}
        seen: set[tuple[str, str]] = set()
        out: list[Problem] = []
        for p in problems:
            where = self.where(p.path, key=p.message.startswith("unknown key"))
            message = _ITEM.sub(lambda m: self.where(m.group(0)), p.message)
            if message.startswith("unknown key") and (".to." in p.path or p.path.startswith("rules.")):
                message = f"unknown party '{p.path.rsplit('.', 1)[-1]}'" + message[len("unknown key"):]
            if where not in reported and (where, message) not in seen:
                seen.add((where, message))
                out.append(Problem(where, message, p.file or self.file))
        return out

    def where(self, path: str, key: bool = False) -> str:
        """The cell (or range, or sheet) of a document path: the path itself, else the
        nearest enclosing path that has one."""
        if key and path in self.keys:
            return self.keys[path]
        probe = path
        while probe:
            if probe in self.cells:
                return self.cells[probe]
            shorter = _LAST_STEP.sub("", probe)
            if shorter == probe:
                break
            probe = shorter
        section = path.split(".", 1)[0].split("[", 1)[0]
        if section in ("scnekit", "name", "description", "horizon", "objective"):
            return f"settings (row '{section}')" if section not in ("horizon", "objective") else f"settings ({path})"
        return section or path


@dataclass(frozen=True)
class _Row:
    number: int
    values: tuple[Any, ...]

    def get(self, index: int) -> Any:
        value = self.values[index] if index < len(self.values) else None
        return None if value == "" else value


def read_workbook(path: str | os.PathLike[str], limits: Limits = DEFAULT, *,
                  data: bytes | None = None) -> SheetDocument:
    """Read a scenario workbook (from ``data`` when given, else from ``path``). Raises
    InputError at once when it cannot be read as a workbook at all; problems of its cells
    are collected in the result's ``problems``."""
    file = str(path)
    if data is None:
        _check_size(path, file, limits)
    source: Any = path if data is None else io.BytesIO(data)
    _check_archive(source, file, limits)
    try:
        book = load_workbook(source, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on a damaged or foreign file
        raise InputError([Problem("", f"cannot be read as an Excel workbook (.xlsx): {inline(str(exc))[:200]}",
                                  file)]) from None
    out = SheetDocument(file=file)
    try:
        names = {name.strip().lower(): name for name in book.sheetnames}
        for name, original in names.items():
            if name not in sheets.SHEETS and not name.startswith("_"):
                out.problem(f"{original}!A1", f"a sheet scnekit does not know; the sheets are "
                                              f"{', '.join(sheets.SHEETS)} (a sheet whose name starts with '_' "
                                              "is kept as your own notes)")
        cached: Any = None
        rows: dict[str, list[_Row]] = {}
        for name in sheets.SHEETS:
            if name not in names:
                continue
            sheet_rows, formulas = _rows(book[names[name]], _row_limit(name, limits), name, out)
            if formulas:
                cached = cached or load_workbook(source, read_only=True, data_only=True)
                sheet_rows = _with_cached_values(sheet_rows, cached[names[name]], formulas, name, out)
            rows[name] = sheet_rows
    finally:
        book.close()
    _Reader(out, limits).read(rows)
    return out


def _check_size(path: str | os.PathLike[str], file: str, limits: Limits) -> None:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputError([Problem("", "no such file", file)]) from None
    except OSError as exc:
        raise InputError([Problem("", f"cannot be read ({exc.strerror})", file)]) from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError([Problem("", "is not a regular file", file)])
    if info.st_size > limits.file_bytes:
        raise InputError([Problem("", f"is larger than {limits.file_bytes:,} bytes: {limits.hint('file_bytes')}",
                                  file)])


def _check_archive(source: Any, file: str, limits: Limits) -> None:
    """Refuse what is not a zip archive, and one that would unpack to far more than a file may hold."""
    try:
        with zipfile.ZipFile(source) as archive:
            unpacked = sum(entry.file_size for entry in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        raise InputError([Problem("", "is not an Excel workbook (.xlsx): it is not a zip archive; save it "
                                      "from your spreadsheet program as 'Excel Workbook (.xlsx)'", file)]) from None
    if unpacked > UNPACKED * limits.file_bytes:
        raise InputError([Problem("", f"unpacks to {unpacked:,} bytes, more than {UNPACKED} times the limit on "
                                      f"a file's size: {limits.hint('file_bytes')}", file)])


def _row_limit(sheet: str, limits: Limits) -> int:
    by_sheet = {"parties": limits.parties, "measures": limits.measures, "links": limits.links,
                "milestones": limits.milestones, "phases": limits.phases,
                "scenarios": limits.scenarios * 100, "rules": limits.parties * 4 + 10, "settings": 100}
    return by_sheet[sheet] + 1  # and the header row


def _rows(sheet: Any, most: int, name: str, out: SheetDocument) -> tuple[list[_Row], set[tuple[int, int]]]:
    """The non-empty rows of a sheet (values only) and the cells that hold a formula."""
    rows: list[_Row] = []
    formulas: set[tuple[int, int]] = set()
    for number, cells in enumerate(sheet.iter_rows(), start=1):
        values = []
        for column, cell in enumerate(cells):
            if getattr(cell, "data_type", None) == "f":
                formulas.add((number, column))
            values.append(cell.value)
        while values and values[-1] in (None, ""):
            values.pop()
        if not values:
            continue
        if len(rows) >= most:
            out.problem(f"{name}!A{number}", f"the sheet has more than {most - 1:,} rows of data; raise the "
                                             "limit with --limit (see docs/FORMAT.md, Limits)")
            break
        rows.append(_Row(number, tuple(values)))
    return rows, formulas


def _with_cached_values(rows: list[_Row], sheet: Any, formulas: set[tuple[int, int]], name: str,
                        out: SheetDocument) -> list[_Row]:
    """Formula cells replaced by the value the spreadsheet program saved for them."""
    saved: dict[tuple[int, int], Any] = {}
    wanted_rows = {r for r, _ in formulas}
    for number, cells in enumerate(sheet.iter_rows(), start=1):
        if number in wanted_rows:
            for column, cell in enumerate(cells):
                if (number, column) in formulas:
                    saved[(number, column)] = cell.value
    fixed = []
    for row in rows:
        values = list(row.values)
        for column in range(len(values)):
            if (row.number, column) in formulas:
                values[column] = saved.get((row.number, column))
                if values[column] is None:
                    out.problem(f"{name}!{get_column_letter(column + 1)}{row.number}",
                                "a formula with no saved result: open the workbook in a spreadsheet program "
                                "and save it (which computes it), or type the value")
        fixed.append(_Row(row.number, tuple(values)))
    return fixed


class _Reader:
    """Builds the document out of the rows of each sheet."""

    def __init__(self, out: SheetDocument, limits: Limits) -> None:
        self.out = out
        self.limits = limits

    def read(self, rows: dict[str, list[_Row]]) -> None:
        doc = self.out.document
        self._settings(rows.get("settings", []))
        self._phases(rows.get("phases", []))
        for section, columns in (("parties", sheets.PARTIES), ("links", sheets.LINKS)):
            if section in rows:
                self._items(section, rows[section], columns)
        if "measures" in rows:
            self._items("measures", rows["measures"], (*sheets.MEASURES_BEFORE_TO, *sheets.MEASURES_AFTER_TO))
        if "milestones" in rows:
            self._items("milestones", rows["milestones"], sheets.MILESTONES)
        if "rules" in rows:
            self._rules(rows["rules"])
        if "scenarios" in rows:
            self._scenarios(rows["scenarios"])
        for section in ("parties", "measures"):
            if section not in doc and section not in rows:
                self.out.problem(section, f"the workbook has no sheet '{section}'")

    # -- reading cells ------------------------------------------------------------------

    def _value(self, raw: Any, kind: Cell, ref: str) -> Any:
        """A cell's content as a document value (problems noted at ``ref``)."""
        if kind == Cell.TEXT:
            return raw if isinstance(raw, str) else sheets.cell_text(raw)
        if kind == Cell.FLAG and isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
            return raw.strip().lower() == "true"
        if kind == Cell.LIST:
            return self._list(raw, ref)
        if kind == Cell.VALUE and isinstance(raw, str) and sheets.needs_brackets(raw.strip()):
            return self._flow(raw.strip(), ref)
        return raw

    def _list(self, raw: Any, ref: str) -> Any:
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            return [sheets.cell_text(raw)]
        if not isinstance(raw, str):
            return raw
        text = raw.strip()
        if sheets.needs_brackets(text):
            value = self._flow(text, ref)
            if value is not None and not isinstance(value, list):
                self.out.problem(ref, "must be a list: items separated by commas, or in brackets [a, b]")
                return None
            return value
        items = [item.strip() for item in text.split(",")]
        if any(not item for item in items):
            self.out.problem(ref, f"an empty item in {inline(raw, 80)!r} (two commas in a row, or one at the end)")
            return [item for item in items if item]
        return items

    def _flow(self, text: str, ref: str) -> Any:
        try:
            return parse_text(text, None, "yaml", self.limits)
        except InputError as err:
            message = err.problems[0].message if err.problems else "cannot be read"
            self.out.problem(ref, f"{message} (a list is written [a, b], a mapping {{a: 1, b: 2}})")
            return None

    def _header(self, section: str, row: _Row, columns: tuple[Column, ...]) -> dict[int, str]:
        """Column index -> key, for the known headers of a sheet's first row."""
        known = {c.key for c in columns}
        extra = {"measures": sheets.TO_PREFIX}.get(section)
        keys: dict[int, str] = {}
        for index, raw in enumerate(row.values):
            ref = f"{section}!{get_column_letter(index + 1)}{row.number}"
            if raw is None or raw == "":
                continue
            name = sheets.cell_text(raw).strip()
            key = name.lower() if not name.lower().startswith(sheets.TO_PREFIX) else \
                sheets.TO_PREFIX + name[len(sheets.TO_PREFIX):].strip()
            if key in keys.values():
                self.out.problem(ref, f"the column '{inline(name, 60)}' appears twice")
            elif key in known or (extra and key.startswith(extra) and len(key) > len(extra)):
                keys[index] = key
            else:
                allowed = ", ".join(c.key for c in columns) + (f", {extra}<party>" if extra else "")
                self.out.problem(ref, f"unknown column '{inline(name, 60)}'; the columns are: {allowed}")
        return keys

    def _cells(self, section: str, rows: list[_Row], columns: tuple[Column, ...]) -> Iterator[
            tuple[int, _Row, dict[str, tuple[Any, str]]]]:
        """Each data row of an item sheet as ``{key: (raw value, cell)}`` (empty cells too), with
        its index among the items; cells under no header that hold something are problems."""
        if not rows:
            return
        header = self._header(section, rows[0], columns)
        for index, key in header.items():
            self.out.keys[f"{section}.{key}"] = f"{section}!{get_column_letter(index + 1)}{rows[0].number}"
        for item, row in enumerate(rows[1:]):
            found: dict[str, tuple[Any, str]] = {}
            for index in range(max(len(row.values), max(header, default=-1) + 1)):
                ref = f"{section}!{get_column_letter(index + 1)}{row.number}"
                if index in header:
                    found[header[index]] = (row.get(index), ref)
                elif row.get(index) is not None:
                    self.out.problem(ref, "a value in a column with no header; give the column a header "
                                          "or clear the cell")
            yield item, row, found

    # -- the sheets ---------------------------------------------------------------------

    def _items(self, section: str, rows: list[_Row], columns: tuple[Column, ...]) -> None:
        kinds = {c.key: c.cell for c in columns}
        items: list[dict[str, Any]] = []
        for i, row, found in self._cells(section, rows, columns):
            path = f"{section}[{i}]"
            first = f"{section}!A{row.number}"
            self.out.cells[path] = first
            item: dict[str, Any] = {}
            for key, (raw, ref) in found.items():
                if key.startswith(sheets.TO_PREFIX):
                    party = key[len(sheets.TO_PREFIX):]
                    self.out.cells.setdefault(f"{path}.to", ref)
                    self.out.cells[f"{path}.to.{party}"] = ref
                    self.out.keys[f"{path}.to.{party}"] = self.out.keys[f"{section}.{key}"]
                    if raw is not None:
                        item.setdefault("to", {})[party] = raw
                    continue
                self.out.cells[f"{path}.{key}"] = ref
                self.out.keys[f"{path}.{key}"] = self.out.keys[f"{section}.{key}"]
                if raw is not None:
                    item[key] = self._value(raw, kinds[key], ref)
            if section == "milestones":
                self._members(item, path, found)
            items.append(item)
        if len(rows) > 1:
            self.out.document[section] = items

    def _members(self, item: dict[str, Any], path: str, found: dict[str, tuple[Any, str]]) -> None:
        """A milestone's ``mode``, ``count`` and ``measures`` cells as ``all``/``any``/``at_least``."""
        mode = item.pop("mode", None)
        count = item.pop("count", None)
        members = item.pop("measures", None)
        mode_ref = found.get("mode", (None, path))[1]
        members_ref = found.get("measures", (None, mode_ref))[1]
        count_ref = found.get("count", (None, mode_ref))[1]
        for form in sheets.MILESTONE_MODES:
            self.out.cells[f"{path}.{form}"] = members_ref
        self.out.cells[f"{path}.at_least.of"] = members_ref
        self.out.cells[f"{path}.at_least.count"] = count_ref
        self.out.cells[path] = mode_ref
        if mode is None:
            if members is not None or count is not None:
                self.out.problem(mode_ref, f"say how the measures count: {', '.join(sheets.MILESTONE_MODES)}")
            return
        mode = mode.strip().lower()
        if mode not in sheets.MILESTONE_MODES:
            self.out.problem(mode_ref, f"must be one of {', '.join(sheets.MILESTONE_MODES)}, got {shown(mode)}")
            return
        if mode == "at_least":
            at_least: dict[str, Any] = {}
            if count is not None:
                at_least["count"] = count
            if members is not None:
                at_least["of"] = members
            item["at_least"] = at_least
        else:
            if count is not None:
                self.out.problem(count_ref, f"a count applies to at_least only, not to {mode}")
            item[mode] = members if members is not None else []

    def _settings(self, rows: list[_Row]) -> None:
        doc = self.out.document
        for _, row, found in self._cells("settings", rows, sheets.SETTINGS):
            raw_name, name_ref = found.get("field", (None, f"settings!A{row.number}"))
            value, value_ref = found.get("value", (None, f"settings!B{row.number}"))
            name = sheets.cell_text(raw_name).strip() if raw_name is not None else ""
            if name not in sheets.SETTING_FIELDS:
                self.out.problem(name_ref, f"unknown setting {shown(name)}; the settings are "
                                           f"{', '.join(sheets.SETTING_FIELDS)}")
                continue
            section, _, key = name.rpartition(".")
            target = doc.setdefault(section, {}) if section else doc
            if key in target:
                self.out.problem(name_ref, f"'{name}' is set twice")
                continue
            self.out.cells[name] = value_ref
            self.out.keys[name] = name_ref
            target[key] = self._value(value, sheets.SETTING_FIELDS[name], value_ref)

    def _phases(self, rows: list[_Row]) -> None:
        labels: list[Any] = []
        capacity: list[Any] = []
        have_labels = have_capacity = False
        for i, row, found in self._cells("phases", rows, sheets.PHASES):
            phase, phase_ref = found.get("phase", (None, f"phases!A{row.number}"))
            if phase != i + 1:
                self.out.problem(phase_ref, f"phases are listed 1, 2, 3, ... in order: expected {i + 1} here, "
                                            f"got {shown(phase)}")
            label, label_ref = found.get("label", (None, f"phases!B{row.number}"))
            cap, cap_ref = found.get("capacity", (None, f"phases!C{row.number}"))
            self.out.cells[f"horizon.labels[{i}]"] = label_ref
            self.out.cells[f"horizon.capacity[{i}]"] = cap_ref
            have_labels |= label is not None
            have_capacity |= cap is not None
            labels.append(self._value(label, Cell.TEXT, label_ref) if label is not None else None)
            capacity.append(cap)
        horizon = self.out.document.setdefault("horizon", {})
        sheet_ref = "phases!A1"
        if have_labels:
            self.out.cells["horizon.labels"] = sheet_ref
            horizon["labels"] = labels
        if have_capacity:
            if "capacity" in horizon:
                self.out.problem(self.out.cells.get("horizon.capacity", sheet_ref),
                                 "capacity is given here and per phase in the sheet 'phases': keep one")
            else:
                self.out.cells["horizon.capacity"] = sheet_ref
                horizon["capacity"] = capacity
        if not horizon:
            del self.out.document["horizon"]

    def _rules(self, rows: list[_Row]) -> None:
        rules: dict[str, Any] = {}
        for _, row, found in self._cells("rules", rows, sheets.RULES):
            raw_rule, rule_ref = found.get("rule", (None, f"rules!A{row.number}"))
            party, party_ref = found.get("party", (None, f"rules!B{row.number}"))
            value, value_ref = found.get("value", (None, f"rules!C{row.number}"))
            rule = sheets.cell_text(raw_rule).strip() if raw_rule is not None else ""
            path = f"rules.{rule}"
            if rule == "balance":
                if "balance" in rules:
                    self.out.problem(rule_ref, "balance is given twice")
                    continue
                balance: dict[str, Any] = {}
                if party is not None:
                    balance["among"] = self._list(party, party_ref)
                if value is not None:
                    balance["max_gap"] = value
                rules["balance"] = balance
                self.out.cells.update({path: rule_ref, f"{path}.among": party_ref, f"{path}.max_gap": value_ref})
                continue
            if rule not in sheets.PER_PARTY_RULES:
                self.out.problem(rule_ref, f"unknown rule {shown(rule)}; the rules are "
                                           f"{', '.join(sheets.PER_PARTY_RULES)}, balance")
                continue
            who = sheets.cell_text(party).strip() if party is not None else None
            current = rules.get(rule)
            if who is None and rule != "min_received":
                if current is not None:
                    self.out.problem(party_ref, f"{rule} is given for every party here and again on another row; "
                                                "name a party (or 'default') on each row, or give one row")
                    continue
                rules[rule] = value
                self.out.cells[path] = value_ref
                continue
            if who is None:
                self.out.problem(party_ref, "name the party this minimum is for")
                continue
            if current is not None and not isinstance(current, dict):
                self.out.problem(party_ref, f"{rule} is also given for every party on another row; give "
                                            "'default' as the party there")
                continue
            mapping = rules.setdefault(rule, {})
            if who in mapping:
                self.out.problem(party_ref, f"{rule} for '{inline(who, 60)}' is given twice")
                continue
            mapping[who] = value
            self.out.cells.setdefault(path, value_ref)
            self.out.cells[f"{path}.{who}"] = value_ref
            self.out.keys[f"{path}.{who}"] = party_ref
        if rows[1:]:
            self.out.document["rules"] = rules

    def _scenarios(self, rows: list[_Row]) -> None:
        scenarios: list[dict[str, Any]] = []
        set_rows: list[list[tuple[str, str]]] = []
        for _, row, found in self._cells("scenarios", rows, sheets.SCENARIOS):
            raw_id, id_ref = found.get("scenario", (None, f"scenarios!A{row.number}"))
            if raw_id is not None or not scenarios:
                scenario_id = sheets.cell_text(raw_id) if raw_id is not None else None
                same = scenarios and scenario_id is not None and scenarios[-1].get("id") == scenario_id
                if not same:
                    scenarios.append({} if scenario_id is None else {"id": scenario_id})
                    set_rows.append([])
                    path = f"scenarios[{len(scenarios) - 1}]"
                    self.out.cells[path] = id_ref
                    self.out.cells[f"{path}.id"] = id_ref
            i = len(scenarios) - 1
            path = f"scenarios[{i}]"
            scenario = scenarios[i]
            for key in ("description", "notes", "unavailable"):
                raw, ref = found.get(key, (None, ""))
                if raw is None:
                    continue
                if key in scenario:
                    self.out.problem(ref, f"the {key} of this scenario is given on an earlier row too")
                    continue
                scenario[key] = self._value(raw, Cell.LIST if key == "unavailable" else Cell.TEXT, ref)
                self.out.cells[f"{path}.{key}"] = ref
            set_path, set_ref = found.get("set", (None, f"scenarios!E{row.number}"))
            value, value_ref = found.get("value", (None, f"scenarios!F{row.number}"))
            if set_path is None:
                if value is not None:
                    self.out.problem(value_ref, "a value with no path in the column 'set' to say what it sets")
                continue
            key = sheets.cell_text(set_path).strip()
            overrides = scenario.setdefault("set", {})
            if key in overrides:
                self.out.problem(set_ref, f"'{inline(key, 80)}' is set twice in this scenario")
                continue
            overrides[key] = self._value(value, Cell.VALUE, value_ref)
            self.out.cells[f"{path}.set[{shown(key)}]"] = set_ref
            set_rows[i].append((set_ref, value_ref))
        for i, refs in enumerate(set_rows):
            if refs:
                first, last = refs[0][0], refs[-1][1]
                self.out.cells[f"scenarios[{i}].set"] = f"{first}:{last.split('!')[1]}"
        if scenarios:
            self.out.document["scenarios"] = scenarios
