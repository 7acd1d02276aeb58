"""explorer.nudge.NudgeModel, the numbers the nudge panel shows, without a widget.

Oracles: the lecture's numbers (the lecture's chapter 7) and the neuron's
derivatives worked out by hand, d tanh(n)/dn = 1 - tanh(n)^2, evaluated with
math.tanh; x log x and its derivative log x + 1 with math.log.
"""

import math

import pytest

from engine import Constant, DomainError, Value
from explorer import AGREE, inject_bug, parse
from explorer.nudge import NudgeModel
from explorer.taylor import taylor

NAMES = ["x1", "w1", "x2", "w2", "b"]
START = {"x1": 2.0, "w1": -3.0, "x2": 0.0, "w2": 1.0, "b": 6.8813735870195432}


def three(model, name):
    """(grad, closed form, finite diff) of one variable."""
    r = model.rows[name]
    return r.grad, r.closed_form, r.finite_diff


def hand_grads(x1, w1, x2, w2, b):
    o = math.tanh(x1 * w1 + x2 * w2 + b)
    d = 1 - o * o
    return o, {"x1": w1 * d, "w1": x1 * d, "x2": w2 * d, "w2": x2 * d, "b": d}


def test_the_lecture_neuron_as_it_starts(neuron):
    m = NudgeModel(neuron["o"])
    assert m.names == NAMES and m.start == list(START.values())
    assert m.output == pytest.approx(1 / math.sqrt(2), rel=1e-9)
    lecture = {"x1": -1.5, "w1": 1.0, "x2": 0.5, "w2": 0.0, "b": 0.5}  # chapter 7
    for n, g in lecture.items():
        assert three(m, n) == pytest.approx((g, g, g), rel=1e-9, abs=1e-9)
        assert m.rows[n].verdict in AGREE and m.rows[n].value == START[n]
    assert m.report.ok


@pytest.mark.parametrize("name,value", [("x1", 2.5), ("w1", -1.0), ("b", 4.0), ("x2", -1.25)])
def test_a_move_updates_every_number(neuron, name, value):
    m = NudgeModel(neuron["o"])
    m.move(**{name: value})
    point = {**START, name: value}
    assert neuron[name].data == value and m.rows[name].value == value
    o, grads = hand_grads(**point)
    assert m.output == pytest.approx(o, rel=1e-9)
    for n in NAMES:
        g, closed, finite = three(m, n)
        assert g == pytest.approx(grads[n], rel=1e-9, abs=1e-12)
        assert closed == pytest.approx(grads[n], rel=1e-9, abs=1e-12)
        assert finite == pytest.approx(grads[n], rel=1e-6, abs=1e-9)
        assert m.rows[n].verdict in AGREE


def test_update_follows_the_data_and_reset_restores_the_start(neuron):
    m = NudgeModel(neuron["o"])
    first = (m.output, m.rows, m.taylor)
    neuron["x1"].data = 3.0  # as a slider sets it
    neuron["w2"].data = -2.0
    m.update()
    assert m.output == pytest.approx(hand_grads(3.0, -3.0, 0.0, -2.0, START["b"])[0], rel=1e-9)
    m.reset()
    assert neuron["x1"].data == 2.0 and neuron["w2"].data == 1.0
    assert (m.output, m.rows, m.taylor) == first  # the same numbers, to the last bit


def test_a_domain_error_keeps_the_last_good_numbers():
    x = Value(2.0, label="x")
    y = x * x.log()
    m = NudgeModel(y)
    good = (m.output, m.rows, m.taylor, m.report)
    with pytest.raises(DomainError, match="log of a non-positive number"):
        m.move(x=-1.0)
    assert (m.output, m.rows, m.taylor, m.report) == good
    m.move(x=3.0)
    assert m.output == pytest.approx(3 * math.log(3), rel=1e-9)
    assert three(m, "x") == pytest.approx((math.log(3) + 1,) * 3, rel=1e-6)
    assert m.rows["x"].verdict in AGREE


def test_a_wrong_backward_is_flagged(neuron):
    """With tanh's derivative doubled in backward, every verdict turns 'wrong'."""
    with inject_bug("tanh", lambda m, g, out, xs, k: (2 * (1 - out**2) * g,)):
        m = NudgeModel(neuron["o"])
        m.move(x1=2.5)
        for n in ("x1", "w1", "x2", "b"):
            assert m.rows[n].verdict == "wrong"
            g, closed, _ = three(m, n)
            assert g == pytest.approx(2 * closed, rel=1e-9)
        assert m.report.ok is False


def test_the_closed_form_of_a_wide_graph():
    xs = [Value(float(i), label=f"a{i}") for i in range(1, 11)]
    m = NudgeModel(sum(x * x * i for i, x in enumerate(xs, 1)))
    assert three(m, "a3")[:2] == (18.0, 18.0)  # d/da3 of 3 a3^2 at 3


def test_bad_input_is_refused_by_name():
    with pytest.raises(TypeError, match="needs a Value"):
        NudgeModel(3.0)
    with pytest.raises(ValueError, match="no variables"):
        NudgeModel(Constant(1.0) * 2)
    with pytest.raises(ValueError, match="distinct label"):
        NudgeModel(Value(1.0, label="a") * Value(2.0, label="a"))
    for h in (0, -1, float("nan"), True):
        with pytest.raises(ValueError, match="h must be a positive number"):
            NudgeModel(Value(1.0, label="a") * 2, h=h)
    m = NudgeModel(parse("x*y", x=1, y=2))
    with pytest.raises(KeyError, match="no variable 'z'"):
        m.move(z=1.0)
    assert m.output == 2.0


# -- the Taylor line: the move from the start, to first and second order ----------


def test_first_and_second_order_against_the_actual_output():
    """f = x^2 y + sin y at (1, 2): g = (2xy, x^2 + cos y) = (4, 1 + cos 2),
    H = [[2y, 2x], [2x, -sin y]] = [[4, 2], [2, -sin 2]]."""
    m = NudgeModel(parse("x**2*y + sin(y)", x=1.0, y=2.0))
    f0 = 2 + math.sin(2)
    assert m.taylor.first == m.taylor.second == m.taylor.actual == pytest.approx(f0, rel=1e-12)
    m.move(x=1.5, y=2.2)
    dx, dy = 0.5, 2.2 - 2
    first = f0 + 4 * dx + (1 + math.cos(2)) * dy
    second = first + 0.5 * (4 * dx * dx + 2 * 2 * dx * dy - math.sin(2) * dy * dy)
    actual = 1.5**2 * 2.2 + math.sin(2.2)
    assert m.taylor.first == pytest.approx(first, rel=1e-9)
    assert m.taylor.second == pytest.approx(second, rel=1e-9)
    assert m.taylor.actual == pytest.approx(actual, rel=1e-12) and m.taylor.why == ""
    # the second order is closer: the error left is third order in the move
    assert abs(second - actual) < abs(first - actual) / 5
    m.reset()
    assert m.taylor.first == pytest.approx(f0, rel=1e-12)


def test_the_taylor_formula():
    assert taylor(1.0, [2.0], [[6.0]], [0.5]) == (2.0, 2.75)
    assert taylor(1.0, [2.0], None, [0.5]) == (2.0, None)


def test_on_a_quadratic_the_second_order_is_exact():
    m = NudgeModel(parse("3*x**2 - 4*x + 5", x=3.0))
    m.move(x=4.0)
    assert m.taylor.second == m.taylor.actual == 3 * 16 - 16 + 5
    assert m.taylor.first == 20 + 14  # f(3) + f'(3) * 1


def test_without_a_hessian_at_the_start_the_second_order_says_why():
    """x^1.5 + y at (0, 1): f' = 1.5 sqrt(x) is 0 there, f'' = 0.75 / sqrt(x) is not
    defined: the first order stands alone, and the line says why."""
    m = NudgeModel(parse("x**1.5 + y", x=0.0, y=1.0))
    assert m.taylor.second is None and m.taylor.why.startswith("no Hessian here")
    m.move(x=0.25, y=2.0)
    assert m.taylor.first == 1.0 + 0 * 0.25 + 1 * 1.0  # f0 + g . dx, g = (0, 1)
    assert m.taylor.actual == 0.125 + 2.0 and m.taylor.second is None


def test_a_network_gets_the_second_order_too():
    """The Hessian is numeric (no SymPy): a network's 19 variables get their Taylor
    line, and a small nudge's second order is closer to the truth than the first."""
    import random

    from engine.nn import MLP

    random.seed(7)
    model = MLP(2, [4, 1], act="tanh")
    out = model([Value(0.5, label="a"), Value(-1.0, label="b")])
    m = NudgeModel(out)
    assert len(m.vars) == 19
    assert m.taylor.first == m.taylor.second == pytest.approx(out.data, rel=1e-9)
    m.move(a=0.55)
    t = m.taylor
    assert abs(t.second - t.actual) < 0.2 * abs(t.first - t.actual)
