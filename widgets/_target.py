"""The thing a panel differentiates: a graph's output and the variables it moves.

A panel accepts a graph's output ``root`` (and the variables to move), an
expression's text with its values (``"sin(x)*y"``), or a Python callable that takes
Values and returns a Value (``lambda x: 3*x**2 - 4*x + 5``), which it calls once on
fresh variables to get a graph. Either way it then works on that one graph with
``root.forward()``: it never rebuilds it.
"""

from explorer.target import (
    lecture_f,  # noqa: F401 (the panels' import)
    variables_of,  # noqa: F401 (the panels' import)
)
from explorer.target import resolve as _resolve


def resolve(target, variables=None, start=None, what="the panel"):
    """(root, [variables]) from a Value, an expression's text or a function of Values
    (``explorer.target.resolve``, the one resolver)."""
    root, chosen, _ = _resolve(target, variables, start, what)
    return root, chosen
