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
Each kink stays one node through ``diff`` (``_kinks_as_steps``), so nested kinks
cost what smooth functions do.

**Budget.** The work is sized before SymPy starts (``budget``: the expression's
tree and the number of variables); past it ``BudgetError`` says so in one line,
and a caller that can do without the closed form leaves it out.

**State.** The gradient's sweep is ``backward()``'s, run symbolically from the
root it is given (``grad_expr(root, v)``): no ``backward()`` is run and no node's
``grad`` is touched, so asking for a Hessian changes nothing a user can see.
"""

import math
import weakref

import sympy

from engine.evaluate import lambdify_floats, precisely
from engine.graph import EPOCH, topo_order, variables_of
from engine.rules import BudgetError, DomainError
from engine.symbolic import diff, expr, grad_expr, symbol

_cache = weakref.WeakKeyDictionary()  # root -> {(epoch, variable ids): _Second}

# The closed-form Hessian's budget: n^2 diffs of gradients about as large as the
# expression's tree. Past it the work takes seconds to minutes; refused up front.
MAX_TREE = 2000
MAX_WORK = 4_000  # tree size x n^2: 5,000 took about 3 s (70 tanh terms, 3 variables)


def budget(root, n):
    """Why the closed-form Hessian of root over n variables would take too long, in
    one line, or None: decided by sizes (exact integers, the tree never built)."""
    size = {}
    for v in topo_order(root):
        size[v] = 1 + sum(size[c] for c in v.inputs)
    tree = size[root]
    if tree > MAX_TREE or tree * n * n > MAX_WORK:
        return (
            f"the closed-form Hessian of a {tree:,}-operation expression in {n} "
            f"variable{'s' * (n != 1)} would take too long (limit {MAX_TREE:,} operations, "
            f"{MAX_WORK:,} operations x variables²)"
        )
    return None


class _Second:
    """One root's Hessian over some variables: the matrix of formulas and a float
    function of all the graph's variables that evaluates it."""

    def __init__(self, root, chosen):
        grads = _gradient(root, chosen)
        syms = [symbol(v) for v in chosen]
        grads = [_kinks_as_steps(g) for g in grads]
        rows = [[_kinks_back(_no_delta(diff(g, s))) for s in syms] for g in grads]
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


class _Step(sympy.Function):
    """Heaviside(x, h0) whose derivative is 0: the kink's delta dropped (see the module)."""

    def fdiff(self, argindex=1):
        return sympy.Integer(0)


class _Sign(sympy.Function):
    """sign(x) whose derivative is 0: the kink's delta dropped."""

    def fdiff(self, argindex=1):
        return sympy.Integer(0)


class _Abs(sympy.Function):
    """|u| with the rule table's derivative: d|u|/du = sign(u) (0 at u = 0)."""

    def fdiff(self, argindex=1):
        return _Sign(self.args[0])


class _Relu(sympy.Function):
    """max(0, u) with relu's derivative H(u) (0 at u = 0)."""

    def fdiff(self, argindex=1):
        return _Step(self.args[0], 0)


class _Max(sympy.Function):
    """max(a, b) with the derivatives H(a - b), H(b - a) (1/2 each at a tie)."""

    def fdiff(self, argindex=1):
        a, b = self.args
        half = sympy.Rational(1, 2)
        return _Step(a - b, half) if argindex == 1 else _Step(b - a, half)


class _Min(sympy.Function):
    """min(a, b) with the derivatives H(b - a), H(a - b) (1/2 each at a tie)."""

    def fdiff(self, argindex=1):
        a, b = self.args
        half = sympy.Rational(1, 2)
        return _Step(b - a, half) if argindex == 1 else _Step(a - b, half)


def _rebuild(e, convert):
    """e with every subexpression whose type is in ``convert`` (a dict type ->
    function of the rebuilt node) replaced, inner ones first. One visit per distinct
    subexpression, iteratively: SymPy's ``replace`` walks the tree, whose size grows
    with the square of a nesting's depth (and recurses on it)."""
    done = {}
    stack = [(e, False)]
    while stack:
        a, ready = stack.pop()
        if a in done:
            continue
        if not a.args:
            done[a] = a
        elif not ready:
            stack.append((a, True))
            stack.extend((b, False) for b in a.args if b not in done)
        else:
            args = tuple(done[b] for b in a.args)
            b = a if args == a.args else a.func(*args)
            fn = next((f for t, f in convert.items() if isinstance(b, t)), None)
            done[a] = fn(b) if fn else b
    return done[e]


def _lattice_kink(m):
    if len(m.args) != 2:
        return m
    a, b = m.args
    if isinstance(m, sympy.Max) and 0 in (a, b):  # relu, or maximum(x, 0): relu's
        return _Relu(b if a == 0 else a)
    return (_Max if isinstance(m, sympy.Max) else _Min)(a, b)


_TO_KINKS = {
    sympy.Max: _lattice_kink,
    sympy.Min: _lattice_kink,
    sympy.Abs: lambda a: _Abs(a.args[0]),
    sympy.sign: lambda a: _Sign(a.args[0]),
    sympy.Heaviside: lambda a: _Step(*a.args),
}


def _kinks_as_steps(e):
    """max, min, abs, sign and the step written as functions whose derivatives are
    the rule table's convention, so that ``diff`` gives the first derivative's value
    at a kink, not SymPy's: d relu(u) = H(u) du with H(0) = 0; d max(a, b) =
    H(a - b) da + H(b - a) db with H(0) = 1/2 (a tie: 1/2 each), min alike;
    d|u| = sign(u) du; the derivative of a step or of sign is 0 (its delta dropped).

    Each kink stays one node whose derivative names its argument once: writing |u|
    as u sign(u) instead would put u in the tree twice, doubling it at every level of
    nesting (2^n for n nested abs), and SymPy's own Abs differentiates an argument it
    cannot prove real (atan(x**-2)) with re() and im(), which have no float function.
    ``_kinks_back`` turns them back into SymPy's functions."""
    return _rebuild(e, _TO_KINKS)


_BACK = {
    _Step: lambda a: sympy.Heaviside(*a.args),
    _Sign: lambda a: sympy.sign(a.args[0]),
    _Abs: lambda a: sympy.Abs(a.args[0]),
    _Relu: lambda a: sympy.Max(0, a.args[0], evaluate=False),
    _Max: lambda a: sympy.Max(*a.args, evaluate=False),
    _Min: lambda a: sympy.Min(*a.args, evaluate=False),
}


def _kinks_back(e):
    """The inverse of ``_kinks_as_steps``: SymPy's own Heaviside, sign, Abs, Max, Min."""
    return _rebuild(e, _BACK)


def _is_kink_derivative(a):
    # a delta, or the derivative SymPy leaves unevaluated when it cannot tell that
    # the argument of sign or a step is real: zero off the kink, dropped on it
    return isinstance(a, sympy.DiracDelta) or (
        isinstance(a, sympy.Derivative) and isinstance(a.expr, (sympy.sign, sympy.Heaviside))
    )


def _no_delta(e):
    """A second derivative with the Dirac deltas of kinks dropped (see the module)."""
    drop = lambda a: sympy.Integer(0) if _is_kink_derivative(a) else a  # noqa: E731
    return _rebuild(e, {sympy.DiracDelta: drop, sympy.Derivative: drop})


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
    key = (EPOCH[0], tuple(id(v) for v in chosen))
    per_root = _cache.setdefault(root, {})
    if key not in per_root:
        if why := budget(root, len(chosen)):
            raise BudgetError(f"hessian: {why}")
        expr(root)  # checks the names and that every node has a rule, with one-line errors
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
