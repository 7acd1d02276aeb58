"""explorer.inject_bug: the lecture's backward bugs, and check() flagging exactly them."""

import math

import pytest

from engine import Value, topo_order
from engine.data import lecture_used_twice
from explorer import check, inject_bug, lecture_neuron


def by_label(root):
    return {v.label: v for v in topo_order(root)}


def flagged(report):
    return {r.label for r in report.rows if not r.agrees}


def neuron_times_c():
    """The lecture's neuron feeding one more op, y = o * c, so that o.grad = c != 1."""
    o = lecture_neuron()
    c = Value(2.0, label="c")
    y = o * c
    y.label = "y"
    return y


def test_tanh_precedence_is_invisible_while_out_grad_is_1():
    o = lecture_neuron()
    with inject_bug("tanh", "tanh-precedence"):
        o.backward()
    # 1 - t**2 * 1 == (1 - t**2) * 1: the lecture's point
    assert by_label(o)["x1"].grad == pytest.approx(-1.5)
    assert check(o, nodes="all").ok


def test_tanh_precedence_flags_exactly_the_nodes_it_reaches():
    y = neuron_times_c()
    with inject_bug("tanh", "tanh-precedence"):
        y.backward()
    nodes = by_label(y)
    # By hand: o.grad = c = 2; n.grad = 1 - t^2 * 2 = 1 - 0.5 * 2 = 0 instead of (1 - 0.5) * 2 = 1.
    # Everything fed by n inherits the error, except w2, whose grad is x2 * n.grad = 0 either way.
    assert nodes["o"].grad == 2.0
    assert nodes["n"].grad == pytest.approx(0.0, abs=1e-12)
    all_nodes = check(y, nodes="all")
    assert flagged(all_nodes) == {"n", "x1w1x2w2", "x1w1", "x2w2", "b", "x1", "w1", "x2"}
    assert {r.label for r in all_nodes.rows if r.agrees} == {"y", "o", "c", "w2"}
    assert flagged(check(y)) == {"b", "x1", "w1", "x2"}
    # the three references agree with one another: only backprop is off
    for r in all_nodes.rows:
        assert r.closed_form == pytest.approx(r.oracle, abs=1e-12)


def test_a_node_used_twice_with_assignment_keeps_one_contribution():
    a = Value(3.0, label="a")
    b = a + a
    b.label = "b"
    with inject_bug("+", "assign-not-accumulate"):
        b.backward()
    assert a.grad == 1.0  # the lecture's bug: 1, not 2
    report = check(b, nodes="all")
    assert flagged(report) == {"a"} and {r.label for r in report.rows} == {"a", "b"}
    b.zero_grad()
    b.backward()
    assert a.grad == 2.0 and check(b, nodes="all").ok


def test_chapter_8_bug_gives_the_lectures_wrong_numbers():
    g = lecture_used_twice()
    a, b, f = g["a"], g["b"], g["f"]
    with inject_bug("all", "assign-not-accumulate"):
        f.backward()
    assert (a.grad, b.grad) == (3.0, -2.0)  # the lecture's chapter 8: the bug gives 3 and -2
    assert flagged(check(f, nodes="all")) == {"a", "b"}  # d, e, f keep right grads
    f.zero_grad()
    f.backward()
    assert (a.grad, b.grad) == (-3.0, -8.0) and check(f, nodes="all").ok


def correct_grads(root):
    root.zero_grad()
    root.backward()
    return {v: v.grad for v in topo_order(root)}


@pytest.mark.parametrize(
    "op, kind",
    [("tanh", "tanh-precedence"), ("*", "assign-not-accumulate"), ("+", "assign-not-accumulate")],
)
def test_flagged_is_exactly_where_the_gradient_changed(op, kind):
    # a graph with reuse, several ops and an outer factor, so every bug has effects
    x, w, c = Value(0.7, label="x"), Value(-1.3, label="w"), Value(1.9, label="c")
    t = (x * w + x).tanh()
    root = (t * c + t * x) * (w + 2)
    right = correct_grads(root)
    root.zero_grad()
    with inject_bug(op, kind):
        root.backward()
    changed = {v for v in topo_order(root) if not math.isclose(v.grad, right[v], rel_tol=1e-6)}
    assert changed, "the bug should change something on this graph"
    report = check(root, nodes="all")
    assert set(report.flagged) == changed


def test_backward_is_restored_even_after_an_exception():
    from engine.local import STEP_HOOK

    original = Value.__dict__["_backward"]  # nothing is monkeypatched: the hook is explicit
    with pytest.raises(ZeroDivisionError):
        with inject_bug("tanh", "tanh-precedence"):
            assert STEP_HOOK[0] is not None and Value.__dict__["_backward"] is original
            raise ZeroDivisionError("inside the block")
    assert STEP_HOOK[0] is None
    o = neuron_times_c()
    o.backward()
    assert check(o, nodes="all").ok


def test_a_custom_rule_and_the_teaching_sweep_matches_the_engine():
    y = neuron_times_c()
    right = correct_grads(y)

    def honest(m, g, out, xs, k):  # the true tanh rule, written as a custom bug
        return ((1 - out**2) * g,)

    y.zero_grad()
    with inject_bug("tanh", honest):
        y.backward()
    assert {v: v.grad for v in topo_order(y)} == right  # bit for bit

    def off_by_two(m, g, out, xs, k):
        return (2 * (1 - out**2) * g,)

    y.zero_grad()
    with inject_bug("tanh", off_by_two):
        y.backward()
    assert flagged(check(y)) == {"b", "x1", "w1", "x2"}


def test_bad_requests_are_refused():
    with pytest.raises(ValueError, match="unknown op"):
        with inject_bug("sine", "assign-not-accumulate"):
            pass
    with pytest.raises(ValueError, match="unknown bug"):
        with inject_bug("tanh", "typo"):
            pass
    with pytest.raises(ValueError, match="tanh's"):
        with inject_bug("+", "tanh-precedence"):
            pass
