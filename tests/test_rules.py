"""Every rule's numeric partials against sympy.diff of its own symbolic forward."""

import math
import random

import pytest
import sympy

from engine.rules import NUM, RULES, SYM

ARITY = {"+": 2, "*": 2, "**": 2, "affine": 7}  # affine: b, w0, x0, w1, x1, w2, x2
EXPONENTS = [2, 3, -1, -2, 0.5, 1.5, -0.5]


def cases():
    for name in RULES:
        for k in EXPONENTS if name == "**k" else [None]:
            yield pytest.param(name, k, id=f"{name}{'' if k is None else k}")


def positive_only(name, k):
    return name in ("log", "**") or (name == "**k" and k != int(k))


@pytest.mark.parametrize("name,k", list(cases()))
def test_partials_equal_sympy_diff_of_forward(name, k):
    rule = RULES[name]
    syms = sympy.symbols(f"x0:{ARITY.get(name, 1)}", real=True)
    ks = None if k is None else sympy.nsimplify(k)
    out_sym = sympy.sympify(rule.forward(SYM, *syms, ks))
    oracle = [sympy.diff(out_sym, s) for s in syms]
    rng = random.Random(hash(name) % 1000)
    for _ in range(40):
        lo = 0.05 if positive_only(name, k) else -3.0
        xs = [rng.uniform(lo, 3.0) for _ in syms]
        if name == "ReLU" and abs(xs[0]) < 1e-9:
            continue
        out = rule.forward(NUM, *xs, k)
        assert isinstance(out, float)
        at = dict(zip(syms, xs))
        assert out == pytest.approx(float(out_sym.subs(at)), rel=1e-12, abs=1e-12)
        for got, want in zip(rule.partials(NUM, out, *xs, k), oracle):
            assert got == pytest.approx(float(want.subs(at)), rel=1e-10, abs=1e-12), (name, xs)


def test_relu_at_the_kink_takes_micrograd_choice():
    # micrograd: (out.data > 0) * out.grad, so d relu/dx at 0 is 0
    assert RULES["ReLU"].partials(NUM, 0.0, 0.0, None) == (0.0,)
    assert RULES["ReLU"].partials(SYM, sympy.Integer(0), sympy.Integer(0), None) == (0,)


@pytest.mark.parametrize("x", [-1000.0, -50.0, 0.0, 50.0, 1000.0])
def test_sigmoid_is_stable_in_both_tails(x):
    got = NUM.sigmoid(x)
    assert 0.0 <= got <= 1.0 and math.isfinite(got)
    assert got == pytest.approx(float(sympy.N(1 / (1 + sympy.exp(-x)), 30)), rel=1e-12, abs=1e-300)
