"""What went wrong in a student's backprop step: the lecture's usual slips, named.

Each diagnosis rebuilds the slip from the graph (the wrong answer that slip would
give) and compares the student's answer with it, so a diagnosis is only ever
given when it explains the answer exactly:

for a gradient (a number), at node c:
- a node used twice, one contribution counted (chapter 8's bug, ``=`` for ``+=``):
  the sum of some but not all of c's contributions (first: in chapter 8 this is
  also minus the right grad, and the lecture names it the bug);
- the sign flipped: ``-grad``;
- the upstream gradient left out (the chain rule's factor): the local derivatives
  alone;
- the input's gradient confused with the output's: the grad of a node c feeds;
- the derivative of the wrong function: the function's value where its derivative
  belongs (``o`` for ``1 − o²`` at a tanh);
- a constant factor off: a small ratio such as 2 or 1/2;

for a local derivative (a formula), on the edge out = f(..., c, ...):
- the sign flipped; the function itself instead of its derivative; the
  derivative written in the input where it is in the output (``1 − n²`` for
  ``1 − o²``); the derivative by another input; the upstream gradient multiplied
  in; a constant factor off.
"""

import itertools
from fractions import Fraction

import sympy

from engine.symbolic import local_forward, local_partials, symbol
from explorer._common import pretty


def close(x, y, tol):
    """x equals y: within 1e-9 relative, or within the typed digits (``tol``) and 5%."""
    err = abs(x - y)
    if err <= 1e-9 * max(1.0, abs(y)):
        return True
    return err <= tol * (1 + 1e-9) and err <= 0.05 * abs(y)


def equivalent(a, b, point):
    """a and b are the same function of the inputs: their difference simplifies to
    0, or (SymPy cannot always tell) vanishes at the point and at three others."""
    diff = sympy.sympify(a) - sympy.sympify(b)
    if diff == 0:
        return True
    try:
        if sympy.simplify(diff) == 0:
            return True
    except (TypeError, ValueError, RecursionError):
        pass
    syms = sorted(diff.free_symbols, key=str)
    base = [point.get(s, 0.5) for s in syms]
    for shift in (0.0, 0.137, -0.291, 0.413):
        at = {s: x + shift * (1 + abs(x)) for s, x in zip(syms, base)}
        try:
            val = complex(diff.evalf(30, subs=at))
        except (TypeError, ValueError, ZeroDivisionError):
            return False
        scale = 1 + max(abs(complex(sympy.sympify(b).evalf(30, subs=at))), 0)
        if not abs(val) <= 1e-9 * scale:
            return False
    return True


_fits = close


def _factor(x, truth):
    """x / truth when it is a small whole number or its inverse (2, 1/2, −3...)
    other than ±1, else None."""
    if truth == 0 or x == 0:
        return None
    r = x / truth
    f = Fraction(r).limit_denominator(4)
    if f in (1, -1) or abs(float(f) - r) > 1e-6 * abs(r):
        return None
    if (f.denominator == 1 and abs(f.numerator) <= 4) or (abs(f.numerator) == 1):
        return f
    return None


def _factor_words(f, what):
    """Says which way, not by how much: the size would give the answer away."""
    way = "too large" if abs(f) > 1 else "too small"
    return (
        f"a constant factor off: {way} by a whole factor{', and the sign flipped' if f < 0 else ''}"
        f" (a factor counted twice, or dropped, in the {what})"
    )


def diagnose_number(ex, it, x, tol):
    """The slip that explains the number x typed for node ``it.node``'s grad, or ''."""
    c, t = it.node, it.truth
    name = ex.names[c]
    uses = ex._uses[c]  # [(output, local, upstream)], in backward order
    if len(uses) > 1:
        parts = [d * g for _, d, g in uses]
        for k in range(1, len(parts)):
            for some in itertools.combinations(range(len(parts)), k):
                if _fits(x, sum(parts[i] for i in some), tol):
                    return (
                        f"node used twice: {name} feeds {len(parts)} places, so its grad is "
                        f"the sum of {len(parts)} contributions; this counts {k} "
                        "(chapter 8: grads add up, += not =)"
                    )
    if t != 0 and _fits(x, -t, tol):
        return "sign flipped: the size is right, the sign is not"
    local_only = sum(d for _, d, _ in uses)
    if any(g != 1 for _, _, g in uses) and _fits(x, local_only, tol):
        return (
            "upstream gradient left out: the local derivative still has to be multiplied "
            "by the grad flowing in from " + ", ".join(ex.names[v] for v, _, _ in uses)
        )
    for v, d, g in uses:
        if d != 1 and _fits(x, g, tol):
            return (
                f"the input's grad confused with the output's: {g:.4g} is the grad of "
                f"{ex.names[v]}; {name}'s is that times ∂{ex.names[v]}/∂{name}"
            )
    value_for_derivative = sum(g * v.data for v, _, g in uses)
    if any(len(v.inputs) == 1 for v, _, _ in uses) and _fits(x, value_for_derivative, tol):
        v = uses[0][0]
        return (
            f"derivative of the wrong function: that uses the value of {ex.names[v]} "
            f"({v.op}) where its derivative belongs"
        )
    f = _factor(x, t)
    if f is not None:
        return _factor_words(f, "chain of products")
    return ""


def diagnose_formula(ex, it, e, x):
    """The slip that explains the formula e (number x) for ``∂out/∂c``, or ''."""
    v, c = it.output, it.node
    point = ex._point(it)
    truth = ex._local_form(it, it.expr)
    vn, cn = ex.names[v], ex.names[c]
    if it.truth != 0 and equivalent(e, -truth, point):
        return "sign flipped: the size is right, the sign is not"
    own = local_forward(v)
    if equivalent(e, own, point):
        return (
            f"derivative of the wrong function: that is {vn} itself ({pretty_or(own)}), "
            "not its derivative"
        )
    if len(v.inputs) == 1 and symbol(v) in sympy.sympify(it.expr).free_symbols:
        swapped = ex._local_form(it, sympy.sympify(it.expr).xreplace({symbol(v): symbol(c)}))
        if equivalent(e, swapped, point):
            return (
                f"the input confused with the output: the derivative of {v.op} is written "
                f"in its output {vn}, not in its input {cn}"
            )
    for j, other in enumerate(v.inputs):
        if other is not c and not other.is_constant:
            d = ex._local_form(it, local_partials(v)[j])
            if equivalent(e, d, point) and not equivalent(d, truth, point):
                return f"that is the derivative by {ex.names[other]}, not by {cn}"
    g = ex._grads[v]
    if g != 1 and it.truth != 0 and equivalent(e, truth * g, point):
        return (
            f"upstream gradient multiplied in: the local derivative is ∂{vn}/∂{cn} alone; "
            f"the chain rule multiplies it by {vn}.grad = {g:.4g} afterwards"
        )
    if it.truth != 0:
        f = _factor(x, it.truth)
        if f is not None and equivalent(e, truth * sympy.Rational(f.numerator, f.denominator),
                                        point):  # fmt: skip
            return _factor_words(f, "derivative (the power rule's exponent?)")
    return ""


def pretty_or(e):
    return pretty(sympy.sympify(e))
