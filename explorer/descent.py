"""Gradient descent's mathematics, which the descent panel shows: the closed-form
optimum, the rates from the Hessian, the four step rules, the exact line search, and
the verdict on what happened.

**Rates.** On a quadratic f with Hessian H (positive definite, eigenvalues
l_min <= ... <= l_max), a gradient step x <- x - r grad f multiplies the error's
component along each eigenvector by (1 - r l). It shrinks every component while
|1 - r l| < 1 for all l, that is for 0 < r < 2 / l_max (the *critical* rate);
the slowest component shrinks fastest when 1 - r l_min = -(1 - r l_max), that is
at r = 2 / (l_max + l_min) (the *best* fixed rate), where both shrink by
(l_max - l_min) / (l_max + l_min). For any other f these come from the Hessian at
the start: a local estimate, exact only while f stays that quadratic.

**Steps.** With g = grad f at x and s = -1 for descent (+1 for ascent):
- gradient: dx = s r g;
- momentum (Polyak's heavy ball, beta = 0.9): v <- beta v + s r g, dx = v;
- line search: dx = s t g with t the exact minimiser (maximiser) of
  phi(t) = f(x + s t g) over t > 0;
- newton: dx = -H^-1 g (a stationary point of the local quadratic model).

**Predictions.** To first order f changes by g . dx; to second order by
g . dx + (1/2) dx^T H dx. On a quadratic the second order is exact.
"""

import math

import numpy as np
import sympy

from engine import DomainError, SecondOrder, vary
from engine.evaluate import lambdify_floats
from explorer.target import variables_of

METHODS = ("gradient", "momentum", "line search", "newton")
BETA = 0.9  # momentum's share of the last step
GOLDEN = (math.sqrt(5) - 1) / 2
MAX_SOLVE = 4  # variables: polynomial systems in more of them can make solve crawl


def rates(H, ascent=False):
    """(critical, best, why): 2 / l_max and 2 / (l_max + l_min) of the Hessian (of -f
    for ascent). The critical rate needs only l_max > 0: past it a step along the
    most curved direction overshoots by more than it moves, on any Hessian (a
    network's loss has a saddle's). The best rate needs a positive definite one;
    ``why`` says what is missing, "" when nothing is."""
    H = -H if ascent else H
    eig = np.linalg.eigvalsh(H)
    lo, hi = float(eig[0]), float(eig[-1])
    if not np.isfinite(eig).all():
        return None, None, "the Hessian at the start is not finite"
    if lo <= 0:
        shape = "concave" if hi <= 0 else "a saddle" if lo < 0 else "flat along a direction"
        goal = "maximum" if ascent else "minimum"
        why = (
            f"the Hessian of f{' (of -f, ascent)' if ascent else ''} at the start has "
            f"eigenvalues from {lo:.3g} to {hi:.3g}: {shape} there, so its quadratic has no "
            f"{goal} and no rate converges on it"
        )
        if hi > 0:
            why += "; 2/λmax still bounds the rate along the most curved direction"
            return 2 / hi, None, why
        return None, None, why
    return 2 / hi, 2 / (hi + lo), ""


def is_quadratic(f, syms):
    """f is a polynomial of degree <= 2 in syms: the rates are then exact."""
    return bool(f.is_polynomial(*syms)) and sympy.Poly(f, *syms).total_degree() <= 2


class LineSearch:
    """The exact step along a direction d: argmin over t > 0 of phi(t) = f(x + t d).

    When phi is a polynomial in t (f a polynomial in the moving variables), SymPy
    writes d phi/dt's coefficients in closed form, in x and d, once; each step
    evaluates them and takes the real positive root (``numpy.roots``) with the
    least phi: ``kind == "closed form"``. Otherwise a numeric 1-D minimisation:
    the step is doubled until phi rises, then golden-section search on the bracket
    (60 rounds, to about 1e-12 of it): ``kind == "numeric"``.
    """

    def __init__(self, f, syms, others, f_floats):
        self.n, self.f_floats = len(syms), f_floats
        if f is None:  # no closed form (a network's loss): the numeric search
            self.kind, self.coeffs = "numeric", None
            self.what = (
                "exact line search, numeric: f(x + t d) evaluated by the graph itself, t "
                "found by doubling then golden-section search"
            )
            return
        t = sympy.Dummy("t", real=True)
        ds = sympy.symbols(f"_d0:{len(syms)}", real=True)
        self.kind, self.coeffs = "numeric", None
        if f.is_polynomial(*syms):
            phi = f.xreplace({s: s + t * d for s, d in zip(syms, ds)})
            coeffs = sympy.Poly(sympy.expand(sympy.diff(phi, t)), t).all_coeffs()
            self.coeffs = lambdify_floats([*syms, *ds, *others], coeffs)
            self.kind = "closed form"
        self.what = (
            "exact line search, closed form: d/dt f(x + t d) is a polynomial in t whose "
            "coefficients SymPy writes in x and d; its real roots are the candidates"
            if self.kind == "closed form"
            else "exact line search, numeric: f(x + t d) is not a polynomial in t, so t is "
            "found by doubling then golden-section search"
        )

    @classmethod
    def numeric(cls, n):
        """The numeric search, for f given at each step (``step(..., f=...)``)."""
        return cls(None, [None] * n, [], None)

    def step(self, x, d, rest, sign, f=None):
        """t > 0 minimising sign * f(x + t d) (sign -1: maximising), or None. ``f``:
        ``f(*x, *rest) -> [value]`` in place of the closed form's float function."""
        f_floats = self.f_floats if f is None else f

        def phi(t):
            try:
                v = f_floats(*[a + t * b for a, b in zip(x, d)], *rest)[0]
            except (ValueError, ZeroDivisionError, OverflowError):
                return math.inf
            return sign * v if math.isfinite(v) else math.inf

        if self.kind == "closed form":
            c = np.array(self.coeffs(*x, *d, *rest), dtype=float)
            if not np.isfinite(c).all():
                return None
            f0 = phi(0.0)
            scored = [(phi(t), t) for t in _real_roots(c) if t > 0]
            best = min((p for p in scored if p[0] < f0), default=None)
            return None if best is None else best[1]
        return _golden(phi)


def _real_roots(c):
    """The real roots of the polynomial with coefficients c (highest first). A
    leading coefficient that is rounding noise (1e-60 where d has a component of
    1e-16) would throw ``numpy.roots`` far off, so the roots of the polynomial with
    it dropped are candidates too; each is polished by Newton's method on the
    whole polynomial."""
    scale = np.abs(c).max()
    if scale == 0:
        return []
    candidates = []
    trimmed = c
    while trimmed.size >= 2:
        try:
            candidates += _roots(trimmed.tolist())
        except (ArithmeticError, ValueError):  # a formula's powers of a 1e-60 coefficient
            candidates += _roots_numpy(trimmed)
        if abs(trimmed[0]) > 1e-9 * scale:
            break
        trimmed = trimmed[1:]
    coeffs, slopes = c.tolist(), np.polyder(c).tolist()
    out = []
    for t in candidates:
        for _ in range(4):
            slope = _horner(slopes, t)
            if slope == 0:
                break
            t = t - _horner(coeffs, t) / slope
        out.append(float(t))
    return out


def _roots(c):
    """Approximate real roots of c[0] x^n + ... + c[n] (c[0] != 0): by formula up
    to degree 3 (microseconds, where ``numpy.roots`` takes tens: a line search makes
    one call per step), else ``numpy.roots``. Newton's method polishes them after."""
    if len(c) == 2:
        return [-c[1] / c[0]]
    if len(c) == 3:
        a, b, cc = c
        disc = b * b - 4 * a * cc
        if disc < 0:
            return []
        q = -(b + math.copysign(math.sqrt(disc), b)) / 2  # no cancellation
        return [q / a, cc / q] if q != 0 else [0.0]
    if len(c) == 4:
        a, b, cc, d = c
        shift = b / (3 * a)
        p = (3 * a * cc - b * b) / (3 * a * a)
        q = (2 * b**3 - 9 * a * b * cc + 27 * a * a * d) / (27 * a**3)
        disc = (q / 2) ** 2 + (p / 3) ** 3
        if disc > 0:  # one real root (Cardano)
            s = math.sqrt(disc)
            t = _cbrt(-q / 2 + s) + _cbrt(-q / 2 - s)
            return [t - shift]
        if p == 0:
            return [-shift]
        r = 2 * math.sqrt(-p / 3)  # three real roots (the trigonometric form)
        arg = max(-1.0, min(1.0, 3 * q / (2 * p) * math.sqrt(-3 / p)))
        phi = math.acos(arg) / 3
        return [r * math.cos(phi - 2 * math.pi * k / 3) - shift for k in range(3)]
    return _roots_numpy(c)


def _roots_numpy(c):
    return [r.real for r in np.roots(c) if abs(r.imag) <= 1e-6 * max(1, abs(r))]


def _cbrt(x):
    return math.copysign(abs(x) ** (1 / 3), x)


def _horner(coeffs, t):
    v = 0.0
    for a in coeffs:
        v = v * t + a
    return v


def _golden(phi):
    """argmin of phi over t > 0 by doubling to a bracket, then golden sections."""
    f0 = phi(0.0)
    a, b = 0.0, 1e-8
    fb = phi(b)
    if not fb < f0:
        return None
    c, fc = 2 * b, phi(2 * b)
    for _ in range(80):  # 1e-8 * 2^80 ~ 1e16: past that f falls without bound here
        if fc >= fb:
            break
        a, b, fb, c, fc = b, c, fc, 2 * c, phi(2 * c)
    else:
        return None
    lo, hi = a, c
    for _ in range(60):
        m1, m2 = hi - GOLDEN * (hi - lo), lo + GOLDEN * (hi - lo)
        if phi(m1) <= phi(m2):
            hi = m2
        else:
            lo = m1
    return (lo + hi) / 2


def verdict(traj, optimum, ascent, stopped):
    """(diverged, words): judged from what happened. Diverging means the steps made
    f worse than at the start (higher for descent, lower for ascent) and it kept
    getting worse over the last steps, or a known optimum's distance kept growing
    while f got worse; numbers leaving the floats diverged too. f improving is
    never a warning."""
    goal, worse_word = ("maximum", "falls") if ascent else ("minimum", "rises")
    if stopped:  # numbers past the floats: diverged; a domain's edge: only stopped
        return "left the floats" in stopped or "overflow" in stopped, stopped
    fs = [p["f"] for p in traj]
    if len(fs) < 3:
        return False, ""
    sign = -1.0 if ascent else 1.0
    worse = sign * (fs[-1] - fs[0]) > 0
    still = sign * (fs[-1] - fs[-2]) > 0 and sign * (fs[-2] - fs[-3]) > 0
    away = False
    if optimum is not None:
        dist = [math.dist(p["x"], optimum["x"]) for p in traj]
        away = dist[-1] > dist[0] and dist[-1] > dist[-2] > dist[-3]
    if worse and (still or away):
        why = f"f {worse_word} step after step"
        if away:
            why += f" and the distance to the {goal} grows"
        return True, f"diverging: {why}"
    return False, ""


def optima(root, variables, symbolic=True):
    """{'min': ..., 'max': ..., 'why': ...}: the closed-form stationary points of f
    (other variables held at their values) that are a local minimum / maximum.
    ``symbolic=False``: the graph is too large for its closed form: none is tried."""
    out = {"min": None, "max": None, "why": ""}
    if len(variables) > MAX_SOLVE:
        out["why"] = f"more than {MAX_SOLVE} variables: solve is not tried"
        return out
    if not symbolic:
        out["why"] = "the graph is too large for its closed form: solve is not tried"
        return out
    syms = [v.symbol for v in variables]
    held = {v.symbol: sympy.Rational(v.data) for v in variables_of(root) if v not in variables}
    f = sympy.sympify(root.expr).xreplace(held)
    if not f.is_polynomial(*syms):
        out["why"] = "f is not a polynomial in the variables: solve is only tried on those"
        return out
    grad = [sympy.diff(f, s) for s in syms]
    hess = sympy.hessian(f, syms)
    try:
        sols = sympy.solve(grad, syms, dict=True)
    except NotImplementedError:
        sols = []
    found = {"min": [], "max": []}
    for sol in sols:
        if set(sol) != set(syms) or any(sol[s].free_symbols for s in syms):
            continue  # a family of stationary points, not an isolated one
        if not all(sol[s].is_real for s in syms):
            continue
        h = hess.xreplace(sol)
        for kind, definite in (("min", h.is_positive_definite), ("max", h.is_negative_definite)):
            if definite:
                fx = f.xreplace(sol)
                found[kind].append(
                    {
                        "exact": [sol[s] for s in syms],
                        "x": [float(sol[s]) for s in syms],
                        "f_exact": fx,
                        "f": float(fx),
                    }  # fmt: skip
                )
    for kind, pick in (("min", min), ("max", max)):
        if found[kind]:
            out[kind] = pick(found[kind], key=lambda o: o["f"])
    if not (found["min"] or found["max"]):
        out["why"] = "grad f = 0 has no isolated real solution with a definite Hessian"
    elif not found["min"]:
        out["why"] = "only maxima: f has no local minimum"
    elif not found["max"]:
        out["why"] = "only minima: f has no local maximum"
    return out


def trajectory(root, variables, start, lr, steps, method="gradient", ascent=False, *,
               line=None, symbolic=True, rest=(), hessian_at=None, curve_along=None):  # fmt: skip
    """``steps`` steps of ``method`` from ``start`` on root's graph (see the module):
    a list with one point per step ({"x", "f", "grad"}, and "predicted" and
    "predicted2", the change to first and second order, "actual", "t" for the line
    search) and why the run stopped early (None if it did not). ``line``: the
    ``LineSearch`` for the line search; ``hessian_at(x)`` and ``curve_along(d)``:
    the Hessian and d^T H d at the graph's current data (nan where undefined).
    Leaves the graph as found, data and grads, however the run ends (Ctrl-C too)."""
    sign = 1.0 if ascent else -1.0
    if hessian_at is None or curve_along is None:  # the numeric second order, by default
        second = SecondOrder(root, variables, "trajectory")
        hessian_at = hessian_at or (lambda x: second.hessian())
        curve_along = curve_along or (lambda d: second.along(d.tolist()))
    traj, stopped, velocity = [], None, [0.0] * len(variables)
    n = len(variables)
    with vary(root, variables, grads=True) as at:
        # f by the graph itself, for the line search where there is no closed form
        by_graph = None if symbolic else (lambda *a: [at(*a[:n])])
        x = list(start)
        for k in range(steps + 1):
            try:
                f = at(*x)
                root.zero_grad()
                root.backward()
            except (DomainError, OverflowError) as e:
                stopped = f"step {k}: {e}"
                break
            grad = [v.grad for v in variables]
            point = {"x": list(x), "f": f, "grad": grad}
            if traj:
                traj[-1]["actual"] = f - traj[-1]["f"]
            traj.append(point)
            if not all(map(math.isfinite, [f, *grad])):
                stopped = f"step {k}: the numbers left the floats (diverged)"
                break
            if k == steps:
                break
            if method == "gradient":
                dx = [sign * lr * g for g in grad]
            elif method == "momentum":
                velocity = [BETA * u + sign * lr * g for u, g in zip(velocity, grad)]
                dx = list(velocity)
            elif method == "line search":
                t = line.step(x, [sign * g for g in grad], rest, -sign, f=by_graph)
                if t is None:
                    better = "raises" if ascent else "lowers"
                    stopped = (f"step {k}: converged, or no bound: no t > 0 {better} f "
                               "along the gradient (at f's rounding, or f is unbounded "
                               "along it)")  # fmt: skip
                    break
                point["t"] = t
                dx = [sign * t * g for g in grad]
            else:
                try:
                    H = hessian_at(x)
                    dx = [float(d) for d in -np.linalg.solve(H, np.array(grad))]
                except np.linalg.LinAlgError:
                    stopped = f"step {k}: the Hessian is singular: no Newton step"
                    break
            first = sum(g * d for g, d in zip(grad, dx))
            point["predicted"] = first
            d = np.array(dx)
            with np.errstate(all="ignore"):  # a diverging run: inf is the right answer
                if method == "newton":  # H is at hand
                    curve = float(d @ H @ d)
                else:
                    curve = curve_along(d) if np.isfinite(d).all() else math.inf
                point["predicted2"] = first + 0.5 * curve
            x = [float(a + b) for a, b in zip(x, dx)]
            if not all(map(math.isfinite, x)):
                stopped = f"step {k + 1}: the numbers left the floats (diverged)"
                break
    if stopped and traj:  # the step that failed has no actual change to predict
        traj[-1].pop("predicted", None)
        traj[-1].pop("predicted2", None)
    root.zero_grad()
    root.backward()
    return traj, stopped


def closed_form(root, variables, others):
    """(f, f as a float function of ``variables`` then ``others``, whether f is a
    quadratic in ``variables``): the closed form the exact line search and the
    optimum are read from."""
    syms = [v.symbol for v in variables]
    f = sympy.sympify(root.expr)
    floats = lambdify_floats([*syms, *[v.symbol for v in others]], [f])
    return f, floats, is_quadratic(f, syms)
