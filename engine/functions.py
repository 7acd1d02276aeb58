"""The rule table's functions: every rule with a function name becomes a ``Value``
method (``x.sin()``, ``x.maximum(y)``), a module function that takes numbers too
(``engine.sin(2.0)``) and an entry of ``engine.FUNCTIONS``, under each of its names
(``atan`` and NumPy's ``arctan``: ``np.arctan(x)`` calls the method of that name).
A primitive registered at run time gets its function and its entry, not a method.
``affine``, the fused neuron sum, is here too: a function of the table with a
signature of its own."""

from engine.rules import BUILTIN, RULES
from engine.value import Value, _lift, make, node

FUNCTIONS = {}  # name -> function, in the table's order (aliases too)


def _method(rule):
    """The Value method of a rule: ``x.sin()``, ``x.maximum(y)`` (numbers are lifted)."""
    if rule.arity == 1:

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
    for name in (rule.function, *rule.aliases):
        if method:
            setattr(Value, name, as_method)
        FUNCTIONS[name] = function
    return function


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
