"""A plotly figure that the browser updates in place: ``Figure``, an anywidget.

plotly.js reaches each page once, from the kernel's single :class:`PlotlyJS` widget, which
sends the installed plotly package's own bundle (nothing from the network) to a page that
asks; every :class:`Figure` refers to it, and the page asks and evaluates it once
(``figure.js`` keeps it on ``window``). A figure is then only its data and layout, as JSON in the ``spec`` trait,
applied with ``Plotly.react`` on the same element: the DOM is updated, not rebuilt, and a
page that connects later gets the current figure with the widget's state.

``Figure.show`` may be called from any thread (the explorer's solving threads do): each
figure's traits are set under its own lock, in one message (``hold_sync``), the same
path ipywidgets uses for any trait set.
"""

from __future__ import annotations

import functools
import threading
import time
from pathlib import Path
from typing import Any

import anywidget
import ipywidgets as widgets
import plotly
import plotly.graph_objects as go
import plotly.io as pio
import traitlets
from plotly.offline import get_plotlyjs

HERE = Path(__file__).resolve().parent
CONFIG = {"displaylogo": False, "responsive": True}


class PlotlyJS(widgets.Widget):  # type: ignore[misc]  # ipywidgets has no type hints
    """plotly.js for the page: a model without a view that sends the installed plotly.js to a
    page that asks (once per page: ``figure.js`` keeps it on ``window``), as a binary buffer.

    plotly.js is no synced trait: a page restoring the kernel's widgets (Voilà, a reloaded
    JupyterLab) would fetch 4.8 MB with the state of every widget before any was shown,
    lengthening the window in which ipywidgets drops updates sent meanwhile.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sent = 0  # copies of plotly.js sent (one per page that asked)
        self.on_msg(self._asked)

    def _asked(self, _: object, content: dict[str, Any], buffers: list[bytes]) -> None:
        if isinstance(content, dict) and content.get("request") == "plotly.js":
            self.send({"plotlyjs": plotly_version()}, buffers=[plotly_bytes()])
            self.sent += 1


@functools.cache
def plotly_bytes() -> bytes:
    """The installed plotly package's plotly.js (its own bundle, as ``plotly.offline`` ships it)."""
    return str(get_plotlyjs()).encode("utf-8")


def plotly_version() -> str:
    return str(getattr(plotly, "__version__", ""))


_lock = threading.Lock()
_shared: dict[str, PlotlyJS] = {}  # the kernel's one PlotlyJS, once made


def plotlyjs() -> PlotlyJS:
    """The kernel's one :class:`PlotlyJS` (a new one if it was closed, e.g. by ``Widget.close_all``)."""
    with _lock:
        loader = _shared.get("plotly.js")
        if loader is None or loader.comm is None:
            loader = _shared["plotly.js"] = PlotlyJS()
        return loader


def spec_json(figure: go.Figure) -> str:
    """``figure``'s data and layout as the JSON text plotly.js takes (user text stays as
    ``figures.plain`` escaped it)."""
    return str(pio.to_json(figure, validate=False))


class Figure(anywidget.AnyWidget):
    """One plotly figure, redrawn in place with ``Plotly.react`` when :meth:`show` changes it.

    ``name`` says which view it is (in the page's draw log); ``batch`` and ``sent`` (the
    kernel's clock, ms since the epoch) say which drawing a figure belongs to and when it was
    set, so a page can time the way from the kernel to the screen.
    """

    _esm = HERE / "figure.js"
    _css = HERE / "figure.css"
    spec = traitlets.Unicode("{}").tag(sync=True)
    config = traitlets.Dict().tag(sync=True)
    name = traitlets.Unicode("").tag(sync=True)
    batch = traitlets.Int(0).tag(sync=True)
    sent = traitlets.Float(0.0).tag(sync=True)
    loader = traitlets.Instance(PlotlyJS).tag(sync=True, **widgets.widget_serialization)

    def __init__(self, name: str = "", *, config: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(name=name, config=dict(CONFIG if config is None else config), loader=plotlyjs(),
                         **kwargs)
        self._show_lock = threading.Lock()
        self.figure: go.Figure | None = None

    def show(self, figure: go.Figure, batch: int = 0) -> bool:
        """Draw ``figure`` (from any thread); False when it is the one shown already, which
        is not sent again."""
        spec = spec_json(figure)
        with self._show_lock:
            self.figure = figure
            if spec == self.spec:
                return False
            with self.hold_sync():
                self.batch = batch
                self.sent = time.time() * 1000.0
                self.spec = spec
            return True
