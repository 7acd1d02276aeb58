"""The functions a student tries, each one rule of the table, everywhere at once:
Value methods and engine functions, NumPy's and Python's builtins on Values, the
parser, the explorer and the panels, and primitives registered at run time."""

import math

import numpy as np
import pytest
import sympy

import engine
from engine import RULES, DomainError, Value
from engine.compile import compile_value_and_grad
from explorer import check, draw, formulas, parse
from explorer.parsing import ParseError


@pytest.mark.parametrize(
    "np_fn,method,deriv",
    [
        (np.sin, "sin", math.cos),
        (np.cos, "cos", lambda x: -math.sin(x)),
        (np.exp, "exp", math.exp),
        (np.log, "log", lambda x: 1 / x),
        (np.tanh, "tanh", lambda x: 1 - math.tanh(x) ** 2),
        (np.sqrt, "sqrt", lambda x: 0.5 / math.sqrt(x)),
        (np.abs, "abs", lambda x: 1.0),
        (np.arctan, "atan", lambda x: 1 / (1 + x * x)),
    ],
)
def test_numpy_functions_work_on_values(np_fn, method, deriv):
    x = Value(0.7, label="x")
    y = np_fn(x)
    assert isinstance(y, Value) and y.op == RULES[method].name
    y.backward()
    assert x.grad == pytest.approx(deriv(0.7), rel=1e-12)
    assert y.data == pytest.approx(float(np_fn(0.7)), rel=1e-15)


def test_python_max_min_and_abs_on_values():
    x, y = Value(1.0, label="x"), Value(3.0, label="y")
    assert max(x, y) is y and min(x, y) is x and sorted([y, x]) == [x, y]
    z = max(x, y) * 2 + abs(x - 5)  # the gradient flows to the chosen input
    z.backward()
    assert (x.grad, y.grad) == (-1.0, 2.0)
    assert x < y and y >= 3 and x <= 1.0 and not (x > y)
    # equality and hashing stay identity: sets and dicts of nodes keep working
    a, b = Value(2.0), Value(2.0)
    assert a != b and a == a and len({a, b}) == 2
    with pytest.raises(TypeError, match="cannot compare"):
        _ = x < "1"


def test_engine_functions_take_values_and_numbers():
    assert engine.sin(0.0).data == 0.0 and isinstance(engine.sin(0.0), Value)
    y = engine.maximum(Value(1.0, label="a"), 2.5)
    assert y.data == 2.5 and y.op == "maximum"
    assert Value.arctan is Value.atan and engine.arctan is engine.FUNCTIONS["atan"]
    with pytest.raises(TypeError, match="maximum\\(\\) takes 2 inputs"):
        engine.maximum(Value(1.0))
    with pytest.raises(TypeError, match="expected a Value or a real number"):
        engine.sin("x")
    assert set(engine.FUNCTIONS) >= {
        "sin", "cos", "tan", "atan", "arctan", "sinh", "cosh", "sqrt", "abs", "softplus",
        "maximum", "minimum", "exp", "log", "tanh", "relu", "sigmoid",
    }  # fmt: skip


def test_the_parser_knows_every_function_and_says_which():
    f = parse("maximum(sin(x), cos(y)) + sqrt(abs(x*y)) + softplus(-x) + atan(y)", x=0.3, y=2)
    f.backward()
    assert check(f).ok
    with pytest.raises(ParseError, match="unknown function 'sine' \\(the functions are .*sin"):
        parse("sine(x)", x=1)
    with pytest.raises(ParseError, match="maximum\\(\\) takes 2 arguments, got 1"):
        parse("maximum(x)", x=1)
    with pytest.raises(DomainError, match="square root of a negative number"):
        parse("sqrt(x)", x=-1)


def _softsign(m, x):
    return x / (1 + m.abs(x))


def test_primitive_with_derived_partials():
    softsign = engine.primitive("softsign", _softsign)
    x = Value(0.5, label="x")
    y = softsign(x)
    assert y.data == pytest.approx(1 / 3) and y.op == "softsign"
    y.backward()
    assert x.grad == pytest.approx(1 / (1 + 0.5) ** 2, rel=1e-12)
    xs = sympy.Symbol("x", real=True)
    assert sympy.simplify(x.grad_expr - sympy.diff(xs / (1 + sympy.Abs(xs)), xs)) == 0
    assert not hasattr(Value, "softsign")  # a function, not a method
    assert engine.FUNCTIONS["softsign"] is softsign


def test_primitive_with_given_partials_is_verified():
    sq = engine.primitive("sq", lambda m, x: x * x, lambda m, out, x: (2 * x,))
    x = Value(3.0, label="x")
    sq(x).backward()
    assert x.grad == 6.0
    # the lecture's exercise, done wrong: refused, naming the input and both formulas
    wrong = r"input 0 \(x0\) is wrong: you gave exp\(2\*x0\), SymPy's derivative .* 2\*exp\(2\*x0\)"
    with pytest.raises(ValueError, match=wrong):
        engine.primitive("bad", lambda m, x: m.exp(2 * x), lambda m, out, x: (m.exp(2 * x),))
    assert "bad" not in engine.FUNCTIONS and "bad" not in RULES
    # two inputs, one of them wrong
    with pytest.raises(ValueError, match=r"input 1 \(x1\)"):
        engine.primitive("hyp", lambda m, a, b: m.sqrt(a * a + b * b),
                         lambda m, out, a, b: (a / out, a / out))  # fmt: skip


def test_primitive_names_are_checked_and_a_rerun_cell_replaces():
    for bad in ("sin", "relu", "ReLU", "+", "2x", "_x", "lambda"):
        with pytest.raises(ValueError):
            engine.primitive(bad, lambda m, x: x)
    f1 = engine.primitive("twice", lambda m, x: 2 * x)
    f2 = engine.primitive("twice", lambda m, x: 3 * x)  # a notebook cell run again
    assert f1(1.0).data == 2.0 and f2(1.0).data == 3.0 and engine.FUNCTIONS["twice"] is f2
    with pytest.raises(TypeError, match="forward"):
        engine.primitive("nothing", lambda m: 1)
    with pytest.raises(ValueError, match="namespace m"):
        engine.primitive("npsin", lambda m, x: np.sin(float(x)))


def test_a_throwaway_primitive_reaches_every_place():
    """A new entry of the table, and nothing else: parse, check (the fast tape),
    draw, formulas, compile and the nudge panel all know it."""
    import widgets
    from engine.evaluate import Tape, _namespace_functions, _pow

    engine.primitive("gauss", lambda m, x: m.exp(-x * x))
    f = parse("gauss(x) * y + gauss(y)", x=0.3, y=-1.2)
    assert f.op == "+" and "gauss" in {v.op for v in engine.topo_order(f)}
    f.backward()
    report = check(f)
    assert report.ok and all(r.verdict == "good" for r in report.rows)
    # the closed forms are evaluated by a Tape (no slow whole-expression lambdify)
    xs = [r.node.symbol for r in report.rows]
    tape = Tape([r.node.grad_expr for r in report.rows], xs)
    calls = {p[0] for kind, p in tape.code if kind == "call"}
    assert calls and calls <= set(_namespace_functions().values()) | {_pow}
    svg = draw(f, formulas="grad", edge_derivatives=True).pipe("svg").decode()
    assert ">gauss<" in svg
    table = formulas(f)
    assert any("exp(-x**2)" in str(r.expr) for r in table.rows)
    x, y = (r.node for r in report.rows)
    c = compile_value_and_grad(f, [x], [y])
    values, grads = c(np.array([[0.3], [1.0]]), np.array([-1.2]))
    assert values[0] == pytest.approx(f.data, rel=1e-12)
    assert grads[0, 0] == pytest.approx(y.grad, rel=1e-12)
    assert "exp(" in c.c_source()
    panel = widgets.nudge("gauss(x) * y", x=0.3, y=-1.2)
    assert panel.report.ok


@pytest.mark.parametrize(
    "target,values",
    [
        ("sin(x) * y", dict(x=1.0, y=2.0)),
        (lambda x, y: x.sin() * y, dict(x=1.0, y=2.0)),
    ],
)
def test_text_and_functions_wherever_a_graph_goes(target, values):
    import widgets

    report = check(target, **values)
    assert report.ok and [r.label for r in report.rows] == ["x", "y"]
    assert report.rows[0].grad == pytest.approx(2 * math.cos(1.0))
    assert "sin" in draw(target, **values).source
    assert {"x", "y"} <= {r.label for r in formulas(target, **values).rows}
    panel = widgets.nudge(target, **values)
    assert panel.report.ok
    widgets.step_size("sin(x)", x=1.0)
    widgets.step_size(lambda x: x.sin(), x=1.0)
    widgets.descent("x**2 + 10*y**2", start={"x": 1.0, "y": 1.0})
    widgets.descent(lambda x, y: x**2 + 10 * y**2, start={"x": 1.0, "y": 1.0})


def test_a_value_target_with_values_is_refused():
    x = Value(1.0, label="x")
    y = x.sin()
    y.backward()
    with pytest.raises(TypeError, match="go with a text or a function"):
        check(y, x=2.0)


def test_softplus_at_the_extremes():
    for x, want in ((1000.0, 1000.0), (-1000.0, 0.0)):
        v = Value(x, label="x")
        y = v.softplus()
        assert y.data == want
        y.backward()
        assert v.grad == (1.0 if x > 0 else 0.0)
    assert math.isfinite(Value(-745.0).softplus().data)


def test_the_functions_page_lists_every_function_from_the_table():
    from explorer.rule_table import PAGE, markdown, table_in

    assert table_in(PAGE.read_text(encoding="utf-8")) == markdown(), (
        "docs/functions.md is out of date: run python -m explorer.rule_table"
    )
