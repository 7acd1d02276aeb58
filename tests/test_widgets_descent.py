"""The descent panel: set the rate and the steps, read the trajectory and the table.

Oracles: for f(x) = 3x^2 - 4x + 5 a step maps x - 2/3 to (1 - 6 lr)(x - 2/3), so
x_k = 2/3 + (1 - 6 lr)^k (x_0 - 2/3) in closed form; the first-order prediction
misses the actual change by exactly the curvature term 3 dx^2; the lecture's
chapter 5 number for one ascent step.
"""

import pytest
import sympy

from engine import Value
from widgets import Descent, descent


def f(x):
    return 3 * x**2 - 4 * x + 5


def test_the_optimum_is_solved_exactly():
    p = descent()
    assert p.optimum["exact"] == [sympy.Rational(2, 3)]
    assert p.optimum["f_exact"] == sympy.Rational(11, 3)
    assert "2/3" in p.summary.value and "11/3" in p.summary.value


@pytest.mark.parametrize("lr", [0.05, 0.1, 0.3])
def test_converging_trajectory_matches_the_closed_form(lr):
    p = descent(lr=lr, steps=12)
    lr = p.lr.value
    xs = [pt["x"][0] for pt in p.trajectory]
    assert len(xs) == 13
    for k, x in enumerate(xs):
        assert x == pytest.approx(2 / 3 + (1 - 6 * lr) ** k * (3 - 2 / 3), abs=1e-12)
    assert not p.diverged
    assert "diverging" not in p.summary.value


def test_past_one_third_the_steps_diverge():
    p = descent(lr=0.1, steps=10)
    before = p.plot.value
    p.lr.value = 0.4
    x10 = p.trajectory[-1]["x"][0]
    assert x10 - 2 / 3 == pytest.approx((1 - 6 * 0.4) ** 10 * (3 - 2 / 3), rel=1e-12)
    assert p.diverged and "diverging" in p.summary.value
    assert p.plot.value != before


def test_prediction_versus_actual_change():
    p = descent(lr=0.05, steps=5)
    for pt in p.trajectory[:-1]:
        x, g = pt["x"][0], pt["grad"][0]
        assert g == pytest.approx(6 * x - 4, abs=1e-12)
        dx = -0.05 * g
        assert pt["predicted"] == pytest.approx(g * dx, rel=1e-12)
        assert pt["actual"] == pytest.approx(f(x + dx) - f(x), rel=1e-9, abs=1e-12)
        assert pt["actual"] - pt["predicted"] == pytest.approx(3 * dx**2, rel=1e-6, abs=1e-12)
    rows = p.table.value.count("<tr>") - 1
    assert rows == 6
    assert f"{p.trajectory[-1]['f']:.6g}" in p.table.value


def test_steps_slider_sets_the_number_of_steps():
    p = descent(steps=3)
    p.steps.value = 7
    assert len(p.trajectory) == 8


def test_lecture_chapter5_one_ascent_step(example1):
    """Every leaf moves by +0.01 * grad: L goes from -8 to -7.286496."""
    L = example1["L"]
    p = Descent(L, lr=0.01, steps=1, ascent=True)
    assert p.trajectory[0]["f"] == -8.0
    assert p.trajectory[1]["f"] == pytest.approx(-7.286496, abs=1e-12)
    assert p.optimum is None  # a saddle family, no maximum
    assert example1["a"].data == 2.0 and L.data == -8.0  # the graph is left as found
    p.direction.value = "descent"
    assert p.trajectory[1]["f"] < -8.0


def test_non_polynomial_has_no_closed_form_optimum():
    x = Value(0.3, label="x")
    p = descent((x * x + 1).log(), lr=0.2, steps=30)
    assert p.optimum is None and "not a polynomial" in p.summary.value
    assert abs(p.trajectory[-1]["x"][0]) < abs(p.trajectory[0]["x"][0])


def test_domain_error_stops_the_trajectory():
    y = Value(0.5, label="y")
    q = descent(y.log(), lr=1.0, steps=3)  # descent on log y: y -> 0.5 - 1/0.5 < 0
    assert q.stopped and "log" in q.stopped
    assert "stopped" in q.summary.value
    assert len(q.trajectory) == 1 and q.stopped.startswith("step 1")  # step 1 left the domain
    assert y.data == 0.5


def test_two_variable_bowl_and_its_minimum():
    """f = (a - 1)^2 + 2 (b + 2)^2: minimum 0 at (1, -2); a step scales a - 1 by
    (1 - 2 lr) and b + 2 by (1 - 4 lr)."""
    a, b = Value(3.0, label="a"), Value(0.0, label="b")
    p = descent((a - 1) ** 2 + 2 * (b + 2) ** 2, lr=0.1, steps=8)
    assert p.optimum["exact"] == [1, -2] and p.optimum["f_exact"] == 0
    ak, bk = p.trajectory[-1]["x"]
    assert ak == pytest.approx(1 + 0.8**8 * 2, abs=1e-12)
    assert bk == pytest.approx(-2 + 0.6**8 * 2, abs=1e-12)
    assert p.optima["max"] is None and not p.diverged
