"""What the explorer and the panels look at: one resolver for every way to say it.

A *target* is any of
- a ``Value``: a graph's output, as built (``o`` of the lecture's neuron);
- an expression's text, its values as keywords: ``"sin(x)*y"`` with ``x=1, y=2``
  (read by ``explorer.parse``: a whitelist, never ``eval``);
- a Python function of Values: ``lambda x, y: x.sin() * y``, called once on fresh
  variables named after its parameters.

``resolve`` turns each into ``(root, variables, built)``; ``built`` says the graph
was made here (so nobody has run ``backward()`` on it yet).
"""

import inspect
import itertools

from engine import Value
from engine.graph import variables_of
from explorer.parsing import ParseError, names, parse


def lecture_f(x):
    """The lecture's first function, chapter 1: f(x) = 3x^2 - 4x + 5."""
    return 3 * x**2 - 4 * x + 5


def point(root):
    """The graph's variables at their current data, for evaluating closed forms to
    high precision (``engine.evaluate.precise`` takes each float's exact value)."""
    return {v.symbol: v.data for v in variables_of(root)}


def _starts(keys, start, default):
    if isinstance(start, dict):
        return {k: start.get(k, default) for k in keys}
    return dict.fromkeys(keys, default if start is None else start)


def resolve(target, variables=None, start=None, what="this", default=1.0):
    """(root, [variables], built) from a Value, a text or a function (see above).

    ``start``: the variables' values for a text or a function, a number for all or
    a dict name -> number (names not given start at ``default``). ``variables``:
    for a Value, which of its variables (a Value or a list; default all)."""
    if isinstance(target, Value):
        chosen = variables_of(target, variables, what)
        if not chosen:
            raise ValueError(f"{what}: the output's graph has no variables to move")
        return target, chosen, False
    if isinstance(target, str):
        found = names(target)
        if isinstance(start, dict):
            extra = sorted(set(start) - set(found))
            if extra:
                raise ParseError(f"a value was given for {', '.join(extra)}, not in the expression")
        root = parse(target, **_starts(found, start, default))
        by_name = {v.label: v for v in variables_of(root)}
        return root, [by_name[n] for n in found], True
    if callable(target):
        params = _parameter_names(target, what)
        starts = _starts(params, start, default)
        xs = [Value(default if starts[n] is None else starts[n], label=n) for n in params]
        root = target(*xs)
        if not isinstance(root, Value):
            raise TypeError(f"{what}: the function must return a Value, got {type(root).__name__}")
        return root, xs, True
    raise TypeError(
        f"{what}: expected a Value (a graph's output), an expression's text or a function "
        f"of Values, got {type(target).__name__}"
    )


def resolve_one(target, var=None, x=None, values=None, what="this", default=3.0):
    """(root, the one variable to vary) for a one-variable view (the step-size panel).

    A Value: ``var`` picks its variable (needed when it has several), ``x`` sets it.
    A text or a function: ``values`` are its variables' values by name, as for every
    view; ``var`` names the one to vary (needed when there are several); ``x`` is the
    variable x's value when there is one, else the varied variable's (``lambda t:
    ...`` with ``x=3``). Variables given no value start at ``default``."""
    values = dict(values or {})
    if isinstance(target, Value):
        if values:
            raise TypeError(
                f"{what}: values {sorted(values)} go with a text or a function, not a Value"
            )
        root, chosen, _ = resolve(target, var, None, what)
        if len(chosen) != 1:
            listed = ", ".join(v.label or "?" for v in chosen)
            raise ValueError(f"{what}: pick one variable to vary (the graph has {listed})")
        if x is not None:
            chosen[0].data = float(x)
        return root, chosen[0]
    found = names(target) if isinstance(target, str) else None
    if found is None and callable(target):
        found = _parameter_names(target, what)
    if found is None:
        resolve(target, what=what)  # says what a target may be
    if var is not None and not isinstance(var, str):
        raise TypeError(f"{what}: for a text or a function, var is a variable's name")
    if var is None and len(found) > 1:
        choices = " or ".join(f"var={n!r}" for n in found)
        raise ValueError(f"{what}: pick the variable to vary: {choices}")
    name = var or found[0]
    if name not in found:
        raise ValueError(
            f"{what}: no variable {name!r} to vary (the variables: {', '.join(found)})"
        )
    if x is not None:
        values["x" if "x" in found else name] = x
    root, variables, _ = resolve(target, None, values, what, default)
    return root, next(v for v in variables if v.label == name)


def resolve_with_grads(target, values, what):
    """``resolve`` for ``check``/``draw``/``formulas``: a graph built from text or a
    function gets its ``backward()`` here; a Value is taken as the user left it."""
    if isinstance(target, Value) and values:
        raise TypeError(
            f"{what}: values {sorted(values)} go with a text or a function, not a Value"
        )
    root, variables, built = resolve(target, start=values or None, what=what)
    if built:
        name_output(root, {v.label for v in variables})
        root.backward()
    return root


def name_output(root, taken):
    """Label an unlabelled output ``f`` (``f_out``, ``f_out2``... if a variable has that
    name), so tables and formulas read ∂f/∂x."""
    if not root.label:
        root.label = next(n for n in _output_names() if n not in taken)


def _output_names():
    yield "f"
    for i in itertools.count(1):
        yield f"f_out{i if i > 1 else ''}"


def _parameter_names(f, what):
    try:
        params = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):
        return ["x"]
    found = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if not found:
        raise TypeError(f"{what}: the function takes no positional argument to vary")
    return found
