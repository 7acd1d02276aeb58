"""The rule table: every primitive, once.

A primitive is one ``Rule``: its forward and its local partial derivatives, written
against a math namespace ``m`` (``NUM`` for Python floats, ``SYM`` for SymPy), its
domain check, where it has kinks and poles, and where it lives in each library (its
float function, its SymPy function, its NumPy, C and PyTorch names). Everything else
is read from this table: the namespaces themselves (``engine.namespace``), the
``Value`` methods and the module functions (``x.sin()``, ``engine.sin``),
``engine.FUNCTIONS``, NumPy's ufuncs on Values, backward, ``forward()``, the symbolic
sweep, the parser's whitelist, the explorer's evaluator, the compiled code and its
reserved names, the tests' PyTorch twin and operation lists, docs/functions.md.
NumPy's other scalar functions are entries of ``engine.rules_numpy``.
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

# the namespaces live beside the table, made from it; imported from here as before
from engine.namespace import HELPERS, NAMESPACE, NUM, SYM, _sympy  # noqa: F401

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


def _softplus(x):
    """log(1 + e^x) = max(x, 0) + log(1 + e^-|x|): neither tail overflows."""
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _softplus_for_torch(m, x):
    # log(e^x + e^0): stable, and its derivative right at 0 too (PyTorch's own
    # softplus turns linear past 20, 2e-9 off)
    return m.logaddexp(x, 0 * x)


@dataclass(frozen=True)
class Rule:
    """One primitive. ``name`` is the op a node shows (micrograd's: '+', 'ReLU');
    ``function`` its name as a function and a method (``engine.relu``, ``x.relu()``;
    None for operators); ``aliases`` more method names (NumPy's: ``arctan``);
    ``arity`` its number of inputs (None: any); ``math`` the formula, in words;
    ``scale(*xs)`` how far its (first) input may move before the function stops
    looking straight (1 for sin and exp, |x| for log), or a tuple with a scale for
    each input: a finite difference steps well inside it."""

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
    # Where the function lives in each library, written once here and read by every
    # consumer (NUM, SYM, the tests' PyTorch twin, compile's printers and reserved
    # names, NumPy's ufuncs on Values). ``num``: the float function the namespace
    # gets under ``function`` (None: the forward is written with other names);
    # ``sym``: SymPy's function (its name, in ``sympy`` or ``sympy.codegen.cfunctions``;
    # default ``function``) or a composite ``lambda m, *xs`` over the namespace;
    # ``numpy``: NumPy's name (a method name too, so ``np.arcsinh(x)`` works);
    # ``c``: <math.h>'s name; ``torch``: PyTorch's name when not NumPy's, or a
    # composite over the namespace where PyTorch has no such function.
    num: Callable | None = None
    sym: str | Callable | None = None
    numpy: str | None = ""  # "": the function's own name; None: NumPy has none
    c: str | None = ""  # "": the function's own name; None: C has none (SymPy writes it)
    torch: str | Callable | None = None
    # A composite builds its result from other functions of the table, node by node
    # (``deg2rad(x)`` is ``x * (pi/180)``): it has no node, no partials of its own.
    composite: bool = False
    # Its poles are jumps (sign, floor, mod): the derivative is 0 or smooth on each side.
    jump: bool = False

    def __repr__(self):
        return f"Rule({self.name!r})"

    @property
    def names(self):
        """Every name it is called by: its function, its aliases, NumPy's name."""
        if not self.function:
            return ()
        return tuple(dict.fromkeys((self.function, *self.aliases, self.numpy or self.function)))


def _check_powk(x, k):
    if x == 0 and k < 0:
        return f"division by zero: 0 ** {k:g}"
    if x < 0 and k != int(k):
        return f"a negative base to a fractional power: ({x:g}) ** {k:g}"
    if x != 0 and k * math.log(abs(x)) > LOG_MAX:
        return f"overflow: ({x:g}) ** {k:g} is beyond a float"
    return None


def _check_pow(a, b):
    if a < 0:
        return f"a Value exponent needs a positive base (or 0), d/db = a^b log a: got base {a:g}"
    if a == 0 and b <= 0:
        return f"0 ** b needs b > 0 (0 ** {b:g} has no limit from a > 0 that is a number)"
    return _check_powk(a, b)


def _dpow_at_zero(b):
    """d/da a^b at a = 0 (b > 0): 0 above b = 1, 1 at it, infinite below (so a
    variable base there has no derivative; a constant base, np.power(0.0, x), needs none)."""
    return 0.0 if b > 1 else 1.0 if b == 1 else math.inf


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
        # a = 0 (b > 0): the limits from a > 0, as autograd and mpmath give them
        lambda m, out, a, b: (
            b * a ** (b - 1) if a != 0 or not isinstance(b, float) else _dpow_at_zero(b),
            out * m.log(a) if a != 0 else 0 * out,
        ),
        _check_pow,
        arity=2,
        pole=lambda a, b: a,
        scale=_relative,  # near a base of 0 (x**x at 1e-20) the curve bends within |a|
        math="a^b, a > 0 (or a = 0 < b)",
    ),
    Rule(
        "exp",
        lambda m, x: m.exp(x),
        lambda m, out, x: (out,),
        _overflow("exp", LOG_MAX, both=False),
        function="exp",
        scale=_unit,
        math="e^x",
        num=math.exp,
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
        num=math.log,
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
        num=math.sqrt,
    ),
    Rule(
        "sin",
        lambda m, x: m.sin(x),
        lambda m, out, x: (m.cos(x),),
        function="sin",
        scale=_unit,
        math="sin x",
        num=math.sin,
    ),
    Rule(
        "cos",
        lambda m, x: m.cos(x),
        lambda m, out, x: (-m.sin(x),),
        function="cos",
        scale=_unit,
        math="cos x",
        num=math.cos,
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
        num=math.tan,
    ),
    Rule(
        "atan",
        lambda m, x: m.atan(x),
        lambda m, out, x: (m.atan_slope(x),),
        function="atan",
        scale=lambda x: max(1.0, abs(x)),
        aliases=("arctan",),
        math="arctan x",
        num=math.atan,
        numpy="arctan",
    ),
    Rule(
        "sinh",
        lambda m, x: m.sinh(x),
        lambda m, out, x: (m.cosh(x),),
        _overflow("sinh", LOG_MAX + math.log(2)),
        function="sinh",
        scale=_unit,
        math="sinh x",
        num=math.sinh,
    ),
    Rule(
        "cosh",
        lambda m, x: m.cosh(x),
        lambda m, out, x: (m.sinh(x),),
        _overflow("cosh", LOG_MAX + math.log(2)),
        function="cosh",
        scale=_unit,
        math="cosh x",
        num=math.cosh,
    ),
    Rule(
        "tanh",
        lambda m, x: m.tanh(x),
        lambda m, out, x: (1 - out**2,),
        function="tanh",
        scale=_unit,
        math="tanh x",
        num=math.tanh,
    ),
    Rule(
        "sigmoid",
        lambda m, x: m.sigmoid(x),
        lambda m, out, x: (out * (1 - out),),
        function="sigmoid",
        scale=_unit,
        math="1 / (1 + e^-x)",
        num=_sigmoid,
        sym=lambda m, x: 1 / (1 + m.exp(-x)),
        numpy=None,
        c=None,
    ),
    Rule(
        "softplus",
        lambda m, x: m.softplus(x),
        lambda m, out, x: (m.sigmoid(x),),
        function="softplus",
        scale=_unit,
        math="ln(1 + e^x)",
        num=_softplus,
        sym=lambda m, x: m.log(1 + m.exp(x)),
        numpy=None,
        c=None,
        torch=_softplus_for_torch,
    ),
    Rule(
        "ReLU",
        lambda m, x: m.relu(x),
        lambda m, out, x: (m.heaviside(x, 0),),
        function="relu",
        kink=_x,
        math="max(0, x)",
        at_kink="0 at x = 0",
        num=lambda x: x if x > 0 else 0.0 if x == x else math.nan,
        sym=lambda m, x: m.max(0, x),
        numpy=None,
        c=None,
    ),
    Rule(
        "abs",
        lambda m, x: m.abs(x),
        lambda m, out, x: (m.sign(x),),
        function="abs",
        kink=_x,
        math="|x|",
        at_kink="0 at x = 0",
        num=abs,
        sym="Abs",
        c="fabs",
        aliases=("fabs", "absolute"),
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
        c="fmax",
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
        c="fmin",
    ),
    # b + sum w_i x_i, one node for a neuron's whole sum (inputs b, w0, x0, w1, x1, ...)
    Rule("affine", _affine, _affine_partials, arity=None, math="b + Σ wᵢ xᵢ"),
]

RULES = {}  # name -> rule: the table
BUILTIN = []  # the names of the table's own rules, in order (engine.primitive adds others)


def enter(rule, builtin=True):
    """Put a rule in the table: ``RULES``, and its float function (``rule.num``) in
    ``NUM`` under its function name; SymPy's is found there on first use. The
    functions and methods are made from it by ``engine.functions.declare``."""
    RULES[rule.name] = rule
    if builtin and rule.name not in BUILTIN:
        BUILTIN.append(rule.name)
    if rule.function and (rule.num is not None or rule.sym is not None):
        NAMESPACE[rule.function] = rule
        SYM.__dict__.pop(rule.function, None)
        if rule.num is not None:
            setattr(NUM, rule.function, rule.num)


def remove(name):
    """Take a rule out of the table again (a test's throwaway entry)."""
    rule = RULES.pop(name)
    if name in BUILTIN:
        BUILTIN.remove(name)
    if NAMESPACE.get(rule.function) is rule:
        del NAMESPACE[rule.function]
        SYM.__dict__.pop(rule.function, None)
        if hasattr(NUM, rule.function):
            delattr(NUM, rule.function)
    return rule


for _rule in _TABLE:
    enter(_rule)

# NumPy's other scalar functions (arcsin ... logaddexp2, floor, mod), one entry each.
from engine.rules_numpy import TABLE as _NUMPY_TABLE  # noqa: E402 (built on the above)

for _rule in _NUMPY_TABLE:
    enter(_rule)
