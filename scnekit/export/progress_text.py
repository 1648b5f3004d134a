"""A re-plan and an implementation report as plain text for a person at a terminal."""

from __future__ import annotations

from scnekit.analysis.implementation import Implementation
from scnekit.analysis.replan import Replan
from scnekit.limits import inline

from .text import text_report


def replan_text(result: Replan) -> str:
    """The whole roadmap (past phases marked), what the past broke, what was let go, what moved."""
    roadmap = result.roadmap
    lines = [text_report(roadmap).rstrip("\n")]
    now = roadmap.progress.now if roadmap.progress is not None else 0
    lines += ["", f"Re-planned from phase {now + 1}: phases 1 to {now} happened as recorded."]
    if result.breaches:
        lines += ["", "Rules the past already broke"]
        lines += [f"  - {inline(b.text, 400)}" for b in result.breaches]
    if result.dropped:
        lines += ["", "Rules the rest is planned without"]
        lines += [f"  - {inline(d.text, 400)}" for d in result.dropped]
    lines += ["", _moves_head(result)]
    for move in result.moves:
        before = "not scheduled" if move.before is None else f"phase {move.before}"
        after = "dropped" if move.after is None else f"phase {move.after}"
        why = f": {inline(move.reason, 300)}" if move.reason else ""
        lines.append(f"  {move.measure}: {before} -> {after}{why}")
    if not result.moves:
        lines.append("  (nothing moves)")
    return "\n".join(lines) + "\n"


def _moves_head(result: Replan) -> str:
    count = len(result.moves)
    fewest = "" if result.fewest else " (the time limit ended the search for fewer)"
    limit = ""
    if result.max_moves is not None:
        least = result.least_moves
        limit = (f", at most {result.max_moves} by choice" if least is None or least <= result.max_moves else
                 f"; at least {least} must move whatever the rest does, more than --max-moves {result.max_moves}, "
                 f"so this is the best roadmap that moves {least}")
    return f"What moved against the roadmap revised: {count} measure{'s' if count != 1 else ''}{limit}{fewest}"


def status_text(report: Implementation) -> str:
    """Per measure and milestone where it stands, then what the re-plan changes."""
    plan = report.replan.roadmap.plan
    lines = [f"{inline(plan.name)} - implementation after phase {report.now} ({plan.horizon.label(report.now)})"
             if report.now else f"{inline(plan.name)} - implementation before phase 1"]
    width = max([8, *(len(m.measure) for m in report.measures)])
    lines += ["", "Measures"]
    for m in report.measures:
        planned = "-" if m.planned is None else f"phase {m.planned}"
        now_at = "-" if m.replanned is None else f"phase {m.replanned}"
        note = f"  ({inline(m.note, 120)})" if m.note else ""
        lines.append(f"  {m.measure:<{width}}  {m.standing!s:<16} planned {planned:<9} now {now_at}{note}")
    if report.milestones:
        lines += ["", "Milestones"]
        kw = max(len(k.milestone) for k in report.milestones)
        for k in report.milestones:
            due = "" if k.deadline is None else f", deadline phase {k.deadline}"
            at = "never" if k.achieved is None else f"phase {k.achieved}"
            lines.append(f"  {k.milestone:<{kw}}  {k.course!s:<13} achieved {at}{due}")
    lines += ["", "What the re-plan changes"]
    lines += [f"  - {inline(s, 400)}" for s in report.sentences()] or ["  (nothing moves)"]
    if report.replan.breaches:
        lines += ["", "Rules the past already broke"]
        lines += [f"  - {inline(b.text, 400)}" for b in report.replan.breaches]
    return "\n".join(lines) + "\n"
