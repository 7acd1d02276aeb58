"""Depth and memory: no recursion anywhere, and graphs freed without the cyclic GC."""

import gc
import sys
import weakref

import pytest
import sympy

from engine import Value, topo_order


def test_million_deep_chain_backward_and_forward():
    limit = sys.getrecursionlimit()
    x, c = Value(0.5, label="x"), Value(1.0000001, label="c")
    v = x
    for _ in range(1_000_000):
        v = v * c
    assert len(topo_order(v)) == 1_000_002
    v.backward()
    assert x.grad == pytest.approx(1.0000001**1_000_000, rel=1e-8)
    assert c.grad == pytest.approx(1e6 * 0.5 * 1.0000001**999_999, rel=1e-8)
    x.data = 0.25
    assert v.forward() == pytest.approx(0.25 * 1.0000001**1_000_000, rel=1e-8)
    assert sys.getrecursionlimit() == limit  # nothing raised it


def test_deep_tanh_chain_has_exact_order():
    x = Value(0.3, label="x")
    v = x
    for _ in range(200_000):
        v = v.tanh()
    order = topo_order(v)
    assert len(order) == 200_001 and order[0] is x and order[-1] is v


def test_sum_of_100k_values_backpropagates():
    xs = [Value(float(i % 7), label=f"x{i}") for i in range(100_000)]
    s = sum(xs)
    s.backward()
    assert s.data == sum(float(i % 7) for i in range(100_000))
    assert all(x.grad == 1.0 for x in xs)


def test_a_node_is_one_object_for_the_cyclic_collector():
    # the collector's work grows with the tracked objects: a node holds its inputs in
    # slots, not in a tuple of its own (micrograd's node is a Value and a set)
    a, b = Value(1.0), Value(2.0)
    nodes = []
    gc.collect()
    before = len(gc.get_objects())
    for _ in range(10_000):
        nodes.append(a * b + a)
    gc.collect()
    assert len(gc.get_objects()) - before == 20_000  # two nodes per iteration
    assert nodes[0].inputs[0].inputs == (a, b)  # micrograd's _prev, made on demand


def test_topological_order_is_micrograds_on_shared_inputs():
    def build_topo(v, topo, visited):  # micrograd's own, recursive
        if v not in visited:
            visited.add(v)
            for child in v._prev:
                build_topo(child, topo, visited)
            topo.append(v)
        return topo

    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    a = x * y
    b = (a + x).tanh() * (y + a)
    c = b * a + x * x + (b - y) ** 2
    assert topo_order(c) == build_topo(c, [], set())


def test_graph_is_freed_without_the_cyclic_collector():
    gc.collect()
    gc.disable()
    try:
        a = Value(2.0, label="a")
        b = Value(-3.0, label="b")
        out = ((a * b + 1).tanh() * a).exp()
        out.backward()
        _ = a.grad_expr  # the symbolic memos must not create cycles either
        refs = [weakref.ref(v) for v in topo_order(out)]
        del a, b, out
        assert all(r() is None for r in refs)
    finally:
        gc.enable()


def test_a_deep_graph_is_freed_without_the_cyclic_collector():
    gc.collect()
    gc.disable()
    try:
        x = Value(1.0)
        v = x
        for _ in range(100_000):
            v = v + 1
        v.backward()
        ref = weakref.ref(v)
        mid = weakref.ref(topo_order(v)[50_000])
        del v, x
        assert ref() is None and mid() is None
    finally:
        gc.enable()


def test_chain_rule_view_down_a_deep_chain():
    # a product of 2,000 factors, built once (growing it link by link is quadratic)
    x = Value(0.3, label="x")
    v = x
    for _ in range(2000):
        v = v.tanh()
    v.backward()
    chain = x.chain_expr
    assert len(sympy.Mul.make_args(chain)) == 2000
    at = {n.symbol: n.data for n in topo_order(v) if not n.is_constant}
    assert float(chain.xreplace(at)) == pytest.approx(x.grad, rel=1e-9)
