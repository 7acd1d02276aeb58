"""The closed forms are built faster but are the same expressions.

A sum is added by one ``Add`` of all its terms, paths meeting at a node are summed
once, and the expansion of the chain-rule view is shared between parameters; none
of that may change what ``expr``, ``chain_expr`` or ``grad_expr`` return.
"""

import functools
import operator
import random

import pytest
import sympy

import engine
from engine import Value, topo_order
from engine.nn import MLP


def test_a_sum_is_the_sum_sympy_builds_term_by_term():
    ps = [Value(random.Random(i).uniform(-1, 1), label=f"p{i}") for i in range(40)]
    s = sum(p * p for p in ps) * 0.5 + ps[0].tanh() + ps[1] + 2
    by_hand = functools.reduce(operator.add, [p.symbol**2 for p in ps]) * sympy.Rational(1, 2)
    assert s.expr == by_hand + sympy.tanh(ps[0].symbol) + ps[1].symbol + 2


def test_an_intermediate_sum_read_after_the_whole_still_has_its_own_expr():
    a, b, c = (Value(x, label=n) for x, n in [(1.0, "a"), (2.0, "b"), (3.0, "c")])
    s1 = a + b
    s2 = s1 + c
    assert s2.expr == a.symbol + b.symbol + c.symbol
    assert s1.expr == a.symbol + b.symbol  # built on its own read, not s2's terms


def _xreplace_expansion(root, v):
    subs = {n.symbol: n.expr for n in topo_order(root) if n.rule is not None}
    return v.chain_expr.xreplace(subs)


def test_grad_expr_is_the_chain_view_with_every_node_expanded():
    random.seed(3)
    model = MLP(2, [4, 4, 1])
    x = [Value(0.3, label="x_1"), Value(-0.7, label="x_2")]
    loss = (1 + -1 * model(x)).relu() + 1e-4 * sum(p * p for p in model.parameters())
    loss.backward()
    for p in model.parameters() + x:
        assert p.grad_expr == _xreplace_expansion(loss, p)


def test_grad_expr_agrees_with_backward_and_the_oracle():
    random.seed(5)
    model = MLP(3, [4, 4, 1], act="tanh")
    x = [Value(v, label=f"x_{i}") for i, v in enumerate([2.0, 3.0, -1.0])]
    loss = (model(x) - 1.0) ** 2
    loss.backward()
    point = {p.symbol: p.data for p in model.parameters() + x}
    for p in model.parameters()[::5]:
        closed = float(p.grad_expr.xreplace(point))
        oracle = float(engine.oracle(loss, p).xreplace(point))
        assert abs(closed - p.grad) <= 1e-12 * max(1.0, abs(p.grad))
        assert abs(oracle - p.grad) <= 1e-12 * max(1.0, abs(p.grad))


def test_a_step_function_keeps_its_argument_and_still_agrees():
    x = Value(0.5, label="x")
    y = (x * x + 1).relu()
    y.backward()
    g = x.grad_expr
    assert g.has(sympy.Heaviside)  # left unevaluated, as relu's Max is in expr
    for at in (-2.0, 0.0, 0.5, 3.0):
        assert float(g.subs(x.symbol, at)) == 2 * at


def test_closed_forms_take_their_root_explicitly():
    """grad_expr(root, v) needs no backward() and touches no grad; the attribute is sugar
    for the root of v's last backward()."""
    from engine.symbolic import chain_expr, grad_expr

    x, y = Value(0.5, label="x"), Value(2.0, label="y")
    e = x.exp()
    f, g = (x * y).tanh(), e * y
    sx, sy = sympy.Symbol("x", real=True), sympy.Symbol("y", real=True)
    assert grad_expr(f, x) == y.symbol * (1 - sympy.tanh(x.symbol * y.symbol) ** 2)
    assert grad_expr(g, x) == sympy.exp(sx) * sy
    assert chain_expr(g, y) == e.symbol  # the chain view names the node
    assert x.grad == 0.0 and x.backward_root is None  # nothing was run or stamped
    g.backward()
    assert x.grad_expr == grad_expr(g, x)  # the attribute: the last backward()'s root
    assert grad_expr(f, x) != x.grad_expr  # the other root, asked for by name
    with pytest.raises(ValueError, match="not a node of the output's graph"):
        grad_expr(f, Value(1.0, label="z"))
