"""explorer.check: backprop against closed form, oracle and finite difference."""

import ast
import json
import math
import operator
import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import explorer.batched
from engine import DomainError, Value, topo_order
from engine.data import LECTURE_XS, LECTURE_YS, make_moons
from engine.nn import MLP
from explorer import AGREE, CheckReport, check, lecture_neuron, parse, verdict

# The lecture's numbers (the lecture's chapters 6 and 7).
LECTURE_GRADS = {"x1": -1.5, "w1": 1.0, "x2": 0.5, "w2": 0.0, "b": 0.5}
ALL_GRADS = dict(LECTURE_GRADS, x1w1=0.5, x2w2=0.5, x1w1x2w2=0.5, n=0.5, o=1.0)


def neuron():
    o = lecture_neuron()
    o.backward()
    return o


def nodes_by_label(root):
    return {v.label: v for v in topo_order(root)}


def test_verdict_bands():
    assert AGREE == {"good", "ok", "kink"}  # kink: a valid subgradient at a kink
    assert [verdict(x) for x in (0.0, 1e-7, 1.01e-7, 1e-4, 1.01e-4, 1e-2, 1.01e-2, 1.0)] == [
        "good",
        "good",
        "ok",
        "ok",
        "doubtful",
        "doubtful",
        "wrong",
        "wrong",
    ]
    assert verdict(math.nan) == "wrong"


def test_the_lecture_neuron_agrees_in_every_column():
    report = check(neuron())
    assert isinstance(report, CheckReport) and report.ok
    assert report.root_value == pytest.approx(1 / math.sqrt(2), rel=1e-12)
    rows = {r.label: r for r in report.rows}
    assert list(rows) == ["x1", "w1", "x2", "w2", "b"]
    for name, g in LECTURE_GRADS.items():
        r = rows[name]
        for col in (r.grad, r.closed_form, r.oracle, r.finite_diff):
            assert col == pytest.approx(g, abs=1e-8)
        assert r.verdict == "good" and report.skipped == {}


def test_every_node_and_the_finite_difference_of_intermediate_nodes():
    report = check(neuron(), nodes="all")
    got = {r.label: r for r in report.rows}
    assert set(got) == set(ALL_GRADS)
    for name, g in ALL_GRADS.items():
        assert got[name].oracle == pytest.approx(g, abs=1e-12)
        assert got[name].closed_form == pytest.approx(g, abs=1e-12)
        # each intermediate node nudged around its true value, not a stale one
        assert got[name].rel_errors["finite_diff"] < 1e-8, name
    assert report.ok


def test_check_changes_no_gradient_and_restores_every_value():
    o = neuron()
    before = [(v.data, v.grad) for v in topo_order(o)]
    check(o, nodes="all", h=1e-3)
    assert [(v.data, v.grad) for v in topo_order(o)] == before


def test_a_forgotten_zero_grad_is_caught():
    o = neuron()
    o.backward()  # grads accumulate: every one doubled (w2's stays 0)
    report = check(o)
    assert {r.label for r in report.rows if not r.agrees} == {"x1", "w1", "x2", "b"}
    assert not report.ok and [v.label for v in report.flagged] == ["x1", "w1", "x2", "b"]


def test_needs_backward_and_good_arguments():
    o = lecture_neuron()
    with pytest.raises(RuntimeError, match=r"o\.backward\(\)"):
        check(o)
    o.backward()
    for h in (0, -1e-5, math.inf, math.nan, "1e-5", True):
        with pytest.raises(ValueError, match="h must be"):
            check(o, h=h)
    with pytest.raises(ValueError, match="not in this graph"):
        check(o, nodes=[Value(1.0)])
    with pytest.raises(ValueError, match="nodes must be"):
        check(o, nodes="some")
    n = nodes_by_label(o)["n"]
    assert [r.label for r in check(o, nodes=[n, n]).rows] == ["n"]


def test_leaves_restored_when_an_evaluation_raises(monkeypatch):
    x = Value(4e-6, label="x")
    f = x.log()
    f.backward()
    report = check(f, h=1e-5)  # x - h < 0: log is undefined there, so the step shrinks
    (row,) = report.rows
    assert row.finite_diff == pytest.approx(1 / 4e-6, rel=1e-6) and row.h < 4e-6
    assert row.closed_form == pytest.approx(1 / 4e-6) and row.agrees
    assert x.data == 4e-6 and f.data == math.log(4e-6)
    g = (x * 1.0).log()  # the same through an intermediate node, nudged on its own
    x.grad = 0.0  # f's backward left its gradient in x
    g.backward()
    before = [v.data for v in topo_order(g)]
    rows = check(g, nodes="all").rows
    assert all(r.agrees for r in rows)
    assert [v.data for v in topo_order(g)] == before
    # a leaf whose every step leaves the domain: no finite difference, and says why
    y = Value(0.0, label="y")
    s = y.sqrt() + y * 0
    with pytest.raises(DomainError):
        s.backward()  # sqrt has no derivative at 0

    o = neuron()
    leaves = {v: v.data for v in topo_order(o) if v.is_variable}
    everything = {v: v.data for v in topo_order(o)}
    real_sweep = explorer.batched.BatchGraph._sweep

    def failing_sweep(*args):  # in the middle of the batched finite differences
        raise KeyboardInterrupt

    monkeypatch.setattr(explorer.batched.BatchGraph, "_sweep", failing_sweep)
    with pytest.raises(KeyboardInterrupt):
        check(o)
    monkeypatch.setattr(explorer.batched.BatchGraph, "_sweep", real_sweep)
    assert {v: v.data for v in leaves} == leaves
    assert {v: v.data for v in topo_order(o)} == everything


def test_a_second_check_reuses_the_closed_forms_and_follows_the_new_data(monkeypatch):
    """The symbolic work (closed forms, oracle, their tapes) is done once per root: a
    second check compiles nothing (how fast that is, bench_panels measures)."""
    import explorer.closed_columns

    o = neuron()
    check(o)  # pays for the symbolic work once

    def no_compiling(*args, **kwargs):
        raise AssertionError("a second check compiled its closed forms again")

    monkeypatch.setattr(explorer.closed_columns, "compile_exprs", no_compiling)
    leaves = nodes_by_label(o)
    for x1 in (1.0, 0.5, -0.25, 1.5, 0.75):
        leaves["x1"].data = x1
        o.forward()
        o.zero_grad()
        o.backward()
        report = check(o)
        n = x1 * -3.0 + 0.0 * 1.0 + 6.8813735870195432
        dn = 1 - math.tanh(n) ** 2
        rows = {r.label: r for r in report.rows}
        assert rows["x1"].closed_form == pytest.approx(-3.0 * dn, rel=1e-12)
        assert rows["w1"].oracle == pytest.approx(x1 * dn, rel=1e-12)
        assert report.ok


def test_report_prints_renders_and_converts():
    report = check(neuron())
    text = str(report)
    lines = text.splitlines()
    assert lines[0].startswith("o = 0.7071067812")
    head = lines[1]
    for col in ("node", "value", "grad", "closed form", "oracle", "finite diff", "verdict"):
        assert col in head
    # aligned: numbers are right-justified under their header, verdicts start under theirs
    grad_end, verdict_at = head.index("grad") + 4, head.index("verdict")
    for line in lines[3:8]:
        assert line[grad_end - 1] != " " and line[grad_end] == " "
        assert line[verdict_at:] in ("good", "ok") and line[verdict_at - 1] == " "
    assert lines[-1] == "all 5 gradients agree"
    html = report._repr_html_()
    assert html.count("<tr") == 6 and "good" in html and "<table>" in html
    assert html.count("ade-verdict-good") == 5 and "var(--jp-" in html  # themed
    dicts = report.to_dicts()
    assert json.loads(json.dumps(dicts, allow_nan=False)) == dicts
    assert [d["label"] for d in dicts] == ["x1", "w1", "x2", "w2", "b"]
    assert dicts[0]["grad"] == pytest.approx(-1.5) and dicts[0]["verdict"] == "good"
    assert report.to_dict()["ok"] is True


def test_a_kink_is_reported_not_hidden():
    x = Value(0.0, label="x")
    f = x.relu()
    f.backward()
    (row,) = check(f).rows
    # backprop and the closed form take relu'(0) = 0 (PyTorch's); SymPy's Heaviside(0) says
    # 1/2; the one-sided slopes are 0 and 1: a kink, named as one, and not a failure
    assert row.grad == 0.0 and row.closed_form == 0.0 and row.oracle == 0.5
    assert row.verdict == "kink" and row.agrees
    assert "slopes are 0 from the left and 1 from the right" in row.note


@pytest.mark.parametrize(
    "text,values,grads",
    [
        ("abs(x)", dict(x=0), {"x": 0.0}),
        ("maximum(x, y)", dict(x=1, y=1), {"x": 0.5, "y": 0.5}),
        ("minimum(x, y) * 3", dict(x=2, y=2), {"x": 1.5, "y": 1.5}),
        ("relu(x) + abs(y - 1)", dict(x=0, y=1), {"x": 0.0, "y": 0.0}),
    ],
)
def test_every_kink_of_the_table_is_a_kink(text, values, grads):
    report = check(text, **values)
    assert {r.label: r.grad for r in report.rows} == grads
    assert all(r.verdict == "kink" for r in report.rows) and report.ok


def test_a_smooth_point_next_to_a_kink_is_checked_normally():
    # x * relu(x) is differentiable at 0 (slope 0 both sides); relu(x) at 1e-9 is not at
    # its kink, though a step of 1e-5 would straddle it
    for text, x, g in (("relu(x)*x", 0.0, 0.0), ("relu(x)", 1e-9, 1.0), ("relu(x)", -5e-6, 0.0)):
        (row,) = check(text, x=x).rows
        assert row.grad == g and row.verdict == "good", (text, x, row)


def test_labels_that_collide_skip_the_symbolic_columns_with_a_reason():
    a, b = Value(1.0, label="x"), Value(2.0, label="x")
    f = a * b
    f.backward()
    report = check(f)
    assert "closed_form" in report.skipped and "named" in report.skipped["closed_form"]
    assert report.ok and all(r.finite_diff is not None for r in report.rows)


def test_a_medium_graph_skips_only_the_oracle_and_a_few_nodes_get_it():
    random.seed(1)
    model = MLP(3, [4, 4, 1], act="tanh")
    loss = sum((model(x) - y) ** 2 for x, y in zip(LECTURE_XS, LECTURE_YS))
    loss.backward()
    report = check(loss)
    assert set(report.skipped) == {"oracle"} and "nodes=[...]" in report.skipped["oracle"]
    assert report.ok and len(report.rows) == 41
    w = model.parameters()[0]
    (row,) = check(loss, nodes=[w]).rows
    assert row.oracle == pytest.approx(w.grad, rel=1e-9)


@pytest.mark.timeout(300)  # a hang fails; how fast it is, bench_check measures
def test_the_moons_loss_skips_with_reasons_instead_of_hanging():
    X, y = make_moons(n_samples=100, noise=0.1, random_state=1337)
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    scores = [model([float(a) for a in x]) for x in X]
    losses = [(1 + -(2.0 * yi - 1) * s).relu() for yi, s in zip(y, scores)]
    loss = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())
    loss.backward()
    report = check(loss, max_fd_work=30_000_000)
    assert "operations" in report.skipped["closed_form"]
    assert "operations" in report.skipped["oracle"]
    assert "of 337 nodes only" in report.skipped["finite_diff"]
    assert "nothing to compare" in report.skipped["rows"]
    assert 1 <= len(report.rows) < 337 and report.ok


# -- an independent oracle: PyTorch's autograd on random expressions -----------

OPS = {
    "+": (2, "({} + {})"),
    "*": (2, "({} * {})"),
    "-": (2, "({} - {})"),
    "/": (2, "({} / (1 + {}**2))"),
    "tanh": (1, "tanh({})"),
    "sigmoid": (1, "sigmoid({})"),
    "exp": (1, "exp({} / 4)"),
    "sq": (1, "({})**2"),
}


@st.composite
def expressions(draw, depth=3):
    if depth == 0 or draw(st.booleans()):
        return draw(st.sampled_from(["x", "y", "z", "0.5", "2"]))
    op = draw(st.sampled_from(sorted(OPS)))
    arity, fmt = OPS[op]
    return fmt.format(*[draw(expressions(depth=depth - 1)) for _ in range(arity)])


@settings(max_examples=25, deadline=None)
@given(
    text=expressions(),
    vals=st.lists(st.floats(-2, 2, allow_nan=False), min_size=3, max_size=3),
)
def test_random_expressions_agree_with_pytorch(text, vals):
    torch = pytest.importorskip("torch")
    used = {n: v for n, v in zip("xyz", vals) if re.search(rf"\b{n}\b", text)}
    if not used:
        return
    f = parse(text, **used)
    f.backward()
    report = check(f)
    ts = {n: torch.tensor(v, dtype=torch.float64, requires_grad=True) for n, v in used.items()}
    fns = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "exp": torch.exp}
    tf = _torch_eval(text, ts, fns)
    tf.backward()
    assert report.root_value == pytest.approx(tf.item(), rel=1e-9, abs=1e-12)
    for r in report.rows:
        want = ts[r.label].grad.item()
        assert r.grad == pytest.approx(want, rel=1e-9, abs=1e-12)
        assert r.closed_form == pytest.approx(want, rel=1e-9, abs=1e-12)
        assert r.oracle == pytest.approx(want, rel=1e-9, abs=1e-12)
        # the difference within its own error bound (at y = 1e-6 in 1 + y**2 a central
        # difference sees 0.0 against -2e-6: rounding, which its bound covers)
        assert verdict(r.rel_errors["finite_diff"]) in AGREE, (r.finite_diff, want)


def _torch_eval(text, ts, fns):
    """PyTorch evaluates the same text: names are tensors, calls torch functions."""
    import torch

    ops = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul}
    ops |= {ast.Div: operator.truediv, ast.Pow: operator.pow}
    root = ast.parse(text, mode="eval").body
    todo, done = [(root, False)], {}
    while todo:  # post-order with a stack
        node, ready = todo.pop()
        kids = (
            [node.left, node.right]
            if isinstance(node, ast.BinOp)
            else [node.args[0]]
            if isinstance(node, ast.Call)
            else [node.operand]
            if isinstance(node, ast.UnaryOp)
            else []
        )
        if kids and not ready:
            todo.append((node, True))
            todo.extend((k, False) for k in kids)
        elif isinstance(node, ast.Name):
            done[node] = ts[node.id]
        elif isinstance(node, ast.Constant):
            done[node] = torch.tensor(float(node.value), dtype=torch.float64)
        elif isinstance(node, ast.BinOp):
            done[node] = ops[type(node.op)](done[node.left], done[node.right])
        elif isinstance(node, ast.UnaryOp):
            done[node] = -done[node.operand]
        else:
            done[node] = fns[node.func.id](done[node.args[0]])
    return done[root]


def test_the_tape_evaluates_what_sympy_evaluates():
    import sympy

    from engine.evaluate import Tape, compile_exprs

    x, y = sympy.symbols("x y", real=True)
    exprs = [
        sympy.tanh(x * y) ** 2 + 1 / (1 + sympy.exp(-x)),
        sympy.Max(0, x) * sympy.Heaviside(y, 0) + sympy.Heaviside(x),
        sympy.log(x) * x ** sympy.Rational(1, 3) - sympy.pi * y,
        3 * x**2 - 4 * x + 5,
    ]
    for at in ([2.0, -0.5], [0.3, 1.7], [0.0, 0.0]):
        got = Tape(exprs, [x, y])(at)
        want = [float(e.subs({x: at[0], y: at[1]}).evalf()) if at[0] else None for e in exprs]
        for g, w in zip(got, want):
            if w is not None:
                assert g == pytest.approx(w, rel=1e-12)
    assert math.isnan(Tape([sympy.log(x)], [x])([-1.0])[0])  # undefined: nan, no exception
    assert Tape([sympy.Heaviside(x, 0), sympy.Heaviside(x)], [x])([0.0]) == [0.0, 0.5]
    odd = compile_exprs([sympy.DiracDelta(x) + x, x**2], [x])  # not a tape: SymPy's way
    assert odd([2.0]) == [2.0, 4.0]


def test_a_number_in_the_notes_is_never_broken_across_lines():
    """The page broke "(h 5e-06)" after its hyphen, "5e-" at a line's end and "06"
    on the next: each e-notation number in the notes is kept on one line."""
    html = check("sin(x)*y", x=2.15, y=1)._repr_html_()
    assert "<span style='white-space:nowrap'>5e-06</span>" in html
