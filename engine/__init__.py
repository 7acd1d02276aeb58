"""The autodiff core: Value, the rule table, backward, and the symbolic views.

Imports the standard library only; SymPy is loaded on the first symbolic use
(``expr``, ``grad_expr``, ``engine.oracle``...), so training never pays for it.

Every function here (``engine.sin(x)``, ``engine.maximum(a, b)``, ...) is made from
the rule table (``engine.rules``), one per rule with a function name, and is listed
in ``FUNCTIONS``; ``engine.primitive`` adds one at run time.
"""

from engine.functions import FUNCTIONS, affine
from engine.graph import backward_order, recompute, topo_order, vary
from engine.primitive import primitive
from engine.rules import RULES, DomainError
from engine.value import Constant, Value, node

globals().update(FUNCTIONS)

_SYMBOLIC = {"chain_exprs", "exact", "expr_with", "local_partials", "numeric_function", "oracle"}
_SECOND = {"hessian", "hessian_expr"}


def __getattr__(name):
    # the symbolic names import SymPy: only on first use
    if name in _SYMBOLIC:
        import engine.symbolic

        return getattr(engine.symbolic, name)
    if name in _SECOND:  # SymPy too, and NumPy for the numbers
        import engine.second

        return getattr(engine.second, name)
    raise AttributeError(f"module 'engine' has no attribute {name!r}")


__all__ = [
    "RULES",
    "FUNCTIONS",
    "Constant",
    "DomainError",
    "Value",
    "affine",
    "backward_order",
    "chain_exprs",
    "exact",
    "expr_with",
    "hessian",
    "hessian_expr",
    "local_partials",
    "numeric_function",
    "node",
    "oracle",
    "primitive",
    "recompute",
    "topo_order",
    "vary",
    *FUNCTIONS,
]
