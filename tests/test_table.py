"""One declaration per function: a throwaway entry reaches every consumer, C
included; every name of the table is safe as a label in the compiled C; NumPy's
ufuncs on Values; ``%``, ``detach()`` and a zero base; and HIPS autograd's scalar
functions (its tests/test_scalar_ops.py, and the scalar ones of its systematic
tests), each built from the table with NumPy's names, held to central differences
(first and second order, autograd's check_grads) and to ``sympy.diff``."""

import ctypes
import math
import random
import re
import shutil
import subprocess
from pathlib import Path

import mpmath
import numpy as np
import pytest
import sympy
import torch
from torch_twin import TORCH

import engine
from engine import RULES, DomainError, Value
from engine.compile import _reserved, compile_value_and_grad
from engine.functions import declare, undeclare
from engine.rules import BUILTIN, NUM, SYM, Rule
from engine.symbolic import diff
from explorer import check, parse

ROOT = Path(__file__).resolve().parent.parent


# -- a throwaway entry, everywhere ---------------------------------------------------
def _gd(x):
    return 2 * math.atan(math.tanh(x / 2))


GD = Rule(
    "gd",
    lambda m, x: m.gd(x),
    lambda m, out, x: (1 / m.cosh(x),),
    function="gd",
    aliases=("gudermannian",),
    num=_gd,
    sym=lambda m, x: 2 * m.atan(m.tanh(x / 2)),
    numpy=None,
    c=None,
    torch=lambda m, x: 2 * m.atan(m.tanh(x / 2)),
    scale=lambda x: 1.0,
    math="the Gudermannian, 2 arctan(tanh(x/2))",
)


@pytest.fixture
def throwaway():
    declare(GD)
    try:
        yield GD
    finally:
        undeclare("gd")


def test_a_throwaway_entry_reaches_every_consumer(throwaway, tmp_path):
    from explorer.rule_table import markdown

    x0 = 0.8
    # the namespaces
    assert NUM.gd(x0) == _gd(x0)
    s = sympy.Symbol("s", real=True)
    assert SYM.gd(s) == 2 * sympy.atan(sympy.tanh(s / 2))
    t = torch.tensor(x0, dtype=torch.float64)
    assert float(TORCH.gd(t)) == pytest.approx(_gd(x0), rel=1e-15)
    # the functions, the methods, the engine module, the parser
    x = Value(x0, label="x")
    for y in (x.gd(), x.gudermannian(), engine.gd(x), engine.FUNCTIONS["gudermannian"](x)):
        assert y.op == "gd" and y.data == _gd(x0)
    f = parse("gd(x) * y + gudermannian(y)", x=x0, y=-1.2)
    f.backward()
    report = check(f)
    assert report.ok and all(r.verdict == "good" for r in report.rows), report
    # the table of functions, compile's reserved names, the NumPy and C code
    assert "| `gd(x)` / `gudermannian(x)` | `gd` |" in markdown()
    assert {"gd", "gudermannian"} <= _reserved()
    xv, yv = (r.node for r in report.rows)
    gd_label = Value(0.3, label="gd")  # a parameter named like the function
    root = f * gd_label
    c = compile_value_and_grad(root, [xv], [yv, gd_label])
    values, grads = c(np.array([[x0]]), np.array([-1.2, 0.3]))
    root.zero_grad()
    root.backward()
    assert values[0] == pytest.approx(root.data, rel=1e-13)
    np.testing.assert_allclose(grads[0], [yv.grad, gd_label.grad], rtol=1e-12)
    _run_c(c, tmp_path, np.array([[x0]]), np.array([-1.2, 0.3]), values, grads)
    # NumPy's ufuncs have no gd: a clear error, not a float
    with pytest.raises(TypeError, match="numpy.arctan2|no rule"):
        np.heaviside(x, 0.5)


def test_the_throwaway_leaves_no_trace():
    declare(GD)
    undeclare("gd")
    assert "gd" not in RULES and "gd" not in BUILTIN and "gd" not in engine.FUNCTIONS
    assert not hasattr(Value, "gd") and not hasattr(NUM, "gd") and not hasattr(engine, "gd")
    with pytest.raises(AttributeError):
        SYM.gd  # noqa: B018


def _run_c(c, tmp_path, X, theta, values, grads):
    if shutil.which("cc") is None:
        pytest.skip("no C compiler")
    src = tmp_path / "g.c"
    src.write_text(c.c_source())
    lib = tmp_path / "g.so"
    cc = ["cc", "-O1", "-Wall", "-Werror", "-shared", "-fPIC", "-o", str(lib), str(src), "-lm"]
    r = subprocess.run(cc, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr + c.c_source()
    fn = ctypes.CDLL(str(lib)).value_and_grad
    n, npar = X.shape[0], theta.shape[0]
    value, grad = np.empty(n), np.empty((n, npar))
    ptr = ctypes.POINTER(ctypes.c_double)
    fn.argtypes = [ctypes.c_long, ptr, ptr, ptr, ptr]
    X, theta = np.ascontiguousarray(X), np.ascontiguousarray(theta)
    fn(n, *(arr.ctypes.data_as(ptr) for arr in (X, theta, value, grad)))
    np.testing.assert_allclose(value, values, rtol=1e-13)
    np.testing.assert_allclose(grad, grads, rtol=1e-12, atol=1e-300)


def test_every_name_of_the_table_is_a_safe_label_in_c(tmp_path):
    """A parameter labelled sinh (or asin, hypot, floor, M_PI...) compiled to
    ``const double sinh = theta[0]; ... sinh(n1)``, which gcc refuses."""
    names = sorted(n for n in _reserved() if n.isidentifier() and not n[0].isupper())
    x = Value(0.4, label="x")
    params = [Value(0.1 + 0.01 * i, label=n) for i, n in enumerate(names)]
    root = x
    for p in params:
        root = root + p
    # a call of every C function the table spells, on the labelled parameters
    u = root * 0.01
    for name in BUILTIN:
        rule = RULES[name]
        if rule.function and rule.c is not None and not rule.composite:
            fn = engine.FUNCTIONS[rule.function]
            arg = u + 1.5 if name == "acosh" else u
            root = root + (fn(arg, u + 0.3) if rule.arity == 2 else fn(arg))
    c = compile_value_and_grad(root, [x], params)
    X, theta = np.array([[0.4], [0.5]]), np.array([p.data for p in params])
    values, grads = c(X, theta)
    _run_c(c, tmp_path, X, theta, values, grads)


# -- NumPy's ufuncs, %, detach, a zero base -------------------------------------------
def test_numpy_ufuncs_on_values_return_values():
    x = Value(-1.3, label="x")
    y = 3.0 * np.sign(x)  # a float once: backward() then failed with AttributeError
    assert isinstance(y, Value) and y.data == -3.0
    y.backward()
    assert x.grad == 0.0
    for ufunc in (np.arcsinh, np.expm1, np.log1p, np.floor, np.ceil, np.fabs, np.absolute,
                  np.deg2rad, np.radians, np.rad2deg, np.degrees, np.exp2, np.negative,
                  np.square, np.reciprocal, np.positive):  # fmt: skip
        v = ufunc(Value(0.7))
        assert isinstance(v, Value) and v.data == pytest.approx(float(ufunc(0.7)), rel=1e-15)
    a, b = Value(2.5, label="a"), Value(0.75, label="b")
    for ufunc in (np.hypot, np.logaddexp, np.logaddexp2, np.mod, np.remainder, np.maximum,
                  np.power, np.multiply, np.divide, np.subtract, np.arctan2):  # fmt: skip
        v = ufunc(a, b)
        assert isinstance(v, Value) and v.data == pytest.approx(float(ufunc(2.5, 0.75)), rel=1e-15)
    assert isinstance(np.float64(2.0) * a, Value) and np.greater(a, b) is True
    out = np.array([a, b]) * a  # an array among the inputs: element by element
    assert [v.data for v in out] == [6.25, 1.875]
    with pytest.raises(TypeError, match="numpy.fmax has no rule in the engine's table"):
        np.fmax(a, b)
    with pytest.raises(TypeError, match="numpy.add.reduce is not supported on Values"):
        np.add.reduce(a)


def test_percent_is_pythons_mod_with_its_gradient():
    a, b = Value(-7.5, label="a"), Value(2.0, label="b")
    y = a % b
    assert y.op == "mod" and y.data == -7.5 % 2.0 == 0.5
    y.backward()
    assert (a.grad, b.grad) == (1.0, 4.0)  # d/db (a - b floor(a/b)) = -floor(-3.75)
    assert (7 % Value(3.0)).data == 1.0 and (Value(7.0) % 3).data == 1.0
    assert parse("x % 3", x=7.5).data == 1.5
    with pytest.raises(DomainError, match="modulo by zero"):
        _ = a % 0.0
    report = check("x % 3 + y % x", x=7.5, y=2.0)
    assert report.ok, report


def test_detach_stops_the_gradient_as_pytorchs():
    x = Value(3.0, label="x")
    y = x * x.detach()  # d/dx = x.detach() = 3, not 2x
    y.backward()
    assert x.grad == 3.0 and x.detach().is_constant and x.detach().data == 3.0
    t = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    (t * t.detach()).backward()
    assert float(t.grad) == x.grad
    assert y.expr == 3 * x.symbol


def test_a_zero_base_follows_the_limit_from_above():
    x = Value(0.7, label="x")
    y = np.power(0.0, x)  # refused once: autograd and mpmath give 0
    assert isinstance(y, Value) and y.data == 0.0
    y.backward()
    assert x.grad == 0.0  # lim a->0+ of a^x log a
    t = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    torch.pow(0.0, t).backward()
    assert float(t.grad) == 0.0
    for b, want in ((2.0, 0.0), (1.0, 1.0)):  # d/da a^b at a = 0
        a = Value(0.0, label="a")
        (a ** Value(b)).backward()
        assert a.grad == want
    with pytest.raises(DomainError, match="derivative of \\*\\* at \\[0.0, 0.5\\]"):  # infinite
        (Value(0.0) ** Value(0.5)).backward()
    for b in (0.0, -1.0):
        with pytest.raises(DomainError, match="0 \\*\\* b needs b > 0"):
            _ = 0.0 ** Value(b)
    with pytest.raises(DomainError, match="needs a positive base"):
        _ = (-2.0) ** Value(0.5)


# -- HIPS autograd's scalar functions -----------------------------------------------
rng = random.Random(1)
R, N = rng.random, lambda: rng.gauss(0.0, 1.0)
EXPONENT, BASE = N() ** 2 + 1.0, N() ** 2  # autograd's power_arg0 and power_arg1
# (name, function of Values written as autograd's test writes it, points)
AUTOGRAD = [
    ("abs", lambda x: 3.0 * np.abs(x), [(1.1,), (-1.1,)]),
    ("fabs", lambda x: 3.0 * np.fabs(x), [(1.1,), (-1.1,)]),
    ("sin", lambda x: 3.0 * np.sin(x), [(N(),)]),
    ("sign", lambda x: 3.0 * np.sign(x), [(1.1,), (-1.1,)]),
    ("exp", lambda x: 3.0 * np.exp(x), [(N(),)]),
    ("log", lambda x: 3.0 * np.log(x), [(abs(N()),)]),
    ("log2", lambda x: 3.0 * np.log2(x), [(abs(N()),)]),
    ("log10", lambda x: 3.0 * np.log10(x), [(abs(N()),)]),
    ("log1p", lambda x: 3.0 * np.log1p(x), [(abs(N()),)]),
    ("expm1", lambda x: 3.0 * np.expm1(x), [(abs(N()),)]),
    ("exp2", lambda x: 3.0 * np.exp2(x), [(abs(N()),)]),
    ("neg", lambda x: 3.0 * -x, [(N(),)]),
    ("cos", lambda x: 3.0 * np.cos(x), [(N(),)]),
    ("tan", lambda x: 3.0 * np.tan(x), [(N(),)]),
    ("cosh", lambda x: 3.0 * np.cosh(x), [(N(),)]),
    ("sinh", lambda x: 3.0 * np.sinh(x), [(N(),)]),
    ("tanh", lambda x: 3.0 * np.tanh(x), [(N(),)]),
    ("arccos", lambda x: 3.0 * np.arccos(x), [(0.1,), (0.2,)]),
    ("arcsin", lambda x: 3.0 * np.arcsin(x), [(0.1,), (0.2,)]),
    ("arctan", lambda x: 3.0 * np.arctan(x), [(0.2,), (0.3,)]),
    ("arccosh", lambda x: 3.0 * np.arccosh(x), [(N() ** 2 + 1,)]),
    ("arcsinh", lambda x: 3.0 * np.arcsinh(x), [(N(),)]),
    ("arctanh", lambda x: 3.0 * np.arctanh(x), [(0.2,), (0.3,)]),
    ("sqrt", lambda x: 3.0 * np.sqrt(x), [(10.0 * R(),)]),
    ("power_arg0", lambda x: np.power(x, EXPONENT), [(R() ** 2 + 1.0,)]),
    ("power_arg1", lambda y: np.power(BASE, y), [(R() ** 2,)]),
    ("power_arg1_zero", lambda y: np.power(0.0, y), [(R() ** 2,)]),
    ("mod", lambda x, y: np.mod(x, y), [(R(), R())]),
    ("remainder", lambda x, y: np.remainder(x, y), [(R(), R())]),
    ("percent", lambda x, y: x % y, [(R() + 1, R())]),
    ("divide", lambda x, y: np.divide(x, y), [(R(), R())]),
    ("multiply", lambda x, y: np.multiply(x, y), [(R(), R())]),
    ("true_divide", lambda x, y: np.true_divide(x, y), [(R(), R())]),
    ("reciprocal", lambda x: np.reciprocal(x), [(R(),)]),
    ("negative", lambda x: np.negative(x), [(R(),)]),
    ("rad2deg", lambda x: 3.0 * np.rad2deg(x), [(10.0 * R(),)]),
    ("deg2rad", lambda x: 3.0 * np.deg2rad(x), [(10.0 * R(),)]),
    ("radians", lambda x: 3.0 * np.radians(x), [(10.0 * R(),)]),
    ("degrees", lambda x: 3.0 * np.degrees(x), [(10.0 * R(),)]),
    # np.sinc is a Python function, not a ufunc: the table's sinc is NumPy's
    ("sinc", lambda x: 3.0 * engine.sinc(x), [(10.0 * R(),)]),
    # from autograd's systematic tests
    ("floor", lambda x: 3.0 * np.floor(x), [(N() * 3,)]),
    ("ceil", lambda x: 3.0 * np.ceil(x), [(N() * 3,)]),
    ("hypot", lambda x, y: np.hypot(x, y), [(N(), N())]),
    ("logaddexp", lambda x, y: np.logaddexp(x, y), [(N(), N())]),
    ("logaddexp2", lambda x, y: np.logaddexp2(x, y), [(N(), N())]),
]
EPS, RTOL, ATOL = 1e-6, 1e-6, 1e-6  # autograd's check_grads


def _grads(fun, xs):
    vs = [Value(x, label=f"x{i}") for i, x in enumerate(xs)]
    y = fun(*vs)
    assert isinstance(y, Value), type(y)
    y.backward()
    return y, vs, [v.grad for v in vs]


def _central(f, xs, i):
    up, dn = list(xs), list(xs)
    up[i] += EPS
    dn[i] -= EPS
    return (np.asarray(f(up)) - np.asarray(f(dn))) / (2 * EPS)


@pytest.mark.parametrize("name,fun,points", AUTOGRAD, ids=[c[0] for c in AUTOGRAD])
def test_autograd_scalar_functions(name, fun, points):
    for xs in points:
        y, vs, grads = _grads(fun, xs)
        # check_grads(fun): backprop against central differences
        for i in range(len(xs)):
            num = _central(lambda p: fun(*[Value(x) for x in p]).data, xs, i)
            assert grads[i] == pytest.approx(float(num), rel=RTOL, abs=ATOL), (name, i)
        # check_grads(grad(fun)): the gradient's own derivatives, against central
        # differences of backprop
        if name == "power_arg1_zero":  # SymPy's 0**y log(0) is nan: mpmath's limit
            with mpmath.workdps(30):
                want = mpmath.diff(lambda t: mpmath.power(0, t), xs[0])
            assert grads[0] == float(want) == 0.0
            continue
        f = y.expr
        syms = [v.symbol for v in vs]
        at = {s: sympy.Float(x, 30) for s, x in zip(syms, xs)}
        for i, s in enumerate(syms):
            first = diff(f, s)
            # sympy.diff, and the closed form of backprop's own sweep
            assert grads[i] == pytest.approx(float(first.xreplace(at)), rel=1e-12, abs=1e-12)
            assert grads[i] == pytest.approx(float(vs[i].grad_expr.xreplace(at)), rel=1e-12)
            for j, t in enumerate(syms):
                num = _central(lambda p, i=i: _grads(fun, p)[2][i], xs, j)
                second = float(diff(first, t).xreplace(at))
                assert second == pytest.approx(float(num), rel=1e-5, abs=1e-5), (name, i, j)


def test_every_autograd_scalar_function_is_in_the_table():
    wanted = """arcsin arccos arcsinh arccosh arctanh log2 log10 log1p expm1 exp2 sign sinc
        mod deg2rad rad2deg radians degrees fabs floor ceil hypot logaddexp logaddexp2
        remainder abs sin cos tan sinh cosh tanh exp log sqrt arctan""".split()
    assert set(wanted) <= set(engine.FUNCTIONS)


# -- the page that shows how to add a function ----------------------------------------
def test_the_add_a_function_diff_is_the_entry_in_the_table():
    page = (ROOT / "docs" / "functions.md").read_text(encoding="utf-8")
    diff_text = page[page.index("```diff\n") : page.index("<!-- /diff -->")]
    added = [line[1:] for line in diff_text.splitlines() if re.match(r"\+(?!\+\+)", line)]
    assert added and "\n".join(added) in (ROOT / "engine" / "rules_numpy.py").read_text()
    assert not [line for line in diff_text.splitlines() if re.match(r"-(?!--)", line)]
    assert diff_text.count("diff --git") == 1  # one file
