"""Random expression graphs: backprop, the closed form, the SymPy oracle, central
differences and PyTorch (float64) must all agree on every variable's gradient.

Graphs mix every operation, share subexpressions and reuse nodes (``a + a``).
"""

import math

import hypothesis.strategies as st
import pytest
import sympy
import torch
from hypothesis import HealthCheck, assume, given, settings
from torch_twin import TORCH

from engine import FUNCTIONS, RULES, DomainError, Value, oracle, topo_order
from engine.functions import affine
from engine.rules import BUILTIN, NUM
from explorer.difference import difference

CONSTS = [2.0, 0.5, -1.5, 3.0]


def _twin(rule):
    return lambda *ts: rule.forward(TORCH, *ts)


# name -> (arity, engine op, torch op); the functions come from the rule table
OPS = {
    "add": (2, lambda a, b: a + b, lambda a, b: a + b),
    "mul": (2, lambda a, b: a * b, lambda a, b: a * b),
    "sub": (2, lambda a, b: a - b, lambda a, b: a - b),
    "div": (2, lambda a, b: a / b, lambda a, b: a / b),
    "pow": (2, lambda a, b: a**b, lambda a, b: a**b),
    "affine": (2, lambda a, b: affine(b, [a, b], [b, 0.5]), lambda a, b: b + a * b + b * 0.5),
    "neg": (1, lambda a: -a, lambda a: -a),
    "sq": (1, lambda a: a**2, lambda a: a**2),
    "cube": (1, lambda a: a**3, lambda a: a**3),
    "inv": (1, lambda a: a**-1, lambda a: a**-1),
    "root": (1, lambda a: a**0.5, lambda a: a**0.5),
    "absolute": (1, abs, torch.abs),
}
OPS.update(
    (r.function, (r.arity, FUNCTIONS[r.function], _twin(r)))
    for r in map(RULES.get, BUILTIN)
    if r.function
)
CONST_OPS = {
    "addc": (lambda a, c: a + c, lambda a, c: a + c),
    "raddc": (lambda a, c: c + a, lambda a, c: c + a),
    "rsubc": (lambda a, c: c - a, lambda a, c: c - a),
    "mulc": (lambda a, c: c * a, lambda a, c: c * a),
    "divc": (lambda a, c: a / c, lambda a, c: a / c),
    "rdivc": (lambda a, c: c / a, lambda a, c: c / a),
    "rpowc": (lambda a, c: abs(c) ** a, lambda a, c: abs(c) ** a),
}

step = st.one_of(
    st.tuples(st.sampled_from(sorted(OPS)), st.integers(0, 99), st.integers(0, 99)),
    st.tuples(st.sampled_from(sorted(CONST_OPS)), st.integers(0, 99), st.sampled_from(CONSTS)),
)
programs = st.tuples(
    st.lists(
        st.floats(-2.0, 2.0, allow_nan=False).map(lambda x: round(x, 3)), min_size=1, max_size=4
    ),
    st.lists(step, min_size=1, max_size=9),
)


def _run(leaves, steps, col):
    pool = list(leaves)
    for name, i, j in steps:
        a = pool[i % len(pool)]
        if name in CONST_OPS:
            pool.append(CONST_OPS[name][col - 1](a, j))
        elif OPS[name][0] == 2:
            pool.append(OPS[name][col](a, pool[j % len(pool)]))
        else:
            pool.append(OPS[name][col](a))
    return pool[-1] + pool[-2] if len(pool) > len(leaves) + 1 else pool[-1]


def rel_err(a, b):
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


def close(a, b, rel):
    return rel_err(a, b) <= rel or max(abs(a), abs(b)) < 1e-9


@settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))
@given(programs)
def test_backprop_closed_form_oracle_fd_and_torch_agree(program):
    values, steps = program
    all_leaves = [Value(x, label=f"x{i}") for i, x in enumerate(values)]
    try:
        root = _run(all_leaves, steps, 1)
    except DomainError:
        assume(False)
    nodes = topo_order(root)
    used = [v in set(nodes) for v in all_leaves]  # a program may leave a leaf out
    leaves = [v for v, u in zip(all_leaves, used) if u]
    assume(all(abs(v.data) < 1e4 for v in nodes))
    # SymPy rewrites Mod(x, c*x) as x*Mod(1, c), true only for x > 0: the expression
    # (and the oracle) of a remainder by a multiple of its own dividend can be wrong
    assume(not any(v.op == "mod" and not any(c.is_constant for c in v.inputs) for v in nodes))
    # stay off kinks and poles (the rule table says where), where derivatives are one-sided
    for v in nodes:
        for s in (v.kink_value(), v.pole_value()):
            assume(s is None or abs(s) > 1e-3)
    try:
        root.backward()
    except DomainError:  # x ** 0.5 at 0: defined, but with no derivative
        assume(False)
    assume(all(math.isfinite(v.grad) and abs(v.grad) < 1e6 for v in leaves))

    at = {v.symbol: sympy.Float(v.data, 30) for v in leaves}
    f = root.expr
    for v in leaves:
        closed = float(v.grad_expr.xreplace(at))
        assert close(v.grad, closed, 1e-9), (v.label, v.grad, closed, v.grad_expr)
        assert close(v.grad, float(oracle(root, v).xreplace(at)), 1e-9)
        assert close(float(f.xreplace(at)), root.data, 1e-9)

    # finite differences on the same graph, with the step and the error bound of the
    # explorer's difference (a fixed step misjudges tan(tan(x)) near its pole)
    order = topo_order(root)
    for v in leaves:
        try:
            d = difference(root, v, order[order.index(v) + 1 :], 1e-5)
        except DomainError:
            continue
        assert d.rel_error(v.grad, 1e-8) <= 1e-4, (v.label, v.grad, d)
    root.forward()

    # PyTorch, float64
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in values]
    troot = _run(ts, steps, 2)
    troot.backward()
    assert close(troot.item(), root.data, 1e-12)
    for v, t, u in zip(all_leaves, ts, used):
        tg = 0.0 if t.grad is None else float(t.grad)
        if not u:
            assert tg == 0.0 and v.grad == 0.0
            continue
        # PyTorch's own backward rounds too: expm1's is result + 1, which cancels at
        # expm1(-24) (3e-7 off); the exact columns above already hold backprop to 1e-9
        assert close(v.grad, tg, 1e-5), (v.label, v.grad, tg)


def test_every_function_of_the_namespace_has_a_torch_twin():
    for name in vars(NUM):
        assert getattr(TORCH, name) is not None, name
    assert {RULES[n].function for n in BUILTIN if RULES[n].function} <= set(OPS)


def test_shared_nodes_accumulate_like_torch():
    a = Value(1.3, label="a")
    b = a * a + a
    c = b * b + b.tanh()
    c.backward()
    t = torch.tensor(1.3, dtype=torch.float64, requires_grad=True)
    tb = t * t + t
    (tb * tb + tb.tanh()).backward()
    assert a.grad == pytest.approx(float(t.grad), rel=1e-12)
