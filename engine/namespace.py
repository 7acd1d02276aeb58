"""The math namespaces the rules are written against: ``NUM`` (Python floats) and
``SYM`` (SymPy), each made from the rule table, not listed here.

A rule's forward and partials call ``m.exp``, ``m.asinh``, ``m.max``...: each name is
either a function of the table (``Rule.num`` is its float function, ``Rule.sym`` its
SymPy one: ``engine.rules.enter`` puts them here) or one of ``HELPERS``, the few
names the rules use that are not functions of the engine
(``heaviside``, ``atan_slope``, ``max``, ``min``, ``pi``, ``e``), each with its float,
SymPy and PyTorch forms in one line.
SymPy's side is resolved name by name on first use, so ``import engine`` and
training never load SymPy.
"""

import math
from types import SimpleNamespace


def _heaviside(x, h0):
    return 1.0 if x > 0 else 0.0 if x < 0 else float(h0) if x == 0 else math.nan


def _atan_slope(x):
    """1 / (1 + x^2), written so that x^2 cannot overflow: for |x| > 1 it is
    r^2 / (1 + r^2) with r = 1/x, which underflows to 0.0 where the slope is below
    the smallest float (x = 1e200: the slope is 1e-400, a float 0.0), as PyTorch's."""
    if abs(x) <= 1.0:
        return 1.0 / (1.0 + x * x)
    r = 1.0 / x
    return r * r / (1.0 + r * r)


def _lattice(pick):
    # nan in, nan out (Python's max(1.0, nan) is 1.0): a closed form evaluated where
    # something overflowed must not pick a side
    return lambda *a: math.nan if any(x != x for x in a) else float(pick(a))


def _sympy():
    import sympy

    return sympy


def _lattice_sym(name):
    def lattice(*a):
        sympy = _sympy()
        op = getattr(sympy, name)
        a = [sympy.sympify(x) for x in a]
        # unevaluated on symbols: SymPy's Max would compare whole arguments (seconds on an MLP)
        return op(*a) if all(x.is_number for x in a) else op(*a, evaluate=False)

    return lattice


# The namespace's own vocabulary, beside the table's functions: names a rule's forward
# or partials may use that are not functions of the engine. name: (float, SymPy, PyTorch),
# each written once; PyTorch's is its attribute name or a composite over the namespace.
HELPERS = {
    "heaviside": (
        _heaviside,
        lambda x, h0: _sympy().Heaviside(x, _sympy().nsimplify(h0)),
        # 1/2 (1 + sign x), moved to h0 at 0: torch's heaviside wants h0 as a tensor
        lambda m, x, h0: (1 + m.sign(x)) / 2 + (h0 - 0.5) * (1 - m.abs(m.sign(x))),
    ),
    # atan's slope, stable in floats; its formula is the textbook one
    "atan_slope": (_atan_slope, lambda x: 1 / (1 + x**2), lambda m, x: 1 / (1 + x**2)),
    "max": (_lattice(max), _lattice_sym("Max"), "maximum"),
    "min": (_lattice(min), _lattice_sym("Min"), "minimum"),
    "pi": (math.pi, None, math.pi),
    "e": (math.e, None, math.e),
}
_SYM_CONSTANTS = {"pi": "pi", "e": "E"}

# ``NUM``: the float namespace, filled from HELPERS and the table (``engine.rules.enter``).
NUM = SimpleNamespace(**{name: spec[0] for name, spec in HELPERS.items()})


class _SymPyMath:
    """``SYM``: the namespace over SymPy, each name resolved on first use from
    HELPERS and the table, so that the numeric path (``import engine``, training)
    never loads SymPy."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        value = _sym_of(name)
        self.__dict__[name] = value
        return value


def _sym_of(name):
    sympy = _sympy()
    if name in _SYM_CONSTANTS:
        return getattr(sympy, _SYM_CONSTANTS[name])
    if name in HELPERS:
        return HELPERS[name][1]
    rule = NAMESPACE.get(name)
    if rule is None:
        raise AttributeError(f"the math namespace has no {name!r}")
    spec = rule.sym or name
    if callable(spec):  # a composite over the namespace: the formula reads in its terms
        return lambda *xs: spec(SYM, *xs)
    from sympy.codegen import cfunctions

    fn = getattr(sympy, spec, None) or getattr(cfunctions, spec, None)
    if fn is None:
        raise AttributeError(f"{rule.name}: SymPy has no function {spec!r}")
    return fn


SYM = _SymPyMath()
NAMESPACE = {}  # namespace name -> the rule that put it there
