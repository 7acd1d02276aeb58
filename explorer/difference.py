"""A finite difference that knows its own error, and knows kinks and poles.

``difference(root, v, watch, h)`` estimates d root/d v by nudging v's data on the
graph itself (``engine.vary``: everything is restored after) and returns a
``Difference``: the estimate, its own error bound, the step it used and how it
was taken.

- The step is relative to the point: ``h * max(1, |x|)``, so ``x = 1e20`` is
  nudged by 1e15, not by an amount that vanishes in ``x + h``; and no larger than
  the scales the rule table gives (``first_step``), so ``sin(x)`` at 7e11 is not
  stepped across whole periods.
- Its error is estimated from the numbers themselves: the truncation error by
  comparing the difference at the step and at half of it, the round-off as
  ``eps (|f| + |x f'| + sum |w df/dw|) / step`` (f's own rounding, x's and every
  intermediate node's w, magnified by the slope of f in it).
  While that error is large, the step shrinks tenfold, up to ``TRIES`` times; a
  coarse step is held to its disagreement with finer ones, and a difference that
  never settles is no difference at all (the check says so instead of a verdict).
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
TRIES = 10  # steps tried, each a tenth of the last, until one is accurate
EVALUATIONS = 4 * TRIES  # forward passes per target, at most


@dataclass
class Difference:
    value: float  # the estimate of d root/d v (at a kink: the mean of the two slopes)
    error: float  # a bound on its error, truncation plus round-off
    h: float  # the step used
    kind: str  # 'central', 'forward', 'backward' or 'kink'
    slopes: tuple | None = None  # (left, right) one-sided slopes at a kink
    evaluations: int = 0  # forward passes it took
    roundoff: float = 0.0  # the part of the error a smaller step would not reduce

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


def first_step(v, after, h):
    """h times the scale on which the graph after v looks straight, seen from v:
    ``max(1, |x|)``, and for each node whose rule has a scale (sin: 1) that scale
    divided by how fast its input moves with v (a forward-mode sweep of the local
    partials). ``sin(x)`` at x = 7e11 steps by 1e-5, not by 7e6."""
    step = h * max(1.0, abs(v.data))
    rate = {v: 1.0}  # d node / d v
    for w in after:
        if not any(c in rate for c in w.inputs):
            continue
        try:
            ds = w.local_grads()
        except (DomainError, TypeError):
            continue
        if scale := w.linear_scale():  # the first input's, or a tuple: each input's
            for c, s in zip(w.inputs, scale if isinstance(scale, tuple) else (scale,)):
                if s and rate.get(c):
                    step = min(step, h * s / abs(rate[c]))
        d = sum(g * rate[c] for c, g in zip(w.inputs, ds) if c in rate)
        if d:
            rate[w] = d
    return step


def difference(root, v, after, h):
    """d root/d v by finite differences on root's graph (see the module's docstring).
    ``after``: the nodes after v in topological order (their kinks and poles the steps
    must not cross; their scales bound the step)."""
    x0 = v.data
    f0 = root.data
    watch = [w for w in after if w.kink_value() is not None or w.pole_value() is not None]
    s0 = _signs(watch)
    at_kink = 0 in s0
    step = first_step(v, after, h)
    # each node's rounding (eps |w|) reaches f through d f/d w: backprop's own grads,
    # used here only to size the round-off, never as the answer
    noise = sum(abs(w.grad * w.data) for w in after if w.inputs)
    calls = [0]
    with vary(root, [v]) as f_:

        def f(x):
            calls[0] += 1
            return f_(x)

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

        best = settle(side, x0, f0, step, at_kink, noise)
    best.evaluations = calls[0]
    return best


def settle(side, x0, f0, step, at_kink, noise):
    """The search of ``difference``: steps of a tenth of the last until one is
    accurate, each estimate cross-checked against the finer ones; the best estimate,
    or a DomainError saying why there is none. ``side(d)`` gives f at x0 + d/2 and
    x0 + d, or None where those cross a kink or a pole or leave the domain: on the
    graph itself (``difference``) or from a batched evaluation of many differences at
    once (``explorer.batched``), which run this same search."""
    tried = []
    for _ in range(TRIES):
        if x0 + step == x0:
            break
        est = _estimate(side, x0, f0, step, at_kink, noise)
        if est is not None:
            tried.append(est)
            if _settled(est):
                break  # accurate, or round-off dominates: a smaller step would not help
        step /= 10
    if not tried:
        if x0 + step == x0:
            raise DomainError("the function changes faster than a float step in x can follow")
        raise DomainError("every step crosses a kink or a pole, or leaves the domain")
    own = [d.error for d in tried]  # each estimate's own bound, before the cross-check
    _cross_check(tried)
    best = min(tried, key=lambda d: d.error)
    i = tried.index(best)
    neighbours = [j for j in (i - 1, i + 1) if 0 <= j < len(tried)]
    if not (_settled(best) or any(_agree(best, tried[j], own[i], own[j]) for j in neighbours)):
        raise DomainError(
            f"the difference does not settle as the step shrinks from {tried[0].h:.0e} to "
            f"{tried[-1].h:.0e}: the function changes faster here than a step can follow"
        )
    return best


def _settled(d):
    return d.error <= 1e-9 * max(abs(d.value), EPS) or d.error <= 2 * d.roundoff


def _agree(a, b, ea, eb):
    """b confirms a: they agree within their bounds, and b's bound is not so loose
    that it would agree with anything."""
    return abs(a.value - b.value) <= ea + eb and eb <= 100 * ea


def _cross_check(tried):
    """An estimate's own error bound holds only once the step is small enough for the
    function to look like its Taylor polynomial; until then a coarse step disagrees
    with finer ones by more than their bounds, and is at least that wrong."""
    for i, coarse in enumerate(tried):
        for fine in tried[i + 1 :]:
            if coarse.kind != "kink" and fine.kind != "kink":
                coarse.error = max(coarse.error, abs(coarse.value - fine.value) - fine.error)


def _estimate(side, x0, f0, s, at_kink, noise):
    """The difference with step s (and s/2, for its truncation error), or None."""
    ups, dns = side(s), side(-s)
    right = None if ups is None else _one_sided(f0, *ups, s)
    left = None if dns is None else _one_sided(f0, *dns, -s)
    up2, up = ups or (None, None)
    dn2, dn = dns or (None, None)
    big = max(abs(y) for y in (f0, up, up2, dn, dn2) if y is not None)
    est = _pick(right, left, ups, dns, f0, s, 16 * EPS * big / s, at_kink)
    if est is not None:
        # round-off: f's own rounding, x's (|x| eps) magnified by the slope, and every
        # intermediate node's
        est.roundoff = 16 * EPS * (big + abs(x0 * est.value) + noise) / s
        est.error += est.roundoff
    return est


def _pick(right, left, ups, dns, f0, s, roundoff, at_kink):
    """The best difference the two sides allow."""
    if at_kink:
        if right is None or left is None:
            return None
        (r, er), (lft, el) = right, left
        err = max(er, el) + roundoff
        if abs(r - lft) <= 2 * err:  # the two sides agree: differentiable here
            return Difference((r + lft) / 2, abs(r - lft) / 2 + err, s, "central")
        return Difference((r + lft) / 2, err, s, "kink", (lft + 0.0, r + 0.0))  # no -0
    if right is not None and left is not None:
        (up2, up), (dn2, dn) = ups, dns
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
