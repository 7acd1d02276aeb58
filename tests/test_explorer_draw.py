"""explorer.draw: micrograd's picture, read back from the SVG that dot writes."""

import xml.etree.ElementTree as ET

import graphviz
import pytest

from engine import Value, topo_order
from explorer import check, draw, inject_bug, lecture_neuron

SVG = "{http://www.w3.org/2000/svg}"


def neuron():
    o = lecture_neuron()
    o.backward()
    return o


def svg_nodes(svg):
    """{graphviz node name: (texts, fill colours, stroke widths)} from an SVG."""
    out = {}
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        if g.get("class") == "node":
            name = g.find(f"{SVG}title").text
            texts = [t.text for t in g.iter(f"{SVG}text")]
            shapes = [s for s in g if s.tag in (f"{SVG}polygon", f"{SVG}ellipse")]
            out[name] = (
                texts,
                [s.get("fill") for s in shapes],
                [s.get("stroke-width") for s in shapes],
            )
    return out


def svg_edges(svg):
    return [
        g.find(f"{SVG}title").text
        for g in ET.fromstring(svg).iter(f"{SVG}g")
        if g.get("class") == "edge"
    ]


def test_the_neuron_as_micrograd_draws_it():
    svg = draw(neuron()).pipe("svg").decode()
    nodes = svg_nodes(svg)
    records = {n: t for n, (t, _, _) in nodes.items() if not n.endswith("op")}
    ops = {n: t for n, (t, _, _) in nodes.items() if n.endswith("op")}
    assert len(records) == 10 and sorted(t[0] for t in ops.values()) == ["*", "*", "+", "+", "tanh"]
    by_label = {t[0]: t[1:] for t in records.values()}
    assert by_label["o"] == ["data 0.7071", "grad 1.0000"]
    assert by_label["n"] == ["data 0.8814", "grad 0.5000"]
    assert by_label["x1"] == ["data 2.0000", "grad -1.5000"]
    assert by_label["w2"] == ["data 1.0000", "grad 0.0000"]
    edges = svg_edges(svg)
    # 9 input -> op edges and 5 op -> result edges
    assert len(edges) == 14 and sum(e.endswith("op") for e in edges) == 9
    assert 'rankdir="LR"' in draw(neuron()).source or "rankdir=LR" in draw(neuron()).source


def test_deterministic_names_and_output():
    a, b = neuron(), neuron()
    assert draw(a).source == draw(b).source  # two graphs, the same text: no id() in it
    assert draw(a).pipe("svg") == draw(a).pipe("svg")
    names = [f"n{i}" for i in range(10)]
    assert all(f"\t{n} [" in draw(a).source for n in names)


def test_a_node_used_twice_shows_both_edges():
    a = Value(3.0, label="a")
    b = a + a
    edges = svg_edges(draw(b).pipe("svg").decode())
    assert edges.count("n0&#45;&gt;n1op") + edges.count("n0->n1op") == 2


def test_formulas_in_nodes_and_on_edges():
    o = neuron()
    svg = draw(o, formulas="grad").pipe("svg").decode()
    texts = {t for ts, _, _ in svg_nodes(svg).values() for t in ts}
    assert "∂o/∂x1 = w1·(1 − tanh(b + w1·x1 + w2·x2)²)" in texts
    assert "∂o/∂o = 1" in texts
    svg = draw(o, formulas="chain", edge_derivatives=True).pipe("svg").decode()
    texts = {t for ts, _, _ in svg_nodes(svg).values() for t in ts}
    assert "∂o/∂x1 = w1·(1 − o²)" in texts
    edge_texts = {
        t.text.strip()
        for g in ET.fromstring(svg).iter(f"{SVG}g")
        if g.get("class") == "edge"
        for t in g.iter(f"{SVG}text")
    }
    assert {"1 − o² = 0.5", "w1 = −3", "x1 = 2", "1"} <= edge_texts
    both = draw(o, formulas="both").pipe("svg").decode()
    texts = {t for ts, _, _ in svg_nodes(both).values() for t in ts}
    assert "= tanh(b + w1·x1 + w2·x2)" in texts and "∂o/∂n = 1 − tanh(b + w1·x1 + w2·x2)²" in texts
    expr_only = draw(o, formulas="expr").source
    assert "∂" not in expr_only and "= b + w1·x1 + w2·x2" in expr_only


def test_gradient_formulas_need_a_backward():
    with pytest.raises(RuntimeError, match="backward"):
        draw(lecture_neuron(), formulas="grad")
    assert "tanh" in draw(lecture_neuron(), formulas="expr").source


def test_verdict_colours_and_highlight():
    o = lecture_neuron()
    c = Value(2.0, label="c")
    y = o * c
    with inject_bug("tanh", "tanh-precedence"):
        y.backward()
    report = check(y, nodes="all")
    svg = draw(y, verdicts=report, highlight=report.flagged).pipe("svg").decode()
    nodes = svg_nodes(svg)
    fills = {t[0].strip(): f[0] for n, (t, f, _) in nodes.items() if not n.endswith("op")}
    widths = {t[0].strip(): w[0] for n, (t, _, w) in nodes.items() if not n.endswith("op")}
    wrong = {"n", "x1w1x2w2", "x1w1", "x2w2", "b", "x1", "w1", "x2"}
    assert {k for k, v in fills.items() if v == "#ffb3b3"} == wrong
    assert {k for k, v in fills.items() if v == "#c7ebc7"} == {"o", "c", "w2", ""}  # y: unlabelled
    assert {k for k, w in widths.items() if w == "3"} == wrong
    plain = svg_nodes(draw(y, verdicts={c: "ok"}).pipe("svg").decode())
    assert sorted(f[0] for t, f, _ in plain.values() if f[0] not in ("none", "white")) == [
        "#e3f2c1"
    ]
    with pytest.raises(ValueError, match="unknown verdict"):
        draw(y, verdicts={c: "fine"})


def test_top_to_bottom_and_bad_options():
    o = neuron()
    assert "rankdir=TB" in draw(o, rankdir="TB", formulas="grad").source
    ET.fromstring(draw(o, rankdir="TB", formulas="grad").pipe("svg"))
    with pytest.raises(ValueError, match="rankdir"):
        draw(o, rankdir="RL")
    with pytest.raises(ValueError, match="formulas"):
        draw(o, formulas="all")


def test_labels_with_record_syntax_are_escaped():
    x = Value(1.0, label="a{b}|<c>\\")
    y = x * 2
    y.backward()
    svg = draw(y, formulas="grad").pipe("svg").decode()
    texts = [t for ts, _, _ in svg_nodes(svg).values() for t in ts]
    assert "a{b}|<c>\\" in texts


def test_too_large_a_graph_says_how_to_draw_a_part():
    x = Value(0.5, label="x")
    y = x
    for _ in range(20_000):  # deep: anything recursive would fail here
        y = y * 1.0
    with pytest.raises(ValueError, match=r"draw\(node\).*max_nodes=40001"):
        draw(y)
    part = y
    for _ in range(19_990):
        part = part._prev[0]
    assert len(topo_order(part)) <= 25
    ET.fromstring(draw(part).pipe("svg"))
    long = x
    for _ in range(3000):
        long = long + 1.0
    assert draw(long, max_nodes=10_000).source.count("shape=record") == 6001


def test_jupyter_and_graphviz_conventions(tmp_path):
    g = draw(neuron())
    assert isinstance(g, graphviz.Digraph)
    assert "image/svg+xml" in g._repr_mimebundle_()
    path = g.render(tmp_path / "neuron", format="svg", cleanup=True)
    ET.parse(path)


def test_a_drawing_shows_itself_themed_and_scaled_in_jupyter():
    o = lecture_neuron()
    o.backward()
    bundle = draw(o)._repr_mimebundle_()
    assert bundle["image/svg+xml"].lstrip().startswith("<?xml")  # graphviz's own, for others
    page = bundle["text/html"]
    assert 'class="ade-graph"' in page and "full size" in page and "<?xml" not in page
    assert "--ade-w:" in page and "var(--jp-ui-font-color1" in page  # scaled, themed
    assert draw(o)._repr_mimebundle_(include=["image/svg+xml"]).keys() == {"image/svg+xml"}
