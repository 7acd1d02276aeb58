"""The rule table: every primitive, once.

A primitive is one ``Rule``: its forward and its local partial derivatives, written
against a math namespace ``m`` (``NUM`` for Python floats, ``SYM`` for SymPy), its
domain check, and where it has kinks and poles. Everything else is read from this
table: the ``Value`` methods and the module functions (``x.sin()``, ``engine.sin``),
``engine.FUNCTIONS``, backward, ``forward()``, the symbolic sweep, the parser's
whitelist, the explorer's evaluator, the compiled code, the tests' operation lists.
``tests/test_rules.py`` holds every rule's numeric partials against ``sympy.diff`` of
its own symbolic forward, so the two can never drift apart.

``forward(m, *xs)`` returns the output; ``partials(m, out, *xs)`` returns
``d out / d x`` for each input, in order. ``x ** k`` (constant k) passes k as one
more argument after the inputs. ``check(*xs)`` says why the inputs are outside the
domain (``None`` when they are not). ``kink(*xs)`` / ``pole(*xs)`` are numbers
that are 0 exactly at a kink (where the function is continuous but not
differentiable) or at a pole or domain edge: a finite difference that sees one
change sign between its two points has stepped across it.

Kinks take PyTorch's subgradient, in backprop and in the closed form alike:
``relu'(0) = 0``, ``abs'(0) = 0``, and at a tie ``maximum``/``minimum`` give each
input 1/2 (so ``maximum(x, x)`` has derivative 1, as ``x`` does).
"""

import math
import operator
import sys
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

LOG_MAX = math.log(sys.float_info.max)  # exp of anything larger overflows


class DomainError(ValueError):
    """An operation met an input outside its domain (log of -1, 1/0, ...)."""


class BudgetError(ValueError):
    """A piece of work (a closed form, a drawing) would take too long: refused
    before it starts, from sizes, with a one-line reason. Callers that can do
    without it (a panel's Hessian, a drawing) leave it out and say so."""


def _sigmoid(x):
    """1 / (1 + e^-x), written so that neither tail overflows."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _heaviside(x, h0):
    return 1.0 if x > 0 else 0.0 if x < 0 else float(h0) if x == 0 else math.nan


def _atan_slope(x):
    """1 / (1 + x^2), written so that x^2 cannot overflow: for |x| > 1 it is
    r^2 / (1 + r^2) with r = 1/x, which underflows to 0.0 where the slope is below
    the smallest float (x = 1e200: the slope is 1e-400, a float 0.0), as PyTorch's."""
    if abs(x) <= 1.0:
        return 1.0 / (1.0 + x * x)
    r = 1.0 / x
    return r * r / (1.0 + r * r)


def _lattice(pick):
    # nan in, nan out (Python's max(1.0, nan) is 1.0): a closed form evaluated where
    # something overflowed must not pick a side
    return lambda *a: math.nan if any(x != x for x in a) else float(pick(a))


NUM = SimpleNamespace(
    exp=math.exp,
    log=math.log,
    sqrt=math.sqrt,
    sin=math.sin,
    cos=math.cos,
    tan=math.tan,
    atan=math.atan,
    atan_slope=_atan_slope,
    sinh=math.sinh,
    cosh=math.cosh,
    tanh=math.tanh,
    abs=abs,
    sign=lambda x: float((x > 0) - (x < 0)) if x == x else math.nan,
    heaviside=_heaviside,
    max=_lattice(max),
    min=_lattice(min),
    relu=lambda x: x if x > 0 else 0.0 if x == x else math.nan,
    sigmoid=_sigmoid,
    # log(1 + e^x) = max(x, 0) + log(1 + e^-|x|): neither tail overflows
    softplus=lambda x: max(x, 0.0) + math.log1p(math.exp(-abs(x))),
    pi=math.pi,
    e=math.e,
)


def _sympy_namespace():
    import sympy

    def lattice(op):
        # unevaluated on symbols: SymPy's Max would compare whole arguments (seconds on an MLP)
        return lambda *a: op(*a) if all(x.is_number for x in a) else op(*a, evaluate=False)

    return dict(
        exp=sympy.exp,
        log=sympy.log,
        sqrt=sympy.sqrt,
        sin=sympy.sin,
        cos=sympy.cos,
        tan=sympy.tan,
        atan=sympy.atan,
        atan_slope=lambda x: 1 / (1 + x**2),
        sinh=sympy.sinh,
        cosh=sympy.cosh,
        tanh=sympy.tanh,
        abs=sympy.Abs,
        sign=sympy.sign,
        heaviside=lambda x, h0: sympy.Heaviside(x, sympy.nsimplify(h0)),
        max=lattice(sympy.Max),
        min=lattice(sympy.Min),
        relu=lambda x: lattice(sympy.Max)(sympy.Integer(0), x),
        sigmoid=lambda x: 1 / (1 + sympy.exp(-x)),
        softplus=lambda x: sympy.log(1 + sympy.exp(x)),
        pi=sympy.pi,
        e=sympy.E,
    )


class _SymPyMath:
    """``SYM``: the namespace over SymPy, built on first use, so that the numeric
    path (``import engine``, training) never loads SymPy."""

    def __getattr__(self, name):
        if not self.__dict__:
            self.__dict__.update(_sympy_namespace())
        try:
            return self.__dict__[name]
        except KeyError:
            raise AttributeError(f"the math namespace has no {name!r}") from None


SYM = _SymPyMath()


@dataclass(frozen=True)
class Rule:
    """One primitive. ``name`` is the op a node shows (micrograd's: '+', 'ReLU');
    ``function`` its name as a function and a method (``engine.relu``, ``x.relu()``;
    None for operators); ``aliases`` more method names (NumPy's: ``arctan``);
    ``arity`` its number of inputs (None: any); ``math`` the formula, in words;
    ``scale(*xs)`` how far its (first) input may move before the function stops
    looking straight (1 for sin and exp, |x| for log): a finite difference steps
    well inside it."""

    name: str
    forward: Callable
    partials: Callable
    check: Callable | None = None
    function: str | None = None
    arity: int | None = 1
    aliases: tuple = ()
    kink: Callable | None = None
    pole: Callable | None = None
    scale: Callable | None = None
    math: str = ""
    at_kink: str = ""

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


def _check_pow(a, b):
    if a <= 0:
        return f"a Value exponent needs a positive base (d/db = a^b log a), got base {a:g}"
    return _check_powk(a, b)


def _overflow(name, limit, both=True):
    """The domain check of a function that overflows past |x| > limit (x > limit)."""
    return lambda x: (
        f"overflow: {name}({x:g}) is beyond a float" if (abs(x) if both else x) > limit else None
    )


def _check_log(x):
    return f"log of a non-positive number: log({x:g})" if x <= 0 else None


def _check_sqrt(x):
    return f"square root of a negative number: sqrt({x:g})" if x < 0 else None


def _check_tan(x):
    # a float is never exactly at pi/2 + n pi; the nearest ones give tan ~ 1e16
    return f"tan has a pole at {x:g} (cos x = 0)" if abs(math.cos(x)) < 1e-15 else None


def _affine(m, b, *wx):
    """b + w0 x0 + w1 x1 + ..., added left to right as micrograd's ``sum`` does
    (``sum`` of floats adds in C, in the same order: the same bits)."""
    return sum(map(operator.mul, wx[0::2], wx[1::2]), b)


def _affine_partials(m, out, b, *wx):
    """d/db = 1, d/dw_i = x_i, d/dx_i = w_i."""
    ds = [1] * (1 + len(wx))
    ds[1::2] = wx[1::2]  # d/dw_i = x_i
    ds[2::2] = wx[0::2]  # d/dx_i = w_i
    return ds


def _x(x, *k):
    return x


def _unit(*x):
    return 1.0


def _relative(x, *k):
    return abs(x) or 1.0


def _diff(a, b):
    return a - b


_TABLE = [
    Rule("+", lambda m, a, b: a + b, lambda m, out, a, b: (1, 1), arity=2, math="a + b"),
    Rule("*", lambda m, a, b: a * b, lambda m, out, a, b: (b, a), arity=2, math="a b"),
    Rule(
        "**k",
        lambda m, x, k: x**k,
        # k = 0: the derivative is 0 everywhere, 0 ** -1 included
        lambda m, out, x, k: (k * x ** (k - 1) if k != 0 else 0,),
        _check_powk,
        # 1/x's pole, and the edge of the domain (or of the derivative's) of x^0.5, x^1.5
        pole=lambda x, k: x if (k < 1 and k != 0) or k != int(k) else 1.0,
        scale=_relative,
        math="x^k, k a number",
    ),
    Rule(
        "**",
        lambda m, a, b: a**b,
        lambda m, out, a, b: (b * a ** (b - 1), out * m.log(a)),
        _check_pow,
        arity=2,
        pole=lambda a, b: a,
        scale=_relative,  # near a base of 0 (x**x at 1e-20) the curve bends within |a|
        math="a^b, a > 0",
    ),
    Rule(
        "exp",
        lambda m, x: m.exp(x),
        lambda m, out, x: (out,),
        _overflow("exp", LOG_MAX, both=False),
        function="exp",
        scale=_unit,
        math="e^x",
    ),
    Rule(
        "log",
        lambda m, x: m.log(x),
        lambda m, out, x: (x**-1,),
        _check_log,
        function="log",
        scale=_relative,
        pole=_x,
        math="ln x, x > 0",
    ),
    Rule(
        "sqrt",
        lambda m, x: m.sqrt(x),
        lambda m, out, x: (1 / (2 * out),),
        _check_sqrt,
        function="sqrt",
        scale=_relative,
        pole=_x,
        math="√x, x ≥ 0",
    ),
    Rule(
        "sin",
        lambda m, x: m.sin(x),
        lambda m, out, x: (m.cos(x),),
        function="sin",
        scale=_unit,
        math="sin x",
    ),
    Rule(
        "cos",
        lambda m, x: m.cos(x),
        lambda m, out, x: (-m.sin(x),),
        function="cos",
        scale=_unit,
        math="cos x",
    ),
    Rule(
        "tan",
        lambda m, x: m.tan(x),
        lambda m, out, x: (1 + out**2,),
        _check_tan,
        function="tan",
        # near a pole tan x ~ 1/(pole - x), and |cos x| is about that distance
        scale=lambda x: min(1.0, abs(math.cos(x))),
        pole=lambda x: math.cos(x),
        math="tan x, poles at π/2 + nπ",
    ),
    Rule(
        "atan",
        lambda m, x: m.atan(x),
        lambda m, out, x: (m.atan_slope(x),),
        function="atan",
        scale=lambda x: max(1.0, abs(x)),
        aliases=("arctan",),
        math="arctan x",
    ),
    Rule(
        "sinh",
        lambda m, x: m.sinh(x),
        lambda m, out, x: (m.cosh(x),),
        _overflow("sinh", LOG_MAX + math.log(2)),
        function="sinh",
        scale=_unit,
        math="sinh x",
    ),
    Rule(
        "cosh",
        lambda m, x: m.cosh(x),
        lambda m, out, x: (m.sinh(x),),
        _overflow("cosh", LOG_MAX + math.log(2)),
        function="cosh",
        scale=_unit,
        math="cosh x",
    ),
    Rule(
        "tanh",
        lambda m, x: m.tanh(x),
        lambda m, out, x: (1 - out**2,),
        function="tanh",
        scale=_unit,
        math="tanh x",
    ),
    Rule(
        "sigmoid",
        lambda m, x: m.sigmoid(x),
        lambda m, out, x: (out * (1 - out),),
        function="sigmoid",
        scale=_unit,
        math="1 / (1 + e^-x)",
    ),
    Rule(
        "softplus",
        lambda m, x: m.softplus(x),
        lambda m, out, x: (m.sigmoid(x),),
        function="softplus",
        scale=_unit,
        math="ln(1 + e^x)",
    ),
    Rule(
        "ReLU",
        lambda m, x: m.relu(x),
        lambda m, out, x: (m.heaviside(x, 0),),
        function="relu",
        kink=_x,
        math="max(0, x)",
        at_kink="0 at x = 0",
    ),
    Rule(
        "abs",
        lambda m, x: m.abs(x),
        lambda m, out, x: (m.sign(x),),
        function="abs",
        kink=_x,
        math="|x|",
        at_kink="0 at x = 0",
    ),
    Rule(
        "maximum",
        lambda m, a, b: m.max(a, b),
        lambda m, out, a, b: (m.heaviside(a - b, 0.5), m.heaviside(b - a, 0.5)),
        function="maximum",
        arity=2,
        kink=_diff,
        math="max(a, b)",
        at_kink="1/2 each at a = b",
    ),
    Rule(
        "minimum",
        lambda m, a, b: m.min(a, b),
        lambda m, out, a, b: (m.heaviside(b - a, 0.5), m.heaviside(a - b, 0.5)),
        function="minimum",
        arity=2,
        kink=_diff,
        math="min(a, b)",
        at_kink="1/2 each at a = b",
    ),
    # b + sum w_i x_i, one node for a neuron's whole sum (inputs b, w0, x0, w1, x1, ...)
    Rule("affine", _affine, _affine_partials, arity=None, math="b + Σ wᵢ xᵢ"),
]

RULES = {r.name: r for r in _TABLE}
BUILTIN = tuple(RULES)  # the table's own rules; engine.primitive adds more at run time
