"""engine.hvp, the numeric engine.hessian and engine.curvature against PyTorch's double
backward (``torch.autograd.grad`` twice, ``torch.autograd.functional.hvp`` and
``hessian``, float64), mpmath at the extremes, and each other (Lanczos against the
exact spectrum). Random graphs are drawn from the whole rule table (test_second's
programs)."""

import random

import hypothesis.strategies as st
import mpmath
import numpy as np
import pytest
import sympy
import torch
from hypothesis import HealthCheck, given, settings
from test_second import _build, _torch_function, programs
from torch_twin import mlp_twin

import engine
from engine import DomainError, Value, curvature, hessian, hvp, topo_order
from engine.data import LECTURE_XS, LECTURE_YS
from engine.nn import MLP


def _state(root):
    return [(v.data, v.grad) for v in topo_order(root)]


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(programs, st.lists(st.floats(-2, 2), min_size=6, max_size=6))
def test_hvp_matches_torch_double_backward(program, direction):
    values, steps = program
    root, leaves = _build(values, steps)
    if not leaves:
        return
    root.backward()  # a user's grads: none of the calls below may change them
    before = _state(root)
    n = len(leaves)
    v = np.array(direction[:n])
    mine = hvp(root, leaves, v)

    f = _torch_function(root, leaves)
    x0 = torch.tensor([w.data for w in leaves], dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(f(x0), x0, create_graph=True)
    vt = torch.tensor(v, dtype=torch.float64)
    if g.grad_fn is None:  # linear: the gradient does not depend on x
        theirs = np.zeros(n)
    else:
        (theirs,) = torch.autograd.grad(g @ vt, x0, allow_unused=True)
        theirs = np.zeros(n) if theirs is None else theirs.detach().numpy()
    _, functional = torch.autograd.functional.hvp(f, x0.detach(), vt)
    scale = max(1.0, float(np.abs(theirs).max()))
    np.testing.assert_allclose(mine, theirs, rtol=1e-9, atol=1e-10 * scale)
    np.testing.assert_allclose(mine, functional.numpy(), rtol=1e-9, atol=1e-10 * scale)

    # a block of directions at once is the Hessian times the block
    V = np.array([direction[:n], direction[::-1][:n], [1.0] * n]).T
    H = hessian(root, leaves)
    np.testing.assert_allclose(hvp(root, leaves, V), H @ V, rtol=1e-9, atol=1e-9 * scale)
    assert _state(root) == before


def chapter14(seed=1337):
    random.seed(seed)
    model = MLP(3, [4, 4, 1], act="tanh")
    loss = sum((model(x) - y) ** 2 for x, y in zip(LECTURE_XS, LECTURE_YS))
    twin = mlp_twin(model)
    X = torch.tensor(LECTURE_XS, dtype=torch.float64)
    Y = torch.tensor(LECTURE_YS, dtype=torch.float64)
    return model, loss, lambda p: ((twin(p, X) - Y) ** 2).sum()


def test_chapter14_hessian_and_curvature_equal_torch():
    model, loss, f = chapter14()
    params = model.parameters()
    assert len(params) == 41
    loss.backward()
    before = _state(loss)
    p0 = torch.tensor([p.data for p in params], dtype=torch.float64)
    T = torch.autograd.functional.hessian(f, p0).numpy()
    H = hessian(loss, params)
    np.testing.assert_allclose(H, T, rtol=1e-9, atol=1e-12 * np.abs(T).max())
    eig = np.linalg.eigvalsh(T)
    c = curvature(loss, params)
    assert c.method == "exact" and c.n == 41
    assert c.largest == pytest.approx(eig[-1], rel=1e-9)
    assert c.smallest == pytest.approx(eig[0], rel=1e-9, abs=1e-12)
    assert c.critical_rate == pytest.approx(2 / eig[-1], rel=1e-9)
    assert (c.best_rate is None) == (eig[0] <= 0)
    assert "exact" in c.note and "\n" not in c.note
    # Lanczos on Hessian-vector products finds the same extremes
    lz = curvature(loss, params, exact_up_to=0)
    assert lz.method == "lanczos" and "Lanczos" in lz.note and "\n" not in lz.note
    assert lz.largest == pytest.approx(eig[-1], rel=1e-8)
    assert lz.smallest == pytest.approx(eig[0], rel=1e-6, abs=1e-9)
    assert _state(loss) == before


def test_moons_curvature_equals_torchs_top_eigenvalue():
    from engine import demo

    model, X, y = demo.setup()
    loss, _ = demo.svm_loss(model, X, y)
    params = model.parameters()
    c = curvature(loss, params)
    twin = mlp_twin(model)
    Xt, Yt = torch.tensor(X, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)

    def f(p):
        return torch.relu(1 - Yt * twin(p, Xt)).mean() + 1e-4 * (p * p).sum()

    p0 = torch.tensor([p.data for p in params], dtype=torch.float64)
    eig = np.linalg.eigvalsh(torch.autograd.functional.hessian(f, p0).numpy())
    assert c.largest == pytest.approx(eig[-1], rel=1e-6)
    assert c.smallest == pytest.approx(eig[0], rel=1e-6)


def test_rates_from_the_eigenvalues():
    x, y = Value(1.0, label="x"), Value(-2.0, label="y")
    c = curvature(x**2 + 10 * y**2, [x, y])
    assert (c.largest, c.smallest) == (20.0, 2.0)
    assert c.critical_rate == 0.1 and c.best_rate == pytest.approx(2 / 22)
    saddle = curvature(x**2 - y**2, [x, y])
    assert saddle.critical_rate == 1.0 and saddle.best_rate is None
    cap = curvature(-(x**2) - y**2, [x, y])
    assert cap.critical_rate is None and cap.best_rate is None
    assert "critical_rate=None" in repr(cap)


def test_kinks_follow_pytorchs_double_backward():
    x, y = Value(0.0, label="x"), Value(0.0, label="y")
    f = x.relu() * 3 + x.abs() * y + x.maximum(y) * x
    t = torch.tensor([0.0, 0.0], dtype=torch.float64)
    T = torch.autograd.functional.hessian(
        lambda v: torch.relu(v[0]) * 3 + torch.abs(v[0]) * v[1] + torch.maximum(v[0], v[1]) * v[0],
        t,
    ).numpy()
    np.testing.assert_array_equal(hessian(f, [x, y]), T)


def test_a_primitive_added_at_run_time_is_differentiated_twice():
    softsign = engine.primitive("softsign2", lambda m, x: x / (1 + m.abs(x)))
    bump = engine.primitive("bump2", lambda m, x, y: m.exp(-x * x) * m.sin(y) + m.sigmoid(x * y))
    cube = engine.primitive(
        "cubetanh",
        lambda m, x: x**3 * m.tanh(x),
        lambda m, out, x: (3 * x**2 * m.tanh(x) + x**3 * (1 - m.tanh(x) ** 2),),
    )
    x, y = Value(0.7, label="x"), Value(-0.4, label="y")
    for f in (softsign(x) * y, bump(x, y) * softsign(y), cube(x * y) + cube(x)):
        syms = [x.symbol, y.symbol]
        at = {x.symbol: sympy.Float(0.7, 30), y.symbol: sympy.Float(-0.4, 30)}
        want = sympy.hessian(f.expr, syms).xreplace(at).evalf(30)
        want = np.array(want.tolist(), dtype=float)
        np.testing.assert_allclose(hessian(f, [x, y]), want, rtol=1e-12, atol=1e-14)
        v = np.array([0.3, -1.1])
        np.testing.assert_allclose(hvp(f, [x, y], v), want @ v, rtol=1e-12, atol=1e-14)


def _mp_sigmoid(t):
    return 1 / (1 + mpmath.exp(-t))


def _mp_sigmoid_prime(t):
    # e^-t / (1 + e^-t)^2: s (1 - s) without 1 - s, which 50 digits round to 0 at t = 400
    return mpmath.exp(-t) / (1 + mpmath.exp(-t)) ** 2


# second derivatives in mpmath at 50 digits: sigmoid'' = s' (1 - 2 s) with
# 1 - 2 s = (e^-t - 1) / (1 + e^-t); softplus'' = sigmoid'; tanh'' = -2 tanh sech^2
MP_SECOND = {
    "sigmoid": lambda t: _mp_sigmoid_prime(t) * (mpmath.exp(-t) - 1) / (1 + mpmath.exp(-t)),
    "softplus": _mp_sigmoid_prime,
    "tanh": lambda t: -2 * mpmath.tanh(t) * mpmath.sech(t) ** 2,
}
EXTREMES = [("sigmoid", -300.0), ("sigmoid", -745.0), ("sigmoid", -40.0), ("softplus", -400.0),
            ("softplus", 400.0), ("tanh", 5.0), ("tanh", -3.0)]  # fmt: skip


def mp_second(name, at):
    with mpmath.workdps(50):
        return float(MP_SECOND[name](mpmath.mpf(at)))


@pytest.mark.parametrize("name, at", EXTREMES)
def test_extremes_are_finite_and_equal_mpmath(name, at):
    x = Value(at, label="x")
    want = mp_second(name, at)
    got = hessian(getattr(x, name)(), [x])[0, 0]
    assert np.isfinite(got)
    # the rule's partial s (1 - s) (as PyTorch's sigmoid backward) rounds where s
    # rounds to 1: there its error is absolute, about 1e-16 (softplus at 400)
    assert got == pytest.approx(want, rel=1e-9, abs=1e-300 if at < 0 else 1e-16)


def test_tanh_of_cosh_far_out_is_finite():
    x0, x1 = Value(0.3, label="x0"), Value(360.0, label="x1")
    H = hessian((x0 + x1.cosh()).tanh(), [x0, x1])
    # every entry is a multiple of 1 - tanh(cosh 360)^2 < e^-1e156: zero in floats
    np.testing.assert_array_equal(H, np.zeros((2, 2)))


def test_bad_input_is_one_line_and_changes_nothing():
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    f = x * y + x.tanh()
    f.backward()
    before = _state(f)
    stranger = Value(3.0, label="z")
    cases = [
        (lambda: hvp(f, [x, y], [1.0]), ValueError, "expected 2 entries"),
        (lambda: hvp(f, [x, y], [1.0, 2.0, 3.0]), ValueError, "expected 2 entries"),
        (lambda: hvp(f, [x, stranger], [1.0, 2.0]), ValueError, "not a variable"),
        (lambda: hvp(f, [x, y], [1.0, float("nan")]), ValueError, "non-finite"),
        (lambda: hvp(f, [x, y], [float("inf"), 0.0]), ValueError, "non-finite"),
        (lambda: hvp(f, [x, y], ["a", 1.0]), TypeError, "numbers"),
        (lambda: hessian(3.0, [x]), TypeError, "expected a Value"),
        (lambda: curvature(f, [x, x]), ValueError, "twice"),
        (lambda: curvature(f, []), ValueError, "no variables"),
    ]
    for call, err, words in cases:
        with pytest.raises(err, match=words) as e:
            call()
        assert "\n" not in str(e.value)
        assert _state(f) == before


def test_undefined_second_derivative_is_a_domain_error():
    x = Value(0.0, label="x")
    f = x**1.5  # defined at 0; its second derivative 0.75 / sqrt(x) is not
    f.backward()
    before = _state(f)
    with pytest.raises(DomainError, match="Hessian is undefined") as e:
        hvp(f, [x], [1.0])
    assert "\n" not in str(e.value)
    assert _state(f) == before


def test_an_op_made_micrograds_way_is_refused():
    x = Value(2.0, label="x")
    custom = Value(x.data**2, (x,), "sq")
    with pytest.raises(TypeError, match="engine.primitive"):
        hessian(custom * x, [x])


def test_a_deep_chain_needs_no_recursion():
    x = Value(0.5, label="x")
    y = x
    for _ in range(100_000):
        y = y * 1.0 + 0.0
    y = y * y
    assert hvp(y, [x], [1.0])[0] == 2.0


# -- closed forms evaluated stably: floats first, mpmath where they overflow --------
@pytest.mark.parametrize("name, at", EXTREMES)
def test_closed_form_hessian_at_the_extremes_equals_mpmath(name, at):
    x = Value(at, label="x")
    got = hessian(getattr(x, name)(), [x], exact=True)[0, 0]
    assert got == pytest.approx(mp_second(name, at), rel=1e-9, abs=1e-300)


def test_closed_form_of_tanh_of_cosh_far_out_is_finite():
    x0, x1 = Value(0.3, label="x0"), Value(360.0, label="x1")
    H = hessian((x0 + x1.cosh()).tanh(), [x0, x1], exact=True)
    np.testing.assert_array_equal(H, np.zeros((2, 2)))


@pytest.mark.parametrize("at", [-709.0, -710.0, -745.0, -800.0])
def test_a_tape_of_sigmoids_gradient_far_out_equals_mpmath(at):
    from engine.evaluate import Tape

    x = Value(at, label="x")
    y = x.sigmoid()
    y.backward()
    (got,) = Tape([x.grad_expr], [x.symbol])([at])
    with mpmath.workdps(50):
        s = _mp_sigmoid(mpmath.mpf(at))
        want = float(s * (1 - s))
    assert got == pytest.approx(want, rel=1e-12, abs=0)  # 0.0 below the subnormals
    assert x.grad == pytest.approx(want, rel=1e-12, abs=0)


def test_a_tape_keeps_nan_where_the_value_is_undefined():
    from engine.evaluate import Tape

    x = sympy.Symbol("x", real=True)
    assert Tape([sympy.log(x) + 1, x**2], [x])([-1.0])[0] != Tape([x], [x])([0.0])[0] + 1
    got = Tape([sympy.log(x) + 1, sympy.exp(x) / sympy.exp(2 * x)], [x])([-1.0])
    assert np.isnan(got[0]) and got[1] == pytest.approx(np.e)
    got = Tape([sympy.exp(-x) / sympy.exp(-2 * x)], [x])([-800.0])  # e^-800: a float's 0
    assert got == [pytest.approx(float(mpmath.exp(-800)), abs=0)]


def test_a_finite_output_computed_through_an_overflow_is_evaluated_again():
    """2^(x - log2(2^x0 + 2^x)) is 1 at x = 3e36, but in floats 2^x is inf and the
    output a finite, wrong 0: an output an inf reached is evaluated again, and past
    30 digits (the difference of huge terms needs more to leave the remainder)."""
    from engine.evaluate import Tape

    x0, x = sympy.symbols("x0 x", real=True)
    e = 2 ** (x - sympy.log(2**x0 + 2**x) / sympy.log(2))
    assert Tape([e, x0 + 1], [x0, x])([0.0, 3.0852285560925316e36]) == [1.0, 1.0]


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(programs)
def test_the_short_paths_equal_the_rules_own(program):
    """+ and * skip the dual numbers in the sweep (and in Dual's operators with a
    number): the same Hessian as the rules' partials evaluated over duals."""
    from engine.dual import FAST

    values, steps = program
    root, leaves = _build(values, steps)
    if not leaves:
        return
    fast = hessian(root, leaves)
    FAST[0] = False
    try:
        reference = hessian(root, leaves)
    finally:
        FAST[0] = True
    np.testing.assert_allclose(fast, reference, rtol=1e-14, atol=1e-300)


def test_a_networks_fused_twin_has_the_same_second_order():
    model, loss, _ = chapter14()
    twin = model.with_graph(fused=True)
    assert twin.parameters() == model.parameters()  # the same Values, not copies
    fused = sum((twin(x) - y) ** 2 for x, y in zip(LECTURE_XS, LECTURE_YS))
    assert len(topo_order(fused)) < len(topo_order(loss)) / 2
    assert fused.data == pytest.approx(loss.data, rel=1e-14)
    np.testing.assert_allclose(
        hessian(fused, model.parameters()), hessian(loss, model.parameters()), rtol=1e-10,
        atol=1e-12,
    )  # fmt: skip
    assert not any(n.fused for layer in model.layers for n in layer.neurons)


def test_second_and_third_equal_sympys():
    x = Value(0.7, label="x")
    f = (x * x).sin() * x.exp()
    s = sympy.Symbol("x")
    e = sympy.sin(s**2) * sympy.exp(s)
    d2, d3 = engine.second_and_third(f, x)
    assert d2 == pytest.approx(float(sympy.diff(e, s, 2).subs(s, 0.7)), rel=1e-12)
    assert d3 == pytest.approx(float(sympy.diff(e, s, 3).subs(s, 0.7)), rel=1e-9)
    assert x.data == 0.7
    y = Value(0.0, label="y")
    assert np.isnan(engine.second_and_third(y**1.5, y)).all()  # undefined at 0
