"""The descent panel: set the rate and the steps, read the trajectory and the table.

Oracles: for f(x) = 3x^2 - 4x + 5 a step maps x - 2/3 to (1 - 6 lr)(x - 2/3), so
x_k = 2/3 + (1 - 6 lr)^k (x_0 - 2/3) in closed form; the first-order prediction
misses the actual change by exactly the curvature term 3 dx^2; the lecture's
chapter 5 number for one ascent step.
"""

import math

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
    rows = p.table.value.count("<tr>")  # the two heading rows have a class
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


# -- the theory: rates from the Hessian, the four methods, the verdict ----------


def test_the_lecture_f_has_critical_rate_one_third_and_best_one_sixth():
    p = descent()
    assert p.critical_rate == pytest.approx(1 / 3, rel=1e-15)
    assert p.best_rate == pytest.approx(1 / 6, rel=1e-15)
    assert "exact: f is quadratic" in p.rate_marks.value
    assert "ade-rate-critical" in p.rate_marks.value and "0.3333" in p.rate_marks.value
    assert "ade-rate-best" in p.rate_marks.value and "0.1667" in p.rate_marks.value
    p.lr.value = 1 / 6  # one step lands on x* = 2/3
    assert p.trajectory[1]["x"][0] == pytest.approx(2 / 3, abs=1e-15)


def test_bowl_rates_are_two_over_the_eigenvalues():
    p = descent("x**2 + 10*y**2", start={"x": 1, "y": 1})
    assert p.critical_rate == pytest.approx(0.1, rel=1e-15)  # 2 / 20
    assert p.best_rate == pytest.approx(2 / 22, rel=1e-15)  # 2 / (20 + 2)
    # just below the critical rate the steps converge, just above they diverge
    p.steps.value = 1000  # y's factor |1 - 20 lr| = 0.98: slow, but it shrinks
    p.lr.value = 0.099
    assert not p.diverged and p.trajectory[-1]["f"] < 1e-3
    p.lr.value = 0.101
    assert p.diverged and "diverging" in p.summary.value


def test_not_positive_definite_has_no_best_rate_and_says_why(example1):
    import numpy as np

    p = Descent(example1["L"], lr=0.01, steps=1, ascent=True)
    # a saddle: 2/λmax (of -H, ascent) still bounds the rate; there is no best rate
    top = np.linalg.eigvalsh(-p.H0)[-1]
    assert p.best_rate is None and p.critical_rate == pytest.approx(2 / top)
    assert "saddle" in p.rate_note and "no best rate" in p.rate_marks.value
    concave = descent("-(x**2) - y**2", start={"x": 1, "y": 1})
    assert concave.critical_rate is None and concave.best_rate is None
    assert "concave" in concave.rate_note and "no safe rate" in concave.rate_marks.value


def test_a_non_quadratic_gets_a_local_estimate():
    x = Value(0.5, label="x")
    p = descent((x * x + 1).log(), lr=0.2, steps=5)
    # f'' = (2 - 2x^2) / (1 + x^2)^2 = 1.5 / 1.5625 at 0.5
    assert p.critical_rate == pytest.approx(2 / (1.5 / 1.5625), rel=1e-12)
    assert "local estimate" in p.rate_note


def test_second_order_prediction_is_exact_on_a_quadratic():
    p = descent("x**2 + 10*y**2 + x*y", start={"x": 1, "y": -2}, lr=0.05, steps=6)
    for pt in p.trajectory[:-1]:
        assert pt["predicted2"] == pytest.approx(pt["actual"], rel=1e-9, abs=1e-13)
        assert abs(pt["predicted"] - pt["actual"]) > 1e-6  # the first order misses
    assert "2nd order" in p.table.value


def test_newton_converges_in_one_step_on_a_quadratic():
    p = descent("x**2 + 10*y**2 + x*y - 3*x", start={"x": 4, "y": -2}, method="newton")
    (x1, y1), (xs, ys) = p.trajectory[1]["x"], p.optimum["x"]
    assert x1 == pytest.approx(xs, abs=1e-12) and y1 == pytest.approx(ys, abs=1e-12)
    assert "rate is not used" in p.rate_marks.value
    before = p.trajectory
    p.lr.value = 0.5  # Newton chooses its own step: nothing to redo
    assert p.trajectory is before


def test_momentum_remembers_the_last_step():
    p = descent(lr=0.01, steps=3, method="momentum")
    x = [pt["x"][0] for pt in p.trajectory]
    g = [pt["grad"][0] for pt in p.trajectory]
    assert x[1] - x[0] == pytest.approx(-0.01 * g[0], rel=1e-14)
    assert x[2] - x[1] == pytest.approx(0.9 * (x[1] - x[0]) - 0.01 * g[1], rel=1e-14)


def test_line_search_closed_form_on_a_polynomial():
    """On a quadratic the exact step along -g is t = g.g / g^T H g."""
    p = descent("x**2 + 10*y**2", start={"x": 1, "y": 1}, method="line search", steps=2)
    g = p.trajectory[0]["grad"]
    t = (g[0] ** 2 + g[1] ** 2) / (2 * g[0] ** 2 + 20 * g[1] ** 2)
    assert p.trajectory[0]["t"] == pytest.approx(t, rel=1e-12)
    assert "closed form" in p.summary.value


def test_line_search_numeric_where_f_is_not_a_polynomial():
    p = descent("log(1 + x**2) + cosh(y)", start={"x": 1.5, "y": 0.8},
                method="line search", steps=1)  # fmt: skip
    assert "numeric" in p.summary.value
    (x0, y0), (gx, gy), t = p.trajectory[0]["x"], p.trajectory[0]["grad"], p.trajectory[0]["t"]

    def phi(s):
        return math.log(1 + (x0 - s * gx) ** 2) + math.cosh(y0 - s * gy)

    assert phi(t) <= min(phi(t * (1 + e)) for e in (-1e-4, 1e-4))  # a minimum along -g
    assert phi(t) < phi(0)


def test_line_search_beats_the_fixed_rate_on_rosenbrock():
    p = descent(lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2, start={"x": 1.2, "y": 1.2},
                lr=2e-3, steps=1000, method="line search")  # fmt: skip
    reached = next(k for k, pt in enumerate(p.trajectory) if pt["f"] < 1e-3)
    p.method.value = "gradient"
    fixed = next(k for k, pt in enumerate(p.trajectory) if pt["f"] < 1e-3)
    assert reached < fixed / 5


def test_no_warning_while_f_falls():
    """-x^4 has no minimum; its gradient grows as descent runs away, but f falls
    at every step: that is descent working, not diverging."""
    p = descent("-x**4", start=1.0, lr=0.01, steps=10)
    fs = [pt["f"] for pt in p.trajectory]
    assert all(b < a for a, b in zip(fs, fs[1:]))
    assert not p.diverged and "diverging" not in p.summary.value


def test_ascent_is_worded_as_ascent():
    p = descent("-(x - 1)**2", start=3.0, lr=1.1, steps=10, ascent=True)
    assert p.critical_rate == pytest.approx(1.0)  # -f has f'' = 2
    assert p.diverged and "f falls" in p.verdict and "maximum" in p.verdict
    assert "ascent by gradient" in p.summary.value
    p.lr.value = 0.5
    assert not p.diverged and p.trajectory[1]["x"][0] == pytest.approx(1.0)


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"lr": 0}, "lr must be"),
        ({"lr": -0.1}, "lr must be"),
        ({"lr": 11}, "lr must be"),
        ({"steps": 10**6}, "steps must be"),
        ({"steps": 0}, "steps must be"),
        ({"steps": 2.5}, "steps must be"),
        ({"method": "adam"}, "method must be"),
    ],
)
def test_out_of_range_arguments_are_refused(kwargs, words):
    with pytest.raises(ValueError, match=words) as e:
        descent(**kwargs)
    assert "\n" not in str(e.value)


def test_the_controls_reach_the_ranges():
    p = descent(lr=1e-5, steps=1000)
    assert (p.lr.min, p.lr.max) == (-5, 1) and p.lr.value == pytest.approx(1e-5)
    assert p.steps.max == 1000 and len(p.trajectory) == 1001
    p.lr.value = 10.0
    assert p.diverged


def test_the_line_searchs_roots_match_numpy():
    """Its real roots of polynomials up to degree 3 are by formula (polished by
    Newton's method); numpy.roots is the oracle."""
    import random

    import numpy as np

    from explorer.descent import _real_roots

    rng = random.Random(12)
    for degree in (1, 2, 3, 3, 3):
        for _ in range(300):
            c = [rng.uniform(-5, 5) for _ in range(degree + 1)]
            ref = sorted(r.real for r in np.roots(c) if abs(r.imag) < 1e-9)
            mine = sorted(_real_roots(np.array(c)))
            assert mine == pytest.approx(ref, rel=1e-7, abs=1e-9), c
    # a leading coefficient that is rounding noise: the roots without it count too
    assert any(t == pytest.approx(2.0) for t in _real_roots(np.array([1e-60, 0, 1.0, -2.0])))


def test_an_undefined_hessian_at_the_start_is_said_not_raised():
    p = descent("sqrt(x) + x", start=1e-300, lr=0.01, steps=3)  # f'' = -x^(-3/2) / 4
    assert p.critical_rate is None and "Hessian is undefined" in p.rate_note
    assert "no safe rate" in p.rate_marks.value


def test_descent_takes_starting_values_as_keywords_like_every_panel():
    d = descent("x**2 + 10*y**2", x=1, y=2)
    assert d.names == ["x", "y"] and d.start == [1.0, 2.0]
    assert descent("x**2 + 10*y**2", start={"x": 1, "y": 2}).start == [1.0, 2.0]
    assert descent(lambda x: x**2, x=2, steps=3).start == [2.0]
    with pytest.raises(TypeError, match="not both"):
        descent("x**2", x=1, start={"x": 2})
    with pytest.raises(ValueError, match="rate, not in the expression"):
        descent("x**2", x=1, rate=0.1)  # a misspelt option is named, not swallowed


def test_the_rate_box_and_the_slider_follow_each_other():
    p = descent()
    p.lr.value = 1 / 6  # a drag: the box shows it to 4 digits, the run uses it exactly
    assert p.lr_text.value == "0.1667" and p.lr.value == 1 / 6
    p.lr_text.value = "0.105"  # typed: the slider moves there
    assert p.lr.value == 0.105
    assert p.trajectory[1]["x"][0] == pytest.approx(3 - 0.105 * 14, rel=1e-12)  # f'(3) = 14
    p.lr.value = 0.10495  # the slider's own rounding of a typed rate: the box keeps it
    assert p.lr_text.value == "0.105"
    for bad in ("abc", "0", "100"):
        p.lr_text.value = bad  # refused: the slider's rate comes back
        assert p.lr_text.value == "0.105" and p.lr.value == 0.10495


def test_the_steps_table_is_short_and_narrow():
    """A long run shows its first and last points and says how many it leaves out;
    two variables share one column (their values wrap there in a narrow column), and
    a network's many variables give the distance from the start."""
    from widgets._descent_table import EDGE

    p = descent(lr=0.01, steps=1000)
    table = p.table.value
    assert table.count("<tr>") == 2 * EDGE + 1
    assert f"… {1001 - 2 * EDGE} steps not shown" in table
    assert f"<td>{1000 - EDGE + 1}</td>" in table and f"<td>{1000}</td>" in table
    assert f"<td>{EDGE}</td>" not in table  # points 0 to EDGE - 1, then the gap

    p = descent("x**2 + 10*y**2", x=1, y=0.5, lr=0.01, steps=3)
    assert '<th rowspan="2">x, y</th>' in p.table.value
    assert "<span>1</span>, <span>0.5</span>" in p.table.value

    names = [f"a{i}" for i in range(6)]
    p = descent(" + ".join(f"{n}**2" for n in names), **dict.fromkeys(names, 1.0), steps=2)
    assert "|x − x₀|" in p.table.value
    moved = math.dist(p.trajectory[1]["x"], p.trajectory[0]["x"])
    assert f'<td class="ade-steps-point">{moved:.6g}</td>' in p.table.value


def test_the_legend_is_off_the_path_and_the_optimum_is_said_once(monkeypatch):
    """At rate 0.105 the path of the lecture's f zigzags over the whole plot: the
    left plot's legend lies wholly under its axes, where it covers nothing drawn;
    f* = 0 reads once, not "f* = 0 = 0" (11/3 still gets its decimals)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    import widgets._descent_plot as plot

    figures = []
    monkeypatch.setattr(plot, "_png", lambda fig: figures.append(fig) or b"")
    p = descent(lr=0.105, steps=10)
    left = figures[-1].axes[0]
    renderer = FigureCanvasAgg(figures[-1]).get_renderer()
    legend, axes = left.get_legend().get_window_extent(renderer), left.get_window_extent(renderer)
    assert legend.y1 <= axes.y0  # display coordinates: y grows upwards
    assert "f* = 11/3 = 3.66667" in p.summary.value

    q = descent("x**2 + 10*y**2", x=1, y=1, lr=0.05)
    assert "f* = 0;" in q.summary.value and "= 0 = 0" not in q.summary.value
