"""engine.hessian and engine.hessian_expr against three oracles: PyTorch's double
backward (``torch.autograd.functional.hessian``, float64), central differences of
backprop's gradient, and ``sympy.hessian`` of the whole expression.

The random graphs are drawn from the rule table itself: every rule, operators and
functions alike, is an operation a graph can use, so a rule added to the table is
tested here (the test below fails until the PyTorch namespace knows it).
"""

import hypothesis.strategies as st
import numpy as np
import pytest
import sympy
import torch
from hypothesis import HealthCheck, given, settings
from torch_twin import TORCH

import engine
from engine import (
    FUNCTIONS,
    RULES,
    DomainError,
    Value,
    affine,
    hessian,
    hessian_expr,
    topo_order,
    vary,
)
from engine.local import rule_args
from engine.rules import BUILTIN
from engine.symbolic import diff

# how a graph makes a node of each operator rule (the function rules are FUNCTIONS)
OPERATORS = {
    "+": lambda a, b: a + b,
    "*": lambda a, b: a * b,
    "**": lambda a, b: a**b,
    "affine": lambda *xs: affine(xs[0], xs[1::2], xs[2::2]),
}
EXPONENTS = [2, 3, -1, 0.5, 1.5, -2]  # for x ** k
MARGIN = 0.15  # how far from a kink or a pole a node must stay


def _makers():
    """{rule name: (number of inputs, function of the input Values)}, every rule."""
    out = {}
    for name, rule in zip(BUILTIN, map(RULES.get, BUILTIN)):
        if name == "**k":
            for k in EXPONENTS:
                out[f"**{k}"] = (1, lambda x, k=k: x**k)
        elif rule.function:
            out[name] = (rule.arity, FUNCTIONS[rule.function])
        else:
            out[name] = (rule.arity or 5, OPERATORS[name])
    return out


MAKERS = _makers()


def test_every_rule_is_drawn_and_known_to_torch():
    drawn = {n if not n.startswith("**") or n == "**" else "**k" for n in MAKERS}
    assert drawn == set(BUILTIN)
    for rule in map(RULES.get, BUILTIN):
        # every name a rule's forward asks of its namespace exists in TORCH
        xs = [torch.tensor(0.7, dtype=torch.float64)] * (rule.arity or 5)
        rule.forward(TORCH, *xs, *([2] if rule.name == "**k" else []))


def _build(values, program):
    """A graph from a program of (op name, input indices); a node that would land
    within MARGIN of its rule's kink or pole, outside its domain, or at a size
    where float64 rounding swamps a second derivative, is left out."""
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(values)]
    pool = list(leaves)
    for name, picks in program:
        arity, make = MAKERS[name]
        try:
            v = make(*[pool[i % len(pool)] for i in picks[:arity]])
        except DomainError:
            continue
        near = [s for s in (v.kink_value(), v.pole_value()) if s is not None]
        if any(abs(s) < MARGIN for s in near) or abs(v.data) > 50:
            continue
        if v.op == "**" and v.inputs[1].data == 0:
            # torch's pow masks d/da a^b to 0 where b == 0, so its d/db of that is 0:
            # its Hessian is not symmetric there (d2/da db a^(b+2) at (1, 0) is 1)
            continue
        pool.append(v)
    root = pool[-1] if len(pool) < 3 else pool[-1] * pool[-2] + pool[-3]
    used = set(engine.topo_order(root))
    return root, [v for v in leaves if v in used]


def _torch_function(root, leaves):
    """root as a function of a tensor of the leaves' values, through the same
    rules run on torch's namespace (no engine arithmetic on the way)."""
    order = engine.topo_order(root)

    def f(t):
        val = {id(v): t[i] for i, v in enumerate(leaves)}
        for v in order:
            if id(v) in val:
                continue
            if not v.inputs:  # a constant, or a variable this Hessian holds fixed
                val[id(v)] = torch.tensor(v.data, dtype=torch.float64)
                continue
            xs = [val[id(c)] for c in v.inputs]
            k = rule_args(v)[len(v.inputs) :]  # x ** k: the constant exponent
            val[id(v)] = v.rule.forward(TORCH, *xs, *k)
        return val[id(root)]

    return f


def _gradient(root, leaves, at):
    with vary(root, leaves) as f:
        f(*at)
        root.zero_grad()
        root.backward()
        return np.array([v.grad for v in leaves])


def _jumps_between(root, leaves, j, at, h, v):
    """Does node v's jump (its rule's pole, a step of floor or mod) lie between the
    points a difference of column j reads?"""
    sides = set()
    for d in (-h, h):
        x = list(at)
        x[j] += d
        with vary(root, leaves) as f:
            f(*x)
            p = v.pole_value()
            sides.add(p is None or p > 0)
            if p == 0:
                return True
    return len(sides) > 1


programs = st.tuples(
    st.lists(st.floats(-1.5, 1.5).map(lambda x: round(x, 3)), min_size=1, max_size=3),
    st.lists(
        st.tuples(
            st.sampled_from(sorted(MAKERS)), st.lists(st.integers(0, 30), min_size=5, max_size=5)
        ),  # fmt: skip
        min_size=2,
        max_size=8,
    ),
)


@settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))
@given(programs)
def test_hessian_matches_torch_and_differences_of_the_gradient(program):
    values, steps = program
    root, leaves = _build(values, steps)
    if not leaves:
        return
    H = hessian(root, leaves)
    assert H.shape == (len(leaves), len(leaves))
    scale = max(1.0, float(np.abs(H).max()))

    x0 = torch.tensor([v.data for v in leaves], dtype=torch.float64)
    T = torch.autograd.functional.hessian(_torch_function(root, leaves), x0).numpy()
    np.testing.assert_allclose(H, T, rtol=1e-9, atol=1e-10 * scale)
    np.testing.assert_allclose(hessian(root, leaves, exact=True), H, rtol=1e-9, atol=1e-10 * scale)

    # central differences of backprop's gradient, column by column, Richardson-
    # extrapolated from h and h/2 so that the truncation error is O(h^4): these
    # graphs reach curvatures of 1e7, where a plain difference's h^2 term shows
    at = [v.data for v in leaves]

    def column(j, h):
        up, down = list(at), list(at)
        up[j] += h
        down[j] -= h
        return (_gradient(root, leaves, up) - _gradient(root, leaves, down)) / (2 * h)

    jumps = [v for v in topo_order(root) if v.rule is not None and v.rule.jump]
    for j in range(len(leaves)):
        h = 1e-4 * max(1.0, abs(at[j]))
        try:
            half, full = column(j, h / 2), column(j, h)
        except DomainError:
            continue
        if not np.allclose(half, full, rtol=1e-3, atol=1e-6 * scale):
            continue  # the differences have not settled (a pole's curvature): no oracle here
        col = (4 * half - full) / 3
        if any(_jumps_between(root, leaves, j, at, h, v) for v in jumps):
            continue  # the difference stepped across a jump (floor, mod): no slope there
        np.testing.assert_allclose(H[:, j], col, rtol=1e-4, atol=1e-5 * scale)
    assert [v.data for v in leaves] == at  # vary put everything back


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(programs)
def test_hessian_expr_equals_sympy_hessian_of_the_expression(program):
    values, steps = program
    root, leaves = _build(values, steps)
    if not leaves:
        return
    # on a kink whose second derivative is infinite (hypot at its origin) there is no
    # Hessian to compare; relu's, abs's and max's take the first derivative's convention
    flat = ("ReLU", "abs", "maximum", "minimum")
    if any(v.rule is not None and v.rule.name not in flat and v.kink_value() == 0
           for v in topo_order(root)):  # fmt: skip
        return
    syms = [v.symbol for v in leaves]
    # sympy.diff twice (engine.symbolic.diff: floor's, sign's and Mod's derivatives
    # 0 off their jumps, which SymPy leaves underived)
    e = root.expr
    theirs = sympy.Matrix([[diff(diff(e, a), b) for b in syms] for a in syms])
    mine = hessian_expr(root, leaves)
    at = {s: sympy.Float(v.data, 30) for s, v in zip(syms, leaves)}
    # SymPy leaves d sign(u)/dx unevaluated when it cannot tell u is real (u = x**x):
    # it is 0 away from u = 0, where these graphs stay
    theirs = theirs.replace(
        lambda a: isinstance(a, sympy.Derivative) and isinstance(a.expr, sympy.sign),
        lambda a: sympy.Integer(0),
    )
    for a, b in zip(mine, theirs):
        x, y = float(a.xreplace(at).evalf(30)), float(b.xreplace(at).evalf(30))
        assert x == pytest.approx(y, rel=1e-12, abs=1e-12), (a, b)


@pytest.mark.parametrize(
    "text, values",
    [
        ("3*x**2 - 4*x + 5", {"x": 3}),
        ("x**2 + 10*y**2", {"x": 1, "y": 1}),
        ("tanh(x*w + b)", {"x": 0.5, "w": -1.0, "b": 0.3}),
        ("sin(x)*exp(y) + log(x*y)", {"x": 0.7, "y": 1.2}),
        ("(1 - x)**2 + 100*(y - x**2)**2", {"x": -1.2, "y": 1}),
    ],
)
def test_hessian_expr_is_sympy_hessian_exactly(text, values):
    from explorer import parse

    root = parse(text, **values)
    leaves = [v for v in engine.topo_order(root) if v.is_variable]
    syms = [v.symbol for v in leaves]
    diff = hessian_expr(root, leaves) - sympy.hessian(root.expr, syms)
    assert diff.applyfunc(sympy.simplify) == sympy.zeros(len(syms))


def test_known_hessians_in_numbers():
    x, y = Value(1.0, label="x"), Value(1.0, label="y")
    np.testing.assert_array_equal(hessian(x**2 + 10 * y**2, [x, y]), [[2, 0], [0, 20]])
    np.testing.assert_array_equal(hessian(3 * x**2 - 4 * x + 5, [x]), [[6]])
    r = (1 - x) ** 2 + 100 * (y - x**2) ** 2  # Rosenbrock at (1, 1)
    np.testing.assert_allclose(hessian(r, [x, y]), [[802, -400], [-400, 200]])
    assert hessian(r, [y, x])[0, 0] == 200  # the order of the variables given


def test_kinks_take_the_first_derivatives_convention():
    """relu'(0) = 0 and a tie of max gives 1/2 each: the mixed partials of
    y * relu(x) and y * max(x, z) at the kink are those values, and torch agrees."""
    x, y, z = Value(0.0, label="x"), Value(2.0, label="y"), Value(0.0, label="z")
    H = hessian(y * x.relu() + y * x.maximum(z), [x, y, z])
    assert H[0, 1] == H[1, 0] == 0.0 + 0.5
    assert H[1, 2] == H[2, 1] == 0.5
    assert H[0, 0] == 0.0
    t = torch.tensor([0.0, 2.0, 0.0], dtype=torch.float64)
    T = torch.autograd.functional.hessian(
        lambda v: v[1] * torch.relu(v[0]) + v[1] * torch.maximum(v[0], v[2]), t
    )
    assert T[0, 1] == 0.5 and T[1, 2] == 0.5  # torch: relu 0, maximum's tie 1/2


def test_asking_changes_nothing_a_user_sees():
    x, y = Value(0.3, label="x"), Value(-0.4, label="y")
    f = (x * y).sin() + x**3
    g = x * 7
    g.backward()
    before = [(v.grad, v.backward_root) for v in (x, y, f)]
    hessian(f, [x, y])
    assert [(v.grad, v.backward_root) for v in (x, y, f)] == before
    assert x.grad_expr == 7  # still g's gradient


def test_bad_input_is_refused_in_one_line():
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    f = x * y
    for bad, err in [((f, [Value(3.0)]), ValueError), ((3.0, [x]), TypeError),
                     ((f, [x, x]), ValueError), ((f, []), ValueError)]:  # fmt: skip
        with pytest.raises(err) as e:
            hessian(*bad)
        assert "\n" not in str(e.value)
    x.data = 3.0
    assert hessian((x - 1).log() + y, [x])[0, 0] == pytest.approx(-0.25)  # -1/(x-1)^2
    x.data = 0.0  # x^1.5 is defined at 0, its second derivative 0.75 / sqrt(x) is not
    with pytest.raises(DomainError, match="Hessian is undefined") as e:
        hessian(x**1.5, [x])
    assert "\n" not in str(e.value)


def test_import_engine_stays_free_of_sympy_and_numpy():
    import subprocess
    import sys

    code = (
        "import sys, engine; from engine import Value; "
        "assert 'sympy' not in sys.modules and 'numpy' not in sys.modules; "
        "engine.hessian, engine.hvp, engine.curvature; assert 'sympy' not in sys.modules; "
        "engine.hessian_expr; assert 'sympy' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_too_deep_for_sympy_is_a_sentence_and_the_numbers_need_no_sympy():
    x = Value(0.3, label="x")
    y = x
    for _ in range(1900):  # inside the size budget (2,000 operations), past the recursion limit
        y = y.tanh()
    with pytest.raises(RecursionError, match="nested this deep"):
        hessian(y, [x], exact=True)
    # the numeric Hessian walks the graph iteratively: against central differences
    # of backprop's gradient
    h = 1e-5
    grads = []
    for at in (0.3 + h, 0.3 - h):
        with vary(y, [x]) as f:
            f(at)
            y.zero_grad()
            y.backward()
            grads.append(x.grad)
    assert hessian(y, [x])[0, 0] == pytest.approx((grads[0] - grads[1]) / (2 * h), rel=1e-5)


def test_abs_of_what_sympy_cannot_prove_real():
    """SymPy differentiates Abs(u) with re(u) and im(u) when it cannot prove u real
    (atan(x**-2): x**-2 might be zoo); written u sign(u), it stays floats. Found by
    the random graphs above."""
    x = Value(0.3, label="x")
    f = (x**-2).atan().abs().sqrt() * x.sigmoid()
    t = torch.tensor([0.3], dtype=torch.float64)
    T = torch.autograd.functional.hessian(
        lambda v: torch.sqrt(torch.abs(torch.atan(v[0] ** -2))) * torch.sigmoid(v[0]), t
    )
    assert hessian(f, [x])[0, 0] == pytest.approx(float(T[0, 0]), rel=1e-12)
    assert not hessian_expr(f, [x]).has(sympy.re)
