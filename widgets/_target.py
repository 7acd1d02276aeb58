"""The thing a panel differentiates: a graph's output and the variables it moves.

A panel accepts either a Python callable that takes Values and returns a Value
(``lambda x: 3*x**2 - 4*x + 5``), which it calls once on fresh variables to get a
graph, or a graph's output ``root`` and the variables to move. Either way it then
works on that one graph with ``root.forward()``: it never rebuilds it.
"""

import inspect

import sympy

from engine import Value, topo_order


def lecture_f(x):
    """The lecture's first function, chapter 1: f(x) = 3x^2 - 4x + 5."""
    return 3 * x**2 - 4 * x + 5


def variables_of(root):
    """The variables (user-made leaves) of root's graph, in topological order."""
    return [v for v in topo_order(root) if v.is_variable]


def resolve(target, variables=None, start=None, what="the panel"):
    """(root, [variables]) from a callable or a graph's output.

    - ``target`` callable: called with one Value per parameter, named after the
      parameters and starting at ``start`` (a number, or a dict name -> number,
      default 1.0 each).
    - ``target`` a Value: its graph; ``variables`` (a Value or a list of them,
      default all of the graph's variables) must be variables of that graph.
    """
    if isinstance(target, Value):
        root = target
        present = variables_of(root)
        if variables is None:
            chosen = present
        else:
            chosen = [variables] if isinstance(variables, Value) else list(variables)
            ids = {id(v) for v in present}
            for v in chosen:
                if not isinstance(v, Value) or id(v) not in ids:
                    raise ValueError(f"{what}: {v!r} is not a variable of the output's graph")
        if not chosen:
            raise ValueError(f"{what}: the output's graph has no variables to move")
        return root, chosen
    if callable(target):
        names = _parameter_names(target, what)
        starts = start if isinstance(start, dict) else dict.fromkeys(names, start)
        xs = [Value(1.0 if starts.get(n) is None else starts[n], label=n) for n in names]
        root = target(*xs)
        if not isinstance(root, Value):
            raise TypeError(f"{what}: the function must return a Value, got {type(root).__name__}")
        return root, xs
    raise TypeError(
        f"{what}: expected a function of Values or a Value (a graph's output), "
        f"got {type(target).__name__}"
    )


def _parameter_names(f, what):
    try:
        params = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):
        return ["x"]
    names = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if not names:
        raise TypeError(f"{what}: the function takes no positional argument to vary")
    return names


def point(root):
    """The graph's variables at their current data, exactly (binary floats as
    Rationals), for evaluating closed forms to high precision."""
    return {v.symbol: sympy.Rational(v.data) for v in variables_of(root)}


def evaluate(expr, at, digits=30):
    """A SymPy expression's value at a point, to ``digits`` digits, as a float."""
    return float(sympy.sympify(expr).xreplace(at).evalf(digits))


def set_data(variables, values):
    """Put numbers into the variables' data (the graph itself is left to forward())."""
    for v, x in zip(variables, values):
        v.data = float(x)
