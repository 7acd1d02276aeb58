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
    assert shown(p, "forward") == pytest.approx(14.003, abs=1e-9)  # LECTURE.md chapter 1
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


def test_moving_x_gives_the_new_slope():
    p = step_size()
    p.x.value = -3.0
    assert p.exact == -22.0  # LECTURE.md chapter 1
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
