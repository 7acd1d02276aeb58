"""engine.canonical's add and mul are SymPy's Add and Mul, exactly (``srepr`` for
``srepr``), on random sums and products: of the kinds the symbolic sweep builds
(distinct paths, distinct factors) and of the kinds the fast path must hand back to
SymPy (like terms, equal bases, numbers that distribute, infinities, I, zero)."""

import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.canonical import add, mul

X, Y, Z, U = sympy.symbols("x y z u", real=True)
P = sympy.Symbol("p")  # no assumptions: SymPy treats it apart in places
S = sympy.S

ATOMS = [
    X, Y, Z, U, P,
    sympy.Heaviside(X, 0, evaluate=False), sympy.Heaviside(U, 0),
    sympy.Max(0, Y, evaluate=False), sympy.tanh(Z), sympy.exp(X), sympy.exp(-Y),
    X**2, Y**-1, sympy.sqrt(Z), 1 / (1 + sympy.exp(-X)), sympy.log(U**2 + 1),
    sympy.E, sympy.pi, sympy.sqrt(2), sympy.Abs(X),
]  # fmt: skip
NUMBERS = [
    S.Zero, S.One, S.NegativeOne, S(2), S(-3), S.Half, sympy.Rational(-2, 7),
    sympy.Float(0.0002), sympy.Float(-1.5), sympy.Float(0.0), sympy.Float(1.0),
]  # fmt: skip
ODD = [S.ImaginaryUnit, S.Infinity, S.NegativeInfinity, S.ComplexInfinity, S.NaN]

atom = st.sampled_from(ATOMS)
number = st.sampled_from(NUMBERS)
plain = st.one_of(atom, atom, atom, number)
leaf = st.one_of(plain, st.sampled_from(ODD))
small = st.lists(leaf, min_size=1, max_size=4)
operand = st.one_of(
    leaf,
    small.map(lambda a: sympy.Mul(*a)),
    small.map(lambda a: sympy.Add(*a)),
    st.lists(plain, min_size=1, max_size=4).map(lambda a: sympy.Mul(*a, evaluate=False)),
    st.tuples(number, small.map(lambda a: sympy.Add(*a))).map(lambda t: sympy.Mul(*t)),
)
operands = st.lists(operand, min_size=0, max_size=7)


def same(ours, theirs):
    assert sympy.srepr(ours) == sympy.srepr(theirs)
    assert ours == theirs and hash(ours) == hash(theirs)


@settings(max_examples=1500, deadline=None)
@given(operands)
def test_add_is_sympys_add(args):
    same(add(*args), sympy.Add(*args))


@settings(max_examples=1500, deadline=None)
@given(operands)
def test_mul_is_sympys_mul(args):
    same(mul(*args), sympy.Mul(*args))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(atom, min_size=1, max_size=4, unique=True), min_size=1, max_size=16))
def test_a_sum_of_distinct_paths_is_sympys(paths):
    # what the sweep builds: a sum over paths, each a product of distinct factors
    ours = add(*[mul(*p) for p in paths])
    same(ours, sympy.Add(*[sympy.Mul(*p) for p in paths]))


def test_python_numbers_and_unevaluated_blocks():
    same(add(1, X, 2.5), sympy.Add(1, X, 2.5))
    same(mul(2, X, Y), sympy.Mul(2, X, Y))
    same(mul(2, X + Y), sympy.Mul(2, X + Y))  # distributed
    same(mul(2, 3, X + Y + 1), sympy.Mul(2, 3, X + Y + 1))
    squares = sympy.Add(*[s**2 for s in sympy.symbols("p0:50", real=True)])
    same(mul(sympy.Float(1e-4), squares), sympy.Mul(sympy.Float(1e-4), squares))
    same(mul(S.Half, 2 * (X + Y)), sympy.Mul(S.Half, 2 * (X + Y)))
    same(mul(sympy.Float(0.0), sympy.oo), sympy.Mul(sympy.Float(0.0), sympy.oo))
    same(mul(X, X), sympy.Mul(X, X))  # a symbol's powers gathered: x**2
    same(mul(X, X**2, Y, Y**-1, Z), sympy.Mul(X, X**2, Y, Y**-1, Z))
    same(mul(2, X, X**-1), sympy.Mul(2, X, X**-1))
    same(mul(P, P, sympy.Float(0.5)), sympy.Mul(P, P, sympy.Float(0.5)))
    same(add(), S.Zero)
    same(mul(), S.One)
    with sympy.evaluate(False):
        assert sympy.srepr(add(X, X)) == sympy.srepr(sympy.Add(X, X))
        assert sympy.srepr(mul(X, X)) == sympy.srepr(sympy.Mul(X, X))


def test_the_sweeps_sums_and_products_take_the_fast_path(monkeypatch):
    import engine.canonical as canonical

    def refuse(*args, **kwargs):
        raise AssertionError("fell back to SymPy's constructor")

    ws = sympy.symbols("w0:16", real=True)
    hs = [sympy.Heaviside(sympy.Symbol(f"u{i}", real=True), 0) for i in range(16)]
    top = sympy.Heaviside(U, 0)
    expected_paths = [sympy.Mul(w, h, top, Z) for w, h in zip(ws, hs)]
    expected = sympy.Add(sympy.Float(0.0002) * X, X * sympy.Add(*expected_paths))
    with monkeypatch.context() as m:
        m.setattr(canonical.sympy, "Add", refuse, raising=True)
        m.setattr(canonical.sympy, "Mul", refuse, raising=True)
        paths = [mul(w, h, top, Z) for w, h in zip(ws, hs)]
        total = add(mul(sympy.Float(0.0002), X), mul(X, add(*paths)))
    same(total, expected)
