"""explorer.descent.DescentModel, the numbers the descent panel shows, without a widget.

Oracles: for f(x) = 3x^2 - 4x + 5 a step maps x - 2/3 to (1 - 6 lr)(x - 2/3), so
x_k = 2/3 + (1 - 6 lr)^k (x_0 - 2/3) in closed form; the first-order prediction
misses the actual change by exactly the curvature term 3 dx^2; the lecture's
chapter 5 number for one ascent step; rates from the Hessian's eigenvalues by hand.
"""

import math

import numpy as np
import pytest
import sympy

from engine import Value
from explorer.descent import DescentModel


def f(x):
    return 3 * x**2 - 4 * x + 5


def ran(target=None, lr=0.1, steps=10, ascent=False, method="gradient", **kwargs):
    m = DescentModel(**kwargs) if target is None else DescentModel(target, **kwargs)
    m.update(lr, steps, ascent, method)
    return m


def test_the_optimum_is_solved_exactly():
    m = ran()
    assert m.optimum["exact"] == [sympy.Rational(2, 3)]
    assert m.optimum["f_exact"] == sympy.Rational(11, 3)
    assert m.names == ["x"] and m.start == [3.0] and m.quadratic


@pytest.mark.parametrize("lr", [0.05, 0.1, 0.3])
def test_converging_trajectory_matches_the_closed_form(lr):
    m = ran(lr=lr, steps=12)
    xs = [pt["x"][0] for pt in m.trajectory]
    assert len(xs) == 13
    for k, x in enumerate(xs):
        assert x == pytest.approx(2 / 3 + (1 - 6 * lr) ** k * (3 - 2 / 3), abs=1e-12)
    assert not m.diverged and m.verdict == ""


def test_past_one_third_the_steps_diverge():
    m = ran(lr=0.4, steps=10)
    x10 = m.trajectory[-1]["x"][0]
    assert x10 - 2 / 3 == pytest.approx((1 - 6 * 0.4) ** 10 * (3 - 2 / 3), rel=1e-12)
    assert m.diverged and m.verdict.startswith("diverging")


def test_prediction_versus_actual_change():
    m = ran(lr=0.05, steps=5)
    for pt in m.trajectory[:-1]:
        x, g = pt["x"][0], pt["grad"][0]
        assert g == pytest.approx(6 * x - 4, abs=1e-12)
        dx = -0.05 * g
        assert pt["predicted"] == pytest.approx(g * dx, rel=1e-12)
        assert pt["actual"] == pytest.approx(f(x + dx) - f(x), rel=1e-9, abs=1e-12)
        assert pt["actual"] - pt["predicted"] == pytest.approx(3 * dx**2, rel=1e-6, abs=1e-12)


def test_lecture_chapter5_one_ascent_step(example1):
    """Every leaf moves by +0.01 * grad: L goes from -8 to -7.286496."""
    L = example1["L"]
    m = ran(L, lr=0.01, steps=1, ascent=True)
    assert m.trajectory[0]["f"] == -8.0
    assert m.trajectory[1]["f"] == pytest.approx(-7.286496, abs=1e-12)
    assert m.optimum is None  # a saddle family, no maximum
    assert example1["a"].data == 2.0 and L.data == -8.0  # the graph is left as found
    m.update(0.01, 1, ascent=False)
    assert m.trajectory[1]["f"] < -8.0


def test_non_polynomial_has_no_closed_form_optimum():
    x = Value(0.3, label="x")
    m = ran((x * x + 1).log(), lr=0.2, steps=30)
    assert m.optimum is None and "not a polynomial" in m.optima["why"]
    assert abs(m.trajectory[-1]["x"][0]) < abs(m.trajectory[0]["x"][0])


def test_domain_error_stops_the_trajectory():
    y = Value(0.5, label="y")
    m = ran(y.log(), lr=1.0, steps=3)  # descent on log y: y -> 0.5 - 1/0.5 < 0
    assert m.stopped and "log" in m.stopped and m.verdict == m.stopped
    assert len(m.trajectory) == 1 and m.stopped.startswith("step 1")  # step 1 left the domain
    assert y.data == 0.5 and not m.diverged


def test_two_variable_bowl_and_its_minimum():
    """f = (a - 1)^2 + 2 (b + 2)^2: minimum 0 at (1, -2); a step scales a - 1 by
    (1 - 2 lr) and b + 2 by (1 - 4 lr)."""
    a, b = Value(3.0, label="a"), Value(0.0, label="b")
    m = ran((a - 1) ** 2 + 2 * (b + 2) ** 2, lr=0.1, steps=8)
    assert m.optimum["exact"] == [1, -2] and m.optimum["f_exact"] == 0
    ak, bk = m.trajectory[-1]["x"]
    assert ak == pytest.approx(1 + 0.8**8 * 2, abs=1e-12)
    assert bk == pytest.approx(-2 + 0.6**8 * 2, abs=1e-12)
    assert m.optima["max"] is None and not m.diverged
    assert m.f_at([1.0, -2.0]) == 0.0 and m.f_at([3.0, 0.0]) == 12.0


def test_start_values_for_a_graph_a_text_and_a_function():
    x, y = Value(5.0, label="x"), Value(6.0, label="y")
    assert DescentModel(x * y, start={"x": 1.0}).start == [1.0, 6.0]  # y keeps its data
    assert DescentModel(x * y, start=2.0).start == [2.0, 2.0]
    assert DescentModel("x**2 + 10*y**2", start={"x": 1, "y": 2}).start == [1.0, 2.0]
    assert DescentModel(lambda x: x**2, start=2.0).start == [2.0]


# -- the theory: rates from the Hessian, the four methods, the verdict ----------


def test_the_lecture_f_has_critical_rate_one_third_and_best_one_sixth():
    m = ran()
    assert m.critical_rate == pytest.approx(1 / 3, rel=1e-15)
    assert m.best_rate == pytest.approx(1 / 6, rel=1e-15)
    assert m.rate_note == "exact: f is quadratic"
    m.update(1 / 6, 10)  # one step lands on x* = 2/3
    assert m.trajectory[1]["x"][0] == pytest.approx(2 / 3, abs=1e-15)


def test_bowl_rates_are_two_over_the_eigenvalues():
    m = DescentModel("x**2 + 10*y**2", start={"x": 1, "y": 1})
    assert m.rates() == pytest.approx((0.1, 2 / 22), rel=1e-15)  # 2 / 20, 2 / (20 + 2)
    # just below the critical rate the steps converge, just above they diverge
    m.update(0.099, 1000)  # y's factor |1 - 20 lr| = 0.98: slow, but it shrinks
    assert not m.diverged and m.trajectory[-1]["f"] < 1e-3
    m.update(0.101, 1000)
    assert m.diverged


def test_not_positive_definite_has_no_best_rate_and_says_why(example1):
    m = ran(example1["L"], lr=0.01, steps=1, ascent=True)
    # a saddle: 2/λmax (of -H, ascent) still bounds the rate; there is no best rate
    top = np.linalg.eigvalsh(-m.H0)[-1]
    assert m.best_rate is None and m.critical_rate == pytest.approx(2 / top)
    assert "saddle" in m.rate_note
    concave = DescentModel("-(x**2) - y**2", start={"x": 1, "y": 1})
    assert concave.rates() == (None, None) and "concave" in concave.rate_note


def test_a_non_quadratic_gets_a_local_estimate():
    x = Value(0.5, label="x")
    m = ran((x * x + 1).log(), lr=0.2, steps=5)
    # f'' = (2 - 2x^2) / (1 + x^2)^2 = 1.5 / 1.5625 at 0.5
    assert m.critical_rate == pytest.approx(2 / (1.5 / 1.5625), rel=1e-12)
    assert "local estimate" in m.rate_note and not m.quadratic


def test_an_undefined_hessian_at_the_start_is_said_not_raised():
    m = ran("sqrt(x) + x", start=1e-300, lr=0.01, steps=3)  # f'' = -x^(-3/2) / 4
    assert m.H0 is None and m.critical_rate is None
    assert "Hessian is undefined" in m.rate_note


def test_second_order_prediction_is_exact_on_a_quadratic():
    m = ran("x**2 + 10*y**2 + x*y", start={"x": 1, "y": -2}, lr=0.05, steps=6)
    for pt in m.trajectory[:-1]:
        assert pt["predicted2"] == pytest.approx(pt["actual"], rel=1e-9, abs=1e-13)
        assert abs(pt["predicted"] - pt["actual"]) > 1e-6  # the first order misses


def test_newton_converges_in_one_step_on_a_quadratic():
    m = ran("x**2 + 10*y**2 + x*y - 3*x", start={"x": 4, "y": -2}, method="newton")
    (x1, y1), (xs, ys) = m.trajectory[1]["x"], m.optimum["x"]
    assert x1 == pytest.approx(xs, abs=1e-12) and y1 == pytest.approx(ys, abs=1e-12)


def test_momentum_remembers_the_last_step():
    m = ran(lr=0.01, steps=3, method="momentum")
    x = [pt["x"][0] for pt in m.trajectory]
    g = [pt["grad"][0] for pt in m.trajectory]
    assert x[1] - x[0] == pytest.approx(-0.01 * g[0], rel=1e-14)
    assert x[2] - x[1] == pytest.approx(0.9 * (x[1] - x[0]) - 0.01 * g[1], rel=1e-14)


def test_line_search_closed_form_on_a_polynomial():
    """On a quadratic the exact step along -g is t = g.g / g^T H g."""
    m = ran("x**2 + 10*y**2", start={"x": 1, "y": 1}, method="line search", steps=2)
    g = m.trajectory[0]["grad"]
    t = (g[0] ** 2 + g[1] ** 2) / (2 * g[0] ** 2 + 20 * g[1] ** 2)
    assert m.trajectory[0]["t"] == pytest.approx(t, rel=1e-12)
    assert m.line.kind == "closed form"


def test_line_search_numeric_where_f_is_not_a_polynomial():
    m = ran("log(1 + x**2) + cosh(y)", start={"x": 1.5, "y": 0.8},
            method="line search", steps=1)  # fmt: skip
    assert m.line.kind == "numeric"
    (x0, y0), (gx, gy), t = m.trajectory[0]["x"], m.trajectory[0]["grad"], m.trajectory[0]["t"]

    def phi(s):
        return math.log(1 + (x0 - s * gx) ** 2) + math.cosh(y0 - s * gy)

    assert phi(t) <= min(phi(t * (1 + e)) for e in (-1e-4, 1e-4))  # a minimum along -g
    assert phi(t) < phi(0)


def test_line_search_beats_the_fixed_rate_on_rosenbrock():
    m = DescentModel(lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
                     start={"x": 1.2, "y": 1.2})  # fmt: skip
    m.update(2e-3, 1000, method="line search")
    reached = next(k for k, pt in enumerate(m.trajectory) if pt["f"] < 1e-3)
    m.update(2e-3, 1000, method="gradient")
    fixed = next(k for k, pt in enumerate(m.trajectory) if pt["f"] < 1e-3)
    assert reached < fixed / 5


def test_no_warning_while_f_falls():
    """-x^4 has no minimum; its gradient grows as descent runs away, but f falls
    at every step: that is descent working, not diverging."""
    m = ran("-x**4", start=1.0, lr=0.01, steps=10)
    fs = [pt["f"] for pt in m.trajectory]
    assert all(b < a for a, b in zip(fs, fs[1:]))
    assert not m.diverged


def test_ascent_is_judged_as_ascent():
    m = ran("-(x - 1)**2", start=3.0, lr=1.1, steps=10, ascent=True)
    assert m.critical_rate == pytest.approx(1.0)  # -f has f'' = 2
    assert m.diverged and "f falls" in m.verdict and "maximum" in m.verdict
    m.update(0.5, 10, ascent=True)
    assert not m.diverged and m.trajectory[1]["x"][0] == pytest.approx(1.0)


@pytest.mark.parametrize(
    "lr, steps, method, words",
    [
        (0, 10, "gradient", "lr must be"),
        (11, 10, "gradient", "lr must be"),
        (0.1, 10**6, "gradient", "steps must be"),
        (0.1, 2.5, "gradient", "steps must be"),
        (0.1, 10, "adam", "method must be"),
    ],
)
def test_out_of_range_arguments_are_refused(lr, steps, method, words):
    with pytest.raises(ValueError, match=words):
        DescentModel().update(lr, steps, method=method)


def test_the_line_searchs_roots_match_numpy():
    """Its real roots of polynomials up to degree 3 are by formula (polished by
    Newton's method); numpy.roots is the oracle."""
    import random

    from explorer.line_search import _real_roots

    rng = random.Random(12)
    for degree in (1, 2, 3, 3, 3):
        for _ in range(300):
            c = [rng.uniform(-5, 5) for _ in range(degree + 1)]
            ref = sorted(r.real for r in np.roots(c) if abs(r.imag) < 1e-9)
            mine = sorted(_real_roots(np.array(c)))
            assert mine == pytest.approx(ref, rel=1e-7, abs=1e-9), c
    # a leading coefficient that is rounding noise: the roots without it count too
    assert any(t == pytest.approx(2.0) for t in _real_roots(np.array([1e-60, 0, 1.0, -2.0])))
