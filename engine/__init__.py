"""The autodiff core: Value, the rule table, backward, and the symbolic views.

Imports SymPy and the standard library only.
"""

from engine.rules import RULES, DomainError
from engine.symbolic import exact, local_partials, oracle
from engine.value import Constant, Value, topo_order


def exp(x):
    """e^x of a Value (or of a number, as a constant node)."""
    return _node(x).exp()


def log(x):
    """Natural log of a Value."""
    return _node(x).log()


def tanh(x):
    """tanh of a Value."""
    return _node(x).tanh()


def relu(x):
    """max(0, x) of a Value."""
    return _node(x).relu()


def sigmoid(x):
    """1 / (1 + e^-x) of a Value."""
    return _node(x).sigmoid()


def _node(x):
    return x if isinstance(x, Value) else Constant(x)


FUNCTIONS = {"exp": exp, "log": log, "tanh": tanh, "relu": relu, "sigmoid": sigmoid}

__all__ = [
    "RULES",
    "FUNCTIONS",
    "Constant",
    "DomainError",
    "Value",
    "exact",
    "exp",
    "local_partials",
    "log",
    "oracle",
    "relu",
    "sigmoid",
    "tanh",
    "topo_order",
]
