"""Formulas a person would write: a closed form tidied by SymPy under a time budget.

The reverse sweep writes a derivative as the chain rule builds it, a sum of paths:
``2x(1 - tanh²(x² + xy)) + y(1 - tanh²(x² + xy))``. A person writes
``(2x + y)(1 - tanh²(x(x + y)))``. ``readable(expr)`` tries, in order,

- ``sympy.factor_terms``: pulls out the factors the terms share (cheap, keeps the
  functions as they are);
- ``sympy.factor``: factors the polynomial parts;
- ``sympy.simplify``: the general search (slow; tried only on small formulas and
  while time is left);

and keeps the shortest (fewest operations, then fewest characters) among the
forms that use only the functions the formula already had: ``1 - tanh²`` stays
``1 - tanh²`` rather than becoming ``1/cosh²``. A formula too large to try, or a
budget spent before anything shorter turned up, gives back the computed form with
a note saying so. Only what is shown changes: checks evaluate the computed form.
"""

import time

import sympy

from explorer._common import count_ops_at_most

BUDGET = 0.5  # seconds per formula
MAX_OPS = 300  # larger formulas are not tried: factor alone can take seconds
SIMPLIFY_OPS = 40  # simplify only on formulas this small


def _functions(e):
    return {type(f) for f in e.atoms(sympy.Function)}


def _size(e):
    return (sympy.count_ops(e), len(str(e)))


def readable(expr, budget=BUDGET):
    """(shown, note): the tidiest form found within ``budget`` seconds, and None or a
    one-line note when the computed form is shown instead."""
    if not isinstance(expr, sympy.Basic) or expr.is_Atom:
        return expr, None
    n = count_ops_at_most(expr, MAX_OPS)
    if n is None:
        return expr, f"over {MAX_OPS} operations: shown as computed"
    start, allowed = time.monotonic(), _functions(expr)
    best, best_size = expr, _size(expr)
    steps = [sympy.factor_terms, sympy.factor]
    if n <= SIMPLIFY_OPS:
        steps.append(sympy.simplify)
    for step in steps:
        if time.monotonic() - start > budget:
            return best, (None if best is not expr else "out of time: shown as computed")
        try:
            e = step(expr)
        except (TypeError, ValueError, NotImplementedError, RecursionError):
            continue
        if not _functions(e) <= allowed:
            continue
        size = _size(e)
        if size < best_size:
            best, best_size = e, size
    return best, None
