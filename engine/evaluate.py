"""Evaluating closed forms: the one place a SymPy expression becomes numbers.

- ``numeric_function(func, nargs)``: the float function of a SymPy function, the rule
  table's own where it has one (NUM's stable softplus, micrograd's Heaviside at 0),
  so a primitive added at run time evaluates as fast as a built-in one.
- ``lambdify_floats(symbols, exprs)``: compiled Python for a few expressions called
  many times (a panel's f, a Hessian's entries); ``lambdify_in(m, ...)`` the same over
  any namespace of the table (the dual numbers of ``engine.dual``).
- ``Tape`` / ``compile_exprs(exprs, symbols)``: many expressions that share their
  subexpressions (every closed form of a network, the oracle's derivatives), each
  distinct subexpression one instruction, evaluated in a plain loop over floats. A
  failing operation (``log(-1)``, ``0**-1``) gives ``nan`` for that instruction and
  everything computed from it, never an exception; a power past the largest float is
  inf, as IEEE arithmetic's products and sums are.
- ``precisely(...)``: the one fallback of them all. An output computed through an inf
  or nan is evaluated again by mpmath, at more digits until two precisions agree: a
  closed form that overflows in floats where its value is finite (sigmoid's derivative
  e^-x / (1 + e^-x)^2 below x = -709.8) gets its value; one that is undefined there
  stays nan. ``precise(expr, at)`` is one expression at a point, the same way.
"""

import functools
import inspect
import math

import sympy

from engine.rules import NUM, SYM

_NAN = float("nan")


@functools.lru_cache(maxsize=1)
def _namespace_names():
    """{SymPy function class: (its name in the math namespaces, argument order)}, read
    off the two namespaces: every name whose SymPy form is one function applied to
    its arguments (``where``: the positions SymPy stores them in, None for Max and
    Min, which take any number in any order)."""
    out = {}
    for name, num in vars(NUM).items():
        if not callable(num):
            continue
        try:
            params = inspect.signature(num).parameters.values()
            n = sum(2 if p.kind is p.VAR_POSITIONAL else 1 for p in params)
        except (TypeError, ValueError):  # builtins such as abs
            n = 1
        xs = sympy.symbols(f"_a0:{n}", real=True) if n else ()
        try:
            e = getattr(SYM, name)(*xs)
        except (AttributeError, TypeError):
            continue
        f = getattr(e, "func", None)
        if not (isinstance(f, sympy.FunctionClass) or f in (sympy.Max, sympy.Min)):
            continue
        if set(e.args) != set(xs) or len(e.args) != n:
            continue
        if issubclass(f, sympy.core.operations.LatticeOp):
            out.setdefault(f, (name, None))
        else:
            out.setdefault(f, (name, [e.args.index(x) for x in xs]))  # may be reordered
    return out


def _in_namespace(m, name, where):
    fn = getattr(m, name)
    return fn if where is None or where == list(range(len(where))) else _reorder(fn, where)


@functools.lru_cache(maxsize=1)
def _namespace_functions():
    """{SymPy function class: its float function} (see ``_namespace_names``)."""
    return {f: _in_namespace(NUM, *nw) for f, nw in _namespace_names().items()}


def lambdify_in(m, symbols, exprs):
    """``f(*xs) -> [value per expr]`` computed with the math namespace ``m``'s own
    functions (each SymPy function is m's function of that name, ``sqrt``, ``pi``
    and ``E`` m's too): the same formulas over any namespace of the rule table, the
    dual numbers of ``engine.dual`` included."""
    module = {f.__name__: _in_namespace(m, *nw) for f, nw in _namespace_names().items()}
    module.update(sqrt=m.sqrt, pi=m.pi, E=m.e)
    # SymPy's plain printer names every function (``sign(x)``, ``Heaviside(x, 1/2)``);
    # the code printers would inline math's own versions of some
    printer = sympy.printing.str.StrPrinter({"full_prec": True})
    return sympy.lambdify(symbols, list(exprs), modules=[module], printer=printer)


def _reorder(num, where):
    return lambda *a: num(*[a[i] for i in where])


_lambdified = {}


def numeric_function(func, nargs):
    """A float function for the SymPy function ``func`` of ``nargs`` arguments: the
    namespaces' own (NUM's stable softplus, micrograd's Heaviside at 0...), else
    SymPy's printer for that one function, compiled once."""
    known = _namespace_functions()
    if func in known:
        return known[func]
    key = (func, nargs)
    if key not in _lambdified:
        xs = sympy.symbols(f"_a0:{nargs}", real=True)
        fast = lambdify_floats(xs, [func(*xs)])

        def call(*args):
            try:
                return fast(*args)[0]
            except NameError:  # a function math lacks (DiracDelta...): SymPy's own evalf
                return float(func(*args).evalf())

        _lambdified[key] = call
    return _lambdified[key]


PRECISE_DIGITS = 30


def precisely(exprs, symbols, values, floats, redo=None):
    """``floats`` (one float per expression, as a float evaluator gave them) with each
    entry that is inf or nan (or listed in ``redo``: computed through one that was)
    evaluated again by mpmath (SymPy's ``evalf``) at
    ``PRECISE_DIGITS`` digits, whose exponent cannot overflow: a closed form such as
    sigmoid'' = e^-x (e^-x - 1) / (1 + e^-x)^3 at x = -300 divides one overflowing
    power by another in floats, where the value, 5.1e-131, is a float. An entry still
    not finite stays nan (the value is undefined there, or beyond a float).

    The one fallback for every evaluator of closed forms (``engine.hessian(...,
    exact=True)``, the explorer's tapes)."""
    out = list(floats)
    redo = set(() if redo is None else redo)
    for i, y in enumerate(out):
        if isinstance(y, float) and y - y == 0.0 and i not in redo:
            continue
        out[i] = _agreed(sympy.sympify(exprs[i]), symbols, values)
    return out


def _agreed(e, symbols, values):
    """e at the values by mpmath, at twice the digits until two precisions agree to
    1e-12 (a difference of huge terms, x - log2(2^x0 + 2^x) at x = 3e36, needs more
    digits than 30 to leave the right remainder); nan when they never do."""
    digits, last = PRECISE_DIGITS, None
    while digits <= 16 * PRECISE_DIGITS:
        at = {s: sympy.Float(v, digits) for s, v in zip(symbols, values)}
        try:
            # the numbers put in first: evalf(subs=...) reports an unresolved zero,
            # 1 - tanh(u)^2 at u = 1e156, with an error bar as its value (-0.e+13)
            z = e.xreplace(at).evalf(digits)
            y = float(z) if z.is_real else _NAN
        except (TypeError, ValueError, ArithmeticError):
            y = _NAN
        if y - y != 0.0:
            return _NAN
        if last is not None and abs(y - last) <= 1e-12 * max(abs(y), abs(last), 1e-300):
            return y
        last, digits = y, 2 * digits
    return _NAN


def lambdify_floats(symbols, exprs):
    """``f(*floats) -> [float per expr]``, with the namespaces' own float functions.

    The arguments are renamed to dummies in the generated code (``dummify``): a
    variable a user named ``Heaviside`` or ``exp`` must not shadow that function."""
    known = _namespace_functions()
    return sympy.lambdify(
        symbols,
        list(exprs),
        modules=[{f.__name__: fn for f, fn in known.items()}, "math"],
        dummify=True,
    )


def precise(expr, at):
    """A SymPy expression's value at a point ({symbol: number}) by mpmath, at more
    digits until two precisions agree (``precisely``); nan where it has none."""
    symbols = list(at)
    return _agreed(sympy.sympify(expr), symbols, [at[s] for s in symbols])


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
        tainted = self._tainted(vals)
        redo = [k for k, i in enumerate(self.outputs) if tainted[i]]
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
