"""The few PuLP calls whose spelling differs between PuLP 3.3 and PuLP 4.

PuLP 4 (Python >= 3.12) stores rows in a Rust model: expressions come from
``LpAffineExpression.from_dict`` and ``addConstraint`` returns the stored row. PuLP 3.3
builds expressions from a dict and keeps the constraint object it is given.
"""

from __future__ import annotations

from typing import Any

import pulp

from scnekit.errors import UsageError

LE, GE, EQ = pulp.LpConstraintLE, pulp.LpConstraintGE, pulp.LpConstraintEQ


def expression(terms: dict[Any, float]) -> Any:
    """A linear expression from ``{variable: coefficient}``."""
    from_dict = getattr(pulp.LpAffineExpression, "from_dict", None)
    return from_dict(terms) if from_dict is not None else pulp.LpAffineExpression(terms)


def add_row(problem: pulp.LpProblem, terms: dict[Any, float], sense: int, rhs: float, name: str) -> Any:
    """Add ``terms (sense) rhs`` to ``problem`` and return the row as the problem stores it."""
    expr = expression(terms)
    if sense == LE:
        row = expr <= rhs
    elif sense == GE:
        row = expr >= rhs
    else:
        row = expr == rhs
    stored = problem.addConstraint(row, name)
    return stored if stored is not None else row


def set_coefficient(row: Any, var: Any, coefficient: float) -> None:
    """Set ``var``'s coefficient in the stored ``row`` (0 removes the term)."""
    setter = getattr(row, "set_coefficient", None)
    if setter is not None:  # PuLP 4
        setter(var, float(coefficient))
    elif coefficient:
        row.expr[var] = float(coefficient)
    else:
        row.expr.pop(var, None)


def write_mps(problem: pulp.LpProblem, path: str) -> None:
    """Write ``problem`` as an MPS file that states its sense, with ``NAME`` first as free
    and fixed MPS readers alike expect (PuLP writes ``OBJSENSE`` before it, which SCIP
    refuses). A path that cannot be written is a :class:`UsageError` (PuLP 3 raises
    OSError there, PuLP 4 its own PulpError)."""
    try:
        problem.writeMPS(path, with_objsense=True)
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().split("\n")
        named = next((i for i, line in enumerate(lines) if line.startswith("NAME")), 0)
        if named:
            lines.insert(0, lines.pop(named))
            with open(path, "w", encoding="utf-8") as handle:
                handle.write("\n".join(lines))
    except (OSError, pulp.PulpError) as err:
        raise UsageError(f"cannot write the model to {path} ({getattr(err, 'strerror', None) or err})") from None
