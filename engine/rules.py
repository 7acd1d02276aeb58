"""The rule table: every primitive's forward and local partial derivatives, once.

Each rule is written against a math namespace ``m``: ``NUM`` for Python floats,
``SYM`` for SymPy expressions. Backward, the symbolic sweep and ``forward()`` all
read this one table, so the numeric and the symbolic derivative cannot drift apart
(``tests/test_rules.py`` holds every rule's partials against ``sympy.diff`` of its
own symbolic forward).

A rule's ``forward(m, *xs, k)`` returns the output; ``partials(m, out, *xs, k)``
returns ``d out / d x`` for each input, in order. ``k`` is the constant exponent of
``x ** k`` and ``None`` for every other rule. ``check(*xs, k)``, where a rule has
one, says why the inputs are outside the rule's domain (``None`` when they are not).
"""

import math
import operator
import sys
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import sympy

LOG_MAX = math.log(sys.float_info.max)  # exp of anything larger overflows


class DomainError(ValueError):
    """An operation met an input outside its domain (log of -1, 1/0, ...)."""


def _sigmoid(x):
    """1 / (1 + e^-x), written so that neither tail overflows."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


NUM = SimpleNamespace(
    exp=math.exp,
    log=math.log,
    tanh=math.tanh,
    relu=lambda x: x if x > 0 else 0.0,
    step=lambda x: 1.0 if x > 0 else 0.0,
    sigmoid=_sigmoid,
)
SYM = SimpleNamespace(
    exp=sympy.exp,
    log=sympy.log,
    tanh=sympy.tanh,
    # unevaluated: SymPy's Max would compare the whole argument with 0, seconds on an MLP
    relu=lambda x: sympy.Max(0, x) if x.is_number else sympy.Max(0, x, evaluate=False),
    # Heaviside(0) = 0: relu's derivative at the kink, as micrograd takes it.
    step=lambda x: sympy.Heaviside(x, 0),
    sigmoid=lambda x: 1 / (1 + sympy.exp(-x)),
)


@dataclass(frozen=True)
class Rule:
    name: str
    forward: Callable
    partials: Callable
    check: Callable | None = None

    def __repr__(self):
        return f"Rule({self.name!r})"


def _check_powk(x, k):
    if x == 0 and k < 0:
        return f"division by zero: 0 ** {k:g}"
    if x < 0 and k != int(k):
        return f"a negative base to a fractional power: ({x:g}) ** {k:g}"
    if x != 0 and k * math.log(abs(x)) > LOG_MAX:
        return f"overflow: ({x:g}) ** {k:g} is beyond a float"
    return None


def _check_pow(a, b, k):
    if a <= 0:
        return f"a Value exponent needs a positive base (d/db = a^b log a), got base {a:g}"
    return _check_powk(a, b)


def _check_exp(x, k):
    return f"overflow: exp({x:g}) is beyond a float" if x > LOG_MAX else None


def _check_log(x, k):
    return f"log of a non-positive number: log({x:g})" if x <= 0 else None


def _affine(m, b, *wxk):
    """b + w0 x0 + w1 x1 + ..., added left to right as micrograd's ``sum`` does
    (``sum`` of floats adds in C, in the same order: the same bits)."""
    return sum(map(operator.mul, wxk[0:-1:2], wxk[1:-1:2]), b)


def _affine_partials(m, out, b, *wxk):
    """d/db = 1, d/dw_i = x_i, d/dx_i = w_i."""
    ds = [1] * len(wxk)  # 1 for b, then one per w_i and x_i (the last slot is k's)
    ds[1::2] = wxk[1:-1:2]  # d/dw_i = x_i
    ds[2::2] = wxk[0:-1:2]  # d/dx_i = w_i
    return ds


RULES = {
    r.name: r
    for r in [
        # a + b;  d/da = 1,  d/db = 1
        Rule("+", lambda m, a, b, k: a + b, lambda m, out, a, b, k: (1, 1)),
        # a * b;  d/da = b,  d/db = a
        Rule("*", lambda m, a, b, k: a * b, lambda m, out, a, b, k: (b, a)),
        # x ** k for a constant k;  d/dx = k x^(k-1)
        Rule("**k", lambda m, x, k: x**k, lambda m, out, x, k: (k * x ** (k - 1),), _check_powk),
        # a ** b for Values (a > 0);  d/da = b a^(b-1),  d/db = a^b log a
        Rule(
            "**",
            lambda m, a, b, k: a**b,
            lambda m, out, a, b, k: (b * a ** (b - 1), out * m.log(a)),
            _check_pow,
        ),
        # e^x;  d/dx = e^x = out
        Rule("exp", lambda m, x, k: m.exp(x), lambda m, out, x, k: (out,), _check_exp),
        # log x, natural, x > 0;  d/dx = 1/x
        Rule("log", lambda m, x, k: m.log(x), lambda m, out, x, k: (x**-1,), _check_log),
        # tanh x;  d/dx = 1 - tanh^2 x = 1 - out^2
        Rule("tanh", lambda m, x, k: m.tanh(x), lambda m, out, x, k: (1 - out**2,)),
        # max(0, x);  d/dx = 1 if x > 0 else 0
        Rule("ReLU", lambda m, x, k: m.relu(x), lambda m, out, x, k: (m.step(x),)),
        # b + sum w_i x_i, one node for a neuron's whole sum (inputs b, w0, x0, w1, x1, ...)
        Rule("affine", _affine, _affine_partials),
        # 1 / (1 + e^-x);  d/dx = out (1 - out)
        Rule("sigmoid", lambda m, x, k: m.sigmoid(x), lambda m, out, x, k: (out * (1 - out),)),
    ]
}
