"""Second order: the Hessian of a graph's output, in closed form and in numbers.

    H_ij = d^2 root / (d x_i d x_j)

**How.** The closed-form gradient comes from the reverse sweep that gives
``grad_expr`` (the rule table's partials, chained from root back to the leaves);
each of its entries is then differentiated by every variable with ``sympy.diff``.
That is the *second* of the two ways open here, chosen over running the rule
partials twice (a symbolic forward-over-reverse sweep) because

- the gradient is already a formula in the variables, once per graph, and the
  sweep that builds it stays the one copy (``engine.symbolic``);
- differentiating a gradient entry is cheap: it is one level of derivative, not
  the whole chain again, and SymPy's ``diff`` of the partials the table gives
  (``1 - tanh(x)**2``, ``Heaviside(x, 0)``) is exact;
- a second symbolic sweep would need the partials' own partials, that is a
  second-derivative column in the rule table, for every primitive and for the
  ones users add at run time. ``diff`` gets them from the first ones for free.

For the panels' sizes (one to a few variables) the cost is a few ``diff`` calls;
``hessian_exact`` compiles the entries once per graph and evaluates them at the
current data in microseconds. The numbers at network scale (Hessian-vector
products, Hessians, curvature) come without SymPy from ``engine.second_numeric``.

**Kinks.** The first derivative takes PyTorch's subgradient at a kink (relu'(0) =
0, abs'(0) = 0, 1/2 each at a tie of max/min), a step function in the variables.
Its derivative is zero on both sides of the kink and a Dirac delta on it; the
delta is dropped, so the Hessian at a kink is the derivative of the first
derivative's convention: relu''(0) = abs''(0) = 0, as PyTorch's double backward.

**State.** The gradient's sweep is ``backward()``'s, run symbolically from the
root it is given (``grad_expr(root, v)``): no ``backward()`` is run and no node's
``grad`` is touched, so asking for a Hessian changes nothing a user can see.
"""

import math
import weakref

import sympy

from engine.graph import EPOCH, topo_order, variables_of
from engine.rules import DomainError
from engine.symbolic import diff, expr, grad_expr, lambdify_floats, precisely, symbol

_cache = weakref.WeakKeyDictionary()  # root -> {(epoch, variable ids): _Second}


class _Second:
    """One root's Hessian over some variables: the matrix of formulas and a float
    function of all the graph's variables that evaluates it."""

    def __init__(self, root, chosen):
        grads = _gradient(root, chosen)
        syms = [symbol(v) for v in chosen]
        grads = [_kinks_as_steps(g) for g in grads]
        rows = [[_no_delta(diff(g, s)) for s in syms] for g in grads]
        self.matrix = sympy.Matrix(rows)
        self.leaves = [v for v in topo_order(root) if v.is_variable]
        self.n = len(chosen)
        self._floats = None

    def at_data(self):
        import numpy as np

        if self._floats is None:
            self._floats = lambdify_floats([symbol(v) for v in self.leaves], list(self.matrix))
        values = [v.data for v in self.leaves]
        try:
            floats = [_real(y) for y in self._floats(*values)]
        except (ValueError, ZeroDivisionError, OverflowError, TypeError):
            floats = [math.nan] * self.n**2  # each entry again, precisely
        floats = precisely(list(self.matrix), [symbol(v) for v in self.leaves], values, floats)
        H = np.array(floats, dtype=float).reshape(self.n, self.n)
        if not np.isfinite(H).all():
            raise DomainError(f"the Hessian is undefined at {values}")
        return H


def _real(y):
    # a complex entry ((-8) ** 0.5 in Python) is as undefined as a ZeroDivision
    return float(y) if isinstance(y, int | float) else math.nan


def _kinks_as_steps(e):
    """max, min and abs written with the step functions of the rule table's
    convention, so that ``diff`` gives the first derivative's value at a kink, not
    SymPy's: Max(0, x) (relu) = x H(x) with H(0) = 0; Max(a, b) = a H(a - b) +
    b H(b - a) and Min(a, b) = a H(b - a) + b H(a - b) with H(0) = 1/2 (a tie: 1/2
    each); |u| = u sign(u) (sign(0) = 0)."""

    def steps(m):
        a, b = m.args
        if isinstance(m, sympy.Max) and 0 in (a, b):  # relu, or maximum(x, 0): relu's
            x = b if a == 0 else a
            return x * sympy.Heaviside(x, 0)
        half = sympy.Rational(1, 2)
        up = 1 if isinstance(m, sympy.Max) else -1  # the min picks the lower one
        return a * sympy.Heaviside(up * (a - b), half) + b * sympy.Heaviside(up * (b - a), half)

    e = e.replace(lambda a: isinstance(a, (sympy.Max, sympy.Min)) and len(a.args) == 2, steps)
    # |u| = u sign(u): SymPy differentiates Abs of an argument it cannot prove real
    # (atan(x**-2)) with re() and im(), which have no float function
    return e.replace(
        lambda a: isinstance(a, sympy.Abs), lambda a: a.args[0] * sympy.sign(a.args[0])
    )


def _is_kink_derivative(a):
    # a delta, or the derivative SymPy leaves unevaluated when it cannot tell that
    # the argument of sign or a step is real: zero off the kink, dropped on it
    return isinstance(a, sympy.DiracDelta) or (
        isinstance(a, sympy.Derivative) and isinstance(a.expr, (sympy.sign, sympy.Heaviside))
    )


def _no_delta(e):
    """A second derivative with the Dirac deltas of kinks dropped (see the module)."""
    return e.replace(_is_kink_derivative, lambda a: sympy.Integer(0))


def _gradient(root, chosen):
    """[d root/d v in closed form for v in chosen], by the sweep of ``grad_expr``."""
    return [grad_expr(root, v) for v in chosen]


def _second(root, variables):
    from engine.value import Value

    if not isinstance(root, Value):
        raise TypeError(f"hessian: expected a Value (a graph's output), got {type(root).__name__}")
    chosen = variables_of(root, variables, "hessian")
    if not chosen:
        raise ValueError("hessian: the output's graph has no variables")
    expr(root)  # checks the names and that every node has a rule, with one-line errors
    key = (EPOCH[0], tuple(id(v) for v in chosen))
    per_root = _cache.setdefault(root, {})
    if key not in per_root:
        per_root.clear()  # an old epoch's entries name old labels
        try:
            per_root[key] = _Second(root, chosen)
        except RecursionError:  # SymPy's diff and printers recurse on nesting
            raise RecursionError(
                "hessian: SymPy cannot differentiate an expression nested this deep (it "
                "recurses on nesting); backward() and chain_expr work at any depth"
            ) from None
    return per_root[key]


def hessian_expr(root, variables=None):
    """The Hessian of root in closed form: a ``sympy.Matrix`` with entry (i, j) =
    d^2 root / d x_i d x_j, in the order of ``variables`` (default: all of root's
    variables, in topological order). Variables not listed stay symbols."""
    return _second(root, variables).matrix.copy()


def hessian_exact(root, variables=None):
    """The closed-form Hessian evaluated at the variables' current data: a NumPy
    array, entry (i, j) = d^2 root / d x_i d x_j, in the order of ``variables``.
    ``engine.hessian(root, variables, exact=True)``; the numeric ``engine.hessian``
    needs no SymPy and scales to networks."""
    return _second(root, variables).at_data()
