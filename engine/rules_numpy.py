"""NumPy's other scalar functions, one entry of the rule table each.

The inverse trigonometric and hyperbolic functions, logarithms and exponentials in
other bases, the piecewise constant ones (sign, floor, ceil, mod: derivative 0,
their jumps declared as poles so that a finite difference never steps across
one), hypot, logaddexp and the angle conversions (composites: ``deg2rad(x)`` is
the node ``x * (pi/180)``). Each entry is the whole of a function: ``engine.rules``
puts it in the table, and the namespaces, the Value methods, the parser, NumPy's
ufuncs on Values, the compiled code and the tests' PyTorch twin are made from it.
The names follow NumPy's (``arcsin``; C's ``asin`` too), so HIPS autograd's scalar
tests run on Values unchanged.
"""

import math

from engine.rules import LOG_MAX, Rule, _overflow, _sympy, _unit, _x


def _call(name, arity=1):
    """The forward of a namespace function: ``m.<name>(*xs)``."""
    if arity == 1:
        return lambda m, x: getattr(m, name)(x)
    return lambda m, a, b: getattr(m, name)(a, b)


def function(name, partials, check=None, **fields):
    """A rule whose forward is the namespace's function of the same name."""
    forward = _call(name, fields.get("arity", 1))
    return Rule(name, forward, partials, check, function=name, **fields)


def _integer_edge(x):
    """0 exactly at every integer and changing sign there, nowhere else: the signed
    distance to the nearest integer n, times (-1)^n."""
    n = round(x)
    return (x - n) * (1 - 2 * (n % 2))


def _half(x):
    """Half the distance between two jumps: a step no longer than this crosses at
    most one, which the sign of ``_integer_edge`` then sees (two would look like none)."""
    return 0.5


def _edge(x):
    """1 - |x|: 0 at the ends of [-1, 1], positive inside."""
    return 1.0 - abs(x)


def _at_least(name, lo, strict=False):
    def check(x):
        if x < lo or (strict and x == lo):
            return f"{name} is defined for x {'>' if strict else '≥'} {lo:g}, got {name}({x:g})"
        return None

    return check


def _within_one(name, strict=False):
    def check(x):
        if abs(x) > 1 or (strict and abs(x) == 1):
            side = "(-1, 1)" if strict else "[-1, 1]"
            return f"{name} is defined on {side}, got {name}({x:g})"
        return None

    return check


def _sign(x):
    return float((x > 0) - (x < 0)) if x == x else math.nan


def _sinc(x):
    """sin(pi x) / (pi x), 1 at 0 (NumPy's, the normalized sinc)."""
    if x == 0:
        return 1.0
    y = math.pi * x
    return math.sin(y) / y


def _dsinc(x):
    """d/dx sinc x = (cos(pi x) - sinc x) / x, from its series near 0 where that
    difference cancels: pi (-u/3 + u^3/30 - u^5/840), u = pi x."""
    if abs(x) < 1e-3:
        u = math.pi * x
        return math.pi * u * (-1 / 3 + u * u / 30 - u**4 / 840)
    return (math.cos(math.pi * x) - _sinc(x)) / x


def _hypot_kink(a, b):
    """0 at the origin, where hypot is a cone (abs's kink in every direction): the
    larger input in size, so that a step across the origin along either input, or
    past it with the other input tiny, changes sign (a false change where |a| = |b|
    only makes a difference one-sided)."""
    return a if abs(a) > abs(b) else b


def _logaddexp(a, b):
    """log(e^a + e^b) = max(a, b) + log(1 + e^-|a - b|): no overflow."""
    if a == b:
        return a + math.log(2.0)
    return max(a, b) + math.log1p(math.exp(-abs(a - b)))


_LN2 = math.log(2.0)


def _logaddexp2(a, b):
    """log2(2^a + 2^b), through logaddexp."""
    return _logaddexp(a * _LN2, b * _LN2) / _LN2


def _mod_check(a, b):
    return f"modulo by zero: {a:g} % 0" if b == 0 else None


def _floor(x):
    return float(math.floor(x))


def _ceil(x):
    return float(math.ceil(x))


TABLE = [
    function(
        "sign",
        lambda m, out, x: (0 * x,),
        num=_sign,
        c=None,
        pole=_x,
        math="sign x: -1, 0 or 1",
        jump=True,
        at_kink="0; a jump at x = 0",
    ),
    function(
        "floor",
        lambda m, out, x: (0 * x,),
        num=_floor,
        pole=_integer_edge,
        scale=_half,
        math="⌊x⌋, the largest integer ≤ x",
        jump=True,
        at_kink="0; jumps at the integers",
    ),
    function(
        "ceil",
        lambda m, out, x: (0 * x,),
        num=_ceil,
        sym="ceiling",
        pole=_integer_edge,
        scale=_half,
        math="⌈x⌉, the smallest integer ≥ x",
        jump=True,
        at_kink="0; jumps at the integers",
    ),
    function(
        "asin",
        lambda m, out, x: (1 / m.sqrt((1 - x) * (1 + x)),),
        _within_one("asin"),
        aliases=("arcsin",),
        num=math.asin,
        numpy="arcsin",
        pole=_edge,
        scale=lambda x: _edge(x) or 1.0,
        math="arcsin x, |x| ≤ 1",
    ),
    function(
        "acos",
        lambda m, out, x: (-1 / m.sqrt((1 - x) * (1 + x)),),
        _within_one("acos"),
        aliases=("arccos",),
        num=math.acos,
        numpy="arccos",
        pole=_edge,
        scale=lambda x: _edge(x) or 1.0,
        math="arccos x, |x| ≤ 1",
    ),
    function(
        "asinh",
        lambda m, out, x: (1 / m.sqrt(x * x + 1),),
        aliases=("arcsinh",),
        num=math.asinh,
        numpy="arcsinh",
        scale=lambda x: max(1.0, abs(x)),
        math="arsinh x",
    ),
    function(
        "acosh",
        lambda m, out, x: (1 / m.sqrt((x - 1) * (x + 1)),),
        _at_least("acosh", 1.0),
        aliases=("arccosh",),
        num=math.acosh,
        numpy="arccosh",
        pole=lambda x: x - 1.0,
        scale=lambda x: (x - 1.0) or 1.0,
        math="arcosh x, x ≥ 1",
    ),
    function(
        "atanh",
        lambda m, out, x: (1 / ((1 - x) * (1 + x)),),
        _within_one("atanh", strict=True),
        aliases=("arctanh",),
        num=math.atanh,
        numpy="arctanh",
        pole=_edge,
        scale=_edge,
        math="artanh x, |x| < 1",
    ),
    function(
        "log2",
        lambda m, out, x: (1 / (x * m.log(2)),),
        _at_least("log2", 0.0, strict=True),
        num=math.log2,
        pole=_x,
        scale=lambda x: abs(x) or 1.0,
        math="log₂ x, x > 0",
    ),
    function(
        "log10",
        lambda m, out, x: (1 / (x * m.log(10)),),
        _at_least("log10", 0.0, strict=True),
        num=math.log10,
        pole=_x,
        scale=lambda x: abs(x) or 1.0,
        math="log₁₀ x, x > 0",
    ),
    function(
        "log1p",
        lambda m, out, x: (1 / (1 + x),),
        _at_least("log1p", -1.0, strict=True),
        num=math.log1p,
        pole=lambda x: x + 1.0,
        scale=lambda x: abs(1.0 + x) or 1.0,
        math="ln(1 + x), x > -1",
    ),
    function(
        "expm1",
        lambda m, out, x: (m.exp(x),),
        _overflow("expm1", LOG_MAX, both=False),
        num=math.expm1,
        scale=_unit,
        math="e^x - 1",
    ),
    function(
        "exp2",
        lambda m, out, x: (out * m.log(2),),
        _overflow("exp2", LOG_MAX / math.log(2.0), both=False),
        num=lambda x: 2.0**x,
        scale=_unit,
        math="2^x",
    ),
    function(
        "sinc",
        lambda m, out, x: (_dsinc(x) if isinstance(x, float) else (m.cos(m.pi * x) - out) / x,),
        num=_sinc,
        # NumPy's sinc is SymPy's at pi x
        sym=lambda m, x: _sympy().sinc(m.pi * x),
        c=None,
        # not a pole of sinc, but of the closed forms of its derivative: 0/0 at x = 0,
        # and cancellation near it, in SymPy's as in this one (backprop's series is
        # exact there): a finite difference, and random graphs, stay on one side
        pole=_x,
        scale=_unit,
        math="sin(πx) / (πx), 1 at 0",
    ),
    function(
        "mod",
        lambda m, out, a, b: (1, 0 - m.floor(a / b)),  # 0 - : never a -0.0 on an edge
        _mod_check,
        arity=2,
        aliases=("remainder",),
        num=lambda a, b: a % b,
        sym="Mod",
        c=None,
        torch="remainder",
        pole=lambda a, b: _integer_edge(a / b),
        # a jump every |b| in a, every b^2/|a| or so in b
        scale=lambda a, b: (abs(b) / 2, min(abs(b), b * b / abs(a)) / 2 if a else abs(b)),
        math="a mod b, the sign of b (Python's %)",
        jump=True,
        at_kink="jumps where a/b is an integer",
    ),
    function(
        "hypot",
        # at the origin, abs's convention: 0 (and no 0/0)
        lambda m, out, a, b: (a / out, b / out) if out != 0 else (0 * a, 0 * b),
        arity=2,
        num=math.hypot,
        kink=_hypot_kink,
        scale=lambda a, b: (math.hypot(a, b) or 1.0,) * 2,
        math="√(a² + b²)",
        at_kink="0 each at a = b = 0",
    ),
    function(
        "logaddexp",
        # e^a / (e^a + e^b) = sigmoid(a - b): finite in floats, closed form included,
        # where e^(a - out) with out = log(e^a + e^b) written out overflows
        lambda m, out, a, b: (m.sigmoid(a - b), m.sigmoid(b - a)),
        arity=2,
        num=_logaddexp,
        sym=lambda m, a, b: m.log(m.exp(a) + m.exp(b)),
        c=None,
        scale=lambda a, b: (1.0, 1.0),
        math="ln(e^a + e^b)",
    ),
    function(
        "logaddexp2",
        # 2^a / (2^a + 2^b) = sigmoid((a - b) ln 2), stable as logaddexp's
        lambda m, out, a, b: (m.sigmoid((a - b) * m.log(2)), m.sigmoid((b - a) * m.log(2))),
        arity=2,
        num=_logaddexp2,
        sym=lambda m, a, b: m.log(2**a + 2**b) / m.log(2),
        c=None,
        scale=lambda a, b: (1.0, 1.0),
        math="log₂(2^a + 2^b)",
    ),
    function(
        "atan2",
        lambda m, out, y, x: (x / (x * x + y * y), -y / (x * x + y * y)),
        arity=2,
        aliases=("arctan2",),
        num=math.atan2,
        numpy="arctan2",
        pole=lambda y, x: y,  # the jump of 2π across the negative x axis (y = 0 there)
        scale=lambda y, x: (math.hypot(x, y) or 1.0,) * 2,
        math="the angle of the point (x, y), in (-π, π]",
    ),
    # composites: a node of the table's own, no partials to write
    Rule(
        "deg2rad",
        lambda m, x: x * (m.pi / 180),
        None,
        function="deg2rad",
        aliases=("radians",),
        composite=True,
        math="x π/180 (a composite: one *)",
    ),
    Rule(
        "rad2deg",
        lambda m, x: x * (180 / m.pi),
        None,
        function="rad2deg",
        aliases=("degrees",),
        composite=True,
        math="x 180/π (a composite: one *)",
    ),
]
