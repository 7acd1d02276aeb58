"""The step-by-step backward pass (``explorer.backprop.Backprop``): its last step
holds exactly the grads ``backward()`` leaves, on random graphs over the whole rule
table; its steps follow backward()'s order; a node used twice gets two visible
contributions; grads not reached yet are empty (None), not 0."""

import math

import pytest
from hypothesis import HealthCheck, assume, given, settings
from test_random_graphs import OPS, _run, programs

from engine import DomainError, Value, backward_order, topo_order
from explorer.backprop import Backprop, TooLarge


def _ch8():
    a, b = Value(-2.0, label="a"), Value(3.0, label="b")
    d = a * b
    e = a + b
    f = d * e
    return a, b, d, e, f


def test_every_op_of_the_rule_table_is_in_the_random_graphs():
    from engine.rules import BUILTIN, RULES

    assert {RULES[r].function for r in BUILTIN if RULES[r].function} <= set(OPS)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(programs)
def test_last_step_is_backward_exactly(program):
    values, steps = program
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(values)]
    try:
        root = _run(leaves, steps, 1)
    except DomainError:
        assume(False)
    order = topo_order(root)
    before = [(v.data, v.grad) for v in order]
    try:
        bp = Backprop(root)
    except DomainError:  # a partial with no value here (x ** 0.5 at 0)
        assume(False)
    assert [(v.data, v.grad) for v in order] == before  # the graph is not touched
    root.backward()
    last = bp.steps[-1].grads
    for v in order:
        if last[v] is None:  # never reached: backward() leaves its 0
            assert v.grad == 0.0
        else:
            assert last[v] == v.grad or (math.isnan(last[v]) and math.isnan(v.grad)), v
    # the backward steps are backward()'s own order, node for node
    back = [s.node for s in bp.steps if s.phase == "backward"]
    assert back == list(backward_order(root))
    # the forward steps: every variable and result, each after its inputs
    fwd = [s.node for s in bp.steps if s.phase == "forward"]
    assert fwd == [v for v in order if not v.is_constant]


def test_chapter_8_node_used_twice_shows_both_contributions():
    a, b, d, e, f = _ch8()
    bp = Backprop(f)
    into_a = [c for s in bp.steps for c in s.contributions if c.input is a]
    assert [(c.use, c.uses) for c in into_a] == [(1, 2), (2, 2)]
    assert into_a[0].before is None and into_a[1].before == into_a[0].after
    assert into_a[1].after == -3.0  # the lecture's a.grad; the bug (=) gives 3
    assert bp.steps[-1].grads[b] == -8.0
    assert "contribution 2 of 2" in into_a[1].text and "−6 → −3" in into_a[1].text


def test_a_plus_a_two_contributions_in_one_step():
    a = Value(3.0, label="a")
    b = a + a
    bp = Backprop(b)
    (step,) = [s for s in bp.steps if s.phase == "backward"]
    assert [c.after for c in step.contributions] == [1.0, 2.0]
    assert step.grads[a] == 2.0


def test_unreached_grads_are_empty_and_forward_steps_have_no_grads():
    a, b, d, e, f = _ch8()
    bp = Backprop(f)
    assert bp.steps[0].phase == "forward" and all(g is None for g in bp.steps[0].grads.values())
    seed = next(s for s in bp.steps if s.phase == "seed")
    assert seed.grads[f] == 1.0 and seed.grads[a] is None
    first_back = bp.steps[seed.index + 1]
    assert first_back.node is f and first_back.grads[a] is None and first_back.grads[d] == 1.0


def test_neuron_locals_in_symbols_and_numbers(neuron):
    o = neuron["o"]
    bp = Backprop(o)
    step = next(s for s in bp.steps if s.phase == "backward" and s.node is o)
    assert step.locals == ["∂o/∂n = 1 − o² = 0.5"]
    c = step.contributions[0]
    assert c.upstream == 1.0 and c.product == pytest.approx(0.5)


def test_walking():
    *_, f = _ch8()
    bp = Backprop(f)
    assert bp.position == 0 and bp.previous().index == 0
    assert bp.next().index == 1 and bp.position == 1
    bp.last()
    assert bp.next().index == len(bp.steps) - 1
    with pytest.raises(IndexError, match="outside the steps"):
        bp.position = len(bp.steps)
    with pytest.raises(TypeError):
        bp.position = 1.5


def test_too_large_names_parts_that_fit():
    x = Value(0.5, label="x")
    y = x
    for _ in range(400):
        y = y * 0.99 + x
    with pytest.raises(TooLarge, match="more than 300 to step through") as err:
        Backprop(y)
    parts = err.value.parts
    assert parts and all(len(topo_order(p)) <= 300 for p in parts)
    assert Backprop(parts[0]).steps[-1].grads[x] is not None


def test_a_micrograd_style_node_is_refused_in_one_line():
    a = Value(2.0, label="a")
    out = Value(a.data * 2, (a,), "double")
    with pytest.raises(ValueError, match="made micrograd's way"):
        Backprop(out)
