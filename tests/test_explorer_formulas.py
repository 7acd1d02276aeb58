"""explorer.formulas: forward, local and global formulas of every node."""

import random

import pytest
import sympy

from engine import Value, topo_order
from engine.nn import MLP
from explorer import FormulaTable, formulas, lecture_neuron

x1, w1, x2, w2, b, o_ = sympy.symbols("x1 w1 x2 w2 b o", real=True)
N = b + w1 * x1 + w2 * x2


def neuron():
    o = lecture_neuron()
    o.backward()
    return o


def test_the_neuron_table():
    table = formulas(neuron())
    assert isinstance(table, FormulaTable)
    rows = {r.label: r for r in table.rows}
    assert list(rows) == ["x1", "w1", "x1w1", "x2", "w2", "x2w2", "x1w1x2w2", "b", "n", "o"]
    assert rows["n"].expr == N and rows["o"].expr == sympy.tanh(N)
    assert rows["o"].local == (("n", 1 - o_**2),)
    assert rows["x1w1"].local == (("x1", w1), ("w1", x1))
    assert rows["x1"].chain == w1 * (1 - o_**2)
    # the expanded view against SymPy differentiating the hand-written expression
    for name, s in (("x1", x1), ("w1", w1), ("x2", x2), ("w2", w2), ("b", b)):
        assert sympy.simplify(rows[name].grad - sympy.diff(sympy.tanh(N), s)) == 0
    assert rows["o"].chain == 1 and rows["o"].value == pytest.approx(0.7071067811865476)
    assert table.where == [] and table.root_name == "o"


def test_text_and_latex():
    table = formulas(neuron())
    text = str(table)
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["node", "value", "forward"]
    assert "∂o/∂node (chain rule)" in lines[0]
    row = next(line for line in lines if line.startswith("x1 "))
    assert "w1·(1 − o²)" in row and "w1·(1 − tanh(b + w1·x1 + w2·x2)²)" in row
    assert any("∂o/∂n = 1 − o²" in line for line in lines)
    latex = table._repr_latex_()
    assert latex.startswith("$$\\begin{array}") and latex.endswith("\\end{array}$$")
    assert "\\tanh" in latex and "\\frac{\\partial o}{\\partial n} = 1 - o^{2}" in latex
    assert latex.count("\\\\") == 10  # a header and ten rows


def test_before_backward_the_gradient_columns_say_why():
    table = formulas(lecture_neuron())
    assert all(r.chain is None and r.grad is None for r in table.rows)
    assert "call backward()" in str(table)
    assert table.rows[-1].expr == sympy.tanh(N)


def test_large_cells_are_shortened_and_still_equal():
    random.seed(0)
    model = MLP(3, [4, 4, 1], act="tanh")
    out = model([2.0, 3.0, -1.0])
    out.backward()
    table = formulas(out)
    assert table.where and any("cse" in n for n in table.notes)
    # every symbol a cell may hold: the variables, the nodes (chain view), then each ξ in turn
    at = {v.symbol: v.data for v in topo_order(out) if not v.is_constant}
    for s, e in table.where:
        at[s] = float(e.xreplace(at))
    shortened = [r for r in table.rows if r.notes]
    assert shortened
    for r in shortened:
        assert float(r.grad.xreplace(at)) == pytest.approx(r.node.grad, rel=1e-9, abs=1e-12)
        assert float(r.chain.xreplace(at)) == pytest.approx(r.node.grad, rel=1e-9, abs=1e-12)
    assert "where ξ1 = " in str(table) and "\\xi_{1}" in table.to_latex()


@pytest.mark.timeout(120)  # a hang fails the test; how fast it is, make bench measures
def test_an_exponential_expression_does_not_hang():
    x = Value(0.01, label="x")  # small enough that y stays finite through 40 levels
    y = x
    for _ in range(40):  # the expression tree doubles at every level: 2^40 operations
        y = y * y + y
    y.backward()
    table = formulas(y)
    assert "operations" in str(table.rows[-1].expr)
    # the chain rule's formulas alone would be about 2^40 operations: not built, and said so
    assert table.rows[-1].grad is None and any("operations" in n for n in table.notes)


def test_too_many_nodes_is_refused_with_a_hint():
    x = Value(1.0, label="x")
    y = x
    for _ in range(150):
        y = y + 1.0
    with pytest.raises(ValueError, match=r"formulas\(node\)"):
        formulas(y)
    assert len(formulas(y, max_nodes=400).rows) == 151
