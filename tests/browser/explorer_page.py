"""Drive the Explorer in a page: wait for it, move the exposure slider, time the updates.

Only the Explorer's stable CSS classes are used (``scne-max-exposure``, ``scne-timeline``,
``scne-status``, ``scne-busy``, ``scne-error``), so the same code drives Voilà and
JupyterLab. Times come from the page's own clock (``performance.now()``), from the
key's ``keydown`` event to two moments: the end of the views' first redraw (the Explorer
shows the best roadmap so far while the solver still proves it) and the last change of
the status or timeline once the Explorer is no longer busy (the proven optimum).
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

SLIDER = ".scne-max-exposure"
HANDLE = f"{SLIDER} .noUi-handle"
CAPACITY = ".scne-capacity"
READOUT = f"{SLIDER} .widget-readout"
TIMELINE = ".scne-timeline"
STATUS = ".scne-status"
QUIET_MS = 250
BURST_GAP_MS = 150
PATIENCE_MS = 1500
UPDATE_TIMEOUT_MS = 60_000

_OBSERVE = """() => {
  if (window.__scne) return;
  const log = {events: [], keys: []};
  window.__scne = log;
  window.addEventListener('keydown', () => log.keys.push(performance.now()), true);
  // a figure widget redrawn in place (Plotly.react may change no node the observer watches)
  window.addEventListener('scne-drawn', (e) => log.events.push({kind: e.detail.name, t: performance.now()}));
  const where = (node) => {
    const el = node.nodeType === 1 ? node : node.parentElement;
    if (!el) return null;
    if (el.closest('.scne-status')) return 'status';
    for (const view of ['timeline', 'exposure', 'flows', 'milestones']) {
      if (el.closest('.scne-' + view)) return view;
    }
    return null;
  };
  new MutationObserver((mutations) => {
    const t = performance.now();
    for (const m of mutations) {
      if (m.type === 'attributes') {
        const was = (m.oldValue || '').split(/\\s+/).includes('scne-busy');
        const is = m.target.classList.contains('scne-busy');
        if (was !== is) log.events.push({kind: is ? 'busy' : 'idle', t});
        continue;
      }
      const kind = where(m.target);
      if (kind) log.events.push({kind, t});
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true,
                             attributes: true, attributeFilter: ['class'], attributeOldValue: true});
}"""

# Settled: the status changed after the key, nothing is busy, and all has been quiet a while
# (longer if the timeline has not been redrawn yet: the Explorer redraws it on every solve).
# Returns ms from the key to the end of the first redraw of the views (null if none: the
# first burst of DOM changes in the four views, plotly's own rendering included, ending
# at a pause of BURST_GAP_MS) and to the last change of status or timeline.
_SETTLED = """([t0, quiet, patience, gap]) => {
  const after = window.__scne.events.filter((e) => e.t >= t0);
  const shown = after.filter((e) => e.kind === 'status' || e.kind === 'timeline');
  if (!shown.some((e) => e.kind === 'status') || document.querySelector('.scne-busy')) return null;
  const idle = performance.now() - Math.max(...after.map((e) => e.t));
  const redrawn = shown.some((e) => e.kind === 'timeline');
  if (idle < (redrawn ? quiet : patience)) return null;
  const views = after.filter((e) => ['timeline', 'exposure', 'flows', 'milestones'].includes(e.kind));
  let end = null;
  for (const e of views) {
    if (end !== null && e.t - end > gap) break;
    end = e.t;
  }
  return [end === null ? null : end - t0, Math.max(...shown.map((e) => e.t)) - t0];
}"""


@dataclass
class Latencies:
    """Per move, seconds from key press to the end of the views' first redraw (None when
    no view changed) and until the view settled."""

    first: list[float | None]
    seconds: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def worst(self) -> float:
        return max(self.seconds)

    @property
    def first_shown(self) -> list[float]:
        return [s for s in self.first if s is not None]

    def summary(self) -> str:
        first = self.first_shown
        lines = [f"{len(self.seconds)} moves; views redrawn: "
                 + (f"median {statistics.median(first):.3f} s, worst {max(first):.3f} s ({len(first)} redrawn)"
                    if first else "never"),
                 f"settled (proven optimum shown): median {self.median:.3f} s, worst {self.worst:.3f} s",
                 "each (first/settled): " + ", ".join(
                     f"{'-' if f is None else f'{f:.2f}'}/{s:.2f}" for f, s in zip(self.first, self.seconds,
                                                                                      strict=True))]
        return "\n  ".join(lines)


def wait_for_explorer(page: Page, screenshot: Path | None = None, log: Callable[[], str] | None = None,
                      timeout_ms: int = 180_000) -> None:
    """Wait until the Explorer shows a plotted timeline and a status, and is not busy. If it
    does not, fail with what the page shows (and ``log()``, the server's log), after a
    ``screenshot``."""
    try:
        page.wait_for_selector(f"{TIMELINE} .trace", state="attached", timeout=timeout_ms)
        page.wait_for_function(
            "() => { const s = document.querySelector('.scne-status');"
            " return s && s.innerText.trim().length > 0 && !document.querySelector('.scne-busy'); }",
            timeout=timeout_ms)
    except PlaywrightTimeout:
        if screenshot is not None:
            page.screenshot(path=str(screenshot))
        shown = page.evaluate(_DESCRIBE)
        raise AssertionError(f"the Explorer did not settle in {timeout_ms / 1000:.0f} s; the page shows {shown}"
                             + (f"\nserver log:\n{log()}" if log else "")) from None
    page.evaluate(_OBSERVE)


_DESCRIBE = """() => ({
  traces: document.querySelectorAll('.scne-timeline .trace').length,
  status: (document.querySelector('.scne-status') || {innerText: null}).innerText,
  busy: Array.from(document.querySelectorAll('.scne-busy')).map((e) => e.className),
  errors: Array.from(document.querySelectorAll('.scne-error')).map((e) => e.innerText),
  widgetErrors: Array.from(document.querySelectorAll('.jupyter-widgets-error-widget, .jp-RenderedText[data-mime-type="application/vnd.jupyter.stderr"]')).map((e) => e.innerText.slice(0, 300)),
  body: document.body.innerText.slice(0, 600),
})"""


def status_text(page: Page) -> str:
    return page.inner_text(STATUS).strip()


def timeline_html(page: Page) -> str:
    return page.inner_html(TIMELINE)


def slider_value(page: Page) -> str:
    return page.inner_text(READOUT).strip()


def press_and_time(page: Page, key: str, slider: str = SLIDER) -> tuple[float | None, float]:
    """Press ``key`` on the exposure slider's handle; seconds to the end of the views' first
    redraw (None if no view changed) and until the view settled."""
    page.focus(f"{slider} .noUi-handle")
    count = page.evaluate("() => window.__scne.keys.length")
    page.keyboard.press(key)
    page.wait_for_function(f"() => window.__scne.keys.length > {count}")
    t0 = page.evaluate("() => window.__scne.keys[window.__scne.keys.length - 1]")
    handle = page.wait_for_function(_SETTLED, arg=[t0, QUIET_MS, PATIENCE_MS, BURST_GAP_MS], timeout=UPDATE_TIMEOUT_MS,
                                    polling=50)
    first, settled = handle.json_value()
    return (None if first is None else float(first) / 1000.0), float(settled) / 1000.0


def slider_bounds(page: Page, slider: str = SLIDER) -> tuple[float, float, float]:
    """A slider's (minimum, value, maximum) as its handle announces them."""
    handle = page.locator(f"{slider} .noUi-handle")
    return tuple(float(handle.get_attribute(f"aria-value{k}") or "nan")  # type: ignore[return-value]
                 for k in ("min", "now", "max"))


def zigzag(page: Page, moves: int = 20, amplitude: int = 3,
           after_each: Callable[[], object] | None = None, pause: float = 0.0,
           slider: str = SLIDER) -> Latencies:
    """Move ``slider`` (the exposure slider unless told) ``moves`` times by one step, to and
    fro within ``amplitude`` steps, waiting ``pause`` seconds after each settled move."""
    first: list[float | None] = []
    seconds: list[float] = []
    offset, direction = 0, -1
    for _ in range(moves):
        low, now, high = slider_bounds(page, slider)
        if abs(offset + direction) > amplitude or (direction < 0 and now <= low) or \
                (direction > 0 and now >= high):
            direction = -direction
        redrawn, settled = press_and_time(page, "ArrowLeft" if direction < 0 else "ArrowRight", slider)
        first.append(redrawn)
        seconds.append(settled)
        offset += direction
        if after_each is not None:
            after_each()
        if pause:
            page.wait_for_timeout(pause * 1000)
    return Latencies(first, seconds)


def set_slider(page: Page, value: int) -> float:
    """Type ``value`` into the slider's readout (ipywidgets 8 readouts are editable).

    Returns the page time (ms) of the Enter key that sets it.
    """
    page.locator(READOUT).click()
    page.keyboard.press("Control+A")
    page.keyboard.type(str(value))
    page.keyboard.press("Enter")
    return float(page.evaluate("() => window.__scne.keys[window.__scne.keys.length - 1]"))


def wait_settled(page: Page, since: float, timeout_ms: int = UPDATE_TIMEOUT_MS) -> float:
    """Wait until the view settled after page time ``since``; returns the seconds it took."""
    handle = page.wait_for_function(_SETTLED, arg=[since, QUIET_MS, PATIENCE_MS, BURST_GAP_MS], timeout=timeout_ms,
                                    polling=50)
    return float(handle.json_value()[1]) / 1000.0


def solve_seconds(status: str) -> float | None:
    """The solve time the status line reports ("solved in 1.23 s", "solved earlier in ..."),
    if it says one."""
    found = re.search(r"solved (?:earlier |ahead )?in ([0-9.]+) s", status)
    return float(found.group(1)) if found else None


def error_text(page: Page) -> str:
    """Text in the Explorer's error area (empty when there is none)."""
    return " ".join(t.strip() for t in page.locator(".scne-error").all_inner_texts()).strip()


def foreign_requests(urls: list[str]) -> list[str]:
    """Requests that left this machine (anything but loopback, data: and blob: URLs)."""
    local = {"127.0.0.1", "localhost", "::1", "[::1]"}
    return [u for u in urls if urlsplit(u).scheme in ("http", "https", "ws", "wss")
            and urlsplit(u).hostname not in local]


# The four views' plots: the figure widget's marks (set when the plot was first drawn, and
# each draw) and a test's own mark on the element, to tell an update in place from a rebuild.
_PLOTS = """(tag) => ['timeline', 'exposure', 'flows', 'milestones'].map((view) => {
  const gd = document.querySelector('.scne-' + view + ' .js-plotly-plot');
  if (!gd) return null;
  if (tag) gd.dataset.testMark = tag + '-' + view;
  return {view, mark: gd.dataset.testMark || null, first: gd.dataset.scneFirstDraw || null,
          draws: Number(gd.dataset.scneDraws || 0), batch: Number(gd.dataset.scneBatch || 0),
          plots: document.querySelectorAll('.scne-' + view + ' .js-plotly-plot').length};
})"""


def plots(page: Page, tag: str = "") -> list[dict[str, object] | None]:
    """The main views' plot elements as the figure widget marked them (and with ``tag``,
    mark each with ``data-test-mark``)."""
    return list(page.evaluate(_PLOTS, tag))


def plotly_evaluations(page: Page) -> int:
    """How many times the page evaluated plotly.js for the figure widgets."""
    return int(page.evaluate("() => (globalThis[Symbol.for('scnekit.plotly')] || {}).evaluated || 0"))


def timeline_labels(page: Page) -> list[str]:
    """The measures the timeline shows (its y-axis labels), in order."""
    return list(page.evaluate("(sel) => [...document.querySelectorAll(sel)].map((t) => t.textContent.trim())",
                              f"{TIMELINE} .ytick"))
