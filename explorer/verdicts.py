"""The check's verdict where floats and kinks make it hard: the judgement ``check``
applies at kinks, where the finite difference cannot resolve the change, and
where something underflowed.

**At a kink** every slope between the one-sided ones is a subgradient, so the
finite difference alone would accept a wrong backprop anywhere in that range
(``relu(x) + sin(x)`` at 0 with sin' scaled by 1.5: 1.5 lies between 1 and 2).
But the closed form follows the rule table's own convention (relu'(0) = 0, 1/2
each at a tie of max), so backprop must equal it, as anywhere else. One thing can
separate them honestly: the closed form is evaluated from exact expressions, and a
tie that floats see (``max(x, x + 1e-61)``) may not be one there. So a closed
form that disagrees is accepted only when backprop equals the table's convention
applied in floats (``table_grads``: the reverse sweep of the rule table's partials,
node by node, as ``backward()`` is defined) and the closed form is itself a
subgradient. SymPy's oracle takes its own convention at a kink (Heaviside(0) =
1/2 for relu) and is held only to the slopes.

**A finite difference too uncertain to judge** (its own error bound a percent of
the gradient or more: x**x at x = 1e-20 changes f by 4e-24 over the largest step
inside the region where it looks straight) that disagrees with backprop by no more
than that bound is left out of the verdict, with a note; the exact columns decide.
One that agrees within the 'ok' band still counts, and one that disagrees past its
own bound is evidence of a wrong gradient.

**Underflow.** Every exact column is evaluated in floats, so an intermediate value
that underflowed (``x**2`` at 3e-162 is a subnormal 9e-324 with one significant
digit) spoils all of them alike, and they agree with each other on a wrong number.
``underflowed`` finds such nodes in the graph (a subnormal value or local
derivative, or a product, power or exponential that came out 0 from non-zero
inputs); then ``precise_grads`` evaluates SymPy's derivative at 50 digits
(mpmath, through ``evalf``) as one more column, ``precise``.
"""

import math
import sys

import sympy

from engine import DomainError

TINY = sys.float_info.min  # the smallest normal float: below it, digits are lost
FLOOR = 1e-6  # slopes below this are judged on an absolute scale
UNTRUSTED = 1e-2  # a difference's bound this fraction of the gradient: no verdict from it
AGREES = 1e-4  # the 'ok' band: a difference that agrees this well is evidence all the same
MAX_PRECISE = 400  # operations in the expression: evalf at 50 digits stays well under 1 s
_ZERO_FROM_NONZERO = {"*", "**k", "**", "exp", "sigmoid", "softplus"}


def table_grads(order):
    """{node: d root/d node} by the plain reverse sweep over the rule table's
    partials in floats (root = ``order[-1]``): what ``backward()`` is defined to
    compute, seeing the same float ties."""
    g = {v: 0.0 for v in order}
    g[order[-1]] = 1.0
    for v in reversed(order):
        if v.inputs and v.rule is not None and g[v]:
            try:
                ds = v.local_grads()
            except DomainError:
                continue
            for c, d in zip(v.inputs, ds):
                g[c] += d * g[v]
    return g


def untrusted(d, grad):
    """A note when the finite difference d's own error bound is too wide for it to
    tell a right gradient from a wrong one, else None."""
    if d is None or d.kind == "kink":
        return None
    size = max(abs(grad), abs(d.value), FLOOR)
    # agreement within the bands still counts, and a disagreement past the bound is
    # evidence of a wrong gradient: only a disagreement the bound explains is no verdict
    agrees = d.rel_error(grad, 1e-8) <= AGREES
    if d.error >= UNTRUSTED * size and not agrees and abs(grad - d.value) <= d.error:
        return (
            f"the finite difference cannot be trusted here (its error bound ±{d.error:.2g} "
            f"is as large as the slope: a float step this small cannot resolve the change)"
        )
    return None


def judge_kink(grad, d, refs, errors, table, rel, floor):
    """At a kink (d.kind == 'kink'): drop from ``errors`` what the rule table's
    convention allows (see the module), keep what it does not; returns the note."""
    left, right = d.slopes
    lo, hi = sorted((left, right))

    def between(x):
        return lo - d.error <= x <= hi + d.error

    note = (
        f"a kink: the slopes are {left:.6g} from the left and {right:.6g} from the right; "
        "backprop is held to the rule table's subgradient"
    )
    if refs.get("oracle") is not None and between(refs["oracle"]):
        errors.pop("oracle", None)  # SymPy's own convention at the kink: only a subgradient
    closed = refs.get("closed_form")
    if closed is not None and "closed_form" in errors and errors["closed_form"] > 1e-4:
        if table is not None and rel(grad, table, floor) <= 1e-7 and between(closed):
            errors.pop("closed_form")  # a tie floats see and exact arithmetic does not
            note += f" (the closed form's {closed:.6g} sees no tie where floats do)"
    elif closed is None and table is not None:
        errors["table"] = rel(grad, table, floor)  # the convention, in floats
    return note


def underflowed(order):
    """The nodes whose value or local derivative lost digits to underflow."""
    out = []
    for v in order:
        x = v.data
        if 0.0 < abs(x) < TINY:
            out.append(v)
            continue
        if not v.inputs or v.rule is None:
            continue
        if x == 0.0 and v.rule.name in _ZERO_FROM_NONZERO and all(c.data for c in v.inputs):
            out.append(v)
            continue
        try:
            if any(0.0 < abs(d) < TINY for d in v.local_grads()):
                out.append(v)
        except (DomainError, TypeError):
            pass
    return out


def precise_grads(root, targets, size):
    """{target: d root/d target at 50 digits} for variable targets, by SymPy's
    derivative evaluated at the leaves' binary floats taken exactly; {} when the
    expression has more than ``MAX_PRECISE`` operations (``size``)."""
    import engine

    if size > MAX_PRECISE:
        return {}
    leaves = [v for v in engine.topo_order(root) if v.is_variable]
    at = {v.symbol: sympy.Rational(v.data) for v in leaves}
    out = {}
    for v in targets:
        if not v.is_variable:
            continue
        try:
            x = sympy.diff(root.expr, v.symbol).xreplace(at).evalf(50)
            if x.is_real and x.is_finite:
                out[v] = float(x)
        except (TypeError, ValueError, ArithmeticError, RecursionError):
            continue
    return out


def finite(x):
    return x is not None and math.isfinite(x)
