"""Value: a scalar that remembers how it was computed, micrograd's API.

A node holds its number (``data``), the gradient the last ``backward()`` left in it
(``grad``), its inputs (``_prev``, ordered) and the rule that made it (``_rule``,
from ``engine.rules``). It holds no closure, so a graph has no reference cycles
and is freed by reference counting alone the moment it goes out of scope.

The inputs are kept in two slots, not in a tuple (``engine.graph.set_inputs``):
a node is then one object for Python's cyclic collector instead of two, and the
collector re-scanning a growing graph is most of what building one costs in
micrograd. ``_prev`` is the ordered tuple made from them, as micrograd reads it.

Three kinds of node:
- a *variable*: a ``Value`` the user makes; its symbol is its label;
- a *constant*: a Python number met in an operation (``2 * a``); its SymPy form
  is the exact number;
- a *result*: made by an operation; it has a rule and inputs. (micrograd's own
  way, ``Value(data, (a, b), 'op')`` with ``out._backward = ...``, makes a result
  with the user's backward and no rule: see ``Value.__new__``.)

This module is the *reference* definition, as plain as micrograd's: one way to make
a node from a rule (``make``), and ``backward()`` as the loop the lecture writes. What
a node's rule says at its inputs (its partials, kinks and poles) is ``engine.local``.
``engine.fast`` puts measured fast paths in place of a few of these methods when
``engine`` is imported (building ``+``, ``*`` and one-input nodes, and the sweep);
``tests/test_fast.py`` holds them equal to this reference on random graphs, bit for bit.

The functions (``x.sin()``, ``x.maximum(y)``, ...) are made from the rule table, one
per rule with a ``function`` name. The symbolic side (``symbol``, ``expr``,
``chain_expr``, ``grad_expr``) lives in ``engine.symbolic`` and is only ever built
on demand; the numeric path never touches SymPy.
"""

import math
import numbers
import operator

from engine import local
from engine.graph import EPOCH, backward_root, inputs_of, recompute, seed, set_inputs
from engine.graph import topo_order as topo_order
from engine.local import STEP_HOOK, apply, domain_error
from engine.local import backward_step as backward_step
from engine.rules import RULES, DomainError

_ADD, _MUL, _POWK, _POW = RULES["+"], RULES["*"], RULES["**k"], RULES["**"]
_MOD = RULES["mod"]


def _to_float(x, what="Value data"):
    """A real number as a Python float; anything else is refused by name."""
    if isinstance(x, Value):
        raise TypeError(f"{what} must be a real number, got a Value: use the Value itself")
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(
            f"{what} must be a real number (int or float), got {type(x).__name__} {x!r}"
        )
    try:
        x = float(x)
    except OverflowError:
        raise DomainError(f"{what} is too large for a float (beyond ±1.8e308)") from None
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
    if _is_number(other):
        return Constant(other)
    return None


def _is_number(x):
    """x is a real number (not a bool): an operand ``_lift`` makes a constant of."""
    return type(x) is float or isinstance(x, numbers.Real) and not isinstance(x, bool)


def node(x):
    """x as a node: a Value stays, a real number becomes a constant node."""
    v = _lift(x)
    if v is None:
        raise TypeError(f"expected a Value or a real number, got {type(x).__name__} {x!r}")
    return v


def make(rule, children, k=None):
    """The one way to make a result node: ``rule`` applied to ``children`` (Values),
    with ``k`` the constant exponent of ``x ** k``. The forward is the rule's own; a
    domain error or a non-finite result is an error naming the inputs (``apply``).

    ``_label``, ``_root`` and ``_memo`` stay unset until something needs them (a
    variable's ``_root`` and ``_memo`` too): a training step makes tens of thousands
    of nodes. Readers use ``getattr`` with a default."""
    v = _new(Value)
    v.data = apply(rule, children, k)
    v.grad = 0.0
    set_inputs(v, children)
    v._rule = rule
    v._k = k
    return v


def _operate(rule, a, b):
    """``a + b`` or ``a * b`` (b lifted; NotImplemented for what is not a number)."""
    b = _lift(b)
    return NotImplemented if b is None else make(rule, (a, b))


def _check_finite(order):
    """A gradient that overflowed is an error naming its node, never a silent inf."""
    if not math.isfinite(sum(map(_GRAD, order))):  # one pass in C; inf or nan
        for v in reversed(order):  # the first to overflow, from the output back
            if v.grad - v.grad != 0.0:
                name = repr(v.label) if v.label else f"{v._op or 'leaf'} (unlabelled)"
                raise DomainError(f"overflow: the gradient of node {name} is {v.grad}")


_new = object.__new__
_GRAD = operator.attrgetter("grad")


class Value:
    """A scalar node of a computation graph."""

    __slots__ = ("data", "grad", "_label", "_a", "_b", "_rule", "_k", "_root", "_memo")
    __slots__ += ("__weakref__",)

    def __new__(cls, data=0.0, _children=(), _op="", label=""):
        # micrograd's way of adding an op: a result with the user's _backward
        return _new(_Custom if (_children or _op) and cls is Value else cls)

    def __init__(self, data, _children=(), _op="", label=""):
        self.data = data if type(data) is float and math.isfinite(data) else _to_float(data)
        self.grad = 0.0
        self._label = str(label)
        self._a = self._b = None
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
        return self._a is None and not self.is_constant

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"

    # -- the public surface the explorer and the widgets read ------------------
    @property
    def _prev(self):
        """The nodes this one was computed from, in order (micrograd's ``_prev``)."""
        return inputs_of(self)

    inputs = _prev

    @property
    def op(self):
        """The operation that made this node, as micrograd prints it ('' for a leaf)."""
        return self._op

    @property
    def rule(self):
        """The rule-table entry that made this node (None for a leaf or a custom op)."""
        return self._rule

    # what the node's rule says at its inputs' data (engine.local)
    local_grads = local.local_grads  # d self/d input for each input
    kink_value = local.kink_value  # 0 at a kink of the rule (relu at 0), else its side
    pole_value = local.pole_value  # 0 at a pole or domain edge (log at 0), else its side
    linear_scale = local.linear_scale  # how far the input may move and look straight

    @property
    def backward_root(self):
        """The output of the last ``backward()`` that reached this node, or None."""
        return backward_root(self)

    # -- arithmetic: micrograd's graph shapes ----------------------------------
    def __add__(self, other):
        return _operate(_ADD, self, other)

    def __mul__(self, other):
        return _operate(_MUL, self, other)

    def __pow__(self, other):
        """``x ** k`` for a number k (micrograd's), or ``a ** b`` for a Value b (a > 0)."""
        if isinstance(other, Value):
            return make(_POW, (self, other))
        if not _is_number(other):
            return NotImplemented
        return make(_POWK, (self,), _exponent(other))

    def __rpow__(self, other):  # 2 ** a
        other = _lift(other)
        return NotImplemented if other is None else make(_POW, (other, self))

    def __neg__(self):  # -a = a * -1
        return self * -1

    def __sub__(self, other):  # a - b = a + (-b); a - 1 = a + Value(-1), as micrograd
        if not isinstance(other, Value) and not _is_number(other):
            return NotImplemented
        return self + (-other)

    def __rsub__(self, other):  # 1 - a = (a * -1) + 1, as micrograd's other + (-self)
        return other + (-self) if _is_number(other) else NotImplemented

    def __truediv__(self, other):  # a / b = a * b**-1; a / 2 = a * Value(0.5), as micrograd
        if isinstance(other, Value):
            return self * other**-1
        if not _is_number(other):
            return NotImplemented
        if other == 0:
            domain_error("division by zero", (self,))
        return self * _to_float(other**-1, "1 / the divisor")

    def __rtruediv__(self, other):  # 1 / a = (a ** -1) * 1
        return other * self**-1 if _is_number(other) else NotImplemented

    __radd__ = __add__  # 0 + a, for sum()
    __rmul__ = __mul__  # 2 * a

    def __abs__(self):  # abs(x)
        return make(RULES["abs"], (self,))

    def __mod__(self, other):  # a % b: Python's (NumPy's mod), the sign of b
        other = _lift(other)
        return NotImplemented if other is None else make(_MOD, (self, other))

    def __rmod__(self, other):  # 7 % a
        other = _lift(other)
        return NotImplemented if other is None else make(_MOD, (other, self))

    def detach(self):
        """PyTorch's ``detach()``: a constant with this node's data, outside the
        graph, so no gradient flows back through it (a formula shows its number)."""
        return Constant(self.data)

    # Ordering compares data, so max(x, y) and sorted() work and return the nodes
    # themselves; equality and hashing stay identity, or sets of nodes would break.
    def __lt__(self, other):
        return self.data < _data(other)

    def __le__(self, other):
        return self.data <= _data(other)

    def __gt__(self, other):
        return self.data > _data(other)

    def __ge__(self, other):
        return self.data >= _data(other)

    __eq__ = object.__eq__
    __hash__ = object.__hash__

    # -- the numeric sweeps --------------------------------------------------
    def _backward(self):
        """micrograd's per-node step: add ``d self/d input * self.grad`` into each
        input's grad (nothing for a leaf). ``backward()`` is this, node by node, in
        reverse topological order; no closure is stored, so no reference cycle.
        Inside ``backward_step(step)``, ``step(self)`` instead."""
        if STEP_HOOK[0] is not None:
            return STEP_HOOK[0](self)
        for child, partial in zip(self._prev, self.local_grads()):
            child.grad += partial * self.grad

    def backward(self):
        """Reverse-mode: seed d self/d self = 1, then, from the output back to the
        leaves, add each node's ``d node/d input * node.grad`` into every input's grad.

        Gradients accumulate (``+=``) into every node, leaves and intermediate nodes
        alike, as micrograd does: two ``backward()`` calls without ``zero_grad()``
        re-send the first call's intermediate grads too (x = 2, y = x*x + x: x.grad
        is 5 then 14, where PyTorch, which keeps no intermediate grads, gives 10).
        A gradient that overflows is an error naming its node, never a silent inf."""
        order = topo_order(self)
        for v in seed(self, order):  # root.grad = 1, then the order reversed
            v._backward()
        _check_finite(order)

    def forward(self):
        """Recompute every node's data from the leaves' current data; returns ours."""
        recompute(topo_order(self))
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


def _data(other):
    if isinstance(other, Value):
        return other.data
    if not _is_number(other):
        raise TypeError(f"cannot compare a Value with {type(other).__name__} {other!r}")
    return other


class Constant(Value):
    """A Python number met in an operation: no symbol, its SymPy form is exact."""

    __slots__ = ()

    @property
    def is_constant(self):
        return True


class _Custom(Value):
    """``Value(data, (a, b), 'op')``: a result made micrograd's way. Its backward is
    whatever the user assigns to ``out._backward`` (a closure, as in micrograd: such
    a graph holds a reference cycle, the user's choice); it has no rule, so its
    forward and its formulas are unknown, and say so."""

    __slots__ = ("_backward", "_op")

    def __init__(self, data, _children=(), _op="", label=""):
        super().__init__(data, label=label)
        for c in _children:
            if not isinstance(c, Value):
                raise TypeError(
                    f"the inputs of Value(data, children, op) must be Values, got {c!r}"
                )
        set_inputs(self, tuple(_children))
        self._op = str(_op)
        self._backward = lambda: None  # micrograd's default: a leaf's step does nothing

    @property
    def is_variable(self):
        return False
