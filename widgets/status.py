"""The explorer's status line and error texts, as HTML in a planner's words."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from scnekit.errors import InputError, ScnekitError
from scnekit.model import RuleKind
from scnekit.roadmap import Roadmap, Status

if TYPE_CHECKING:
    from .steady import Steadied

RULES = {
    RuleKind.MANDATORY: "mandatory measure",
    RuleKind.PIN: "pinned measure",
    RuleKind.DEADLINE: "milestone deadline",
    RuleKind.MAX_EXPOSURE: "exposure limit",
    RuleKind.CAPACITY: "capacity",
    RuleKind.MIN_RECEIVED: "minimum received",
    RuleKind.BALANCE: "balance",
    RuleKind.MIN_STAKE: "minimum stake",
    RuleKind.STRUCTURE: "windows, requires and links",
}
BUSY = "<span class='scne-solving' style='color:#8a5a00;font-weight:bold'>&#9203; solving&hellip;</span>"


def roadmap_html(roadmap: Roadmap, label: str, *, reused: str = "", interim: bool = False) -> str:
    """One line on a roadmap found, or the conflicts that leave none, each in words.

    ``interim``: the best roadmap so far while the solver still looks for better ones.
    ``reused``: "earlier" for a roadmap solved before and kept, "ahead" for one solved
    while an earlier roadmap was on screen.
    """
    head = f"<b>Scenario</b> {escape(label)}"
    if roadmap.is_ok:
        k = roadmap.milestones
        achieved = int(k["achieved"].notna().sum())
        verdict = "<span style='color:#1b7837;font-weight:bold'>optimal</span>"
        if interim:
            verdict = (f"<span class='scne-improving' style='color:#8a5a00;font-weight:bold'>best so far"
                       f"</span> (within {100 * (roadmap.gap or 0.0):.1f}% of the best possible; still "
                       "looking for a better one)")
        elif roadmap.status == Status.FEASIBLE:
            verdict = (f"<span style='color:#8a5a00;font-weight:bold'>feasible</span> (best found; within "
                       f"{100 * (roadmap.gap or 0.0):.1f}% of the best possible)")
        return (f"{head} &middot; {verdict} &middot; objective <b>{roadmap.objective:g}</b> &middot; "
                f"{_count(len(roadmap.starts), 'measure')} &middot; {achieved}/{len(k)} milestones &middot; "
                f"{'found' if interim else 'solved'} {_when(reused)}in {roadmap.seconds:.2f} s")
    if roadmap.status == Status.INFEASIBLE:
        took = f"<span style='color:#666'>solved in {roadmap.seconds:.2f} s</span>"
        return f"{head} &middot; {conflicts_html(roadmap)}{took}"
    return (f"{head} &middot; <span style='color:#b2182b;font-weight:bold'>no roadmap found in time</span>: "
            f"the solver stopped after {roadmap.seconds:.1f} s before it found one")


def steady_html(steadied: Steadied | None) -> str:
    """The status line's note on the steadying stage: under way (None), or what it kept still."""
    if steadied is None:
        return (" &middot; <span class='scne-steadying' style='color:#8a5a00'>looking for the equally good "
                "roadmap that moves the fewest measures&hellip;</span>")
    if steadied.raw_moves <= steadied.moves:
        return ""
    fewest = "the fewest" if steadied.proven else "fewer"
    return (f" &middot; <span class='scne-steady' title='Among roadmaps with the same objective, the one that "
            f"moves {fewest} measures of the roadmap shown before'>steady: {_count(steadied.moves, 'measure')} "
            f"moved ({fewest} of the equally good; the solver's moved {steadied.raw_moves})</span>")


def conflicts_html(roadmap: Roadmap) -> str:
    """The rules that leave no roadmap: each rule's own statement, the full explanation folded."""
    short = "".join(f"<li><b>{escape(RULES[c.rule])}</b> <code>{escape(c.rule)}</code>: "
                    f"{escape(c.statement)}</li>" for c in roadmap.conflicts)
    full = "".join(f"<li>{escape(c.detail)}</li>" for c in roadmap.conflicts)
    head = ("<span style='color:#b2182b;font-weight:bold'>no roadmap</span>: these rules cannot all hold "
            "together (dropping any one of them would help)")
    if not roadmap.conflicts:
        return head + "."
    return (f"{head}:<ul style='margin:4px 0'>{short}</ul>"
            f"<details><summary>full explanation</summary><ul style='margin:4px 0'>{full}</ul></details>")


def problem_html(error: ScnekitError, label: str) -> str:
    """Why the controls describe no valid scenario (the last roadmap stays on screen)."""
    head = (f"<b>Scenario</b> {escape(label)} &middot; <span style='color:#b2182b;font-weight:bold'>"
            "not valid</span>: ")
    if isinstance(error, InputError):
        items = "".join(f"<li><code>{escape(p.path)}</code>: {escape(p.message)}</li>" if p.path
                        else f"<li>{escape(p.message)}</li>" for p in error.problems)
        return head + f"these settings are not valid input:<ul style='margin:4px 0'>{items}</ul>" + _kept()
    return head + escape(str(error)) + "<br>" + _kept()


def error_html(what: str, error: BaseException) -> str:
    """An unexpected failure, named without a traceback."""
    message = str(error) or type(error).__name__
    return (f"<b>&#9888; {escape(what)}</b>: {escape(message)} "
            f"<span style='color:#666'>({escape(type(error).__name__)})</span>")


def _when(reused: str) -> str:
    return {"earlier": "earlier ", "ahead": "ahead "}.get(reused, "")


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def _kept() -> str:
    return "<span style='color:#666'>The roadmap shown is the last valid one.</span>"
