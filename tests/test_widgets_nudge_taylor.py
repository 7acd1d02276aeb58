"""The nudge panel's Taylor line: the move from where the sliders started,
predicted to first order (gradient) and second order (gradient and Hessian),
beside the actual output. Oracles: the predictions worked out by hand.
"""

import math
import re

import pytest

from engine import Value
from engine.nn import MLP
from explorer.taylor import taylor
from widgets import nudge


def read(panel, which):
    m = re.search(rf'class="ade-taylor-{which}"[^>]*>([^<]*)<', panel.taylor.value)
    return m.group(1)


def test_first_and_second_order_against_the_actual_output():
    """f = x^2 y + sin y at (1, 2): g = (2xy, x^2 + cos y) = (4, 1 + cos 2),
    H = [[2y, 2x], [2x, -sin y]] = [[4, 2], [2, -sin 2]]."""
    p = nudge("x**2*y + sin(y)", x=1.0, y=2.0)
    f0 = 2 + math.sin(2)
    assert float(read(p, "first")) == pytest.approx(f0, rel=1e-9)
    assert float(read(p, "second")) == float(read(p, "actual"))  # no move yet
    p.sliders["x"].value = 1.5
    p.sliders["y"].value = 2.2
    dx, dy = p.sliders["x"].value - 1, p.sliders["y"].value - 2
    first = f0 + 4 * dx + (1 + math.cos(2)) * dy
    second = first + 0.5 * (4 * dx * dx + 2 * 2 * dx * dy - math.sin(2) * dy * dy)
    actual = p.sliders["x"].value ** 2 * p.sliders["y"].value + math.sin(p.sliders["y"].value)
    assert float(read(p, "first")) == pytest.approx(first, rel=1e-9)
    assert float(read(p, "second")) == pytest.approx(second, rel=1e-9)
    assert float(read(p, "actual")) == pytest.approx(actual, rel=1e-9)
    # the second order is closer: the error left is third order in the move
    assert abs(second - actual) < abs(first - actual) / 5
    p.reset_values()
    assert float(read(p, "first")) == pytest.approx(f0, rel=1e-9)


def test_on_a_quadratic_the_second_order_is_exact():
    p = nudge("3*x**2 - 4*x + 5", x=3.0)
    p.sliders["x"].value = 4.0
    assert float(read(p, "second")) == float(read(p, "actual")) == 3 * 16 - 16 + 5
    assert float(read(p, "first")) == 20 + 14  # f(3) + f'(3) * 1


def test_taylor_formula_and_the_line_sits_after_the_error():
    assert taylor(1.0, [2.0], [[6.0]], [0.5]) == (2.0, 2.75)
    assert taylor(1.0, [2.0], None, [0.5]) == (2.0, None)
    p = nudge("x*y", x=1.0, y=2.0)
    kids = list(p.widget.children)
    assert kids.index(p.taylor) == kids.index(p.error) + 1


def test_a_network_gets_the_second_order_too():
    """The Hessian is numeric (no SymPy): a network's 19 variables get their Taylor
    line, and a small nudge's second order is closer to the truth than the first."""
    import random

    random.seed(7)
    model = MLP(2, [4, 1], act="tanh")
    out = model([Value(0.5, label="a"), Value(-1.0, label="b")])
    p = nudge(out, graph=False)
    assert len(p.vars) == 19
    assert float(read(p, "first")) == pytest.approx(out.data, rel=1e-9)
    assert float(read(p, "second")) == pytest.approx(out.data, rel=1e-9)
    p.sliders["a"].value = 0.55
    actual, first, second = (float(read(p, w)) for w in ("actual", "first", "second"))
    assert abs(second - actual) < 0.2 * abs(first - actual)
