"""Closed forms compiled into code: one NumPy function for a whole batch.

A graph built for ONE sample computes ``L(x; theta)``: ``x`` are the per-sample
inputs (a row of a data set), ``theta`` the parameters shared by every sample.
``compile_value_and_grad(root, inputs, params)`` turns it into Python source for

    value_and_grad(X, theta) -> (L(X[i]; theta) for each i,  dL/dtheta_j (X[i]; theta)),

shapes ``(n,)`` and ``(n, len(params))``, every line an operation on a whole column of
the batch. The source is written from the symbolic views, not by tracing:

- the forward part is the graph itself, one line per result node, from the rule
  table's forward with ``m = SYM``: the same operations in the same order as the
  engine, so sums, products and ReLUs round exactly as ``forward()`` does (NumPy's
  exp, log and tanh may differ from ``math``'s in the last place);
- the gradient part is the engine's symbolic reverse sweep in the chain-rule view
  (d L/d theta_j written with the nodes' symbols, ``engine.symbolic``), with its
  common subexpressions pulled out by ``sympy.cse``. No ``sympy.diff`` of the
  expanded expression anywhere: on micrograd's MLP that is the slow way.

ReLU's ``Max(0, x)`` prints as ``numpy.maximum`` and its derivative ``Heaviside(x, 0)``
as ``numpy.heaviside(x, 0.0)``, both elementwise. Outside a primitive's domain the
compiled code does what NumPy does (inf or nan, with NumPy's warning) where the engine
raises ``DomainError``.

What it costs: the closed form of a gradient is as big as the chain rule makes it.
A wide, shallow graph (micrograd's MLP: 337 parameters, 644 nodes) has short ones;
down a chain of depth d the closed form has about d^2/2 factors, and the sweep and
cse grow with it (``bench_compile.py`` measures both).

The result shows its ``source``, writes it as a module that needs only NumPy
(``write_module``), and prints the same program as C (``c_source``). This module
imports only SymPy: NumPy is imported by the generated code, on its first call.
"""

import keyword
import linecache
import re
import textwrap

import sympy
from sympy.printing.c import C99CodePrinter
from sympy.printing.numpy import NumPyPrinter

from engine.rules import HELPERS, NAMESPACE, RULES, SYM
from engine.symbolic import _args, _check_names, _sweep, symbol
from engine.value import Value, topo_order

# Names the generated Python and C use for themselves, C's keywords, and what SymPy's
# printers write besides the table's functions (powers, constants, fmod in Mod):
# with every name of every function of the table (``_reserved``), a label that
# reads like one of them is renamed around it.
_OWN = set(
    "numpy X theta n out value grad i INPUTS PARAMS ValueError math "
    "auto break case char const continue default do double else enum extern float for goto "
    "if inline int long register restrict return short signed sizeof static struct switch "
    "typedef union unsigned void volatile while "
    "pow sqrt cbrt exp log fabs fmod floor M_PI M_E M_LN2 M_LN10 M_SQRT2 M_1_PI M_2_PI".split()
)


def _reserved():
    """``_OWN`` and every name a function of the table has: its own, its aliases,
    NumPy's and C's (read at each compile, so a function added later counts too)."""
    names = set(_OWN) | set(HELPERS)
    for rule in RULES.values():
        names.update(rule.names)
        names.update(n for n in (rule.c, rule.sym) if isinstance(n, str))
    return names


def _identifier(text, fallback, taken, reserved=frozenset()):
    """A fresh ASCII identifier made from a label: 'w_{1,0,2}' -> 'w_1_0_2'.

    Only [A-Za-z0-9_] survive, so no label can put anything but a name in the code."""
    name = re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_") or fallback
    if name[0].isdigit() or keyword.iskeyword(name) or name in reserved:
        name = f"{fallback}_{name}"
    base, i = name, 1
    while name in taken:
        i += 1
        name = f"{base}_{i}"
    taken.add(name)
    return name


def _float(x):
    """The shortest text that reads back as the same double."""
    return repr(float(x))


class _Names:
    """What both printers share: our identifiers for symbols, exact float text."""

    def __init__(self, names, **settings):
        super().__init__({"order": "none", **settings})
        self.names = names

    def _print_Symbol(self, s):
        return self.names[s]

    _print_Dummy = _print_Symbol  # cse's temporaries

    def _print_Float(self, x):
        return _float(x)


def _spelling(func, lib):
    """The table's name for the SymPy function ``func`` in ``lib`` ('numpy' or 'c'),
    or None: the rule whose SymPy function it is declares it."""
    for name, rule in NAMESPACE.items():
        if callable(rule.sym):  # a composite: SymPy's printer writes its parts
            continue
        spelling = getattr(rule, lib)
        if spelling is not None and getattr(SYM, name) is func:
            return spelling or name
    return None


class _NumPy(_Names, NumPyPrinter):
    """SymPy's NumPy printer with our names and elementwise max, min and step."""

    def __init__(self, names):
        super().__init__(names, fully_qualified_modules=True)

    def _print_Function(self, e):
        name = _spelling(e.func, "numpy")
        if name is None:
            if _spelling(e.func, "c") is not None:  # a function of the table NumPy
                raise ValueError(  # lacks: SymPy would print math.<f>, scalars only
                    f"{e.func.__name__} has no NumPy function (its rule says numpy=None): "
                    "the NumPy code cannot call it; c_source() can"
                )
            return super()._print_Function(e)
        return f"numpy.{name}({', '.join(map(self._print, e.args))})"

    def _lattice(self, e, fn):
        # SymPy's default, functools.reduce(numpy.maximum, [...]), needs functools in
        # the module; nested calls with a float second argument are what numpy is
        # fastest with.
        *rest, last = sorted(e.args, key=lambda a: not a.is_number)
        out = self._print(last)
        for a in reversed(rest):
            out = f"numpy.{fn}({out}, {_float(a) if a.is_number else self._print(a)})"
        return out

    def _print_Max(self, e):
        return self._lattice(e, "maximum")

    def _print_Min(self, e):
        return self._lattice(e, "minimum")

    def _print_Heaviside(self, e):
        x, h0 = e.args  # args, not pargs: Heaviside(x) keeps its default H(0) = 1/2 there
        return f"numpy.heaviside({self._print(x)}, {_float(h0)})"


class _C(_Names, C99CodePrinter):
    """SymPy's C99 printer with our names, Heaviside's value at 0 kept and Python's
    (NumPy's, SymPy's) mod, which takes the sign of the divisor where C's fmod takes
    the dividend's."""

    def _print_Function(self, e):
        name = _spelling(e.func, "c")
        if name is None:
            return super()._print_Function(e)
        return f"{name}({', '.join(map(self._print, e.args))})"

    def _print_Mod(self, e):
        a, b = map(self._print, e.args)
        r = f"fmod({a}, {b})"
        return f"({r} + (({r} != 0 && (({r} < 0) != (({b}) < 0))) ? ({b}) : 0.0))"

    def _print_Heaviside(self, e):
        x, h0 = e.args
        x = self._print(x)
        return f"(({x}) > 0 ? 1.0 : (({x}) < 0 ? 0.0 : {_float(h0)}))"


def _as_values(nodes, what):
    nodes = list(nodes)
    for v in nodes:
        if not isinstance(v, Value) or not v.is_variable:
            raise TypeError(f"{what} must be variables (Values you made), got {v!r}")
    return nodes


class CompiledGrad:
    """The value and parameter gradient of a one-sample graph, as code for a batch.

    Call it: ``values, grads = f(X, theta)`` with X of shape (n, len(f.inputs)) and
    theta of shape (len(f.params),). ``f.source`` is the generated Python."""

    def __init__(self, name, inputs, params, lines, names):
        self.name = name
        self.inputs = tuple(v.label for v in inputs)
        self.params = tuple(v.label for v in params)
        # forward and temps: (code name, SymPy expression) pairs; value: the root's
        # symbol; grads: one expression per param. names: symbol -> code name.
        self._lines = lines
        self._names = names
        self._input_names = [names[symbol(v)] for v in inputs]
        self._param_names = [names[symbol(v)] for v in params]
        self._source = None
        self._fn = None

    # -- the generated source ---------------------------------------------------
    @property
    def source(self):
        """A Python module that defines ``<name>(X, theta)`` and needs only NumPy."""
        if self._source is None:
            self._source = self._render(_NumPy(self._names))
        return self._source

    def _render(self, p):
        forward, temps, value, grads = self._lines
        nin, npar = len(self.inputs), len(self.params)
        body = [
            "X = numpy.asarray(X, dtype=float)",
            "theta = numpy.asarray(theta, dtype=float)",
            f"if X.ndim != 2 or X.shape[1] != {nin}:",
            f"    raise ValueError(f'X must have shape (n, {nin}), got {{X.shape}}')",
            f"if theta.shape != ({npar},):",
            f"    raise ValueError(f'theta must have shape ({npar},), got {{theta.shape}}')",
            "n = X.shape[0]",
        ]
        body += _unpack(self._input_names, "numpy.ascontiguousarray(X.T)")
        body += _unpack(self._param_names, "theta")
        body.append("# forward: one line per node, in the engine's order")
        body += [f"{a} = {p.doprint(e)}" for a, e in forward]
        body.append("# gradient: the reverse sweep in the chain-rule view, after cse")
        body += [f"{a} = {p.doprint(e)}" for a, e in temps]
        body.append(f"out = numpy.empty(({npar + 1}, n))")
        body.append(f"out[0] = {p.doprint(value)}")
        body += [f"out[{j + 1}] = {p.doprint(e)}" for j, e in enumerate(grads)]
        body.append("return out[0], out[1:].T")
        doc = (
            f'    """X: (n, {nin}) inputs, a sample per row; theta: ({npar},) parameters.\n'
            f'    Returns the values, shape (n,), and the gradients, shape (n, {npar})."""\n'
        )
        return (
            f'"""Generated by engine.compile: {self.name}(X, theta), the value of a\n'
            f"one-sample graph and its gradient by every parameter, for a batch of\n"
            f'inputs at once. Needs only NumPy."""\n\n'
            "import numpy\n\n"
            f"INPUTS = {_wrap_list(self.inputs)}\n"
            f"PARAMS = {_wrap_list(self.params)}\n\n\n"
            f"def {self.name}(X, theta):\n{doc}" + textwrap.indent("\n".join(body), "    ") + "\n"
        )

    def __call__(self, X, theta):
        if self._fn is None:
            # The source is ours: every name is a sanitized identifier and every
            # number a repr, so nothing a user typed reaches the compiler as code.
            filename = f"<engine.compile {self.name} {id(self):x}>"
            src = self.source
            linecache.cache[filename] = (len(src), None, src.splitlines(True), filename)
            namespace = {}
            exec(compile(src, filename, "exec"), namespace)
            self._fn = namespace[self.name]
        return self._fn(X, theta)

    def write_module(self, path):
        """Write the source as a standalone module (needs only NumPy); returns path."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.source)
        return path

    def c_source(self):
        """The same program in C99: ``void <name>(long n, const double *X,
        const double *theta, double *value, double *grad)``, X row-major (n, inputs),
        grad row-major (n, params). Needs only <math.h>."""
        p = _C(self._names)
        forward, temps, value, grads = self._lines
        nin, npar = len(self.inputs), len(self.params)
        outer = [f"const double {a} = theta[{j}];" for j, a in enumerate(self._param_names)]
        inner = [f"const double {a} = X[{nin}*i + {j}];" for j, a in enumerate(self._input_names)]
        inner += [f"const double {a} = {p.doprint(e)};" for a, e in forward + temps]
        inner.append(f"value[i] = {p.doprint(value)};")
        inner += [f"grad[{npar}*i + {j}] = {p.doprint(e)};" for j, e in enumerate(grads)]
        return (
            f"/* Generated by engine.compile: {self.name}, the value of a one-sample graph\n"
            f"   and its gradient by every parameter, for n samples. */\n"
            "#include <math.h>\n\n"
            f"void {self.name}(long n, const double *X, const double *theta,\n"
            f"    double *value, double *grad)\n{{\n"
            + textwrap.indent("\n".join(outer), "    ")
            + "\n    for (long i = 0; i < n; i++) {\n"
            + textwrap.indent("\n".join(inner), "        ")
            + "\n    }\n}\n"
        )

    @property
    def stats(self):
        """Sizes: forward lines (result nodes), cse temporaries, gradient operations."""
        forward, temps, value, grads = self._lines
        return {
            "forward_lines": len(forward),
            "cse_temporaries": len(temps),
            "gradient_ops": int(sum(sympy.count_ops(e) for _, e in temps))
            + int(sum(sympy.count_ops(e) for e in grads)),
        }

    def __repr__(self):
        forward, temps, _, _ = self._lines
        return (
            f"CompiledGrad({self.name}: {len(self.inputs)} inputs, {len(self.params)} params, "
            f"{len(forward)} forward lines, {len(temps)} cse temporaries)"
        )


def _pack(items, width=88):
    """Comma-separated items, as few lines as fit in width."""
    lines, line = [], ""
    for item in items:
        if line and len(line) + len(item) + 2 > width:
            lines.append(line + ",")
            line = ""
        line = f"{line}, {item}" if line else item
    return lines + [line]


def _unpack(names, what):
    """``(a, b, c) = what``, wrapped (nothing for no names)."""
    if not names:
        return []
    if len(names) == 1:
        return [f"({names[0]},) = {what}"]
    lines = _pack(names)
    if len(lines) == 1:
        return [f"({lines[0]}) = {what}"]
    return ["("] + ["    " + s for s in lines] + [f") = {what}"]


def _wrap_list(items):
    lines = _pack([repr(s) for s in items])
    if len(lines) == 1:
        return f"[{lines[0]}]"
    return "[\n" + "".join(f"    {s}\n" for s in lines) + "]"


def compile_value_and_grad(root, inputs, params, name="value_and_grad"):
    """Compile root (a graph for one sample) into a batched value-and-gradient function.

    ``inputs``: the variables that change from sample to sample, in the order of X's
    columns; ``params``: the variables to differentiate by, in theta's order. Every
    variable of root's graph must be one or the other. Returns a ``CompiledGrad``.
    """
    if not isinstance(root, Value):
        raise TypeError(f"root must be a Value, got {type(root).__name__}")
    if not (isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)):
        raise ValueError(f"name must be a Python identifier, got {name!r}")
    reserved = _reserved()
    if name in reserved:
        raise ValueError(f"name {name!r} is taken by the generated code; choose another")
    inputs, params = _as_values(inputs, "inputs"), _as_values(params, "params")
    listed = inputs + params
    if len(set(listed)) != len(listed):
        raise ValueError("a Value is listed twice among inputs and params")
    nodes = topo_order(root)
    known = set(listed)
    for v in nodes:
        if v.is_variable and v not in known:
            raise ValueError(
                f"variable {symbol(v).name!r} is in the graph but is neither an input nor a param"
            )
    # One name per node, listed ones outside the graph included: the code maps names.
    _check_names(list(dict.fromkeys(nodes + listed)), "nodes")
    adj = _sweep(root)  # {id(node): d root/d node}, in the nodes' symbols

    taken = reserved | {name}
    names = {}
    in_names = [_identifier(v.label, f"x{j}", taken, reserved) for j, v in enumerate(inputs)]
    par_names = [_identifier(v.label, f"p{j}", taken, reserved) for j, v in enumerate(params)]
    for v, a in zip(listed, in_names + par_names):
        names[symbol(v)] = a
    forward = []
    for v in nodes:
        if v._rule is not None:
            a = _identifier(v.label, f"n{len(forward) + 1}", taken, reserved)
            names[symbol(v)] = a
            args = _args(v, symbol)
            # Unevaluated, so SymPy keeps the rule's own order of operations (its Add
            # would sort the terms of a sum) and the floats round as in the engine.
            with sympy.evaluate(False):
                forward.append((a, sympy.sympify(v._rule.forward(SYM, *args))))

    grads = [adj.get(id(p), sympy.Integer(0)) for p in params]
    temps, grads = sympy.cse(grads, symbols=sympy.numbered_symbols(cls=sympy.Dummy), order="none")
    temps_named = []
    for j, (s, e) in enumerate(temps):
        names[s] = _identifier("", f"c{j + 1}", taken)
        temps_named.append((names[s], e))

    lines = forward, temps_named, symbol(root), grads
    return CompiledGrad(name, inputs, params, lines, names)
