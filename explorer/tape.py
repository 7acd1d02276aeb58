"""Evaluate SymPy expressions at numbers, fast and many times: a *tape*.

The agreement check evaluates every closed form and every oracle derivative at
the leaves' current data on each slider move. ``sympy.lambdify`` writes Python
source for each expression and compiles it: about 0.3 s for a small MLP's 41
gradients, and it prints shared subexpressions once per use. A tape is built
once per set of expressions by one iterative walk over SymPy's expression DAG,
each distinct subexpression becoming one instruction; evaluating it is then a
plain loop over floats (micro- to milliseconds).

A failing operation (``log(-1)``, ``0**-1``, overflow) gives ``nan`` for that
instruction and everything computed from it, never an exception.
"""

import math

import sympy

_NAN = float("nan")


def _heaviside(x, h0=0.5):
    return 1.0 if x > 0 else 0.0 if x < 0 else h0


def _pow(a, b):
    r = a**b
    return _NAN if isinstance(r, complex) else r


_FUNCS = {
    sympy.exp: math.exp,
    sympy.log: math.log,
    sympy.tanh: math.tanh,
    sympy.sinh: math.sinh,
    sympy.cosh: math.cosh,
    sympy.Abs: abs,
    sympy.sign: lambda x: float((x > 0) - (x < 0)),
    sympy.Max: max,
    sympy.Min: min,
    sympy.Heaviside: _heaviside,
}


def _as_expr(e):
    """A SymPy expression (a plain number, as the symbolic sweep may give, made one);
    never text: nothing here parses strings."""
    if isinstance(e, sympy.Basic):
        return e
    if isinstance(e, int) and not isinstance(e, bool):
        return sympy.Integer(e)
    if isinstance(e, float):
        return sympy.Float(e)
    raise TypeError(f"expected a SymPy expression or a number, got {type(e).__name__}")


class Unsupported(ValueError):
    """An expression holds a function the tape does not know."""


class Tape:
    """Instructions computing ``exprs`` from the values of ``symbols``.

    ``Tape(exprs, symbols)(values)`` returns one float per expression, where
    ``values[i]`` is the value of ``symbols[i]``.
    """

    def __init__(self, exprs, symbols):
        slot = {s: i for i, s in enumerate(symbols)}
        self.n_inputs = len(symbols)
        self.code = []  # (kind, payload): evaluated in order into one list of floats
        index = {}
        stack = [(_as_expr(e), False) for e in reversed(exprs)]
        while stack:
            e, ready = stack.pop()
            if e in index:
                continue
            if e.is_Symbol:
                if e not in slot:
                    raise Unsupported(f"no value for the symbol {e}")
                index[e] = self._emit("in", slot[e])
            elif e.is_Number or e.is_NumberSymbol:
                try:
                    index[e] = self._emit("const", float(e))
                except TypeError:  # zoo and friends
                    index[e] = self._emit("const", _NAN)
            elif not ready:
                stack.append((e, True))
                stack.extend((a, False) for a in reversed(e.args) if a not in index)
            else:
                args = [index[a] for a in e.args]
                if e.is_Add:
                    index[e] = self._emit("add", args)
                elif e.is_Mul:
                    index[e] = self._emit("mul", args)
                elif e.is_Pow:
                    index[e] = self._emit("call", (_pow, args))
                elif e.func in _FUNCS:
                    index[e] = self._emit("call", (_FUNCS[e.func], args))
                else:
                    raise Unsupported(f"cannot evaluate {e.func.__name__} numerically")
        self.outputs = [index[_as_expr(e)] for e in exprs]

    def _emit(self, kind, payload):
        self.code.append((kind, payload))
        return len(self.code) - 1

    def __call__(self, values):
        vals = []
        push = vals.append
        for kind, p in self.code:
            if kind == "in":
                push(float(values[p]))
            elif kind == "const":
                push(p)
            elif kind == "add":
                push(sum([vals[i] for i in p]))
            elif kind == "mul":
                r = 1.0
                for i in p:
                    r *= vals[i]
                push(r)
            else:
                fn, args = p
                try:
                    r = fn(*(vals[i] for i in args))
                except (ArithmeticError, ValueError):
                    r = _NAN
                push(float(r) if isinstance(r, int | float) else _NAN)
        return [vals[i] for i in self.outputs]


def compile_exprs(exprs, symbols):
    """A callable ``values -> [float per expr]``: a Tape, or ``sympy.lambdify`` for
    the rare function a Tape does not know."""
    try:
        return Tape(exprs, symbols)
    except Unsupported:
        fn = sympy.lambdify(symbols, list(exprs), modules=[{"Heaviside": _heaviside}, "math"])

        def call(values):
            try:
                return [float(r) for r in fn(*values)]
            except Exception:  # a name math lacks (DiracDelta...): SymPy's own evalf
                return [_evalf(e, dict(zip(symbols, values))) for e in exprs]

        return call


def _evalf(e, subs):
    try:
        return float(_as_expr(e).evalf(subs=subs))
    except (TypeError, ValueError, ArithmeticError):
        return _NAN
