"""The measured fast paths, apart from the reference definition in ``engine.value``.

Each does what the reference does, for the nodes most graphs are made of, with
less Python per node; ``install`` puts them on ``Value`` when ``engine`` is
imported, ``reference()`` takes them off for a block (the tests and the benchmark),
and ``tests/test_fast.py`` holds every node's ``data`` and ``grad`` equal, bit for
bit, to the reference's on random graphs over the whole rule table.
``python tests/benchmarks/bench_fast.py`` measures what each one gains
(docs/performance.md).

- ``binary(rule)``: ``a + b`` and ``a * b``. The reference lifts the operand, builds
  the argument list and runs ``apply``'s domain checks; here a float operand becomes
  a constant without the number ABCs, the rule's own forward runs on the two floats,
  and only a non-finite result goes to ``make`` (which says what went wrong).
- ``unary(rule)``: a one-input rule without a domain check (``tanh``, ``relu``, ...),
  the same way.
- ``backward``: the reference's loop with the per-node step inline: ``+`` and ``*``
  call the rule's partials on the two inputs' data (plain numbers, nothing to
  check); a one-input rule calls its partial and turns to ``local_grads`` only to
  name a failure; anything else is ``local_grads``, as in the reference. Inside
  ``backward_step`` (a teaching hook) it is the reference loop.
"""

import contextlib
import math

from engine.graph import inputs_of, seed, topo_order
from engine.local import STEP_HOOK
from engine.rules import BUILTIN, NUM, RULES
from engine.value import Constant, Value, _check_finite, _Custom, _lift, make

_ADD, _MUL = RULES["+"], RULES["*"]
_new = object.__new__


def _node(cls, rule, data, a, b):
    """A node of class cls with its slots set (a leaf: ``a``, ``b`` and rule None)."""
    v = _new(cls)
    v.data = data
    v.grad = 0.0
    v._a = a
    v._b = b
    v._rule = rule
    v._k = None
    return v


def binary(rule):
    """The method ``a + b`` (or ``a * b``) for the rule."""
    forward = rule.forward

    def method(self, other):
        if not isinstance(other, Value):
            if type(other) is float and other - other == 0.0:  # a finite float
                other = _node(Constant, None, other, None, None)
            else:
                other = _lift(other)
                if other is None:
                    return NotImplemented
        out = forward(NUM, self.data, other.data)
        if type(out) is not float or out - out != 0.0:
            return make(rule, (self, other))
        return _node(Value, rule, out, self, other)

    method.__name__ = method.__qualname__ = "__add__" if rule is _ADD else "__mul__"
    return method


def unary(rule):
    """The method ``x.tanh()`` for a one-input rule without a domain check."""
    forward = rule.forward

    def method(self):
        try:
            out = forward(NUM, self.data)
        except (ArithmeticError, ValueError):
            out = None
        if type(out) is not float or out - out != 0.0:
            return make(rule, (self,))
        return _node(Value, rule, out, self, None)

    method.__name__ = rule.function
    method.__doc__ = f"{rule.math}: the rule {rule.name!r} of engine.rules."
    return method


def _sweep(nodes):
    for v in nodes:
        rule = v._rule
        if rule is _MUL or rule is _ADD:
            a, b, g = v._a, v._b, v.grad
            da, db = rule.partials(NUM, v.data, a.data, b.data)
            a.grad += da * g
            b.grad += db * g
        elif rule is not None:
            g = v.grad
            if v._b is None:  # one input: relu, tanh, x ** k, ...
                a, k = v._a, v._k
                try:
                    (d,) = rule.partials(NUM, v.data, a.data, *(() if k is None else (k,)))
                except ArithmeticError:
                    d = math.nan
                if d - d != 0.0:  # 1/0, inf or nan: local_grads says which (outside the
                    (d,) = v.local_grads()  # except block: no chained float error)
                a.grad += d * g
            else:
                for c, d in zip(inputs_of(v), v.local_grads()):
                    c.grad += d * g
        elif type(v) is _Custom:  # micrograd's way: the user's own step
            v._backward()


def backward(self):
    """``Value.backward`` with the per-node step inline (see the module)."""
    order = topo_order(self)
    if STEP_HOOK[0] is None:
        _sweep(seed(self, order))
    else:
        for v in seed(self, order):
            v._backward()
    _check_finite(order)


backward.__doc__ = Value.backward.__doc__


def methods():
    """{name: fast method} for every method this module replaces on ``Value``."""
    out = {"__add__": binary(_ADD), "__mul__": binary(_MUL), "backward": backward}
    out["__radd__"], out["__rmul__"] = out["__add__"], out["__mul__"]
    for name in BUILTIN:
        rule = RULES[name]
        if rule.function and rule.arity == 1 and rule.check is None and not rule.composite:
            method = unary(rule)
            for alias in (rule.function, *rule.aliases):
                out[alias] = method
    return out


_REFERENCE = {}  # name -> the reference method, kept by install


def install():
    """Put the fast paths on ``Value`` (once, when ``engine`` is imported)."""
    for name, method in methods().items():
        _REFERENCE.setdefault(name, Value.__dict__[name])
        setattr(Value, name, method)


@contextlib.contextmanager
def reference(names=None):
    """Within the block, ``Value`` runs the reference definitions (of ``names`` only,
    when given: ``"backward"``, ``"__add__"``, ...); the fast paths are back on
    leaving it, however it is left."""
    names = list(_REFERENCE) if names is None else list(names)
    fast = {name: Value.__dict__[name] for name in names}
    for name in names:
        setattr(Value, name, _REFERENCE[name])
    try:
        yield
    finally:
        for name, method in fast.items():
            setattr(Value, name, method)
