"""The check's verdicts where they are hardest, over random expressions (issue 22):
at kinks, at tiny bases of ``**``, next to poles, with and without an injected
wrong rule, judged against mpmath at 50 digits (SymPy's ``evalf``).

- No false alarm: where backprop equals the 50-digit reference, the verdict is
  good, ok or kink.
- No silent miss: where an injected rule leaves backprop further from the
  reference than the 'ok' band (1e-4), the verdict is neither good, ok nor kink.

The reference is SymPy's own derivative of the expression (``sympy.diff``) where
no kink is met, and the closed form (the rule table's subgradient: relu'(0) = 0,
abs'(0) = 0, 1/2 each at a tie of max and min) where one is, each evaluated at the
leaves' binary floats taken exactly, at 50 digits.
"""

import math

import hypothesis.strategies as st
import pytest
import sympy
from hypothesis import HealthCheck, assume, event, given, settings

import engine
from engine import DomainError, Value
from explorer import check
from explorer.bugs import inject_bug
from explorer.report import AGREE

pytestmark = pytest.mark.timeout(600)
SETTINGS = dict(deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)

SMOOTH = {
    "sin": lambda u: u.sin(),
    "tanh": lambda u: u.tanh(),
    "sigmoid": lambda u: u.sigmoid(),
    "scale": lambda u: u * -1.75,
    "shift": lambda u: u + 0.5,
    "square": lambda u: u**2,
    "softplus": lambda u: u.softplus(),
}


def smooth(ops):
    def f(u):
        for op in ops:
            u = SMOOTH[op](u)
        return u

    return f


smooth_ops = st.lists(st.sampled_from(sorted(SMOOTH)), max_size=2)


def _bug(kind):
    """An injected rule: each local partial times a factor, or plus an offset
    (``kind``: (how, amount, which op))."""

    def bug(m, g, out, xs, k):
        rule = _bug.rule
        args = (*xs, k) if k is not None else xs
        ds = rule.partials(m, out, *args)
        if kind[0] == "scale":
            return tuple(kind[1] * d * g for d in ds)
        return tuple((d + kind[1]) * g for d in ds)

    return bug


bugs = st.one_of(
    st.none(),
    st.tuples(
        st.just("scale"), st.sampled_from([1.5, 0.5, -1.0, 1.01, 0.999, 3.0]), st.integers(0, 9)
    ),
    st.tuples(st.just("offset"), st.sampled_from([0.3, -0.02, 1e-3]), st.integers(0, 9)),
)


def reference(root, variables, convention):
    """{variable: d root/d variable at 50 digits} (see the module)."""
    at = {v.symbol: sympy.Rational(v.data) for v in engine.topo_order(root) if v.is_variable}
    out = {}
    for v in variables:
        e = v.grad_expr if convention else sympy.diff(root.expr, v.symbol)
        x = e.xreplace(at).evalf(50)
        out[v] = float(x) if x.is_real and x.is_finite else None
    return out


def rel(a, b, floor):
    return abs(a - b) / max(abs(a), abs(b), floor)


def judge(build, bug):
    """Build, backprop (with the bug at one op in the graph), check; then hold the
    verdicts to the reference."""
    try:
        root, variables = build()
        order = engine.topo_order(root)
    except DomainError:
        assume(False)
    at_kink = any(v.kink_value() == 0 for v in order if v.inputs)
    ops = sorted({v.rule.name for v in order if v.inputs and v.rule is not None})
    if bug is not None:
        _bug.rule = engine.RULES[ops[bug[2] % len(ops)]]  # the op the bug is in
        with inject_bug(_bug.rule.name, _bug(bug)):
            try:
                root.backward()
            except DomainError:
                assume(False)
    else:
        root.backward()
    ref = reference(root, variables, at_kink)
    report = check(root)
    rows = {r.node: r for r in report.rows}
    for v in variables:
        r, want = rows.get(v), ref[v]
        if want is None or r is None or not math.isfinite(v.grad):
            continue
        if rel(v.grad, want, 1e-300) <= 1e-9:  # backprop is right: no false alarm
            event(f"right: {r.verdict}")
            assert r.verdict in AGREE, (str(report), want)
        elif rel(v.grad, want, 1e-6) > 1e-4:  # wrong past the ok band: never let through
            event(f"wrong: {r.verdict}")
            assert r.verdict not in AGREE, (str(report), want, bug)
        else:
            event("within the band")


# -- at kinks ---------------------------------------------------------------------------


@st.composite
def at_kinks(draw):
    x0 = draw(st.sampled_from([0.0, 0.25, -1.5, 0.7, 2.0]))
    y0 = draw(st.sampled_from([x0, 0.4, -0.3]))
    kink = draw(st.sampled_from(["relu", "abs", "maximum", "minimum", "max_xy"]))
    outer, side = draw(smooth_ops), draw(smooth_ops)
    weight = draw(st.sampled_from([1.0, -0.5, 2.0]))

    def build():
        x, y = Value(x0, label="x"), Value(y0, label="y")
        u = x + (-x0)  # exactly 0 at the point
        k = {
            "relu": lambda: u.relu(),
            "abs": lambda: u.abs(),
            "maximum": lambda: engine.maximum(x, x0),
            "minimum": lambda: engine.minimum(y * 1.0, x),
            "max_xy": lambda: engine.maximum(x, y),
        }[kink]()
        f = smooth(outer)(k) * weight + smooth(side)(x) * y
        return f, [x, y]

    return build


@settings(max_examples=250, **SETTINGS)
@given(at_kinks(), bugs)
def test_verdicts_at_kinks(build, bug):
    judge(build, bug)


# -- at tiny bases ------------------------------------------------------------------------


@st.composite
def at_tiny_bases(draw):
    x0 = draw(st.sampled_from([1.0, 3.7, 5.0])) * 10.0 ** -draw(st.integers(3, 300))
    y0 = draw(st.sampled_from([0.5, 2.0, 3.0]))
    shape = draw(st.sampled_from(["x**x", "x**(2x)", "(xy)**x", "y**x", "x**x*smooth", "xlogx"]))
    side = draw(smooth_ops)

    def build():
        x, y = Value(x0, label="x"), Value(y0, label="y")
        f = {
            "x**x": lambda: x**x,
            "x**(2x)": lambda: x ** (x * 2),
            "(xy)**x": lambda: (x * y) ** x,
            "y**x": lambda: Value(x0, label="t") ** y,
            "x**x*smooth": lambda: x**x * smooth(side)(y),
            "xlogx": lambda: x * x.log() + y,
        }[shape]()
        return f, [v for v in engine.topo_order(f) if v.is_variable]

    return build


@settings(max_examples=150, **SETTINGS)
@given(at_tiny_bases(), bugs)
def test_verdicts_at_tiny_bases(build, bug):
    judge(build, bug)


# -- next to poles ---------------------------------------------------------------------


@st.composite
def near_poles(draw):
    d = draw(st.sampled_from([1.0, -1.0])) * 10.0 ** -draw(st.integers(1, 14))
    n = draw(st.integers(-2, 2))
    shape = draw(st.sampled_from(["tan", "inv", "log", "sqrt", "tan*y", "atan_big"]))
    y0 = draw(st.sampled_from([0.5, -2.0]))
    x0 = {
        "tan": math.pi / 2 + n * math.pi + d,
        "tan*y": math.pi / 2 + d,
        "inv": d,
        "log": abs(d),
        "sqrt": abs(d),
        "atan_big": 10.0 ** draw(st.integers(10, 300)) * (1 if d > 0 else -1),
    }[shape]

    def build():
        x, y = Value(x0, label="x"), Value(y0, label="y")
        f = {
            "tan": lambda: x.tan(),
            "tan*y": lambda: x.tan() * y + y.sin(),
            "inv": lambda: x**-1 + y,
            "log": lambda: x.log() * y,
            "sqrt": lambda: x.sqrt() + y * x,
            "atan_big": lambda: x.atan() * y,
        }[shape]()
        return f, [x, y] if y in engine.topo_order(f) else [x]

    return build


@settings(max_examples=150, **SETTINGS)
@given(near_poles(), bugs)
def test_verdicts_near_poles(build, bug):
    judge(build, bug)
