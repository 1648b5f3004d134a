"""Which completions imply which: structure that holds in every roadmap of a plan.

Used by the formulation to state what a milestone cannot do without (see
:meth:`~scnekit.engine.formulation.Formulation._essential`). Only ``requires`` and reciprocal
links count, never a parameter a workshop changes, so a model built once stays valid.
"""

from __future__ import annotations

from scnekit.model import LinkKind, Plan


def completed_before(plan: Plan) -> dict[str, frozenset[str]]:
    """For each measure a, the measures b such that b complete by t implies a complete by t.

    - b requires a (directly or through a chain): a completes before b starts.
    - a and b are members of a reciprocal link with ``within`` w and
      w + d_a - d_b <= 0: a starts at most w after b, so it completes by
      c_b + w + d_a - d_b <= c_b.
    """
    by_id = plan.measure_by_id
    after: dict[str, set[str]] = {m.id: set() for m in plan.measures}
    for m in plan.measures:
        for p in m.requires:
            after[p].add(m.id)
    for link in plan.links:
        if link.kind != LinkKind.RECIPROCAL:
            continue
        for a in link.measures:
            for b in link.measures:
                if a != b and link.within + by_id[a].duration - by_id[b].duration <= 0:
                    after[a].add(b)
    closed: dict[str, frozenset[str]] = {}
    for a in after:
        seen: set[str] = set()
        stack = [a]
        while stack:
            for b in after[stack.pop()]:
                if b != a and b not in seen:
                    seen.add(b)
                    stack.append(b)
        closed[a] = frozenset(seen)
    return closed
