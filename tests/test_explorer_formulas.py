"""explorer.formulas: forward, local and global formulas of every node."""

import random

import pytest
import sympy

from engine import Value, topo_order
from engine.demo import setup, svm_loss
from engine.nn import MLP
from explorer import FormulaTable, formulas, lecture_neuron
from explorer._common import pretty

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
    # the note that announces the ξ list comes before it, as text and in the page
    text, page = str(table), table._repr_html_()
    assert text.index("(ξ below)") < text.index("where ξ1 = ")
    assert page.index("(ξ below)") < page.index(">where</p>")


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


def test_past_max_nodes_a_row_per_variable():
    x = Value(1.0, label="x")
    y = x
    for _ in range(150):
        y = y + 1.0
    y.backward()
    table = formulas(y)
    assert [r.label for r in table.rows] == ["x"] and table.rows[0].chain == 1
    assert "max_nodes=200" in str(table)
    assert len(formulas(y, max_nodes=400).rows) == 151


def test_the_one_sample_moons_loss_reads_with_named_parts():
    """formulas() of a network: each parameter's row is the chain rule's last step,
    its shared parts (δ_u = ∂R/∂u, and the nodes u) defined once under the table."""
    model, X, y = setup()
    loss, _ = svm_loss(model, X[:1], y[:1])
    model.zero_grad()
    loss.backward()
    table = formulas(loss)
    params = model.parameters()
    rows = {r.node: r for r in table.rows}
    assert len(rows) == 339 and set(params) <= set(rows)  # and the two inputs
    # every formula evaluates to backprop's gradient: nodes at their data, then each
    # δ in the order listed (from the output back, as backprop computes them)
    at = {v.symbol: v.data for v in topo_order(loss) if not v.is_constant}
    deltas = [(s, e) for s, e in table.where if s.name.startswith("δ_")]
    assert deltas and all(not s.name.startswith("δ_") for s, _ in table.where[len(deltas) :])
    for s, e in deltas:
        at[s] = float(e.xreplace(at))
    for p in params:
        assert float(rows[p].chain.xreplace(at)) == pytest.approx(p.grad, rel=1e-9, abs=1e-15)
    # readable on a screen: a parameter's formula is a line, each part defined once
    assert max(len(pretty(rows[p].chain)) for p in params) < 80
    w = model.layers[0].neurons[0].w[0]
    assert str(rows[w].chain).count("δ") == 1  # x times the neuron's adjoint, + the penalty
    names = [s for s, _ in table.where]
    assert len(names) == len(set(names)) and len(names) < 150
    assert max(len(pretty(e)) for _, e in table.where) < 500
    text = str(table)
    assert "δ_{u" in text and "names its shared parts" in text
    assert "\\delta_{u" in table.to_latex() and "\\delta_{u" in table._repr_html_()


def test_formulas_of_chosen_nodes():
    random.seed(0)
    model = MLP(3, [4, 4, 1], act="tanh")
    out = model([2.0, 3.0, -1.0])
    out.backward()
    w = model.parameters()[0]
    (row,) = formulas(out, nodes=[w]).rows
    at = {v.symbol: v.data for v in topo_order(out) if not v.is_constant}
    table = formulas(out, nodes=[w])
    for s, e in table.where:
        if s.name.startswith("δ_"):
            at[s] = float(e.xreplace(at))
    assert float(row.chain.xreplace(at)) == pytest.approx(w.grad, rel=1e-12)
    with pytest.raises(ValueError, match="not in the graph"):
        formulas(out, nodes=[Value(1.0)])
