"""The step-size panel: set h and x as a user would, read the table and the plot.

Oracles: the difference quotients computed here with plain Python floats on the
function written out by hand, and derivatives worked out by hand.
"""

import math

import pytest

from engine import Value
from widgets import StepSize, step_size


def f(x):  # the lecture's chapter 1 function, on floats
    return 3 * x**2 - 4 * x + 5


def shown(panel, row, column="value"):
    return float(panel.cells[row, column].value)


def test_lecture_function_at_3_with_h_1e_3():
    p = step_size()  # the lecture's f at x = 3
    h = 1e-3
    assert p.h.value == pytest.approx(h)
    assert shown(p, "backprop") == 14.0  # 6x - 4 at 3
    assert shown(p, "forward") == pytest.approx((f(3 + h) - f(3)) / h, rel=1e-11)
    assert shown(p, "forward") == pytest.approx(14.003, abs=1e-9)  # the lecture's chapter 1
    assert shown(p, "central") == pytest.approx((f(3 + h) - f(3 - h)) / (2 * h), rel=1e-11)
    assert shown(p, "forward", "error") == pytest.approx(0.003, rel=1e-3)  # f''/2 * h = 3h


def test_moving_h_updates_numbers_and_plot():
    p = step_size()
    before = p.plot.value
    for h in (1e-1, 1e-6, 1e-10):
        p.h.value = h
        h = p.h.value  # the slider's own value after its step rounding
        assert shown(p, "forward") == pytest.approx((f(3 + h) - f(3)) / h, rel=1e-11)
        assert shown(p, "central") == pytest.approx((f(3 + h) - f(3 - h)) / (2 * h), rel=1e-11)
        assert p.plot.value != before
        before = p.plot.value
    assert p.plot.value[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_plot_and_the_table_go_to_the_page_together():
    """A new h is drawn before any number changes, then the numbers and the picture
    are sent back to back: the table never shows the new h over the old picture (it
    ran 0.35 s ahead, the legend still naming the old h)."""
    p = step_size()
    events = []
    draw = p._mark
    p._mark = lambda h: events.append("drawn") or draw(h)
    for cell in p.cells.values():
        cell.observe(lambda c: events.append("number"), names="value")
    p.plot.observe(lambda c: events.append("picture"), names="value")
    p.h.value = 1e-6
    assert events[0] == "drawn" and events[-1] == "picture" and "number" in events
    assert "drawn" not in events[1:]


def test_moving_x_gives_the_new_slope():
    p = step_size()
    p.x.value = -3.0
    assert p.exact == -22.0  # the lecture's chapter 1
    assert shown(p, "backprop") == -22.0
    p.x.value = 2 / 3
    assert abs(p.exact) < 1e-15


def test_the_v_shape_of_a_smooth_function():
    """tanh(2x) at 0.5: both errors fall then rise again; the forward difference is
    best near sqrt(eps) ~ 1e-8, the central one near eps^(1/3) ~ 1e-5."""
    x = Value(0.5, label="x")
    y = (2 * x).tanh()
    p = StepSize(y, x)
    assert p.exact == pytest.approx(2 * (1 - math.tanh(1.0) ** 2), rel=1e-15)
    fwd, cen = p.best_h["forward"], p.best_h["central"]
    assert 1e-10 <= fwd <= 1e-6
    assert 1e-7 <= cen <= 1e-3
    for k in p.best_h:
        bottom = min(p.curve_error[k])
        assert p.curve_error[k][0] > 100 * bottom  # round-off on the left (h = 1e-12)
        assert p.curve_error[k][-10] > 100 * bottom  # truncation on the right (h ~ 0.1)
    # at the central difference's best h it beats the forward one by orders
    p.h.value = 1e-5
    assert shown(p, "central", "error") < 1e-3 * shown(p, "forward", "error")


def test_domain_error_is_shown_and_clears():
    x = Value(2.0, label="x")
    y = x.log()
    p = step_size(y, x)
    assert p.exact == 0.5
    p.x.value = -1.0
    assert "log" in p.error.value and "ade-error" in p.error.value
    assert p.exact == 0.5  # the last good point is kept
    p.x.value = 4.0
    assert p.error.value == ""
    assert p.exact == 0.25
    assert shown(p, "backprop") == 0.25


def test_bad_input_is_refused_by_name():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    with pytest.raises(ValueError, match="one variable"):
        step_size(a * b)
    with pytest.raises(ValueError, match="h must be"):
        step_size(h=10.0)
    with pytest.raises(TypeError, match="must return a Value"):
        step_size(lambda x: 3.0)
    with pytest.raises(ValueError, match="not a variable"):
        step_size(a * b, Value(3.0))


# -- the theory: error models, h*, the words where a derivative is 0 -------------
EPS = 2.0**-52


def test_the_quadratic_has_no_central_best_h_and_says_so():
    """f = 3x^2 - 4x + 5 at 3: f = 20, f'' = 6, f''' = 0. The forward model's
    h* = 2 sqrt(eps |f| / |f''|); the central difference has no truncation error,
    so no h* and no 'best h' claimed for it, in words instead."""
    p = step_size()
    assert (p.fx, p.d2, p.d3) == (20.0, 6.0, 0.0)
    assert p.h_star["forward"] == pytest.approx(2 * math.sqrt(EPS * 20 / 6), rel=1e-12)
    assert p.h_star["central"] is None
    assert "exact up to round-off" in p.notes.value and "No best h" in p.notes.value
    assert "model h* = 5.4e-08" in p.notes.value


@pytest.mark.parametrize(
    "text, x, f, d2, d3",
    [
        ("tanh(2*x)", 0.5, math.tanh(1), -8 * math.tanh(1) * (1 - math.tanh(1) ** 2), None),
        ("exp(x)", 20.0, math.exp(20), math.exp(20), math.exp(20)),
        ("sin(x)", 1.0, math.sin(1), -math.sin(1), -math.cos(1)),
        ("log(x)", 2.0, math.log(2), -1 / 4, 2 / 8),
    ],
)
def test_h_star_from_the_derivatives_and_the_measured_v_near_it(text, x, f, d2, d3):
    p = step_size(text, x=x)
    assert p.fx == pytest.approx(f, rel=1e-14)
    assert p.d2 == pytest.approx(d2, rel=1e-12)
    if d3 is not None:  # the Richardson difference of the exact f'': about 1e-11 off
        assert p.d3 == pytest.approx(d3, rel=1e-10)
    assert p.h_star["forward"] == pytest.approx(2 * math.sqrt(EPS * abs(f) / abs(d2)), rel=1e-9)
    hc = (3 * EPS * abs(p.fx) / abs(p.d3)) ** (1 / 3)
    assert p.h_star["central"] == pytest.approx(hc, rel=1e-9)
    for k in ("forward", "central"):  # the measured bottom of the V sits near the model's
        assert p.h_star[k] / 10 <= p.best_h[k] <= p.h_star[k] * 10, (k, p.best_h, p.h_star)


def test_the_model_is_truncation_plus_round_off():
    from explorer.theory import error_models, model_error, optimal_h

    m = error_models(fx=2.0, d2=-4.0, d3=12.0)
    assert m["forward"] == (2.0, 1, 4 * EPS) and m["central"] == (2.0, 2, 2 * EPS)
    for k in m:  # h* is where the model's derivative vanishes: a minimum
        h = optimal_h(m[k])
        assert model_error(m[k], h) < model_error(m[k], h * 1.01)
        assert model_error(m[k], h) < model_error(m[k], h / 1.01)
    assert optimal_h((0.0, 2, 1e-16)) is None and optimal_h((1.0, 1, 0.0)) is None


def test_relative_view_divides_by_the_derivative():
    p = step_size("exp(x)", x=20.0)
    absolute, picture = shown(p, "forward", "error"), p.plot.value
    p.view.value = "relative"
    assert shown(p, "forward", "error") == pytest.approx(absolute / math.exp(20), rel=1e-2)
    assert p.plot.value != picture
    assert absolute > 1  # the e^x at 20 of the issue: absolute errors are large numbers
    relative = shown(p, "forward", "error")
    assert relative == pytest.approx(1e-3 / 2, rel=1e-3)  # f''/f' h/2 = h/2 for e^x
    p.x.value = 0.0  # the same relative error at any x: e^x is its own derivative
    assert shown(p, "forward", "error") == pytest.approx(relative, rel=1e-3)


def test_relative_view_where_the_derivative_is_zero_says_so():
    p = step_size("x**2 + x**3", x=0.0)  # f'(0) = 0: no relative error to show
    p.view.value = "relative"
    assert p.exact == 0 and not p.relative
    assert "no relative error" in p.notes.value
    assert shown(p, "forward", "error") == pytest.approx(1e-3, rel=1e-2)  # absolute: h + h^2


@pytest.mark.parametrize("text, x", [("exp(x)", 709.0), ("exp(x)", 709.7), ("x**300", 10.0)])
def test_functions_near_overflow_draw_or_say_why(text, x):
    """Near the top of the floats f(x + h) overflows for the larger h: those
    quotients are left out; the panel draws what is finite, never raising
    matplotlib's 'Axis limits cannot be NaN or Inf'."""
    p = step_size(text, x=x)
    assert p.plot.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert p.best_h["central"] is not None and p.h_star["forward"] is not None
    p.view.value = "relative"
    assert p.plot.value[:8] == b"\x89PNG\r\n\x1a\n"


def test_no_finite_quotient_is_a_message_not_a_crash():
    p = step_size("exp(x)", x=1.0)
    p.curve_error = {k: e * float("nan") for k, e in p.curve_error.items()}
    p._draw_curves()
    assert "no finite difference quotient" in p.error.value
    assert p._mark(1e-3) == b""


def test_a_derivative_without_a_value_at_x_is_said():
    """x^1.5 at 0: f' = 0 but f'' = 3 / (4 sqrt(x)) is infinite there."""
    p = step_size("x**1.5", x=0.0)
    assert p.h_star == {"forward": None, "central": None}
    assert "not finite at x" in p.notes.value
    assert p.plot.value[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("target", ["3*x**2 - 4*x + 5", "x*y"])
def test_the_plots_title_and_legend_lie_inside_the_picture(target):
    """The title saying which difference is exact (f'' = 0, f''' = 0: one line each)
    and the legend under the plot are inside the figure: side by side the two
    sentences ran past its edge ("…exact up to round-off (n" in the page)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from engine.graph import variables_of
    from explorer import parse

    root = parse(target, x=3.0, y=2.0) if "y" in target else parse(target, x=3.0)
    p = step_size(root, next(v for v in variables_of(root) if v.label == "x"))
    fig, ax = p._fig, p._legend_ax
    renderer = FigureCanvasAgg(fig).get_renderer()
    assert "exact up to round-off" in ax.get_title()
    box = fig.bbox
    for artist in (ax.title, p._legend):
        r = artist.get_window_extent(renderer)
        assert box.x0 <= r.x0 and r.x1 <= box.x1 and box.y0 <= r.y0 and r.y1 <= box.y1, artist
