"""Evaluate SymPy expressions at numbers, fast and many times: a *tape*.

The agreement check evaluates every closed form and every oracle derivative at
the leaves' current data on each slider move. ``sympy.lambdify`` writes Python
source for each expression and compiles it: about 0.3 s for a small MLP's 41
gradients, and it prints shared subexpressions once per use. A tape is built
once per set of expressions by one iterative walk over SymPy's expression DAG,
each distinct subexpression becoming one instruction; evaluating it is then a
plain loop over floats (micro- to milliseconds). Each function is evaluated by the
float function the rule table's namespaces give it (``engine.numeric_function``),
so a primitive added to the table, or at run time, is evaluated at the same speed.

A failing operation (``log(-1)``, ``0**-1``) gives ``nan`` for that instruction
and everything computed from it, never an exception; a power past the largest
float is inf, as IEEE arithmetic's products and sums are. An output computed
through an inf or nan is evaluated again at higher precision (mpmath, through
``engine.symbolic.precisely``): a closed form that overflows in floats where its
value is finite (sigmoid's derivative e^-x / (1 + e^-x)^2 below x = -709.8) gets its
value; one that is undefined there stays nan.
"""

import math

import sympy

from engine.symbolic import numeric_function, precisely

_NAN = float("nan")


def _pow(a, b):
    """a ** b in floats; past the largest float it is inf (as a product's overflow
    is), so ``(x**2 + 1)**-1`` at x = 1e200 is 0.0 (the true value, 1e-400, as a
    float), not undefined; a result that really needs the inf becomes nan later."""
    try:
        r = a**b
    except OverflowError:
        odd = float(b).is_integer() and int(b) % 2 == 1
        return -math.inf if a < 0 and odd else math.inf
    return _NAN if isinstance(r, complex) else r


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
                    raise ValueError(f"no value for the symbol {e}")
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
                else:  # the rule table's own float function, or SymPy's for that one
                    index[e] = self._emit("call", (numeric_function(e.func, len(args)), args))
        self.outputs = [index[_as_expr(e)] for e in exprs]
        self.exprs, self.symbols = [_as_expr(e) for e in exprs], list(symbols)

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
        out = [vals[i] for i in self.outputs]
        if math.isfinite(sum(vals)):  # one pass in C: nothing overflowed on the way
            return out
        # an output computed through an inf or nan may be finite and wrong (2^-inf = 0
        # where 2^x / (2^x0 + 2^x) is 1): every such output again, precisely
        redo = [k for k, i in enumerate(self.outputs) if self._tainted(vals)[i]]
        return precisely(self.exprs, self.symbols, values, out, redo)

    def _tainted(self, vals):
        """For each instruction: did an inf or nan reach it (its own or an input's)?"""
        bad = []
        for (kind, p), v in zip(self.code, vals):
            hit = v - v != 0.0
            if not hit and kind in ("add", "mul"):
                hit = any(bad[i] for i in p)
            elif not hit and kind == "call":
                hit = any(bad[i] for i in p[1])
            bad.append(hit)
        return bad


def compile_exprs(exprs, symbols):
    """A callable ``values -> [float per expr]``."""
    return Tape(exprs, symbols)
