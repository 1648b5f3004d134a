"""The explorer as a room sees it: slider moves timed in real Voilà and JupyterLab, in Chromium.

Starts ``scnekit workshop examples/syria_scne.yaml`` (Voilà) and JupyterLab with the
dashboard notebook, exactly as ``tests/browser/`` does (its ``servers.py`` and
``explorer_page.py``), opens each in headless Chromium (``/usr/bin/chromium``), and times:

- back to back: ``--moves`` moves of the exposure slider, each started once the one
  before settled;
- paced: ``--paced`` moves of the capacity slider, ``--pause`` seconds apart (a room looks
  and talks before the next "what if?"; the explorer solves ahead meanwhile).

Per move, from the key press (the page's clock):

- *views redrawn*: the end of the first redraw of the four views (the best roadmap so far);
- *optimum shown*: the proven optimum on screen, nothing busy any more.

With the figure widgets (``widgets/figure.py``) every draw is logged in the page
(``window.__scneDraws``: when the kernel set the figure, when the message arrived, when
``Plotly.react`` resolved), so *views redrawn* is split into the kernel's share (key press
to the figure set: the change reaching the kernel, the solve, the figures built), the
transport's (figure set to message handled in the page) and the browser's (to the figure
drawn). ``--views output`` measures the earlier design (each view an ``Output`` replaced by
plotly's mime bundle; ``SCNEKIT_VIEWS=output`` in the kernel's environment), which has no
such log: only the totals, from DOM changes, as the browser tests measure them.

    .venv/bin/python benchmarks/browser.py                    # Voilà and JupyterLab, 20 + 6 moves
    .venv/bin/python benchmarks/browser.py --views output     # the same, earlier design
    .venv/bin/python benchmarks/browser.py --quick            # Voilà only, 6 + 2 moves, 3 s apart
    .venv/bin/python benchmarks/browser.py --json out.json    # also write every figure
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import explorer_page as ui  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, VIEWPORT  # noqa: E402
from tests.browser.servers import jupyterlab, workshop  # noqa: E402

VIEWS = ("timeline", "exposure", "flows", "milestones")
NOTEBOOK = "explorer.ipynb"


@dataclass
class Move:
    """One slider move, in seconds from its key press."""

    redrawn: float | None  # the views' first redraw ended (DOM changes and draw events)
    settled: float  # the proven optimum on screen
    shares: tuple[float, float, float] | None = None  # kernel, transport, browser of `drawn`
    drawn: float | None = None  # the last view of the first batch drawn (figure widgets' log)
    views: int = 0  # views in that batch


@dataclass
class Run:
    where: str
    kind: str  # "back to back" or "paced"
    moves: list[Move] = field(default_factory=list)

    def line(self) -> str:
        redrawn = [m.drawn if m.drawn is not None else m.redrawn for m in self.moves]
        shown = [r for r in redrawn if r is not None]
        settled = [m.settled for m in self.moves]
        out = [f"{self.where}, {self.kind}, {len(self.moves)} moves:"]
        if shown:
            out.append(f"  views redrawn   median {_ms(statistics.median(shown))}, worst {_ms(max(shown))}"
                       f" ({len(shown)} of {len(self.moves)} moves redrew)")
        out.append(f"  optimum shown   median {_ms(statistics.median(settled))}, worst {_ms(max(settled))}")
        shares = [m.shares for m in self.moves if m.shares is not None]
        if shares:
            total = [sum(s) for s in shares]
            parts = list(zip(*shares, strict=True))
            names = ("kernel", "transport", "browser") if any(parts[1]) else ("kernel", "", "transport + browser")
            out.append("  redraw shares (median of each): " + ", ".join(
                f"{name} {_ms(statistics.median(p))} ({100 * sum(p) / sum(total):.0f} %)"
                for name, p in zip(names, parts, strict=True) if name))
        out.append("  each (redrawn/settled, s): " + ", ".join(
            f"{'-' if r is None else f'{r:.2f}'}/{s:.2f}" for r, s in zip(redrawn, settled, strict=True)))
        return "\n".join(out)

    def summary(self) -> dict[str, Any]:
        redrawn = [m.drawn if m.drawn is not None else m.redrawn for m in self.moves]
        shown = [r for r in redrawn if r is not None]
        shares = [m.shares for m in self.moves if m.shares is not None]
        return {"where": self.where, "kind": self.kind, "moves": len(self.moves),
                "redrawn_median_s": statistics.median(shown) if shown else None,
                "redrawn_worst_s": max(shown) if shown else None,
                "settled_median_s": statistics.median(m.settled for m in self.moves),
                "settled_worst_s": max(m.settled for m in self.moves),
                "shares_median_s": [statistics.median(p) for p in zip(*shares, strict=True)] if shares else None,
                "each": [{"redrawn": m.redrawn, "drawn": m.drawn, "settled": m.settled, "shares": m.shares,
                          "views": m.views} for m in self.moves]}


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


# Both designs: each animation frame, note every main view whose plot shows a new drawing
# (its number and kernel time: the figure widget's data-scne-* attributes, or the layout.meta
# that Views(mode="output") stamps on each figure it sends).
_POLL = """() => {
  if (window.__scneBench) return;
  const log = [];
  const seen = {};
  window.__scneBench = log;
  const tick = () => {
    const t = performance.timeOrigin + performance.now();
    for (const name of ['timeline', 'exposure', 'flows', 'milestones']) {
      const gd = document.querySelector('.scne-' + name + ' .js-plotly-plot');
      if (!gd || !gd.querySelector('.main-svg')) continue;
      const meta = (gd.layout && gd.layout.meta) || {};
      const batch = meta.scne_batch !== undefined ? meta.scne_batch : Number(gd.dataset.scneBatch);
      const sent = meta.scne_sent !== undefined ? meta.scne_sent : Number(gd.dataset.scneSent);
      if (seen[name] !== batch + ':' + sent) {
        seen[name] = batch + ':' + sent;
        log.push({name, batch, sent, received: null, drawn: t});
      }
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""


def draws_since(page: Any, key: float) -> tuple[float | None, tuple[float, float, float] | None, int]:
    """Seconds from the key (page time) to the end of the first drawing of the main views
    after it, that drawing's shares (kernel, transport, browser; transport and browser
    together in the browser's share without the figure widgets' log), and how many views
    it changed. The figure widgets' own log (``window.__scneDraws``) when there is one,
    else the frame poller's."""
    drawn = page.evaluate("() => [(window.__scneDraws || []).map((d) => ({...d})), window.__scneBench || []]")
    origin = float(page.evaluate("() => performance.timeOrigin"))
    at = origin + key  # the key press, ms since the epoch
    for log in drawn:
        mine = [d for d in log if d.get("name") in VIEWS and (d.get("sent") or 0) >= at - 5]
        if not mine:
            continue
        batch = min(d["batch"] for d in mine)
        first = [d for d in mine if d["batch"] == batch]
        last = max(first, key=lambda d: d["drawn"])
        received = last["received"] if last["received"] is not None else last["sent"]
        shares = ((last["sent"] - at) / 1000, (received - last["sent"]) / 1000, (last["drawn"] - received) / 1000)
        return (last["drawn"] - at) / 1000, shares, len(first)
    return None, None, 0


def moves(page: Any, where: str, kind: str, count: int, slider: str, pause: float = 0.0,
          amplitude: int = 3) -> Run:
    """Move ``slider`` ``count`` times, one step to and fro, as ``explorer_page.zigzag`` does."""
    run = Run(where, kind)
    offset, direction = 0, -1
    for _ in range(count):
        low, now, high = ui.slider_bounds(page, slider)
        if abs(offset + direction) > amplitude or (direction < 0 and now <= low) or \
                (direction > 0 and now >= high):
            direction = -direction
        redrawn, settled = ui.press_and_time(page, "ArrowLeft" if direction < 0 else "ArrowRight", slider)
        key = float(page.evaluate("() => window.__scne.keys[window.__scne.keys.length - 1]"))
        drawn, shares, views = draws_since(page, key)
        run.moves.append(Move(redrawn, settled, shares, drawn, views))
        offset += direction
        print(f"    {kind}: redrawn {'-' if redrawn is None else f'{redrawn:.3f}'} s"
              f" (log {'-' if drawn is None else f'{drawn:.3f}'} s, {views} views), settled {settled:.3f} s"
              + (" shares " + "/".join(f"{s * 1000:.0f}" for s in shares) + " ms" if shares else ""), flush=True)
        if pause:
            page.wait_for_timeout(pause * 1000)
    return run


@contextmanager
def chromium(profile: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(str(profile), executable_path=str(CHROMIUM),
                                                        headless=True, args=CHROMIUM_ARGS, viewport=VIEWPORT)
        context.requested = []
        context.on("request", lambda request: context.requested.append(request.url))
        try:
            yield context
        finally:
            context.close()


def measure(page: Any, where: str, args: argparse.Namespace) -> list[Run]:
    ui.wait_for_explorer(page)
    page.evaluate(_POLL)
    page.wait_for_timeout(1000)  # the first solve-ahead starts; a room's first move comes later
    runs = [moves(page, where, "back to back", args.moves, ui.SLIDER)]
    print(runs[-1].line(), flush=True)
    if args.paced:
        runs.append(moves(page, where, f"paced ({args.pause:g} s apart)", args.paced, ui.CAPACITY,
                          pause=args.pause))
        print(runs[-1].line(), flush=True)
    return runs


def voila(folder: Path, home: Path, args: argparse.Namespace) -> list[Run]:
    with workshop(folder / "syria_scne.yaml", home / "voila") as server, chromium(home / "chromium-voila") as browser:
        page = browser.new_page()
        began = time.perf_counter()
        page.goto(server.url, timeout=180_000)
        ui.wait_for_explorer(page)
        print(f"Voilà: page to explorer {time.perf_counter() - began:.1f} s", flush=True)
        runs = measure(page, "Voilà", args)
        foreign = ui.foreign_requests(browser.requested)
        print(f"  requests {len(browser.requested)}, to other machines: {foreign or 'none'}")
        return runs


def lab(folder: Path, home: Path, args: argparse.Namespace) -> list[Run]:
    from scnekit.workshop import dashboard_notebook
    from tests.browser.test_lab_explorer import dismiss_news, run_first_cell

    (folder / NOTEBOOK).write_text(json.dumps(dashboard_notebook()), encoding="utf-8")
    with jupyterlab(folder, home / "lab") as server, chromium(home / "chromium-lab") as browser:
        page = browser.new_page()
        page.goto(f"{server.url}lab/tree/{NOTEBOOK}", timeout=180_000)
        page.wait_for_selector(".jp-Notebook .jp-Cell .cm-content", timeout=120_000)
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)
        dismiss_news(page)
        run_first_cell(page)
        return measure(page, "JupyterLab", args)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--views", choices=("figure", "output"), default="figure",
                        help="figure widgets updated in place (default) or the earlier Output views")
    parser.add_argument("--where", choices=("voila", "lab", "both"), default=None)
    parser.add_argument("--moves", type=int, default=None, help="back-to-back moves (20; 6 with --quick)")
    parser.add_argument("--paced", type=int, default=None, help="paced moves (6; 2 with --quick)")
    parser.add_argument("--pause", type=float, default=None, help="seconds between paced moves (6; 3 with --quick)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args()
    args.where = args.where or ("voila" if args.quick else "both")
    args.moves = args.moves if args.moves is not None else (6 if args.quick else 20)
    args.paced = args.paced if args.paced is not None else (2 if args.quick else 6)
    args.pause = args.pause if args.pause is not None else (3.0 if args.quick else 6.0)
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing", file=sys.stderr)
        return 2
    os.environ["SCNEKIT_VIEWS"] = args.views  # read by the kernel's explorer (widgets/views.py)
    print(f"views: {args.views}; load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
          f"{os.getloadavg()[2]:.2f} on {os.cpu_count()} cores", flush=True)
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="scnekit-browser-") as tmp:
        home = Path(tmp)
        folder = home / "examples"
        shutil.copytree(ROOT / "examples", folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "output"))
        if args.where in ("voila", "both"):
            runs += voila(folder, home, args)
        if args.where in ("lab", "both"):
            runs += lab(folder, home, args)
    print(f"\n== views: {args.views}; load average at the end {os.getloadavg()[0]:.2f}")
    for run in runs:
        print(run.line())
    if args.json:
        args.json.write_text(json.dumps({"views": args.views, "load": os.getloadavg(),
                                         "runs": [r.summary() for r in runs]}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
