"""explorer.parse: the whitelist accepts arithmetic and refuses everything else."""

import builtins
import math

import pytest
import sympy

from engine import DomainError, Value, topo_order
from explorer import ParseError, parse
from explorer.parsing import MAX_DEPTH, MAX_LENGTH

NEURON = dict(x1=2.0, w1=-3.0, x2=0.0, w2=1.0, b=6.8813735870195432)


def test_the_lecture_neuron_from_text():
    o = parse("tanh(x1*w1 + x2*w2 + b)", **NEURON)
    assert o.data == pytest.approx(1 / math.sqrt(2), rel=1e-12)
    o.backward()
    variables = {v.label: v for v in topo_order(o) if v.is_variable}
    assert set(variables) == set(NEURON)
    grads = {k: v.grad for k, v in variables.items()}
    expected = {"x1": -1.5, "w1": 1.0, "x2": 0.5, "w2": 0.0, "b": 0.5}
    assert grads == pytest.approx(expected, abs=1e-12)
    x1, w1, x2, w2, b = sympy.symbols("x1 w1 x2 w2 b", real=True)
    assert o.expr == sympy.tanh(x1 * w1 + x2 * w2 + b)


def test_a_name_used_twice_is_one_variable():
    f = parse("a*a + a", a=3)
    leaves = [v for v in topo_order(f) if v.is_variable]
    assert len(leaves) == 1 and leaves[0].label == "a"
    f.backward()
    assert leaves[0].grad == pytest.approx(7.0)  # d(a^2 + a)/da = 2a + 1


def test_python_semantics_for_numbers_and_ops():
    f = parse("2*3*x", x=1.5)  # 2*3 folds to 6.0, as Python would evaluate it
    assert f.data == 9.0 and f._op == "*" and f._prev[1].data == 6.0
    assert parse("x**2", x=3)._op == "**2"  # whole exponents stay ints
    assert parse("x**-1", x=4).data == 0.25
    assert parse("2**x", x=3).data == pytest.approx(8.0)
    assert parse("-x", x=2).data == -2.0
    assert parse("+x", x=2).data == 2.0
    assert parse("x - 1/x", x=2).data == 1.5
    assert parse("1_000*x + 0x10*x + 1e-3*x", x=1).data == pytest.approx(1016.001)
    assert parse("sigmoid(x) + relu(x) + exp(x) + log(x)", x=1).data == pytest.approx(
        1 / (1 + math.exp(-1)) + 1 + math.e
    )


def test_a_value_can_be_passed_in():
    x = Value(2.0)
    f = parse("x*x", x=x)
    assert f._prev == (x, x) and x.label == "x"


def test_columns_count_characters_not_bytes():
    with pytest.raises(ParseError, match=r"^column 5: attribute access 'y\.z'"):
        parse("é + y.z", y=1)
    with pytest.raises(ParseError, match=r"^column 6: no value for 'y'"):
        parse("  x +y", x=1)


def test_domain_error_names_the_node_and_column():
    with pytest.raises(DomainError, match=r"^column 5: 'log\(x\)': log of a non-positive"):
        parse("1 + log(x)", x=-1)
    with pytest.raises(DomainError, match="column 1: 'x / 0'"):
        parse("x / 0", x=1)


def test_nothing_is_evaluated_by_python_or_sympy(monkeypatch, tmp_path):
    def boom(*a, **k):
        raise AssertionError("parse must not call eval/exec/sympify")

    monkeypatch.setattr(builtins, "eval", boom)
    monkeypatch.setattr(builtins, "exec", boom)
    monkeypatch.setattr(sympy, "sympify", boom)
    monkeypatch.setattr(sympy.parsing.sympy_parser, "parse_expr", boom)
    assert parse("tanh(x*2) + y", x=0.5, y=1).data == pytest.approx(math.tanh(1) + 1)
    marker = tmp_path / "MARKER"
    with pytest.raises(ParseError):
        parse(f"__import__('os').system('touch {marker}')")
    assert not marker.exists()


M = "/tmp/explorer-test-MARKER"
HOSTILE = [
    # code injection
    (f"__import__('os').system('touch {M}')", {}, "only the functions"),
    ("().__class__.__bases__[0].__subclasses__()", {}, "only the functions"),
    ("().__class__.__bases__", {}, "attribute access"),
    ("x.__class__", {"x": 1}, "attribute access"),
    ("__builtins__", {}, "dunder name"),
    ("__import__", {}, "dunder name"),
    ("eval('1')", {}, "unknown function 'eval'"),
    ("exec('x=1')", {}, "unknown function 'exec'"),
    ("open('/etc/passwd')", {}, "unknown function 'open'"),
    ("compile('1', 'f', 'eval')", {}, "unknown function 'compile'"),
    ("globals()", {}, "unknown function 'globals'"),
    ("getattr(x, 'data')", {"x": 1}, "unknown function 'getattr'"),
    ("x.data", {"x": 1}, "attribute access"),
    ("tanh.__globals__", {}, "attribute access"),
    ("(lambda: 1)()", {}, "only the functions"),
    ("lambda x: x", {}, "lambda"),
    ("[c for c in ().__class__.__bases__]", {}, "list comprehension"),
    ("{c for c in x}", {"x": 1}, "set comprehension"),
    ("(c for c in x)", {"x": 1}, "generator expression"),
    ("{k: 1 for k in x}", {"x": 1}, "dict comprehension"),
    ("x[0]", {"x": 1}, "subscript"),
    ("'abc'", {}, "string"),
    ("b'abc'", {}, "bytes literal"),
    ("f'{x}'", {"x": 1}, "f-string"),
    ("exp(x=1)", {}, "keyword arguments"),
    ("exp(*x)", {"x": 1}, "starred"),
    ("exp(x, x)", {"x": 1}, "takes one argument"),
    ("exp()", {}, "takes one argument"),
    ("(y := 1)", {}, "assignment"),
    ("x if x else x", {"x": 1}, "conditional"),
    ("x < 1", {"x": 1}, "comparison"),
    ("x and x", {"x": 1}, "'and'/'or'"),
    ("not x", {"x": 1}, "'not'"),
    ("~x", {"x": 1}, "bitwise not"),
    ("x ^ 2", {"x": 1}, "write \\*\\* for a power"),
    ("x // 2", {"x": 1}, "floor division"),
    ("x @ x", {"x": 1}, "matrix product"),
    ("x << 1", {"x": 1}, "not supported"),
    ("(x, x)", {"x": 1}, "tuple"),
    ("[x]", {"x": 1}, "list"),
    ("{x: 1}", {"x": 1}, "dict"),
    ("True * x", {"x": 1}, "boolean"),
    ("None", {}, "constant None"),
    ("...", {}, "constant Ellipsis"),
    ("1j * x", {"x": 1}, "complex number"),
    ("await x", {"x": 1}, "syntax error|await"),
    # names and values
    ("foo(x)", {"x": 1}, "unknown function 'foo'"),
    ("tanh", {}, "tanh is a function"),
    ("x + y", {"x": 1}, "no value for 'y'"),
    ("x", {"x": 1, "y": 2}, "a value was given for y"),
    ("x", {"x": "1"}, "must be a real number"),
    ("x", {"x": True}, "must be a real number"),
    ("x", {"x": float("nan")}, "must be finite"),
    ("x", {"x": float("inf")}, "must be finite"),
    ("x", {"x": 1, "__class__": 2}, "dunder name"),
    ("exp(x)", {"x": 1, "exp": 2}, "is a function name"),
    ("2 + 3", {}, "no variables"),
    ("1e999 * x", {"x": 1}, "too large"),
    # syntax, size, depth, characters
    ("", {}, "empty"),
    ("   ", {}, "empty"),
    ("x +", {"x": 1}, "syntax error"),
    ("x = 1", {"x": 1}, "syntax error"),
    ("import os", {}, "syntax error"),
    ("x; import os", {"x": 1}, "syntax error"),
    ("x\n+ 1", {"x": 1}, "line 2, column 1: syntax error"),
    ("x\x00", {"x": 1}, "control character"),
    ("x\x1b[2J", {"x": 1}, "control character"),
    ("x + " * 600 + "x", {"x": 1}, "characters long"),
    ("(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1), {"x": 1}, "nesting too deep"),
    ("-" * (MAX_DEPTH + 5) + "x", {"x": 1}, "nesting too deep"),
    ("exp(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1), {"x": 1}, "nesting too deep"),
    ("x**" * (MAX_DEPTH + 5) + "x", {"x": 1}, "nesting too deep"),
    ("9" * 5000, {}, "characters long"),
]


@pytest.mark.parametrize("text, values, message", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_and_malformed_inputs_are_refused(text, values, message):
    with pytest.raises(ParseError, match=message) as info:
        parse(text, **values)
    assert "\n" not in str(info.value)
    import os

    assert not os.path.exists(M)


def test_there_are_at_least_forty_refusals():
    assert len(HOSTILE) >= 40


def test_refusals_before_evaluation_leave_no_graph_behind():
    # overflow in constant folding is immediate, not a hang
    with pytest.raises(DomainError, match="overflow"):
        parse("9**9**9 * x", x=1)
    with pytest.raises(ParseError, match="must be a string"):
        parse(b"x", x=1)


def test_long_flat_sums_are_long_not_deep():
    f = parse("+".join(["x"] * 900), x=1)
    assert f.data == 900.0
    assert len(f"{'x+' * 999}x") < MAX_LENGTH
