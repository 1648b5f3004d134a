"""The briefing as one self-contained HTML file: Jinja2 with autoescape, plotly.js inline.

Nothing in the page is fetched: plotly.js is embedded from the installed plotly package,
the stylesheet is inline, fonts are the reader's own, and a Content-Security-Policy
forbids every request (``default-src 'none'``) and allows only the page's own scripts,
by their hashes. User text reaches the page only through Jinja2's autoescape; figures
travel as JSON in ``<script type="application/json">`` with ``<``, ``>`` and ``&``
written as ``\\u003c``-style escapes, so no text can end the script element.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Sequence
from functools import cache
from typing import Any

import jinja2
import plotly.graph_objects as go
from markupsafe import Markup
from plotly.offline import get_plotlyjs

from scnekit.analysis.implementation import Implementation
from scnekit.export import figures
from scnekit.roadmap import Roadmap

from .context import Briefing, build
from .implementing import implementation_part

#: the tallest figure, in CSS pixels: it fits an A4 page between its margins
MAX_FIGURE_HEIGHT = 900
PLOTLY_CONFIG = '{"displaylogo": false, "responsive": true, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}'
BOOT = """
(function () {
  var config = CONFIG;
  var drawn = [];
  document.querySelectorAll('script[type="application/json"][data-figure]').forEach(function (data) {
    var figure = JSON.parse(data.textContent);
    var target = document.getElementById(data.getAttribute('data-figure'));
    Plotly.newPlot(target, figure.data, figure.layout, config);
    drawn.push(target);
  });
  function fit() { drawn.forEach(function (el) { Plotly.Plots.resize(el); }); }
  window.addEventListener('beforeprint', fit);
  window.addEventListener('afterprint', fit);
})();
""".replace("CONFIG", PLOTLY_CONFIG)


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("scnekit.export", "templates"), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


@cache
def _plotly_js() -> str:
    """plotly.js as shipped in the installed plotly package (it holds no ``</script``)."""
    return str(get_plotlyjs()).replace("</script", "<\\/script")


def script_json(value: str) -> Markup:
    """JSON text made safe inside a ``<script>`` element: it cannot close the element or open a comment."""
    safe = (value.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
    return Markup(safe)  # noqa: S704 - JSON with every <, > and & escaped: no markup left in it


def _figure(name: str, figure: go.Figure) -> dict[str, Any]:
    height = figure.layout.height or 480
    figure.update_layout(height=min(int(height), MAX_FIGURE_HEIGHT), width=None, autosize=True)
    rows = figure.layout.yaxis.categoryarray
    if height > MAX_FIGURE_HEIGHT and rows:  # squeezed onto one page: every row keeps its label, smaller
        size = max(8, min(13, int(0.7 * (MAX_FIGURE_HEIGHT - 200) / len(rows))))
        figure.update_yaxes(tickmode="array", tickvals=list(rows), ticktext=list(rows), tickfont={"size": size})
    return {"id": f"figure-{name}", "json": script_json(figure.to_json()),
            "height": min(int(height), MAX_FIGURE_HEIGHT)}


def _figures(roadmap: Roadmap, briefing: Briefing) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    if roadmap.is_ok:
        out["timeline"] = _figure("timeline", figures.timeline(roadmap))
        if roadmap.plan.milestones:
            out["milestones"] = _figure("milestones", figures.milestones(roadmap))
        out["exposure"] = _figure("exposure", figures.exposure(roadmap))
        out["flows"] = _figure("flows", figures.flows(roadmap))
    if briefing.comparison is not None:
        out["comparison"] = _figure("comparison", figures.compare_figure(briefing.comparison.comparison))
    return out


def _hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"


def render_html(roadmap: Roadmap, compare_with: Sequence[Roadmap] = (), *, today: dt.date | None = None,
                implementation: Implementation | None = None) -> str:
    """The briefing of ``roadmap`` as the text of one HTML file (see :func:`scnekit.Roadmap.to_html`);
    ``implementation`` adds the section on implementation so far."""
    briefing = build(roadmap, compare_with)
    impl = implementation_part(implementation) if implementation is not None else None
    plotly_js = _plotly_js()
    policy = ("default-src 'none'; script-src " + _hash(plotly_js) + " " + _hash(BOOT)
              + "; style-src 'unsafe-inline'; img-src data: blob:; font-src data:; connect-src 'none'; "
              "form-action 'none'; base-uri 'none'")
    template = _environment().get_template("briefing.html.j2")
    return str(template.render(b=briefing, impl=impl, figures=_figures(roadmap, briefing), plotly_js=Markup(plotly_js),  # noqa: S704
                           boot=Markup(BOOT), policy=policy,  # noqa: S704 - our own script and policy, no user text
                           date=(today or dt.date.today()).isoformat()))
