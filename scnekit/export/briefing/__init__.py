"""Briefings for the Security Council: a roadmap as HTML, Markdown or an Excel workbook.

>>> import scnekit
>>> plan = scnekit.load("examples/syria_scne.yaml")
>>> roadmap = scnekit.solve(plan)
>>> html = roadmap.to_html(compare_with=[scnekit.solve(plan, "earthquake")])
>>> roadmap.to_excel("briefing.xlsx")

One module per job: :mod:`.context` says what the briefing says (plain sentences and
tables), :mod:`.comparing` the comparison of scenarios, :mod:`.html`, :mod:`.markdown` and
:mod:`.excel` render it. Importing this package installs the three writers behind
:meth:`Roadmap.to_html`, :meth:`Roadmap.to_markdown` and :meth:`Roadmap.to_excel`
(``import scnekit`` does).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scnekit.analysis.implementation import Implementation
from scnekit.errors import UsageError
from scnekit.fileformat.writing import write_bytes_atomic
from scnekit.roadmap import Roadmap, use_briefing_writers

FORMATS = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown", ".xlsx": "excel"}


def render_html(roadmap: Roadmap, compare_with: Sequence[Roadmap] = (), **options: Any) -> str:
    """:func:`scnekit.export.briefing.html.render_html` (plotly.js and Jinja2 are loaded
    when a briefing is made, not with every command)."""
    from .html import render_html as render

    return render(roadmap, compare_with, **options)


def render_markdown(roadmap: Roadmap, compare_with: Sequence[Roadmap] = (), **options: Any) -> str:
    """:func:`scnekit.export.briefing.markdown.render_markdown`."""
    from .markdown import render_markdown as render

    return render(roadmap, compare_with, **options)


def workbook_bytes(roadmap: Roadmap, compare_with: Sequence[Roadmap] = (), **options: Any) -> bytes:
    """:func:`scnekit.export.briefing.excel.workbook_bytes`."""
    from .excel import workbook_bytes as render

    return render(roadmap, compare_with, **options)


def write_excel(roadmap: Roadmap, path: str | os.PathLike[str], compare_with: Sequence[Roadmap] = (), *,
                implementation: Implementation | None = None) -> None:
    """Write the briefing's workbook to ``path`` as a shared file is written
    (:func:`scnekit.fileformat.writing.write_bytes_atomic`: atomic, mode and owner kept).

    A path that cannot be written is a :class:`UsageError` naming it and the system's reason."""
    write_bytes_atomic(path, workbook_bytes(roadmap, compare_with, implementation=implementation))


def briefing_format(path: str | os.PathLike[str]) -> str:
    """``html``, ``markdown`` or ``excel`` from the file's suffix; any other suffix is a UsageError."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise UsageError(f"cannot tell the briefing's format from {os.fspath(path)!r}: end the name with "
                         ".html, .md or .xlsx")
    return FORMATS[suffix]


use_briefing_writers(html=render_html, markdown=render_markdown, excel=write_excel)

__all__ = ["FORMATS", "briefing_format", "render_html", "render_markdown", "workbook_bytes", "write_excel"]
