"""A roadmap as plain text for a person at a terminal."""

from __future__ import annotations

import re

from scnekit.limits import inline
from scnekit.roadmap import Roadmap, Status

# C0 and C1 control characters (but newline and tab), and the format characters that
# reorder or hide text (bidirectional overrides, zero-width joiners): what a crafted
# scenario file could use to clear a terminal or fake what it shows
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u061c\u180e\u200b-\u200f\u2028-\u202e"
                     "\u2060-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff\U000e0000-\U000e007f]")


def terminal_safe(text: str) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``), never sent raw."""
    return _UNSAFE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _width(values: list[str], floor: int = 0) -> int:
    return max([floor, *(len(v) for v in values)])


def text_report(roadmap: Roadmap) -> str:
    """The roadmap by phase: what starts, what completes, milestones and exposure."""
    plan = roadmap.plan
    lines = [f"{inline(plan.name)} - scenario '{roadmap.scenario}'"]
    if not roadmap.is_ok:
        if roadmap.status == Status.INFEASIBLE:
            lines.append("No roadmap keeps every rule. These rules cannot all hold together:")
            lines += [f"  - [{c.rule}] {c.detail}" for c in roadmap.conflicts]
        else:
            lines.append(f"Status {roadmap.status}: the time limit ran out before any roadmap was found.")
        lines.append(f"({roadmap.seconds:.2f} s)")
        return "\n".join(lines) + "\n"
    gap = f", gap {roadmap.gap:.2%}" if roadmap.status == Status.FEASIBLE and roadmap.gap else ""
    lines.append(f"Status {roadmap.status}{gap}, objective {roadmap.objective:g}, "
                 f"{len(roadmap.starts)} of {len(plan.measures)} measures scheduled, "
                 f"{roadmap.seconds:.2f} s")
    schedule = roadmap.schedule
    ids = _width(list(schedule["measure"]), 8)
    bys = _width(list(schedule["by"]), 2)
    for t in range(1, plan.phases + 1):
        starting = schedule[schedule["start"] == t]
        ending = schedule[(schedule["end"] == t) & (schedule["start"] != t)]
        lines.append("")
        past = " - happened" if roadmap.progress is not None and t <= roadmap.progress.now else ""
        lines.append((f"Phase {t} ({plan.horizon.label(t)})" if plan.horizon.labels else f"Phase {t}") + past)
        if starting.empty and ending.empty:
            lines.append("  (nothing starts or completes)")
        for r in starting.to_dict("records"):
            span = "" if r["start"] == r["end"] else f"  -> completes phase {r['end']}"
            lines.append(f"  start  {r['measure']:<{ids}}  by {r['by']:<{bys}}  {inline(r['title'])}{span}")
        for r in ending.to_dict("records"):
            lines.append(f"  done   {r['measure']:<{ids}}  by {r['by']:<{bys}}  {inline(r['title'])}")
        for mid, start in sorted(roadmap.spent.items()):
            if start == t:
                m = plan.measure_by_id[mid]
                lines.append(f"  spent  {mid:<{ids}}  by {m.by:<{bys}}  {inline(m.title)}  (started, never completes)")
    if plan.milestones:
        lines += ["", "Milestones"]
        width = _width([k.id for k in plan.milestones])
        for k in plan.milestones:
            phase = roadmap.achieved.get(k.id)
            got = "never" if phase is None else f"phase {phase}"
            due = "" if k.deadline is None else f"  (deadline phase {k.deadline})"
            lines.append(f"  {k.id:<{width}}  achieved {got}{due}")
    lines += ["", "Exposure by phase (cost committed minus value received)"]
    exposure = roadmap.exposure
    width = _width(list(exposure.columns), 5)
    lines.append("  " + " " * width + "".join(f"{t:>7}" for t in exposure.index))
    for party in exposure.columns:
        limit = plan.rules.exposure_limit(party)
        cap = f"   limit {limit:g}" if limit is not None else ""
        lines.append(f"  {party:<{width}}" + "".join(f"{v:>7g}" for v in exposure[party]) + cap)
    return "\n".join(lines) + "\n"
