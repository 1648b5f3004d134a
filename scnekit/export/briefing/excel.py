"""The briefing as an Excel workbook (openpyxl): one sheet per table, numbers as numbers.

Sheets: summary, schedule, milestones, exposure, received, walk-away, measures,
assumptions, and comparison when other scenarios are given. Headers are bold and frozen,
columns are as wide as their content, and every text cell is stored as text: a title
that begins with ``=``, ``+``, ``-`` or ``@`` is never read as a formula.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from scnekit.analysis.implementation import Implementation
from scnekit.roadmap import Roadmap

from .comparing import roadmaps_by_scenario
from .context import Briefing, build
from .implementing import implementation_part

MAX_WIDTH = 80
BOLD = Font(bold=True)


def _plain(value: Any) -> Any:
    """A cell's value: None for missing, Python numbers for numpy ones, text for everything else."""
    if value is None or (not isinstance(value, str | bool) and pd.isna(value)):
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float) or hasattr(value, "item"):
        number = value.item() if hasattr(value, "item") else value
        if isinstance(number, float) and number.is_integer() and math.isfinite(number):
            return int(number)
        return number
    return " ".join(str(value).split())


def _sheet(book: Workbook, title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> Worksheet:
    sheet = book.create_sheet(title)
    sheet.append([str(h) for h in headers])
    for row in rows:
        sheet.append([_plain(v) for v in row])
    for row_cells in sheet.iter_rows():
        for cell in row_cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text stays text: "=cmd|..." is never a formula
    for cell in sheet[1]:
        cell.font = BOLD
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    sheet.freeze_panes = "A2"
    for column in sheet.columns:
        width = max((len(str(c.value)) for c in column if c.value is not None), default=4)
        sheet.column_dimensions[get_column_letter(column[0].column)].width = min(MAX_WIDTH, width + 2)
    return sheet


def workbook_bytes(roadmap: Roadmap, compare_with: Sequence[Roadmap] = (), *,
                   implementation: Implementation | None = None) -> bytes:
    """The briefing's workbook as the bytes of an .xlsx file."""
    briefing = build(roadmap, compare_with)
    book = Workbook()
    book.remove(book.worksheets[0])
    _summary(book, briefing)
    if implementation is not None:
        done = implementation_part(implementation)
        _sheet(book, "implementation", done.measures.headers, done.measures.rows)
        _sheet(book, "milestones so far", done.milestones.headers, done.milestones.rows)
        _sheet(book, "changes", ["what the re-plan changes", "why"],
               ([c, ""] if ": " not in c else c.split(": ", 1) for c in done.changes))
    frame = roadmap.schedule
    plan = roadmap.plan
    schedule = frame.assign(by_name=[plan.party_by_id[b].name for b in frame["by"]])
    columns = ["measure", "title", "by", "by_name", "category", "start", "end", "start_label", "end_label",
               "cost", "value", "net"]
    _sheet(book, "schedule", columns, schedule[columns].itertuples(index=False))
    milestones = roadmap.milestones
    _sheet(book, "milestones", list(milestones.columns), milestones.itertuples(index=False))
    for name, table in (("exposure", roadmap.exposure), ("received", roadmap.received)):
        labels = [plan.horizon.label(int(t)) for t in table.index]
        _sheet(book, name, ["party", "name", *labels],
               ([p, plan.party_by_id[p].name, *table[p]] for p in table.columns))
    walk = roadmap.walkaway()
    _sheet(book, "walk-away", list(walk.columns), walk.itertuples(index=False))
    _sheet(book, "measures", ["measure", "title", "by", "category", "cost", "value", "net", "duration", "earliest",
                              "latest", "mandatory", "available", "scheduled", "requires", "source", "notes"],
           ([m.id, m.title, m.by, m.category, m.cost, m.value, m.net, m.duration, m.earliest, m.latest,
             m.mandatory, m.id not in plan.unavailable, roadmap.starts.get(m.id), ", ".join(m.requires),
             m.source, m.notes] for m in plan.measures))
    _assumptions(book, briefing)
    if compare_with:
        roadmaps = roadmaps_by_scenario(roadmap, compare_with)
        measures = [m.id for m in plan.measures]
        _sheet(book, "comparison", ["measure", "title", *(f"start: {sid}" for sid in roadmaps)],
               ([mid, plan.measure_by_id[mid].title, *(r.starts.get(mid) for r in roadmaps.values())]
                for mid in measures))
        part = briefing.comparison
        if part is not None:
            _sheet(book, "scenarios", part.headers, part.rows)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _summary(book: Workbook, briefing: Briefing) -> None:
    rows: list[list[Any]] = [["plan", briefing.title], ["scenario", briefing.scenario],
                             ["status", briefing.status_line]]
    rows += [["summary", s] for s in briefing.summary]
    rows += [["conflict", c] for c in briefing.conflicts]
    sheet = _sheet(book, "summary", ["item", "text"], rows)
    for row in sheet.iter_rows(min_row=2):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")


def _assumptions(book: Workbook, b: Briefing) -> None:
    rows: list[list[Any]] = [["scenario", b.scenario], ["scenario description", b.scenario_description]]
    rows += [["not available", s] for s in b.unavailable]
    rows += [["scenario changes", s] for s in b.overrides]
    rows += [["rule", s] for s in b.rules]
    rows += [["plan description", b.plan_description]] if b.plan_description else []
    sheet = _sheet(book, "assumptions", ["item", "text"], rows)
    for row in sheet.iter_rows(min_row=2):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
