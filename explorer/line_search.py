"""The exact line search of the descent panel: along a direction d, the step t > 0
that minimises (or maximises) phi(t) = f(x + t d), in closed form where phi is a
polynomial in t, else by a numeric 1-D search (``LineSearch``).
"""

import math

import numpy as np
import sympy

from engine.evaluate import lambdify_floats

GOLDEN = (math.sqrt(5) - 1) / 2


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
