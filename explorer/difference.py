"""A finite difference that knows its own error, and knows kinks and poles.

``difference(root, v, watch, h)`` estimates d root/d v by nudging v's data on the
graph itself (``engine.vary``: everything is restored after) and returns a
``Difference``: the estimate, its own error bound, the step it used and how it
was taken.

- The step is relative to the point: ``h * max(1, |x|)``, so ``x = 1e20`` is
  nudged by 1e15, not by an amount that vanishes in ``x + h``.
- Its error is estimated from the numbers themselves: the truncation error by
  comparing the difference at the step and at half of it, the round-off as
  ``eps |f| / step``. Where the first step is too coarse (``tanh(1e6 x)``) the
  step shrinks while the error estimate falls.
- The rule table says where every kink and pole is (``Value.kink_value()``,
  ``Value.pole_value()``: 0 at one). If a step would cross one, the difference
  is taken on the side that does not (``relu(x)`` at ``x = 1e-9``, ``1/x`` near
  0). Exactly at a kink it takes both one-sided slopes: when they differ the
  point is a kink and any gradient between them is a valid subgradient; when
  they agree (``x * relu(x)`` at 0) the function is differentiable there.
"""

import math
from dataclasses import dataclass

from engine import DomainError, vary

EPS = 2.0**-52
TRIES = 6  # smaller steps tried while the error estimate falls
EVALUATIONS = 4 * TRIES  # forward passes per target, at most


@dataclass
class Difference:
    value: float  # the estimate of d root/d v (at a kink: the mean of the two slopes)
    error: float  # a bound on its error, truncation plus round-off
    h: float  # the step used
    kind: str  # 'central', 'forward', 'backward' or 'kink'
    slopes: tuple | None = None  # (left, right) one-sided slopes at a kink

    def rel_error(self, grad, floor):
        """How far grad is from what this difference allows, relative to their size:
        an error as large as the difference's own bound reads 1e-4 (the 'ok' band)."""
        if self.kind == "kink":
            lo, hi = sorted(self.slopes)
            off = max(lo - self.error - grad, grad - hi - self.error, 0.0)
            return off / max(abs(grad), abs(lo), abs(hi), floor)
        return abs(grad - self.value) / max(abs(grad), abs(self.value), 1e4 * self.error, floor)


def _signs(watch):
    out = []
    for w in watch:
        for s in (w.kink_value(), w.pole_value()):
            out.append(None if s is None else (s > 0) - (s < 0))
    return out


def _same_side(s0, signs):
    """No kink or pole crossed between x and the points whose signs are given: a
    sign that is 0 at x (x at a kink) must at least not change between them."""
    return all(
        len({s[i] for s in signs}) == 1 and (a == 0 or signs[0][i] == a) for i, a in enumerate(s0)
    )


def difference(root, v, watch, h):
    """d root/d v by finite differences on root's graph (see the module's docstring).
    ``watch``: the nodes after v whose kinks and poles the steps must not cross."""
    x0 = v.data
    f0 = root.data
    s0 = _signs(watch)
    at_kink = 0 in s0
    step = h * max(1.0, abs(x0))
    best = None
    with vary(root, [v]) as f:

        def side(d):
            """f at x0 + d/2 and x0 + d, or None where they cross a kink or a pole."""
            ys, signs = [], []
            try:
                for x in (x0 + d / 2, x0 + d):
                    ys.append(f(x))
                    signs.append(_signs(watch))
            except DomainError:
                return None
            ok = all(math.isfinite(y) for y in ys) and _same_side(s0, signs)
            return ys if ok else None

        for _ in range(TRIES):
            if x0 + step == x0:
                break
            est = _estimate(side, x0, f0, step, at_kink)
            if est is not None and (best is None or est.error < best.error):
                best = est
            if best is not None and best.error <= 1e-9 * max(abs(best.value), EPS):
                break
            step /= 10
    if best is None:
        raise DomainError("every step crosses a kink or a pole, or leaves the domain")
    return best


def _estimate(side, x0, f0, s, at_kink):
    """The difference with step s (and s/2, for its truncation error), or None."""
    ups, dns = side(s), side(-s)
    right = None if ups is None else _one_sided(f0, *ups, s)
    left = None if dns is None else _one_sided(f0, *dns, -s)
    up2, up = ups or (None, None)
    dn2, dn = dns or (None, None)
    big = max(abs(y) for y in (f0, up, up2, dn, dn2) if y is not None)
    roundoff = 16 * EPS * big / s
    if at_kink:
        if right is None or left is None:
            return None
        (r, er), (lft, el) = right, left
        err = max(er, el) + roundoff
        if abs(r - lft) <= 2 * err:  # the two sides agree: differentiable here
            return Difference((r + lft) / 2, abs(r - lft) / 2 + err, s, "central")
        return Difference((r + lft) / 2, err, s, "kink", (lft + 0.0, r + 0.0))  # no -0
    if right is not None and left is not None:
        d1, d2 = (up - dn) / (2 * s), (up2 - dn2) / s
        return Difference(d2, abs(d1 - d2) + roundoff, s / 2, "central")
    if right is not None:
        return Difference(right[0], right[1] + 3 * roundoff, s, "forward")
    if left is not None:
        return Difference(left[0], left[1] + 3 * roundoff, s, "backward")
    return None


def _one_sided(f0, f_half, f_full, s):
    """Second-order one-sided slope from f(x), f(x + s/2), f(x + s) (s may be negative),
    with the gap to the first-order slope as its error."""
    second = (-3 * f0 + 4 * f_half - f_full) / s
    first = (f_half - f0) / (s / 2)
    return second, abs(second - first)
