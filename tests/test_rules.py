"""Every rule of the table: its numeric partials against sympy.diff of its own
symbolic forward, its domain and its kink conventions, its stability at the extremes."""

import math
import random

import mpmath
import pytest
import sympy

import engine
from engine import RULES, DomainError, Value
from engine.rules import BUILTIN, NUM, SYM
from engine.symbolic import diff

EXPONENTS = [2, 3, -1, -2, 0, 0.5, 1.5, -0.5]


def arity(rule):
    return 7 if rule.arity is None else rule.arity  # affine: b, w0, x0, w1, x1, w2, x2


def cases():
    for name in BUILTIN:
        for k in EXPONENTS if name == "**k" else [None]:
            yield pytest.param(name, k, id=f"{name}{'' if k is None else k}")


def points(rule, k, n, rng):
    """Random inputs inside the rule's domain, off its kinks and poles."""
    extra = () if k is None else (k,)
    out = []
    while len(out) < n:
        xs = [rng.uniform(-3.0, 3.0) for _ in range(arity(rule))]
        if rule.check and rule.check(*xs, *extra):
            continue
        if any(f and abs(f(*xs, *extra)) < 1e-3 for f in (rule.kink, rule.pole)):
            continue
        out.append(xs)
    return out


@pytest.mark.parametrize("name,k", list(cases()))
def test_partials_equal_sympy_diff_of_forward(name, k):
    """Every rule of the table, present and future (BUILTIN is the table's list): its
    float forward equals its SymPy forward, and its partials (a composite has none:
    its nodes' rules have them) equal ``sympy.diff`` of that forward (``diff``: with
    floor's derivative 0 off its jumps, which SymPy leaves underived)."""
    rule = RULES[name]
    syms = sympy.symbols(f"x0:{arity(rule)}", real=True)
    extra = () if k is None else (k,)
    sym_extra = () if k is None else (sympy.nsimplify(k),)
    out_sym = sympy.sympify(rule.forward(SYM, *syms, *sym_extra))
    oracle = [diff(out_sym, s) for s in syms]
    for xs in points(rule, k, 40, random.Random(name)):
        out = rule.forward(NUM, *xs, *extra)
        assert isinstance(out, float)
        at = {s: sympy.Float(x, 30) for s, x in zip(syms, xs)}
        assert out == pytest.approx(float(out_sym.xreplace(at)), rel=1e-12, abs=1e-12)
        if rule.composite:
            assert rule.partials is None
            continue
        for got, want in zip(rule.partials(NUM, out, *xs, *extra), oracle):
            assert got == pytest.approx(float(want.xreplace(at)), rel=1e-10, abs=1e-12), (name, xs)
        # the chain-rule view (partials with SYM) is the same derivative
        sym_parts = rule.partials(SYM, out_sym, *syms, *sym_extra)
        for got, want in zip(sym_parts, oracle):
            assert float(sympy.sympify(got).xreplace(at)) == pytest.approx(
                float(want.xreplace(at)), rel=1e-10, abs=1e-12
            )


def test_every_rule_is_a_function_method_and_parser_name():
    from explorer.parsing import names, parse

    for rule in map(RULES.get, BUILTIN):
        if not rule.function:
            continue
        for name in rule.names:
            assert callable(getattr(Value, name)) and engine.FUNCTIONS[name] is getattr(
                engine, name
            )
        args = ", ".join(f"x{i}" for i in range(rule.arity))
        assert names(f"{rule.function}({args})") == [f"x{i}" for i in range(rule.arity)]
        (xs,) = points(rule, None, 1, random.Random(rule.name))
        y = parse(f"{rule.function}({args})", **{f"x{i}": x for i, x in enumerate(xs)})
        assert y.op == ("*" if rule.composite else rule.name)
        assert y.data == pytest.approx(rule.forward(NUM, *xs), rel=1e-15)


@pytest.mark.parametrize(
    "name,x,want",
    [("ReLU", 0.0, 0.0), ("abs", 0.0, 0.0)],
)
def test_kinks_take_pytorchs_subgradient_in_backprop_and_closed_form(name, x, want):
    rule = RULES[name]
    assert rule.partials(NUM, rule.forward(NUM, x), x) == (want,)
    assert float(sympy.sympify(rule.partials(SYM, sympy.Integer(0), sympy.Integer(0))[0])) == want
    assert rule.kink(x) == 0


def test_maximum_and_minimum_split_a_tie_as_pytorch_does():
    import torch

    for fn, tfn in ((engine.maximum, torch.maximum), (engine.minimum, torch.minimum)):
        a, b = Value(1.5, label="a"), Value(1.5, label="b")
        y = fn(a, b)
        y.backward()
        ta = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
        tb = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
        tfn(ta, tb).backward()
        assert (a.grad, b.grad) == (float(ta.grad), float(tb.grad)) == (0.5, 0.5)
        assert float(a.grad_expr.xreplace({a.symbol: 1.5, b.symbol: 1.5})) == 0.5
    x = Value(2.0, label="x")
    y = engine.maximum(x, x)  # the same input twice: the halves add up to x's own slope
    y.backward()
    assert x.grad == 1.0


@pytest.mark.parametrize("x", [-1000.0, -50.0, 0.0, 50.0, 1000.0])
def test_sigmoid_and_softplus_are_stable_in_both_tails(x):
    assert NUM.sigmoid(x) == pytest.approx(
        float(sympy.N(1 / (1 + sympy.exp(-x)), 30)), rel=1e-12, abs=1e-300
    )
    y = Value(x).softplus()
    assert math.isfinite(y.data)
    with mpmath.workdps(60):
        want = float(mpmath.log1p(mpmath.exp(x)))
    assert y.data == pytest.approx(want, rel=1e-12, abs=1e-300)
    y.backward()


@pytest.mark.parametrize(
    "build,message",
    [
        (lambda: Value(-1.0).sqrt(), "square root of a negative number"),
        (lambda: Value(math.pi / 2).tan(), "tan has a pole"),
        (lambda: Value(-2.0).log(), "log of a non-positive number"),
        (lambda: Value(800.0).sinh(), "overflow"),
        (lambda: Value(-800.0).cosh(), "overflow"),
        (lambda: Value(1000.0).exp(), "overflow"),
    ],
)
def test_domain_errors_name_the_problem(build, message):
    with pytest.raises(DomainError, match=message):
        build()


def test_sqrt_at_zero_has_a_value_and_no_derivative():
    x = Value(0.0, label="x")
    y = x.sqrt()
    assert y.data == 0.0
    with pytest.raises(DomainError, match="no derivative of sqrt"):
        y.backward()


def test_x_to_the_zero_has_derivative_zero_at_zero():
    x = Value(0.0, label="x")
    (x**0).backward()
    assert x.grad == 0.0
