"""check() at network scale: every node by a batched finite difference, the whole
gradient along a direction, closed forms where they are cheap, the report's
coverage, and the zero_grad diagnosis (the lecture's chapter 14 bug)."""

import math
import random
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import engine
import explorer.batched
from engine import DomainError, Value, topo_order
from engine.data import LECTURE_XS, LECTURE_YS
from engine.demo import setup, svm_loss
from engine.graph import passes
from engine.nn import MLP
from explorer import check, inject_bug, parse
from explorer._common import closed_form_work, graph
from explorer.batched import differences
from explorer.difference import difference
from explorer.vecmath import vectorised


def snapshot(root):
    return [(v.data, v.grad) for v in topo_order(root)]


@pytest.fixture(scope="module")
def moons():
    """micrograd's demo loss: 100 samples, 65,818 nodes, 337 parameters."""
    model, X, y = setup()
    loss, _ = svm_loss(model, X, y)
    model.zero_grad()
    loss.backward()
    return model, loss


def one_sample_loss():
    model, X, y = setup()
    loss, _ = svm_loss(model, X[:1], y[:1])
    model.zero_grad()
    loss.backward()
    return model, loss


def test_the_moons_loss_checks_every_variable_and_leaves_it_as_it_was(moons):
    model, loss = moons
    before = snapshot(loss)
    report = check(loss)
    assert snapshot(loss) == before  # check never changes a node's data or grad
    variables = [v for v in topo_order(loss) if v.is_variable]
    assert len(variables) == 537  # 337 parameters and the 200 inputs
    assert len(report.rows) == 537 and "finite_diff" not in report.skipped
    assert all(r.finite_diff is not None for r in report.rows)
    assert {r.node for r in report.rows} >= set(model.parameters())
    assert report.ok, report.summary()
    # too large for SymPy: said, with the size that decided it
    assert "SymPy operations" in report.skipped["closed_form"]
    # the whole gradient along a random direction, one line
    d = report.direction
    assert d.n == 537 and d.verdict == "good"
    dot = math.fsum(c * v.grad for c, v in zip(random_signs(537), variables))
    assert d.dot == pytest.approx(dot, rel=1e-12)
    text = str(report)
    assert "direction u (random ±1 on each of the 537 variables" in text
    assert "checked 537 of 537 nodes (closed form 0, oracle 0, finite diff 537)" in text
    assert "the table shows 60 of the 537 rows" in text
    assert sum(1 for line in text.splitlines() if line.endswith(("good", "ok"))) == 61
    assert report.to_dict()["direction"]["verdict"] == "good"


def random_signs(n):
    rng = random.Random(0)  # the report's seed: the direction can be reproduced
    return [rng.choice((-1.0, 1.0)) for _ in range(n)]


def test_a_small_budget_samples_the_nodes_and_says_so(moons):
    _, loss = moons
    report = check(loss, max_fd_work=30_000_000)
    assert "computed for 112 of 537 nodes only" in report.skipped["finite_diff"]
    assert "max_fd_work=" in report.skipped["finite_diff"]
    assert "nothing to compare" in report.skipped["rows"]
    assert len(report.rows) == 112 and report.ok
    assert "checked 112 of 537 nodes" in str(report)


def test_the_one_sample_moons_loss_fills_the_closed_form_column():
    model, loss = one_sample_loss()
    report = check(loss)
    assert "closed_form" not in report.skipped
    rows = {r.node: r for r in report.rows}
    for p in model.parameters():
        assert rows[p].closed_form == pytest.approx(p.grad, rel=1e-9, abs=1e-15)
    assert report.ok and report.direction.agrees


def test_the_closed_forms_cost_is_measured_on_the_graph_not_the_tree():
    _, one = one_sample_loss()
    order = topo_order(one)
    assert closed_form_work(order) < 30_000  # its tree is 4,766; its chain view 156,031
    x = Value(0.7, label="x")
    v = x
    for _ in range(666):  # a product of up to 1,332 factors along one path
        v = v / x
    v.backward()
    report = check(v, nodes=[x])
    assert "SymPy operations" in report.skipped["closed_form"]
    assert report.ok


def test_batched_differences_equal_one_at_a_time():
    random.seed(3)
    model = MLP(3, [4, 4, 1], act="tanh")
    loss = sum((model(x) - y) ** 2 for x, y in zip(LECTURE_XS, LECTURE_YS))
    loss.backward()
    order, index = graph(loss)
    nodes = [v for v in order if not v.is_constant]
    got, _, _ = differences(order, index, nodes, 1e-5)
    for v in nodes:
        alone = difference(loss, v, order[index[v] + 1 :], 1e-5)
        d = got[index[v]]
        # NumPy's tanh may differ from math's in the last bit: the same step and kind,
        # values within their own error bounds
        assert (d.h, d.kind) == (alone.h, alone.kind)
        assert abs(d.value - alone.value) <= d.error + alone.error
        assert d.error == pytest.approx(alone.error, rel=0.05)


FUNCS = ["tanh", "relu", "sigmoid", "exp", "log", "sqrt", "abs", "sin", "softplus", "atan"]


@st.composite
def graphs(draw, depth=3):
    if depth == 0 or draw(st.booleans()):
        return draw(st.sampled_from(["x", "y", "z", "0.5", "2"]))
    kind = draw(st.sampled_from(["+", "*", "/", "-", "f", "f", "max"]))
    a, b = draw(graphs(depth=depth - 1)), draw(graphs(depth=depth - 1))
    if kind == "f":
        f = draw(st.sampled_from(FUNCS))
        arg = f"(1 + ({a})**2)" if f in ("log", "sqrt") else a
        return f"{f}({arg})"
    if kind == "max":
        return f"maximum({a}, {b})"
    if kind == "/":
        return f"({a}) / (1 + ({b})**2)"
    return f"({a}) {kind} ({b})"


@settings(max_examples=60, deadline=None)
@given(
    text=graphs(),
    vals=st.lists(
        st.sampled_from([0.0, 1e-9, -1e-9, 0.5, -0.5, 1.0, 2.0, -3.0, 7e3]),
        min_size=3,
        max_size=3,
    ),
)
def test_batched_differences_follow_the_same_search_at_kinks_and_edges(text, vals):
    """The batch answers difference's own search: the same step, kind and value at
    random points, kinks (relu, abs, maximum at a tie) and near-zero inputs included."""
    values = {k: x for k, x in zip("xyz", vals) if re.search(rf"\b{k}\b", text)}
    if not values:
        return
    try:
        f = parse(text, **values)
        f.backward()
    except DomainError:
        return
    order, index = graph(f)
    nodes = [v for v in order if not v.is_constant]
    got, _, _ = differences(order, index, nodes, 1e-5)
    for v in nodes:
        try:
            alone = difference(f, v, order[index[v] + 1 :], 1e-5)
        except DomainError as e:
            assert isinstance(got[index[v]], DomainError), (text, v, e)
            continue
        d = got[index[v]]
        assert not isinstance(d, DomainError), (text, v.label, d)
        assert (d.h, d.kind) == (alone.h, alone.kind), text
        assert abs(d.value - alone.value) <= d.error + alone.error, text


def test_a_run_time_primitive_is_differenced_in_the_batch():
    softsign = engine.primitive("softsign_batch", lambda m, x: x / (1 + m.abs(x)))
    x, y = Value(0.3, label="x"), Value(-2.0, label="y")
    f = softsign(x * y) * x
    f.backward()
    report = check(f)
    assert report.ok and all(r.finite_diff is not None for r in report.rows)


def test_a_function_written_for_floats_is_called_point_by_point():
    xs = np.array([0.0, 1.0, -1.0])
    assert vectorised(math.cos, (xs,), 3).tolist() == [1.0, math.cos(1.0), math.cos(-1.0)]
    got = vectorised(math.log, (xs,), 3)  # log(0), log(-1): nan, never raised
    assert math.isnan(got[0]) and got[1] == 0.0 and math.isnan(got[2])


def test_the_direction_catches_a_wrong_rule():
    random.seed(1)
    model = MLP(3, [4, 4, 1], act="tanh")
    loss = sum((model(x) - y) ** 2 for x, y in zip(LECTURE_XS, LECTURE_YS))
    with inject_bug("tanh", "tanh-precedence"):
        loss.backward()
    report = check(loss)
    assert not report.ok and report.direction.verdict == "wrong"
    assert "central difference along u" in str(report)


# -- the zero_grad diagnosis (the lecture's chapter 14 bug) -------------------------


def chapter14():
    random.seed(1)
    model = MLP(3, [4, 4, 1], act="tanh")

    def loss():
        return sum((model(x) - y) ** 2 for x, y in zip(LECTURE_XS, LECTURE_YS))

    return model, loss


def test_backward_twice_without_zero_grad_is_named_with_its_fix():
    model, loss_fn = chapter14()
    loss_fn().backward()
    loss = loss_fn()
    loss.backward()  # the first pass's grads are still in the parameters
    assert all(passes(p) == 2 for p in model.parameters())
    report = check(loss)
    assert not report.ok
    s = report.summary()
    assert s.startswith("41 of 41 gradients disagree")
    assert "each of them holds the sum of 2 backward() passes" in s
    assert "zero_grad()" in s and "p.grad = 0" in s
    assert report.carried == {name: 2 for name in report.carried} and len(report.carried) == 41
    loss = loss_fn()
    loss.backward()  # a third pass on top
    assert "up to 3 backward() passes" in check(loss).summary()


def test_a_correct_check_after_zero_grad_says_nothing_of_it():
    model, loss_fn = chapter14()
    loss_fn().backward()
    loss_fn().backward()
    model.zero_grad()
    loss = loss_fn()
    loss.backward()
    assert all(passes(p) == 1 for p in model.parameters())
    report = check(loss)
    assert report.ok and report.summary() == "all 41 gradients agree"
    assert report.carried == {} and report.resent == 0
    for p in model.parameters():  # p.grad = 0 by hand counts the same
        p.grad = 0.0
    loss = loss_fn()
    loss.backward()
    assert check(loss).summary() == "all 41 gradients agree"


def test_the_same_graph_backpropagated_twice_names_the_inner_nodes():
    model, loss_fn = chapter14()
    loss = loss_fn()
    loss.backward()
    model.zero_grad()  # the parameters only: the inner nodes keep their grads
    loss.backward()
    report = check(loss)
    assert not report.ok and report.carried == {}
    assert "inner nodes still held grads" in report.summary()
    loss.zero_grad()
    loss.backward()
    assert check(loss).ok


def test_columns_cut_into_chunks_give_the_same_differences(monkeypatch):
    random.seed(2)
    model = MLP(3, [4, 4, 1], act="tanh")
    loss = sum((model(x) - y) ** 2 for x, y in zip(LECTURE_XS, LECTURE_YS))
    loss.backward()
    order, index = graph(loss)
    nodes = [v for v in order if v.is_variable]
    whole, along, _ = differences(order, index, nodes, 1e-5, (nodes, [1.0] * len(nodes)))
    monkeypatch.setattr(explorer.batched, "CHUNK_BYTES", 1)  # 16 columns a pass
    parts, along2, _ = differences(order, index, nodes, 1e-5, (nodes, [1.0] * len(nodes)))
    # NumPy's tanh may round the last bit differently on arrays of other lengths
    for i, d in whole.items():
        assert parts[i].h == d.h and abs(parts[i].value - d.value) <= d.error + parts[i].error
    assert along2.h == along.h and abs(along2.value - along.value) <= along.error + along2.error
