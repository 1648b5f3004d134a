"""A plotly figure that the browser updates in place: ``Figure``, an anywidget.

plotly.js reaches each page once, from the kernel's single :class:`PlotlyJS` widget, which
sends the installed plotly package's own bundle (nothing from the network) to a page that
asks; every :class:`Figure` refers to it, and the page asks and evaluates it once
(``figure.js`` keeps it on ``window``). A figure is then only its data and layout as JSON,
applied with ``Plotly.react`` on the same element: the DOM is updated, not rebuilt.

Each new figure travels as a message of that shared widget, addressed by the figure's
``key``, not as a trait update of the figure's own model. anywidget gives a model two
seconds to load its module; on a loaded machine a model that misses them never applies
another trait update, and the view would stay on its first figure. The shared widget is a
plain ipywidgets model without that deadline. A page that connects later gets the current
figure with the widget's state (:meth:`Figure.get_state`), and a view that starts after
some figures went by asks for the current one.

``Figure.show`` may be called from any thread (the explorer's solving threads do): each
figure is set and sent under its own lock, in one message.
"""

from __future__ import annotations

import functools
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterable
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
# what a page needs of the figure shown: in the widget's state, never sent as trait updates
SHOWN = ("spec", "version", "batch", "sent")


class PlotlyJS(widgets.Widget):  # type: ignore[misc]  # ipywidgets has no type hints
    """plotly.js for the page, and the channel that carries each figure drawn.

    A model without a view. It sends the installed plotly.js, as a binary buffer, to a page
    that asks (once per page: ``figure.js`` keeps it on ``window``), and every figure shown
    to every page, addressed by its :attr:`Figure.key`. plotly.js is no synced trait: a page
    restoring the kernel's widgets (Voilà, a reloaded JupyterLab) would fetch 4.8 MB with
    the state of every widget before any was shown.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sent = 0  # copies of plotly.js sent (one per page that asked)
        self.figures: weakref.WeakValueDictionary[str, Figure] = weakref.WeakValueDictionary()
        self._listeners: list[weakref.WeakMethod[Callable[[], None]]] = []
        self.on_msg(self._asked)

    def when_a_view_starts(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (a bound method, held weakly) whenever a figure view starts on a
        page. Updates the kernel sent while that page was loading the widgets' states may
        never have reached it (the page drops a message for a model it has not made yet):
        the owner of widgets updated from other threads sends their state again."""
        self._listeners.append(weakref.WeakMethod(callback))

    def _asked(self, _: object, content: dict[str, Any], buffers: list[bytes]) -> None:
        if not isinstance(content, dict):
            return
        if content.get("request") == "plotly.js":
            self.send({"plotlyjs": plotly_version()}, buffers=[plotly_bytes()])
            self.sent += 1
        elif content.get("request") == "figure":  # a view that started late: the current figure
            figure = self.figures.get(str(content.get("key", "")))
            if figure is not None:
                figure.resend()
            self._listeners = [ref for ref in self._listeners if ref() is not None]
            for ref in list(self._listeners):
                if (callback := ref()) is not None:
                    callback()


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


def spec_json(figure: go.Figure | dict[str, Any]) -> str:
    """``figure`` (plotly's figure, or a plain dict of its data and layout) as the JSON text
    plotly.js takes (user text stays as ``figures.plain`` escaped it)."""
    return str(pio.to_json(figure, validate=False))


class Figure(anywidget.AnyWidget):
    """One plotly figure, redrawn in place with ``Plotly.react`` when :meth:`show` changes it.

    ``name`` says which view it is (in the page's draw log); ``version`` counts the figures
    shown, so a page draws only newer ones; ``batch`` and ``sent`` (the kernel's clock, ms
    since the epoch) say which drawing a figure belongs to and when it was set, so a page
    can time the way from the kernel to the screen.
    """

    _esm = HERE / "figure.js"
    _css = HERE / "figure.css"
    key = traitlets.Unicode("").tag(sync=True)
    config = traitlets.Dict().tag(sync=True)
    name = traitlets.Unicode("").tag(sync=True)
    loader = traitlets.Instance(PlotlyJS).tag(sync=True, **widgets.widget_serialization)
    # the figure shown: in get_state(), sent through the loader (see the module's doc)
    spec = traitlets.Unicode("{}")
    version = traitlets.Int(0)
    batch = traitlets.Int(0)
    sent = traitlets.Float(0.0)

    def __init__(self, name: str = "", *, config: dict[str, Any] | None = None, **kwargs: Any) -> None:
        self._show_lock = threading.RLock()
        super().__init__(name=name, config=dict(CONFIG if config is None else config), loader=plotlyjs(),
                         key=uuid.uuid4().hex, **kwargs)
        self._shown: go.Figure | dict[str, Any] | None = None
        self._built: go.Figure | None = None
        self.loader.figures[self.key] = self

    def get_state(self, key: str | Iterable[str] | None = None, drop_defaults: bool = False) -> dict[str, Any]:
        """The widget's state with the figure shown now (what a page connecting later gets)."""
        with self._show_lock:
            state: dict[str, Any] = super().get_state(key=key, drop_defaults=drop_defaults)
            wanted = SHOWN if key is None else [key] if isinstance(key, str) else list(key)
            state.update({name: getattr(self, name) for name in SHOWN if name in wanted})
            return state

    @property
    def figure(self) -> go.Figure | None:
        """The figure shown, as plotly's validated figure (built when first asked for)."""
        with self._show_lock:
            if self._built is None and self._shown is not None:
                self._built = self._shown if isinstance(self._shown, go.Figure) else go.Figure(self._shown)
            return self._built

    def show(self, figure: go.Figure | dict[str, Any], batch: int = 0) -> bool:
        """Draw ``figure`` (plotly's figure, or a plain dict of its data and layout; from any
        thread); False when it is the one shown already, which is not sent again."""
        spec = spec_json(figure)
        with self._show_lock:
            self._shown, self._built = figure, None
            if spec == self.spec:
                return False
            self.spec, self.batch, self.sent = spec, batch, time.time() * 1000.0
            self.version += 1
            self.resend()
            return True

    def resend(self) -> None:
        """Send the figure shown to every page (through the loader; see the module's doc)."""
        with self._show_lock:
            if self.loader.comm is None or self.comm is None:
                return
            self.loader.send({"figure": self.key, "version": self.version, "batch": self.batch, "sent": self.sent},
                             buffers=[self.spec.encode("utf-8")])
