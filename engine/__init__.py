"""The autodiff core: Value, the rule table, backward, and the symbolic views.

Imports the standard library only; SymPy is loaded on the first symbolic use
(``expr``, ``grad_expr``, ``engine.oracle``...), so training never pays for it.

Every function here (``engine.sin(x)``, ``engine.maximum(a, b)``, ...) is made from
the rule table (``engine.rules``), one per rule with a function name, and is listed
in ``FUNCTIONS``; ``engine.primitive`` adds one at run time.
"""

from engine import fast
from engine.functions import FUNCTIONS, affine
from engine.graph import backward_order, kept_grads, recompute, topo_order, vary
from engine.primitive import primitive
from engine.rules import RULES, BudgetError, DomainError
from engine.value import Constant, Value, backward_step, node

globals().update(FUNCTIONS)
fast.install()  # the measured fast paths over the reference definitions (engine.fast)

_SYMBOLIC = {"chain_expr", "chain_exprs", "exact", "expr_with", "grad_expr", "local_partials"}
_SYMBOLIC |= {"local_forward", "oracle"}
_EVALUATE = {"compile_exprs", "numeric_function", "precise"}
_CLOSED = {"hessian_expr"}
_NUMERIC = {"Curvature", "SecondOrder", "curvature", "hessian", "hvp", "second_and_third"}


def __getattr__(name):
    # the symbolic names import SymPy: only on first use
    if name in _SYMBOLIC:
        import engine.symbolic

        return getattr(engine.symbolic, name)
    if name in _EVALUATE:  # SymPy too
        import engine.evaluate

        return getattr(engine.evaluate, name)
    if name in _CLOSED:  # SymPy too, and NumPy for the numbers
        import engine.second

        return getattr(engine.second, name)
    if name in _NUMERIC:  # NumPy only
        import engine.second_numeric

        return getattr(engine.second_numeric, name)
    raise AttributeError(f"module 'engine' has no attribute {name!r}")


__all__ = [
    "RULES",
    "SecondOrder",
    "FUNCTIONS",
    "Constant",
    "BudgetError",
    "Curvature",
    "DomainError",
    "Value",
    "affine",
    "backward_order",
    "backward_step",
    "chain_expr",
    "chain_exprs",
    "curvature",
    "exact",
    "expr_with",
    "grad_expr",
    "hessian",
    "hessian_expr",
    "hvp",
    "kept_grads",
    "local_forward",
    "local_partials",
    "numeric_function",
    "node",
    "oracle",
    "primitive",
    "recompute",
    "second_and_third",
    "topo_order",
    "vary",
    *FUNCTIONS,
]
