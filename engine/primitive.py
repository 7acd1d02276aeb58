"""``engine.primitive``: a new entry of the rule table, at run time.

    softsign = engine.primitive("softsign", lambda m, x: x / (1 + m.abs(x)))
    y = softsign(x)          # a Value; backward, formulas, check, draw, compile all work

``forward(m, *xs)`` is written against the rule table's math namespace (``m.exp``,
``m.sin``, ``m.abs``, ``m.max``...), so the same function gives the number (m = NUM)
and the formula (m = SYM). The partials:

- not given: derived by SymPy from the symbolic forward, once, at registration,
  and turned into float functions then (backward never calls SymPy), and into
  functions of any other namespace on its first use (the dual numbers that give
  second derivatives: ``engine.hvp``, ``engine.hessian``);
- given, ``partials(m, out, *xs) -> (d out/d x for each x)``: checked at
  registration against SymPy's derivative of the forward: proven equal by
  simplification where SymPy can, else compared at 100 random points of the
  domain. A wrong partial is refused with a ``ValueError`` naming the input and
  showing both formulas: the lecture's exercise (write the backward of an op)
  with a checker.

A primitive lives for the process: the parser accepts it, the explorer evaluates
it, ``compile`` prints it. Registering the same name again replaces it (a
notebook cell run twice); the built-in rules cannot be replaced.
"""

import inspect
import keyword
import math
import random

from engine.rules import BUILTIN, NUM, RULES, SYM, Rule

_POINTS = 100


def _arity(forward):
    try:
        params = list(inspect.signature(forward).parameters.values())
    except (TypeError, ValueError):
        raise TypeError("forward must be a Python function forward(m, *inputs)") from None
    if any(p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params):
        raise TypeError("forward(m, x, ...) takes the namespace and a fixed number of inputs")
    if len(params) < 2:
        raise TypeError("forward(m, x, ...) takes the math namespace m, then its inputs")
    return len(params) - 1


def _check_name(name):
    if not (isinstance(name, str) and name.isidentifier()) or keyword.iskeyword(name):
        raise ValueError(f"a primitive's name must be an identifier, got {name!r}")
    if name.startswith("_"):
        raise ValueError(f"a primitive's name cannot start with '_': {name!r}")
    if name in BUILTIN or any(r.function == name or name in r.aliases for r in _builtins()):
        raise ValueError(f"{name!r} is a built-in rule of the engine; choose another name")


def _builtins():
    return [RULES[n] for n in BUILTIN]


def _sample_points(forward, n, rng):
    """Random inputs where the forward is defined and finite: first around 0, then
    positive only (log-like domains), then wider."""
    pts = []
    for lo, hi in ((-3.0, 3.0), (0.05, 3.0), (-30.0, 30.0)):
        for _ in range(4 * _POINTS):
            xs = [rng.uniform(lo, hi) for _ in range(n)]
            try:
                y = forward(NUM, *xs)
            except (ArithmeticError, ValueError, TypeError):
                continue
            if isinstance(y, int | float) and math.isfinite(y):
                pts.append(xs)
                if len(pts) == _POINTS:
                    return pts
    return pts


def _close(a, b):
    return abs(a - b) <= 1e-7 * max(1.0, abs(a), abs(b))


def primitive(name, forward, partials=None):
    """Register ``name`` as a primitive; returns its function (Values or numbers in,
    a Value out). See the module's docstring."""
    import sympy

    from engine.functions import add
    from engine.symbolic import lambdify_floats, lambdify_in

    _check_name(name)
    n = _arity(forward)
    xs = sympy.symbols(f"x0:{n}", real=True)
    try:
        out = sympy.sympify(forward(SYM, *xs))
    except Exception as e:
        raise ValueError(
            f"{name}: forward(m, ...) must be written with the namespace m's functions "
            f"(m.exp, m.sin, m.abs, ...): with SymPy it raised {type(e).__name__}: {e}"
        ) from None
    derived = [sympy.diff(out, x) for x in xs]
    fast = lambdify_floats(xs, derived)

    if partials is None:
        other = {}  # namespace id -> the derived partials written with its functions

        def rule_partials(m, out_, *args):
            if m is NUM:
                return fast(*args)
            if m is SYM:
                return [d.xreplace(dict(zip(xs, args))) for d in derived]
            if id(m) not in other:  # the dual numbers of second order, ...
                other[id(m)] = lambdify_in(m, xs, derived)
            return other[id(m)](*args)

    else:
        _verify(name, forward, partials, out, xs, derived, fast)
        rule_partials = partials

    rule = Rule(name, forward, rule_partials, function=name, arity=n, math=f"{name} = {out}")
    RULES[name] = rule
    return add(rule, method=False)


def _verify(name, forward, partials, out, xs, derived, fast):
    import sympy

    try:
        given = [sympy.sympify(g) for g in partials(SYM, out, *xs)]
    except Exception as e:
        raise ValueError(f"{name}: partials(m, out, ...) failed with SymPy: {e}") from None
    if len(given) != len(xs):
        raise ValueError(f"{name}: partials must give {len(xs)} derivatives, gave {len(given)}")
    pts = None
    for i, (g, d) in enumerate(zip(given, derived)):
        diff = g - d
        if sympy.count_ops(diff) < 200 and sympy.simplify(diff) == 0:
            continue  # proven
        if pts is None:
            pts = _sample_points(forward, len(xs), random.Random(f"{name}"))
            if not pts:
                raise ValueError(f"{name}: found no point where the forward is defined")
        for p in pts:
            try:
                got = partials(NUM, forward(NUM, *p), *p)[i]
            except (ArithmeticError, ValueError):
                continue
            want = fast(*p)[i]
            if not _close(float(got), float(want)):
                at = ", ".join(f"x{j} = {x:.4g}" for j, x in enumerate(p))
                raise ValueError(
                    f"{name}: the partial for input {i} (x{i}) is wrong: you gave {g}, "
                    f"SymPy's derivative of the forward is {d} (at {at}: {float(got):.6g} "
                    f"against {float(want):.6g})"
                )
