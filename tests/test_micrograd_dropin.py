"""A drop-in for the lecture's own code: the manual ``_backward()`` pass of chapter 7,
micrograd's way of adding an op, and micrograd's graph shapes, node for node."""

import math
from collections import Counter

import pytest
from micrograd.engine import Value as MValue

from engine import Value, topo_order
from engine.data import lecture_neuron  # chapter 6, typed as the lecture types it
from explorer import check, draw


def test_the_lectures_manual_backward_pass_node_by_node():
    g = lecture_neuron()
    g["o"].grad = 1.0  # the lecture sets it by hand
    for name in ("o", "n", "b", "x1w1x2w2", "x2w2", "x1w1"):  # chapter 7's order
        g[name]._backward()  # a leaf's (b) is a no-op
    want = {"n": 0.5, "b": 0.5, "x1w1": 0.5, "x2w2": 0.5, "x1": -1.5, "w1": 1.0, "x2": 0.5}
    for name, grad in want.items():
        assert g[name].grad == pytest.approx(grad, abs=1e-12), name
    assert g["w2"].grad == 0.0
    # and it is exactly the step backward() takes
    h = lecture_neuron()
    h["o"].backward()
    assert [v.grad for v in topo_order(h["o"])] == [v.grad for v in topo_order(g["o"])]


def test_lecture_prints_and_settable_fields():
    g = lecture_neuron()
    o = g["o"]
    assert repr(o) == f"Value(data={o.data}, grad=0.0)"  # micrograd's print
    assert o._op == "tanh" and g["n"]._op == "+" and g["x1w1"]._op == "*"
    assert set(o._prev) == {g["n"]} and g["x1"]._prev == () and g["x1"]._op == ""
    o.grad = 1.0
    o.data = 0.5
    o.label = "out"
    assert (o.grad, o.data, o.label) == (1.0, 0.5, "out")


def mytanh(self):
    """The lecture's tanh, added to a Value micrograd's way (chapter 6)."""
    x = self.data
    t = (math.exp(2 * x) - 1) / (math.exp(2 * x) + 1)
    out = Value(t, (self,), "tanh")

    def _backward():
        self.grad += (1 - t**2) * out.grad

    out._backward = _backward
    return out


def test_a_custom_op_the_micrograd_way():
    x = Value(0.8813735870195432, label="x")
    y = mytanh(x) * 3
    y.backward()
    assert x.grad == pytest.approx(3 * 0.5, rel=1e-12)
    custom = y._prev[0]
    assert custom._op == "tanh" and custom._prev == (x,) and not custom.is_variable
    with pytest.raises(TypeError, match="was made without a rule.*engine.primitive"):
        y.forward()
    with pytest.raises(ValueError, match="made micrograd's way.*engine.primitive"):
        _ = y.expr
    report = check(y)  # numbers in, no crash; says why there is nothing to compare
    assert "engine.primitive" in report.skipped["closed_form"]
    assert "engine.primitive" in report.skipped["finite_diff"]
    assert "tanh" in draw(y).source
    # micrograd's default _backward does nothing
    leafish = Value(1.0, (x,), "noop")
    leafish._backward()
    with pytest.raises(TypeError, match="must be Values"):
        Value(1.0, (2.0,), "+")


FORMS = {
    "x + y": lambda x, y: x + y,
    "x + 1": lambda x, y: x + 1,
    "1 + x": lambda x, y: 1 + x,
    "x * y": lambda x, y: x * y,
    "2 * x": lambda x, y: 2 * x,
    "x * 2": lambda x, y: x * 2,
    "x - y": lambda x, y: x - y,
    "x - 1": lambda x, y: x - 1,
    "1 - x": lambda x, y: 1 - x,
    "x / y": lambda x, y: x / y,
    "x / 2": lambda x, y: x / 2,
    "2 / x": lambda x, y: 2 / x,
    "x ** 2": lambda x, y: x**2,
    "x ** -1": lambda x, y: x**-1,
    "x ** 0.5": lambda x, y: x**0.5,
    "-x": lambda x, y: -x,
    "relu": lambda x, y: x.relu(),
    "neuron": lambda x, y: ((x * y + y * -3.0 + 1) * 0.5 - x / y).relu(),
}


def shape(root):
    nodes = topo_order(root)
    return (
        len(nodes),
        Counter(v._op for v in nodes),
        Counter(round(v.data, 12) for v in nodes),
        Counter(tuple(sorted(c._op for c in v._prev)) for v in nodes),
    )


def micrograd_shape(root):
    nodes, seen, stack = [], set(), [root]
    while stack:
        v = stack.pop()
        if id(v) not in seen:
            seen.add(id(v))
            nodes.append(v)
            stack.extend(v._prev)
    return (
        len(nodes),
        Counter(v._op for v in nodes),
        Counter(round(v.data, 12) for v in nodes),
        Counter(tuple(sorted(c._op for c in v._prev)) for v in nodes),
    )


@pytest.mark.parametrize("form", sorted(FORMS))
def test_graph_shapes_match_micrograd_node_for_node(form):
    build = FORMS[form]
    ours = build(Value(1.5), Value(-2.0))
    theirs = build(MValue(1.5), MValue(-2.0))
    assert shape(ours) == micrograd_shape(theirs)
    ours.backward()
    theirs.backward()
    assert ours.data == theirs.data


def test_the_lectures_tanh_and_exp_names():
    x = Value(0.3)
    assert x.tanh()._op == "tanh" and x.exp()._op == "exp"
