"""Dual numbers whose tangent is a block of directions, and the math namespace over them.

A ``Dual`` is ``val + tan ε`` with ε² = 0: ``val`` a float, ``tan`` a NumPy row of
k numbers (the derivative of ``val`` along k directions at once) or ``None`` for a
zero tangent (a constant). Any function f obeys

    f(val + tan ε) = f(val) + f'(val) tan ε

so running a formula on duals gives its value and its directional derivatives
together (forward mode).

**The namespace is made from the rule table.** ``DUAL`` is the third math
namespace beside ``NUM`` (floats) and ``SYM`` (SymPy): every name of ``NUM`` whose
function is a rule (``exp``, ``tanh``, ``sigmoid``, ``max`` = the rule ``maximum``,
...) is that rule applied to duals, its tangent from the rule's own partials; the
operators ``+ * **`` are the rules ``+``, ``*``, ``**k`` and ``**``. So when a rule's
``partials(m, out, *xs)`` is evaluated with ``m = DUAL``, the result is each partial
and its derivative: the partials' partials, that is second derivatives, from the
one table with nothing added to it. A rule added with ``engine.primitive`` is
differentiated twice the same way.

**Kinks.** ``sign`` and ``heaviside`` (the derivatives of abs, relu, max and min)
are piecewise constant: their tangent is 0, on the kink too, where the true
derivative is a Dirac delta. That is PyTorch's double backward: relu''(x) = 0
everywhere, relu''(0) included.
"""

from engine.namespace import HELPERS
from engine.rules import NUM, RULES


class Dual:
    """``val + tan ε``: a float and its tangent row (None: zero)."""

    __slots__ = ("val", "tan")

    def __init__(self, val, tan=None):
        self.val = val
        self.tan = tan

    def __repr__(self):
        return f"Dual({self.val!r}, {self.tan!r})"

    # -- the operators are the rule table's ---------------------------------
    # (with a plain number, + and * take a short path: the rules' partials there are
    # 1 and the number, so the tangent is the same or scaled; tests/test_second_numeric
    # holds the short path to the rules' on random graphs)
    def __add__(self, other):
        if (type(other) is float or type(other) is int) and FAST[0]:
            return Dual(self.val + other, self.tan)
        return _apply(_ADD, self, other)

    def __radd__(self, other):
        if (type(other) is float or type(other) is int) and FAST[0]:
            return Dual(other + self.val, self.tan)
        return _apply(_ADD, other, self)

    def __mul__(self, other):
        if (type(other) is float or type(other) is int) and FAST[0]:
            return Dual(self.val * other, None if self.tan is None else self.tan * other)
        return _apply(_MUL, self, other)

    def __rmul__(self, other):
        if (type(other) is float or type(other) is int) and FAST[0]:
            return Dual(other * self.val, None if self.tan is None else other * self.tan)
        return _apply(_MUL, other, self)

    def __neg__(self):
        return _apply(_MUL, self, -1.0)

    def __sub__(self, other):
        return _apply(_ADD, self, -other)

    def __rsub__(self, other):
        return _apply(_ADD, other, -self)

    def __truediv__(self, other):
        if isinstance(other, Dual):
            return _apply(_MUL, self, _apply(_POWK, other, k=-1))
        return _apply(_MUL, self, 1.0 / other)

    def __rtruediv__(self, other):
        return _apply(_MUL, other, _apply(_POWK, self, k=-1))

    def __pow__(self, other):
        if isinstance(other, Dual):
            return _apply(_POW, self, other)
        return _apply(_POWK, self, k=other)

    def __rpow__(self, other):
        return _apply(_POW, other, self)

    def __abs__(self):
        return _apply(RULES["abs"], self)

    # comparisons look at the value: a partial written ``1 if x > 0 else 0`` works
    def __lt__(self, other):
        return self.val < _val(other)

    def __le__(self, other):
        return self.val <= _val(other)

    def __gt__(self, other):
        return self.val > _val(other)

    def __ge__(self, other):
        return self.val >= _val(other)


_ADD, _MUL, _POWK, _POW = RULES["+"], RULES["*"], RULES["**k"], RULES["**"]
FAST = [True]  # the short paths, here and in engine.second_numeric (False: the rules' only)


def _val(x):
    return x.val if isinstance(x, Dual) else x


def _apply(rule, *xs, k=None):
    """The rule on duals: its forward on the values, and the tangent
    sum_i (d out/d x_i) tan_i from its partials at the values."""
    vals = [_val(x) for x in xs]
    extra = () if k is None else (k,)
    out = rule.forward(NUM, *vals, *extra)
    tan = None
    ps = None
    for i, x in enumerate(xs):
        if isinstance(x, Dual) and x.tan is not None:
            if ps is None:
                ps = rule.partials(NUM, out, *vals, *extra)
            term = ps[i] * x.tan
            tan = term if tan is None else tan + term
    if type(out) is not float:
        if isinstance(out, complex):  # (-8) ** 0.5 in Python
            raise ValueError(f"{rule.name} is undefined at {vals}")
        out = float(out)
    return Dual(out, tan)


def _from_rule(rule):
    return lambda *xs: _apply(rule, *xs)


def _piecewise_constant(fn):
    """sign, heaviside: the value, tangent 0 (the kink convention, see the module)."""
    return lambda *xs: fn(*(_val(x) for x in xs))


def _namespace():
    by_function = {r.function: r for r in RULES.values() if r.function}
    by_function["max"], by_function["min"] = RULES["maximum"], RULES["minimum"]
    ns = {}
    for name, fn in vars(NUM).items():
        if not callable(fn):
            ns[name] = fn  # pi, e
        elif name in by_function:
            ns[name] = _from_rule(by_function[name])
        elif name in ("sign", "heaviside"):
            ns[name] = _piecewise_constant(fn)
        elif name in HELPERS and callable(HELPERS[name][2]):  # atan_slope: its formula
            ns[name] = (lambda c: lambda *xs: c(DUAL, *xs))(HELPERS[name][2])
        else:  # a name the namespace gained without a rule: say so when used
            ns[name] = _missing(name)
    return type("DualMath", (), {k: staticmethod(v) if callable(v) else v for k, v in ns.items()})


def _missing(name):
    def fn(*xs):
        raise TypeError(f"the dual-number namespace has no derivative for m.{name}")

    return fn


DUAL = _namespace()
