"""explorer.step_size.StepSizeModel, the numbers the step-size panel shows, without
a widget.

Oracles: the difference quotients computed here with plain Python floats on the
function written out by hand, and derivatives worked out by hand.
"""

import math

import pytest

from engine import DomainError, Value
from explorer.step_size import StepSizeModel

EPS = 2.0**-52


def f(x):  # the lecture's chapter 1 function, on floats
    return 3 * x**2 - 4 * x + 5


def test_lecture_function_at_3_with_h_1e_3():
    m = StepSizeModel()  # the lecture's f at x = 3
    h = 1e-3
    assert m.h == h and m.x0 == 3.0
    assert m.estimates["backprop"] == m.backprop == m.exact == 14.0  # 6x - 4 at 3
    assert m.estimates["forward"] == pytest.approx((f(3 + h) - f(3)) / h, rel=1e-11)
    assert m.estimates["forward"] == pytest.approx(14.003, abs=1e-9)  # the lecture's chapter 1
    assert m.estimates["central"] == pytest.approx((f(3 + h) - f(3 - h)) / (2 * h), rel=1e-11)
    assert m.errors["forward"] == pytest.approx(0.003, rel=1e-3)  # f''/2 * h = 3h
    assert m.errors["backprop"] == 0.0
    assert m.differences(h) == (m.estimates["forward"], m.estimates["central"])


def test_a_new_step_gives_new_quotients():
    m = StepSizeModel()
    for h in (1e-1, 1e-6, 1e-10):
        m.at_h(h)
        assert m.estimates["forward"] == pytest.approx((f(3 + h) - f(3)) / h, rel=1e-11)
        assert m.estimates["central"] == pytest.approx((f(3 + h) - f(3 - h)) / (2 * h), rel=1e-11)
        assert m.errors["central"] == abs(m.estimates["central"] - 14.0)
        assert "forward" in m.theory["forward"] and "central" in m.theory["central"]


def test_a_new_point_gives_the_new_slope():
    m = StepSizeModel()
    m.at_h(1e-4)
    m.move(-3.0)
    assert m.exact == m.backprop == -22.0  # the lecture's chapter 1
    assert m.h == 1e-4  # the step stays
    assert m.estimates["forward"] == pytest.approx((f(-3 + 1e-4) - f(-3)) / 1e-4, rel=1e-11)
    m.move(2 / 3)
    assert abs(m.exact) < 1e-15


def test_the_v_shape_of_a_smooth_function():
    """tanh(2x) at 0.5: both errors fall then rise again; the forward difference is
    best near sqrt(eps) ~ 1e-8, the central one near eps^(1/3) ~ 1e-5."""
    x = Value(0.5, label="x")
    m = StepSizeModel((2 * x).tanh(), x)
    assert m.exact == pytest.approx(2 * (1 - math.tanh(1.0) ** 2), rel=1e-15)
    assert 1e-10 <= m.best_h["forward"] <= 1e-6
    assert 1e-7 <= m.best_h["central"] <= 1e-3
    for k in m.best_h:
        bottom = min(m.curve_error[k])
        assert m.best_error[k] == pytest.approx(bottom, rel=10)  # the smoothed bottom
        assert m.curve_error[k][0] > 100 * bottom  # round-off on the left (h = 1e-12)
        assert m.curve_error[k][-10] > 100 * bottom  # truncation on the right (h ~ 0.1)
    # at the central difference's best h it beats the forward one by orders
    m.at_h(1e-5)
    assert m.errors["central"] < 1e-3 * m.errors["forward"]


def test_a_point_outside_the_domain_keeps_the_last_good_one():
    x = Value(2.0, label="x")
    m = StepSizeModel(x.log(), x)
    assert m.exact == 0.5
    with pytest.raises(DomainError, match="log"):
        m.move(-1.0)
    assert m.exact == 0.5 and m.x0 == 2.0 and x.data == 2.0
    m.move(4.0)
    assert m.exact == m.backprop == 0.25


def test_bad_input_is_refused_by_name():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    with pytest.raises(ValueError, match="one variable"):
        StepSizeModel(a * b)
    with pytest.raises(ValueError, match="h must be"):
        StepSizeModel(h=10.0)
    with pytest.raises(TypeError, match="must return a Value"):
        StepSizeModel(lambda x: 3.0)
    with pytest.raises(ValueError, match="not a variable"):
        StepSizeModel(a * b, Value(3.0))


# -- the theory: error models, h* ------------------------------------------------


def test_the_quadratic_has_no_central_best_h():
    """f = 3x^2 - 4x + 5 at 3: f = 20, f'' = 6, f''' = 0. The forward model's
    h* = 2 sqrt(eps |f| / |f''|); the central difference has no truncation error,
    so no h*."""
    m = StepSizeModel()
    assert (m.fx, m.d2, m.d3) == (20.0, 6.0, 0.0)
    assert m.h_star["forward"] == pytest.approx(2 * math.sqrt(EPS * 20 / 6), rel=1e-12)
    assert m.h_star["central"] is None


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
    m = StepSizeModel(text, x=x)
    assert m.fx == pytest.approx(f, rel=1e-14)
    assert m.d2 == pytest.approx(d2, rel=1e-12)
    if d3 is not None:  # the Richardson difference of the exact f'': about 1e-11 off
        assert m.d3 == pytest.approx(d3, rel=1e-10)
    assert m.h_star["forward"] == pytest.approx(2 * math.sqrt(EPS * abs(f) / abs(d2)), rel=1e-9)
    hc = (3 * EPS * abs(m.fx) / abs(m.d3)) ** (1 / 3)
    assert m.h_star["central"] == pytest.approx(hc, rel=1e-9)
    for k in ("forward", "central"):  # the measured bottom of the V sits near the model's
        assert m.h_star[k] / 10 <= m.best_h[k] <= m.h_star[k] * 10, (k, m.best_h, m.h_star)


def test_the_model_is_truncation_plus_round_off():
    from explorer.theory import error_models, model_error, optimal_h

    m = error_models(fx=2.0, d2=-4.0, d3=12.0)
    assert m["forward"] == (2.0, 1, 4 * EPS) and m["central"] == (2.0, 2, 2 * EPS)
    for k in m:  # h* is where the model's derivative vanishes: a minimum
        h = optimal_h(m[k])
        assert model_error(m[k], h) < model_error(m[k], h * 1.01)
        assert model_error(m[k], h) < model_error(m[k], h / 1.01)
    assert optimal_h((0.0, 2, 1e-16)) is None and optimal_h((1.0, 1, 0.0)) is None


def test_relative_errors_divide_by_the_derivative():
    m = StepSizeModel("exp(x)", x=20.0)
    assert m.scale(False) == 1.0 and m.scale(True) == m.exact
    assert m.errors["forward"] > 1  # the e^x at 20 of the issue: absolute errors are large
    relative = m.errors["forward"] / m.scale(True)
    assert relative == pytest.approx(1e-3 / 2, rel=1e-3)  # f''/f' h/2 = h/2 for e^x
    m.move(0.0)  # the same relative error at any x: e^x is its own derivative
    assert m.errors["forward"] / m.scale(True) == pytest.approx(relative, rel=1e-3)


def test_where_the_derivative_is_zero_errors_stay_absolute():
    m = StepSizeModel("x**2 + x**3", x=0.0)  # f'(0) = 0: no relative error
    assert m.exact == 0 and m.scale(True) == 1.0
    assert m.errors["forward"] == pytest.approx(1e-3, rel=1e-2)  # h + h^2


@pytest.mark.parametrize("text, x", [("exp(x)", 709.0), ("exp(x)", 709.7), ("x**300", 10.0)])
def test_near_overflow_the_overflowing_quotients_are_left_out(text, x):
    """Near the top of the floats f(x + h) overflows for the larger h: those
    quotients are nan, the finite ones still give the bottom of the V."""
    m = StepSizeModel(text, x=x)
    assert m.best_h["central"] is not None and m.h_star["forward"] is not None
    if text == "exp(x)":
        assert math.isnan(m.curve_error["forward"][-1])  # e^(709 + 1) overflows


def test_a_derivative_without_a_value_at_x():
    """x^1.5 at 0: f' = 0 but f'' = 3 / (4 sqrt(x)) is infinite there: no model."""
    m = StepSizeModel("x**1.5", x=0.0)
    assert m.exact == 0 and not math.isfinite(m.d2)
    assert m.h_star == {"forward": None, "central": None}


def test_one_of_several_variables_with_the_others_values_as_keywords():
    """As every view takes values: ``"x*y"`` with x=1, y=2, varying y (d/dy = x = 1),
    x held; without ``var`` the model asks which, in one line."""
    m = StepSizeModel("x*y", "y", x=1.0, y=2.0)
    assert (m.var.label, m.var.data, m.exact) == ("y", 2.0, 1.0)
    m = StepSizeModel("x*y", "x", x=1.0, y=2.0)
    assert (m.var.label, m.var.data, m.exact) == ("x", 1.0, 2.0)
    assert StepSizeModel(lambda t: t * t, x=0.5).exact == 1.0  # x= is t's point
    for args, kw, message in (
        (("x*y",), dict(x=1, y=2), "pick the variable to vary: var='x' or var='y'"),
        (("x*y", "z"), {}, "no variable 'z' to vary (the variables: x, y)"),
        (("x*y", 5), {}, "var is a variable's name"),
    ):
        with pytest.raises((ValueError, TypeError)) as e:
            StepSizeModel(*args, **kw)
        assert message in str(e.value) and "\n" not in str(e.value)
    a = Value(2.0, label="a")
    with pytest.raises(TypeError, match="go with a text or a function, not a Value"):
        StepSizeModel(a * a, y=3.0)
