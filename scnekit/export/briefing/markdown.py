"""The briefing as Markdown: the same content as the HTML, with tables instead of figures.

Every value the template prints passes through :func:`md` (the environment's
``finalize``), so a title or a note cannot open a heading, a link, a table cell or
raw HTML in whatever renders the Markdown.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup

from scnekit.analysis.implementation import Implementation
from scnekit.roadmap import Roadmap

from .context import Table, build
from .implementing import implementation_part

_SPECIAL = re.compile(r"([\\`*_\[\]<>|#!~])")
_LINE_START = re.compile(r"^([-+=]|\d+[.)])")


def md(value: Any) -> Any:
    """Text made inert in Markdown: one line, its punctuation backslash-escaped; other values
    (and :class:`Markup`, which this module has escaped already) as they are."""
    if isinstance(value, Markup):
        return str(value)
    if not isinstance(value, str):
        return value
    text = _SPECIAL.sub(r"\\\1", " ".join(value.split()))
    return _LINE_START.sub(r"\\\1", text)


def cell(value: Any) -> str:
    """A table cell as the reader sees it: numbers as 3 or 2.5, none as a dash."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return f"{float(value):g}"
    return str(value)


def table(t: Table) -> Markup:
    """A pipe table whose every cell is escaped with :func:`md`."""
    lines = ["| " + " | ".join(md(h) for h in t.headers) + " |", "|" + " --- |" * len(t.headers)]
    lines += ["| " + " | ".join(md(cell(c)) for c in row) + " |" for row in t.rows]
    return Markup("\n".join(lines) + "\n")  # noqa: S704 - Markdown, every cell escaped by md()


@cache
def _environment() -> jinja2.Environment:
    # Markdown, not HTML: md(), the finalize of every {{ value }}, escapes for Markdown
    env = jinja2.Environment(loader=jinja2.PackageLoader("scnekit.export", "templates"),
                             autoescape=False, finalize=md,  # noqa: S701 undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["cell"] = cell
    env.filters["table"] = table
    return env


def render_markdown(roadmap: Roadmap, compare_with: Sequence[Roadmap] = (), *, today: dt.date | None = None,
                    implementation: Implementation | None = None) -> str:
    """The briefing of ``roadmap`` as Markdown text (see :func:`scnekit.Roadmap.to_markdown`)."""
    briefing = build(roadmap, compare_with)
    impl = implementation_part(implementation) if implementation is not None else None
    text = _environment().get_template("briefing.md.j2").render(
        b=briefing, impl=impl, date=(today or dt.date.today()).isoformat())
    return re.sub(r"\n{3,}", "\n\n", text)
