"""engine.compile: the batched value-and-gradient function written from the closed forms.

The oracle is the engine's own numeric ``backward()``, run one sample at a time: it
never touches SymPy, so it is independent of the symbolic sweep, cse and the printer.
"""

import ctypes
import json
import random
import shutil
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from engine import DomainError, Value, demo
from engine.compile import compile_value_and_grad
from engine.data import LECTURE_XS, LECTURE_YS
from engine.functions import affine
from engine.nn import MLP


def engine_rows(root, inputs, params, X):
    """Per-sample value and parameter gradients by the engine: forward, backward."""
    values, grads = [], []
    for row in X:
        for v, x in zip(inputs, row):
            v.data = float(x)
        values.append(root.forward())
        root.zero_grad()
        for p in params:  # params outside root's graph keep no stale grad
            p.grad = 0.0
        root.backward()
        grads.append([p.grad for p in params])
    return np.array(values), np.array(grads).reshape(len(X), len(params))


# -- random small graphs -------------------------------------------------------------
# Each op makes a node from earlier nodes (indices modulo the pool), so every graph
# is a DAG with sharing; the guards keep logs, divisions and Value powers in domain.
OPS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (1 + b * b),
    "neg": lambda a, b: -a,
    "square": lambda a, b: a**2,
    "cube": lambda a, b: a**3,
    "tanh": lambda a, b: a.tanh(),
    "exp": lambda a, b: a.tanh().exp(),
    "log": lambda a, b: (a * a + 0.5).log(),
    "relu": lambda a, b: a.relu(),
    "sigmoid": lambda a, b: a.sigmoid(),
    "pow": lambda a, b: (a * a + 1) ** b.tanh(),
    "const": lambda a, b: 2.5 * a - 0.75,
    "affine": lambda a, b: affine(b, [a, 0.5, b], [b, a, a]),  # n-ary, constants, sharing
}

op_steps = st.lists(
    st.tuples(st.sampled_from(sorted(OPS)), st.integers(0, 50), st.integers(0, 50)),
    min_size=1,
    max_size=8,
)
floats = st.floats(-2, 2, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=op_steps, data=st.data())
def test_random_graphs_match_backward(steps, data):
    inputs = [Value(0.0, label=f"x{j}") for j in range(2)]
    params = [Value(data.draw(floats), label=f"p{j}") for j in range(3)]
    pool = inputs + params
    try:
        for op, i, j in steps:
            pool.append(OPS[op](pool[i % len(pool)], pool[j % len(pool)]))
    except DomainError:  # e.g. a cube of a cube of ... overflowing while building
        assume(False)
    root = pool[-1]
    # Only the variables the root reaches are in its graph: list the others anyway.
    f = compile_value_and_grad(root, inputs, params)
    X = np.array([[data.draw(floats) for _ in inputs] for _ in range(4)])
    theta = np.array([p.data for p in params])
    try:
        want_v, want_g = engine_rows(root, inputs, params, X)
    except DomainError:
        assume(False)
    with np.errstate(all="ignore"):
        got_v, got_g = f(X, theta)
    assert got_v.shape == (4,) and got_g.shape == (4, 3)
    scale = max(1.0, np.abs(want_g).max())
    np.testing.assert_allclose(got_v, want_v, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got_g, want_g, rtol=1e-9, atol=1e-12 * scale)


def test_relu_kink_and_vectorized_step():
    """relu's derivative at exactly 0 is 0 (micrograd's), elementwise over the batch."""
    x, w, b = Value(0.0, label="x"), Value(1.0, label="w"), Value(-1.0, label="b")
    root = (w * x + b).relu()
    f = compile_value_and_grad(root, [x], [w, b])
    assert "numpy.maximum(" in f.source and "numpy.heaviside(" in f.source
    X = np.array([[-1.0], [1.0], [1.5], [3.0]])  # the second sample sits on the kink
    values, grads = f(X, [1.0, -1.0])
    np.testing.assert_array_equal(values, [0.0, 0.0, 0.5, 2.0])
    np.testing.assert_array_equal(grads, [[0, 0], [0, 0], [1.5, 1], [3, 1]])  # x [z > 0], [z > 0]
    want_v, want_g = engine_rows(root, [x], [w, b], X)
    np.testing.assert_array_equal(values, want_v)
    np.testing.assert_array_equal(grads, want_g)


def test_what_does_not_vary_is_broadcast():
    """A root or gradient free of the inputs still comes back one per sample."""
    x, w, unused = Value(1.0, label="x"), Value(2.0, label="w"), Value(0.0, label="u")
    values, grads = compile_value_and_grad(w * w, [x], [w, unused])([[1.0], [2.0], [3.0]], [3, 5])
    np.testing.assert_array_equal(values, [9.0, 9.0, 9.0])
    np.testing.assert_array_equal(grads, [[6.0, 0.0]] * 3)
    values, grads = compile_value_and_grad(w, [], [w])(np.zeros((2, 0)), [4.0])
    np.testing.assert_array_equal(values, [4.0, 4.0])
    np.testing.assert_array_equal(grads, [[1.0], [1.0]])


# -- the demo's network ------------------------------------------------------------------
def moons():
    model, X, y = demo.setup()
    return X, y, model


def one_sample_loss(model):
    x0, x1, y = Value(0.0, label="x_0"), Value(0.0, label="x_1"), Value(0.0, label="y")
    return (1 + -y * model([x0, x1])).relu(), [x0, x1, y]


@pytest.fixture(scope="module")
def mlp():
    X, y, model = moons()
    loss, inputs = one_sample_loss(model)
    f = compile_value_and_grad(loss, inputs, model.parameters())
    return f, loss, inputs, model, np.column_stack([X, y])


def test_mlp_one_sample_loss_over_the_batch(mlp):
    f, loss, inputs, model, D = mlp
    params = model.parameters()
    theta = np.array([p.data for p in params])
    values, grads = f(D, theta)
    assert values.shape == (100,) and grads.shape == (100, 337)
    want_v, want_g = engine_rows(loss, inputs, params, D)
    # The forward lines are the graph's own operations in the engine's order.
    np.testing.assert_array_equal(values, want_v)
    np.testing.assert_allclose(grads, want_g, rtol=1e-12, atol=1e-15)
    assert np.count_nonzero(want_g) > 1000  # the batch really exercises the gradients
    # cse shares the sweep's products: about 900 operations; without it, over 7000.
    assert f.stats["gradient_ops"] < 1500


def test_fused_mlp_is_the_same_function(mlp):
    """fused=True (one affine node per neuron): the same values, bit for bit, and
    the same gradients as the composite graph, compiled or not."""
    f, loss, inputs, model, D = mlp
    random.seed(1337)  # micrograd's weights again
    fused = MLP(2, [16, 16, 1], fused=True)
    fused_loss, fused_inputs = one_sample_loss(fused)
    g = compile_value_and_grad(fused_loss, fused_inputs, fused.parameters())
    assert len(g.source.splitlines()) < len(f.source.splitlines()) - 500
    theta = np.array([p.data for p in fused.parameters()])
    np.testing.assert_array_equal(theta, [p.data for p in model.parameters()])
    values, grads = g(D, theta)
    want_v, want_g = engine_rows(fused_loss, fused_inputs, fused.parameters(), D)
    np.testing.assert_array_equal(values, want_v)
    np.testing.assert_allclose(grads, want_g, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(values, f(D, theta)[0])


def test_sums_round_in_the_engines_order():
    """An n-ary sum keeps the rule's left-to-right order, not SymPy's sorted one:
    (1 + 1e-16) + 1e-16 is 1.0, while 1e-16 + 1e-16 + 1 is not."""
    a, b, z = Value(1e-16, label="a"), Value(1e-16, label="b"), Value(1.0, label="z")
    root = affine(z, [a, b], [1.0, 1.0])  # SymPy would sort it as a + b + z
    f = compile_value_and_grad(root, [a, b], [z])
    values, _ = f([[1e-16, 1e-16]], [1.0])
    assert root.forward() == 1.0
    assert values[0] == 1.0


def test_tanh_mlp_squared_error():
    """The lecture's tanh network with (out - y)^2: tanh, **2 and a bias per neuron."""
    random.seed(7)
    model = MLP(3, [4, 4, 1], act="tanh")
    xs = [Value(0.0, label=f"x_{j}") for j in range(3)]
    y = Value(0.0, label="y")
    root = (model(xs) - y) ** 2
    f = compile_value_and_grad(root, xs + [y], model.parameters())
    assert "numpy.tanh(" in f.source
    D = np.column_stack([LECTURE_XS, LECTURE_YS])
    values, grads = f(D, [p.data for p in model.parameters()])
    want_v, want_g = engine_rows(root, xs + [y], model.parameters(), D)
    np.testing.assert_allclose(values, want_v, rtol=1e-13)
    np.testing.assert_allclose(grads, want_g, rtol=1e-10, atol=1e-14)


def test_module_runs_on_its_own(mlp, tmp_path):
    f, loss, inputs, model, D = mlp
    theta = np.array([p.data for p in model.parameters()]) * 0.9
    path = f.write_module(tmp_path / "moons_grad.py")
    np.save(tmp_path / "D.npy", D)
    np.save(tmp_path / "theta.npy", theta)
    script = (
        "import sys, json, numpy, moons_grad\n"
        "v, g = moons_grad.value_and_grad(numpy.load('D.npy'), numpy.load('theta.npy'))\n"
        "numpy.save('v.npy', v); numpy.save('g.npy', g)\n"
        "print(json.dumps([m in sys.modules for m in ('sympy', 'engine')]))\n"
    )
    # -I: isolated, so neither PYTHONPATH nor the working tree's engine can leak in.
    run = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, '.'); exec({script!r})"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == [False, False]
    assert path.read_text() == f.source
    values, grads = f(D, theta)
    np.testing.assert_array_equal(np.load(tmp_path / "v.npy"), values)
    np.testing.assert_array_equal(np.load(tmp_path / "g.npy"), grads)


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler")
def test_c_source_agrees(tmp_path):
    x, y = Value(0.0, label="x"), Value(0.0, label="y")
    a, b, c = Value(0.5, label="a"), Value(-1.0, label="b"), Value(1.1, label="int")
    root = (a * x + b).relu() * (c * y).tanh() + (a * a + x * x).log() + (b * y).exp() / c
    f = compile_value_and_grad(root, [x, y], [a, b, c])
    (tmp_path / "g.c").write_text(f.c_source())
    lib = tmp_path / "g.so"
    cc = ["cc", "-O1", "-shared", "-fPIC", "-o", str(lib), str(tmp_path / "g.c"), "-lm"]
    subprocess.run(cc, check=True, capture_output=True)
    fn = ctypes.CDLL(str(lib)).value_and_grad
    X = np.random.default_rng(0).uniform(-2, 2, (6, 2))
    X[0, 0] = 2.0  # a*x + b == 0 exactly: relu's kink
    theta = np.array([0.5, -1.0, 1.1])
    value, grad = np.empty(6), np.empty((6, 3))
    ptr = ctypes.POINTER(ctypes.c_double)
    fn.argtypes = [ctypes.c_long, ptr, ptr, ptr, ptr]
    fn(6, *(arr.ctypes.data_as(ptr) for arr in (X, theta, value, grad)))
    want_v, want_g = f(X, theta)
    np.testing.assert_allclose(value, want_v, rtol=1e-13)
    np.testing.assert_allclose(grad, want_g, rtol=1e-12, atol=1e-15)


def every_function(x, w, b):
    """A graph with every function of the rule table, the one place they are listed."""
    import engine
    from engine.rules import BUILTIN

    u = x * w + b
    out = u
    for name in BUILTIN:
        rule = engine.RULES[name]
        if rule.function:
            fn = engine.FUNCTIONS[rule.function]
            if rule.arity == 2:
                out = out + fn(u, w)
                continue
            try:  # w is the same in every sample: inside the domain in all of them
                out = out + fn(w if rule.pole else u)
            except engine.DomainError:  # acosh: x >= 1
                out = out + fn(w + 0.5)
    return out


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler")
def test_every_function_compiles_to_numpy_and_c(tmp_path):
    x, w, b = Value(0.3, label="x"), Value(0.7, label="w"), Value(-0.2, label="b")
    root = every_function(x, w, b)
    f = compile_value_and_grad(root, [x], [w, b])
    X, theta = np.array([[0.3], [1.1], [-0.4]]), np.array([0.7, -0.2])
    values, grads = f(X, theta)
    root.backward()
    assert values[0] == pytest.approx(root.data, rel=1e-13)
    np.testing.assert_allclose(grads[0], [w.grad, b.grad], rtol=1e-12)
    (tmp_path / "g.c").write_text(f.c_source())
    lib = tmp_path / "g.so"
    cc = ["cc", "-O1", "-shared", "-fPIC", "-o", str(lib), str(tmp_path / "g.c"), "-lm"]
    subprocess.run(cc, check=True, capture_output=True)
    fn = ctypes.CDLL(str(lib)).value_and_grad
    value, grad = np.empty(3), np.empty((3, 2))
    ptr = ctypes.POINTER(ctypes.c_double)
    fn.argtypes = [ctypes.c_long, ptr, ptr, ptr, ptr]
    fn(3, *(arr.ctypes.data_as(ptr) for arr in (X, theta, value, grad)))
    np.testing.assert_allclose(value, values, rtol=1e-13)
    np.testing.assert_allclose(grad, grads, rtol=1e-12)


# -- training micrograd's demo through it ----------------------------------------------
def train_engine(steps):
    model, X, y = demo.setup()
    return demo.train(model, X, y, steps)


def train_compiled(steps):
    X, y, model = moons()
    loss, inputs = one_sample_loss(model)
    f = compile_value_and_grad(loss, inputs, model.parameters())
    D, theta = np.column_stack([X, y]), np.array([p.data for p in model.parameters()])
    losses = []
    for k in range(steps):
        values, grads = f(D, theta)
        losses.append(values.mean() + 1e-4 * theta @ theta)
        theta = theta - (1.0 - 0.9 * k / 100) * (grads.mean(axis=0) + 2e-4 * theta)
    return losses


def test_moons_training_matches_the_engine():
    want = train_engine(5)
    got = train_compiled(5)
    np.testing.assert_allclose(got, want, rtol=1e-9)
    assert want[0] == pytest.approx(0.8958441028683222, rel=1e-12)  # micrograd's first loss
    assert len(set(want)) == 5  # the steps really moved


# -- errors, names and layering --------------------------------------------------------
def test_bad_arguments_say_what_is_wrong():
    x, w, z = Value(1.0, label="x"), Value(2.0, label="w"), Value(3.0, label="z")
    root = x * w + z
    with pytest.raises(ValueError, match="'z' is in the graph but is neither"):
        compile_value_and_grad(root, [x], [w])
    with pytest.raises(TypeError, match="params must be variables"):
        compile_value_and_grad(root, [x], [w, z, x * w])
    with pytest.raises(ValueError, match="listed twice"):
        compile_value_and_grad(root, [x, z], [w, x])
    with pytest.raises(ValueError, match="Python identifier"):
        compile_value_and_grad(root, [x, z], [w], name="not a name")
    f = compile_value_and_grad(root, [x, z], [w])
    with pytest.raises(ValueError, match=r"X must have shape \(n, 2\)"):
        f(np.zeros((3, 3)), [1.0])
    with pytest.raises(ValueError, match=r"theta must have shape \(1,\)"):
        f(np.zeros((3, 2)), [1.0, 2.0])


def test_labels_cannot_inject_code():
    evil = "x); __import__('os').system('echo pwned'); (y"
    x, w = Value(1.0, label=evil), Value(2.0, label="lambda")
    c = Value(0.0, label="ValueError")  # a local named so would shadow the raise
    f = compile_value_and_grad((x * w).tanh() + c, [x, c], [w])
    body = f.source.split("def value_and_grad", 1)[1]
    assert "__import__(" not in body and "lambda " not in body  # labels became plain names
    assert f.inputs == (evil, "ValueError") and f.params == ("lambda",)
    values, grads = f([[0.5, 1.0]], [2.0])
    assert values[0] == pytest.approx(np.tanh(1.0) + 1.0, rel=1e-15)
    assert grads[0, 0] == pytest.approx(0.5 * (1 - np.tanh(1.0) ** 2), rel=1e-14)


def test_the_engine_imports_without_numpy():
    code = "import sys, engine, engine.compile; print('numpy' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "False"
