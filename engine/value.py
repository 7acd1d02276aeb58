"""Value: a scalar that remembers how it was computed, micrograd's API.

A node holds its number (``data``), the gradient the last ``backward()`` left in it
(``grad``), its inputs (``_prev``, ordered) and the rule that made it (``_rule``,
from ``engine.rules``). It holds no closure, so a graph has no reference cycles
and is freed by reference counting alone the moment it goes out of scope.

Three kinds of node:
- a *variable*: a ``Value`` the user makes; its symbol is its label;
- a *constant*: a Python number met in an operation (``2 * a``); its SymPy form
  is the exact number;
- a *result*: made by an operation; it has a rule and inputs.

The symbolic side (``symbol``, ``expr``, ``chain_expr``, ``grad_expr``) lives in
``engine.symbolic`` and is only ever built on demand; the numeric path never
touches SymPy.
"""

import math
import numbers
import weakref

from engine.rules import NUM, RULES, DomainError

_ADD, _MUL, _POWK, _POW = RULES["+"], RULES["*"], RULES["**k"], RULES["**"]

# Bumped whenever a label changes, so that memoized symbols and expressions,
# which are named after labels, are rebuilt instead of going stale.
EPOCH = [0]


def _to_float(x, what="Value data"):
    """A real number as a Python float; anything else is refused by name."""
    if isinstance(x, Value):
        raise TypeError(f"{what} must be a real number, got a Value: use the Value itself")
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(
            f"{what} must be a real number (int or float), got {type(x).__name__} {x!r}"
        )
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"{what} must be finite, got {x}")
    return x


def _exponent(k):
    """A constant exponent, kept an int when it is one (so ``b**-1`` reads '**-1')."""
    if isinstance(k, numbers.Integral) and not isinstance(k, bool):
        return int(k)
    return _to_float(k, "an exponent")


def _lift(other):
    """The operand as a node: a Value stays, a real number becomes a Constant."""
    if isinstance(other, Value):
        return other
    if isinstance(other, numbers.Real) and not isinstance(other, bool):
        return Constant(other)
    return None


def _apply(rule, children, k=None):
    """Run a rule's forward on the children's data; a domain error names the inputs."""
    n = len(children)
    xs = (children[0].data, children[1].data) if n == 2 else tuple(c.data for c in children)
    if rule.check is not None and (why := rule.check(*xs, k)):
        _domain_error(why, children)
    try:
        return rule.forward(NUM, *xs, k)
    except OverflowError:
        _domain_error(f"overflow: {rule.name} of {list(xs)} is beyond a float", children)


def _domain_error(why, children):
    labels = ", ".join(repr(c.label) if c.label else "(unlabelled)" for c in children)
    raise DomainError(f"{why} (input {labels})")


def _result(rule, children, k=None):
    """A new result node: ``rule`` applied to ``children``.

    ``_label``, ``_root`` and ``_memo`` stay unset until something needs them (a
    variable's ``_root`` and ``_memo`` too): a training step makes tens of thousands
    of nodes, and each store costs time. Readers use ``getattr`` with a default."""
    v = _new(Value)
    v.data = _apply(rule, children, k)
    v.grad = 0.0
    v._prev = children
    v._rule = rule
    v._k = k
    return v


_new = object.__new__


class Value:
    """A scalar node of a computation graph."""

    __slots__ = ("data", "grad", "_label", "_prev", "_rule", "_k", "_root", "_memo", "__weakref__")

    def __init__(self, data, _children=(), _op="", label=""):
        if _children or _op:
            raise TypeError("Value(data, label=...) makes a variable; results come from operations")
        self.data = data if type(data) is float and math.isfinite(data) else _to_float(data)
        self.grad = 0.0
        self._label = str(label)
        self._prev = ()
        self._rule = None
        self._k = None

    # -- naming --------------------------------------------------------------
    @property
    def label(self):
        return getattr(self, "_label", "")

    @label.setter
    def label(self, text):
        self._label = str(text)
        EPOCH[0] += 1

    @property
    def _op(self):
        """micrograd's op string: '+', '*', '**2', 'tanh', 'ReLU', ... ('' for a leaf)."""
        if self._rule is None:
            return ""
        return f"**{self._k}" if self._rule is _POWK else self._rule.name

    @property
    def is_constant(self):
        return False

    @property
    def is_variable(self):
        return self._rule is None and not self.is_constant

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"

    # -- arithmetic ----------------------------------------------------------
    def __add__(self, other):
        if not isinstance(other, Value):
            other = _lift(other)
            if other is None:
                return NotImplemented
        return _result(_ADD, (self, other))

    def __mul__(self, other):
        if not isinstance(other, Value):
            other = _lift(other)
            if other is None:
                return NotImplemented
        return _result(_MUL, (self, other))

    def __pow__(self, other):
        """``x ** k`` for a number k (micrograd's), or ``a ** b`` for a Value b (a > 0)."""
        if isinstance(other, Value):
            return _result(_POW, (self, other))
        if _lift(other) is None:
            return NotImplemented
        return _result(_POWK, (self,), _exponent(other))

    def __rpow__(self, other):  # 2 ** a
        other = _lift(other)
        return NotImplemented if other is None else _result(_POW, (other, self))

    def __neg__(self):  # -a = a * -1
        return self * -1

    def __sub__(self, other):  # a - b = a + (-b)
        other = _lift(other)
        return NotImplemented if other is None else self + (-other)

    def __rsub__(self, other):  # 1 - a = 1 + (-a)
        other = _lift(other)
        return NotImplemented if other is None else other + (-self)

    def __truediv__(self, other):  # a / b = a * b**-1
        other = _lift(other)
        return NotImplemented if other is None else self * other**-1

    def __rtruediv__(self, other):  # 1 / a = 1 * a**-1
        other = _lift(other)
        return NotImplemented if other is None else other * self**-1

    __radd__ = __add__  # 0 + a, for sum()
    __rmul__ = __mul__  # 2 * a

    def exp(self):
        return _result(RULES["exp"], (self,))

    def log(self):
        return _result(RULES["log"], (self,))

    def tanh(self):
        return _result(RULES["tanh"], (self,))

    def relu(self):
        return _result(RULES["ReLU"], (self,))

    def sigmoid(self):
        return _result(RULES["sigmoid"], (self,))

    # -- the numeric sweeps --------------------------------------------------
    def backward(self):
        """Reverse-mode: seed d self/d self = 1, then, from the output back to the
        leaves, add each node's ``grad * d node/d input`` into every input's grad.
        Gradients accumulate (``+=``), as in micrograd and PyTorch."""
        for v in backward_order(self):
            try:
                prev, g = v._prev, v.grad
                if len(prev) == 2:
                    a, b = prev
                    da, db = v._rule.partials(NUM, v.data, a.data, b.data, v._k)
                    a.grad += da * g
                    b.grad += db * g
                elif len(prev) == 1:
                    (x,) = prev
                    (dx,) = v._rule.partials(NUM, v.data, x.data, v._k)
                    x.grad += dx * g
                else:
                    ds = v._rule.partials(NUM, v.data, *[c.data for c in prev], v._k)
                    for c, d in zip(prev, ds):
                        c.grad += d * g
            except ArithmeticError:  # 0 ** 0.5 is defined, its derivative is not
                _domain_error(f"no derivative of {v._op} at {[c.data for c in prev]}", prev)

    def forward(self):
        """Recompute every node's data from the leaves' current data; returns ours."""
        for v in topo_order(self):
            if v._prev:
                v.data = _apply(v._rule, v._prev, v._k)
        return self.data

    def zero_grad(self):
        """Set the grad of every node of this graph to 0."""
        for v in topo_order(self):
            v.grad = 0.0

    # -- the symbolic views (engine.symbolic) --------------------------------
    @property
    def symbol(self):
        """This node's own SymPy symbol: its label, or an automatic name."""
        from engine.symbolic import symbol

        return symbol(self)

    @property
    def expr(self):
        """This node's SymPy expression in the variables' symbols."""
        from engine.symbolic import expr

        return expr(self)

    @property
    def chain_expr(self):
        """d root/d self, written with the intermediate nodes' symbols (``1 - o**2``)."""
        from engine.symbolic import chain_expr

        return chain_expr(self)

    @property
    def grad_expr(self):
        """d root/d self in closed form, in the variables (root: last ``backward()``)."""
        from engine.symbolic import grad_expr

        return grad_expr(self)


class Constant(Value):
    """A Python number met in an operation: no symbol, its SymPy form is exact."""

    __slots__ = ()

    @property
    def is_constant(self):
        return True


def affine(b, ws, xs):
    """``b + w0*x0 + w1*x1 + ...`` as one node: a neuron's sum, fused.

    The same numbers as ``sum((w*x for w, x in zip(ws, xs)), b)``, in a graph with one
    node where the composite has 2n. Numbers among the inputs become constants."""
    inputs = [_lift(b)]
    for w, x in zip(ws, xs):
        inputs += (_lift(w), _lift(x))
    if None in inputs:
        raise TypeError("affine takes Values and real numbers")
    return _result(RULES["affine"], tuple(inputs))


def backward_order(root):
    """The sweep of ``backward()``: seeds ``root.grad = 1``, then yields every result
    node from root back to the leaves, each stamped with root (``grad_expr``'s root)."""
    ref = weakref.ref(root)
    root.grad = 1.0
    for v in reversed(topo_order(root)):
        v._root = ref
        if v._prev:
            yield v


def topo_order(root):
    """Every node of root's graph, each after all of its inputs (root last).

    Depth-first, inputs in order, as micrograd's ``build_topo``, but with an explicit
    stack instead of recursion, so a million-deep chain works."""
    order, seen = [], {root}
    stack = [(root, iter(root._prev))]
    while stack:
        v, inputs = stack[-1]
        for c in inputs:
            if c not in seen:
                seen.add(c)
                stack.append((c, iter(c._prev)))
                break
        else:
            stack.pop()
            order.append(v)
    return order
