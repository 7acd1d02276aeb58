"""The rule table's functions: every rule with a function name becomes a ``Value``
method (``x.sin()``, ``x.maximum(y)``), a module function that takes numbers too
(``engine.sin(2.0)``) and an entry of ``engine.FUNCTIONS``, under each of its names
(``asin``, its alias ``arcsin``, NumPy's name: ``np.arcsin(x)`` calls the method of
that name on an object array, and NumPy's ufuncs called on a Value come here through
``Value.__array_ufunc__``). A composite (``deg2rad``) builds its result from other
functions. A primitive registered at run time gets its function and its entry, not
a method. ``affine``, the fused neuron sum, is here too: a function of the table
with a signature of its own."""

import math
import operator
import sys

from engine.rules import BUILTIN, RULES, enter, remove
from engine.value import Value, _lift, make, node

FUNCTIONS = {}  # name -> function, in the table's order (aliases too)


class _ValueMath:
    """The namespace a composite is built with over Values: the table's functions,
    ``max``/``min`` as ``maximum``/``minimum``, and the constants as numbers."""

    def __getattr__(self, name):
        if name in ("pi", "e"):
            return getattr(math, name)
        return FUNCTIONS[{"max": "maximum", "min": "minimum"}.get(name, name)]


VALUES = _ValueMath()


def _method(rule):
    """The Value method of a rule: ``x.sin()``, ``x.maximum(y)`` (numbers are lifted)."""
    if rule.composite:

        def method(self, *others):
            if len(others) + 1 != rule.arity:
                raise TypeError(
                    f"{rule.function}() takes {rule.arity} inputs, got {len(others) + 1}"
                )
            return rule.forward(VALUES, self, *map(node, others))

    elif rule.arity == 1:

        def method(self):
            return make(rule, (self,))

    else:

        def method(self, *others):
            if len(others) + 1 != rule.arity:
                raise TypeError(
                    f"{rule.function}() takes {rule.arity} inputs, got {len(others) + 1}"
                )
            return make(rule, (self, *map(node, others)))

    method.__name__ = rule.function
    method.__doc__ = f"{rule.math}: the rule {rule.name!r} of engine.rules."
    return method


def add(rule, method=True):
    """Make rule's function (and its Value method) under every name it has; returns
    the function."""
    as_method = _method(rule)

    def function(*xs):
        if len(xs) != rule.arity:
            raise TypeError(f"{rule.function}() takes {rule.arity} inputs, got {len(xs)}")
        return as_method(node(xs[0]), *xs[1:])

    function.__name__ = rule.function
    function.arity = rule.arity
    function.__doc__ = f"{rule.math} of a Value (a number becomes a constant node)."
    for name in rule.names or (rule.function,):
        if method:
            setattr(Value, name, as_method)
        FUNCTIONS[name] = function
    return function


def declare(rule):
    """Add a function to the table at run time, everywhere at once: ``RULES``, the
    namespaces (``rule.num``, ``rule.sym``), ``FUNCTIONS``, the ``Value`` methods,
    the ``engine`` module, the parser, NumPy's ufuncs on Values, ``compile``'s names.
    ``engine.rules`` declares the built-in ones the same way, at import."""
    enter(rule)
    function = add(rule)
    _forget()
    return function


def undeclare(name):
    """Take a declared function out again (a test's throwaway entry)."""
    rule = remove(name)
    for n in rule.names:
        FUNCTIONS.pop(n, None)
        if getattr(Value, n, None) is not None and n in Value.__dict__:
            delattr(Value, n)
        sys.modules["engine"].__dict__.pop(n, None)
    _forget()


def _forget():
    engine = sys.modules["engine"]
    for name, fn in FUNCTIONS.items():
        engine.__dict__.setdefault(name, fn)
    evaluate = sys.modules.get("engine.evaluate")
    if evaluate is not None:  # its map of SymPy functions to float ones is cached
        evaluate._namespace_functions.cache_clear()
        evaluate._namespace_names.cache_clear()


# NumPy's ufuncs that are operators, not functions of the table
_UFUNC_OPERATORS = {
    "add": operator.add,
    "subtract": operator.sub,
    "multiply": operator.mul,
    "divide": operator.truediv,
    "true_divide": operator.truediv,
    "power": operator.pow,
    "float_power": operator.pow,
    "negative": operator.neg,
    "positive": lambda x: x,
    "reciprocal": lambda x: 1 / x,
    "square": lambda x: x**2,
}
_UFUNC_COMPARISONS = {
    "greater": operator.gt,
    "greater_equal": operator.ge,
    "less": operator.lt,
    "less_equal": operator.le,
}


def _scalar(x):
    """A NumPy scalar or 0-d array as a Python number; anything else as it is."""
    if type(x).__module__ == "numpy" and getattr(x, "ndim", None) == 0:
        return x.item()
    return x


def _array_ufunc(self, ufunc, method, *inputs, **kwargs):
    """NumPy's ufuncs on Values (``np.sign(x)``, ``3.0 * np.sin(x)``, ``np.power(0.0,
    x)``): the table's function of NumPy's name, so the result is a Value with a
    gradient, never a float that has lost it; an array among the inputs is taken
    element by element. A ufunc the table lacks is refused by name."""
    name = ufunc.__name__
    if method != "__call__" or kwargs:
        how = f".{method}" if method != "__call__" else f" with {', '.join(kwargs)}="
        raise TypeError(f"numpy.{name}{how} is not supported on Values: call numpy.{name}(...)")
    fn = _UFUNC_OPERATORS.get(name) or FUNCTIONS.get(name) or _UFUNC_COMPARISONS.get(name)
    if fn is None:
        raise TypeError(
            f"numpy.{name} has no rule in the engine's table, so it cannot keep a gradient "
            f"(the functions are {', '.join(FUNCTIONS)}; engine.primitive adds one)"
        )
    if name in _UFUNC_COMPARISONS:
        fn = _compare(fn)
    inputs = [_scalar(x) for x in inputs]
    if any(type(x).__module__ == "numpy" for x in inputs):  # an array: element by element
        np = sys.modules["numpy"]
        return np.frompyfunc(fn, len(inputs), 1)(*[_boxed(np, x) for x in inputs])
    return fn(*inputs)


def _boxed(np, x):
    """x, a Value put in a 0-d object array (so NumPy does not ask it again)."""
    if not isinstance(x, Value):
        return x
    box = np.empty((), dtype=object)
    box[()] = x
    return box


def _compare(op):
    return lambda a, b: op(_data(a), _data(b))


def _data(x):
    return x.data if isinstance(x, Value) else x


Value.__array_ufunc__ = _array_ufunc

for _name in BUILTIN:
    if RULES[_name].function:
        add(RULES[_name])


def affine(b, ws, xs):
    """``b + w0*x0 + w1*x1 + ...`` as one node: a neuron's sum, fused.

    The same numbers as ``sum((w*x for w, x in zip(ws, xs)), b)``, in a graph with one
    node where the composite has 2n. Numbers among the inputs become constants."""
    ws, xs = list(ws), list(xs)
    if len(ws) != len(xs):
        raise ValueError(f"affine needs as many weights as inputs, got {len(ws)} and {len(xs)}")
    inputs = [_lift(b)]
    for w, x in zip(ws, xs):
        inputs += (_lift(w), _lift(x))
    if None in inputs:
        raise TypeError("affine takes Values and real numbers")
    return make(RULES["affine"], tuple(inputs))
