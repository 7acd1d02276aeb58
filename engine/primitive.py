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
  simplification where the difference is small enough for SymPy to do that
  quickly, else compared at random points, at every magnitude from 1e-8 to 1e8
  and on both sides of every kink (``relu6`` with relu's partial is refused at
  x = 7, a clip to [-5, 5] with partial 1 at 20). A wrong partial is refused
  with a ``ValueError`` naming the input and showing both formulas: the
  lecture's exercise (write the backward of an op) with a checker.

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
_MAX_SIMPLIFY = 30  # operations in (given - derived): simplify only below this
_MAX_SWITCHES = 8  # kinks looked for


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


def _defined(forward, xs):
    try:
        y = forward(NUM, *xs)
    except (ArithmeticError, ValueError, TypeError):
        return False
    return isinstance(y, int | float) and math.isfinite(y)


def _magnitudes():
    """Both signs of 1, 2 and 5 times every power of ten from 1e-8 to 1e8, and 0:
    a partial that is wrong only past 3 (relu6's, a clip's) is met here."""
    mags = [m * 10.0**e for e in range(-8, 9) for m in (1.0, 2.0, 5.0)]
    return sorted({0.0, *mags, *(-x for x in mags)})


def _sample_points(forward, n, rng):
    """Inputs where the forward is defined and finite: random ones around 0, then
    positive only (log-like domains), then wider; then every input over the whole
    range of magnitudes (``_magnitudes``), the others random."""
    pts = []
    for lo, hi in ((-3.0, 3.0), (0.05, 3.0), (-30.0, 30.0)):
        for _ in range(4 * _POINTS):
            xs = [rng.uniform(lo, hi) for _ in range(n)]
            if _defined(forward, xs):
                pts.append(xs)
                if len(pts) == _POINTS:
                    break
        if len(pts) == _POINTS:
            break
    bases = pts[:3] or [[1.0] * n]
    for i in range(n):
        for base in bases:
            for x in _magnitudes():
                xs = list(base)
                xs[i] = x * (1 + rng.uniform(-0.1, 0.1))  # not only round numbers
                if _defined(forward, xs):
                    pts.append(xs)
    return pts


def _switches(out):
    """The expressions whose sign flips at a kink of out: u for |u|, sign(u) and the
    step H(u), a - b for max(a, b) and min(a, b)."""
    import sympy

    found = []
    for a in sympy.preorder_traversal(out):
        if isinstance(a, (sympy.Abs, sympy.sign, sympy.Heaviside)):
            found.append(a.args[0])
        elif isinstance(a, (sympy.Max, sympy.Min)):
            found += [a.args[0] - b for b in a.args[1:]]
        if len(found) >= _MAX_SWITCHES:
            break
    return found


def _kink_signs(out, xs):
    """A function of a point giving the sign of each switch of out there (None where
    one is undefined), or None when out has no kink."""
    from engine.evaluate import lambdify_floats

    switches = _switches(out)
    if not switches:
        return None
    fns = lambdify_floats(xs, switches)

    def signs(p):
        try:
            return [(v > 0) - (v < 0) for v in map(float, fns(*p))]
        except (ArithmeticError, ValueError, TypeError):
            return None

    return signs


def _kink_points(out, xs, pts):
    """Points just beside every kink the sampled inputs can find: each switch
    (``_switches``) is scanned along each input over ``_magnitudes`` with the other
    inputs held at a sampled point; where it changes sign, the kink is found by
    bisection and points at relative distances 1e-1, 1e-3 and 1e-6 on both sides
    are added (a partial wrong only near a kink, or with a kink moved, is met)."""
    signs = _kink_signs(out, xs)
    if signs is None or not pts:
        return []
    near = []
    grid = _magnitudes()
    for base in pts[:2]:
        for i in range(len(xs)):
            prev = None
            for x in grid:
                p = list(base)
                p[i] = x
                now = signs(p)
                if now is not None and prev is not None:
                    for k, (s0, s1) in enumerate(zip(prev[1], now)):
                        if s0 != s1 and s0 and s1:
                            near += _beside(_bisect(signs, p, i, prev[0], x, k, s0), p, i)
                prev = None if now is None else (x, now)
    return near


def _bisect(signs, p, i, lo, hi, k, s_lo):
    q = list(p)
    for _ in range(80):
        mid = (lo + hi) / 2
        if mid in (lo, hi):
            break
        q[i] = mid
        now = signs(q)
        if now is None:
            break
        if now[k] == s_lo:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _beside(r, p, i):
    out = []
    for d in (1e-1, 1e-3, 1e-6):
        for side in (-1, 1):
            q = list(p)
            q[i] = r + side * d * max(1.0, abs(r))
            out.append(q)
    return out


def _close(a, b):
    return abs(a - b) <= 1e-7 * max(1.0, abs(a), abs(b))


def primitive(name, forward, partials=None):
    """Register ``name`` as a primitive; returns its function (Values or numbers in,
    a Value out). See the module's docstring."""
    import sympy

    from engine.evaluate import lambdify_floats, lambdify_in
    from engine.functions import add

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
    """Each given partial against SymPy's derivative of the forward: proven equal by
    ``simplify`` when their difference is small (SymPy's simplify has no time limit,
    and on a few dozen operations can run for minutes, so larger ones are not tried),
    else compared at points over every magnitude and beside every kink, where a
    disagreement is confirmed at 30 digits before the partial is refused."""
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
        if sympy.count_ops(diff) <= _MAX_SIMPLIFY and sympy.simplify(diff) == 0:
            continue  # proven
        if pts is None:
            pts = _sample_points(forward, len(xs), random.Random(f"{name}"))
            if not pts:
                raise ValueError(f"{name}: found no point where the forward is defined")
            pts += [p for p in _kink_points(out, xs, pts) if _defined(forward, p)]
            signs = _kink_signs(out, xs)
            if signs is not None:  # on a kink the rule's own convention holds, not SymPy's
                pts = [p for p in pts if 0 not in (signs(p) or [0])]
        for p in pts:
            try:
                got = float(partials(NUM, forward(NUM, *p), *p)[i])
                want = float(fast(*p)[i])
            except (ArithmeticError, ValueError, TypeError):
                continue
            if not (math.isfinite(got) and math.isfinite(want)) or _close(got, want):
                continue
            exact = _exact(d, xs, p)
            if exact is None or _close(got, exact):
                continue  # the float form of SymPy's derivative lost it, not the partial
            at = ", ".join(f"x{j} = {x:.4g}" for j, x in enumerate(p))
            raise ValueError(
                f"{name}: the partial for input {i} (x{i}) is wrong: you gave {g}, "
                f"SymPy's derivative of the forward is {d} (at {at}: {got:.6g} "
                f"against {exact:.6g})"
            )


def _exact(d, xs, p):
    """SymPy's derivative d at the point p (binary floats taken exactly), to 30 digits."""
    import sympy

    try:
        v = d.xreplace({x: sympy.Rational(a) for x, a in zip(xs, p)}).evalf(30)
        return float(v) if v.is_real else None
    except (TypeError, ValueError, ArithmeticError):
        return None
