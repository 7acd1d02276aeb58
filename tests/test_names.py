"""Names that stay put: unlabelled nodes are named per graph, deterministically,
and every view (check, formulas, the drawing, nudge, the stepper, the exercise)
calls a node the same; a user's label always wins."""

from engine import Value, topo_order
from engine.names import name, name_graph
from explorer import check, draw, formulas
from explorer._common import name_of
from explorer.backprop import Backprop
from explorer.exercise import Exercise
from widgets import nudge


def neuron():
    x1, w1 = Value(2.0), Value(-3.0)
    x2, w2 = Value(0.0), Value(1.0)
    b = Value(6.8813735870195432)
    return (x1 * w1 + x2 * w2 + b).tanh()


def names(root):
    name_graph(root)  # what every view does first
    return [name_of(v) for v in topo_order(root) if not v.is_constant]


def test_the_same_graph_built_twice_gets_the_same_names_whatever_ran_before():
    first = neuron()
    first.backward()
    _ = first.grad_expr, [v.grad_expr for v in topo_order(first)]
    for _ in range(3):  # other graphs named in between
        other = neuron() * neuron()
        other.backward()
        _ = other.expr
    second = neuron()
    second.backward()
    assert names(first) == names(second)
    assert names(second) == ["v1", "v2", "u1", "v3", "v4", "u2", "u3", "v5", "u4", "u5"]


def test_naming_order_does_not_matter_for_a_chain():
    a = neuron()
    inner = a.inputs[0]  # n, before the tanh
    inner_first = name(inner)  # named with its own graph first
    b = neuron()
    assert names(a) == names(b) and inner_first == name(b.inputs[0])


def test_after_backward_a_node_asked_alone_is_named_with_the_whole_graph():
    o = neuron()
    o.backward()
    x1 = topo_order(o)[0]
    assert x1.symbol.name == "v1" and o.symbol.name == "u5"  # o asked last, still u5


def test_a_label_always_wins_and_automatic_names_step_around_it():
    x, y = Value(1.0, label="u1"), Value(2.0)
    f = x * y + x
    assert name_of(x) == "u1"
    assert "u1" not in [name_of(v) for v in topo_order(f) if v is not x]
    f.label = "f"
    assert name_of(f) == "f"


def test_two_graphs_named_apart_then_joined_get_distinct_names():
    p, q = neuron(), neuron()
    assert name_of(p) == name_of(q) == "u5"
    joined = p + q
    joined.backward()
    got = names(joined)  # named as a view names it, first
    assert len(got) == len(set(got)) and got[:10] == names(p)  # p keeps its names
    assert [v.symbol.name for v in topo_order(joined) if not v.is_constant] == got
    assert check(joined).ok


def test_every_view_names_a_node_the_same():
    o = neuron()
    o.backward()
    want = {v: name_of(v) for v in topo_order(o) if not v.is_constant}
    inner = {v: n for v, n in want.items() if not v.is_variable}
    report = check(o, nodes="all")
    assert {r.label for r in report.rows} <= set(want.values())
    table = formulas(o)
    assert {r.label for r in table.rows} == set(want.values())
    svg = draw(o).pipe(format="svg", encoding="utf-8")
    for n in inner.values():
        assert f">{n}<" in svg  # beside its op
    panel = nudge(o)
    assert panel.names == [want[v] for v in panel.vars]
    bp = Backprop(o)
    assert {s.name for s in bp.steps} == set(want.values())
    ex = Exercise(o)
    assert {it.key.split("∂")[-1] for it in ex.items} == set(want.values()) - {want[o]}
