"""Small helpers the explorer's views share: names, sizes, the backward root, printing."""

import functools
import math
import re

import sympy

from engine import topo_order
from engine.graph import backward_root

# Above this many operations in a whole expression tree, SymPy work (building the
# expression, diff, expanding a gradient) takes seconds to minutes: a 1-sample
# loss of micrograd's MLP(2, [16, 16, 1]) has about 4,800 and takes about 4 s.
MAX_SYMBOLIC = 2000


def name_of(v):
    """What a node is called in tables and pictures: its label, its symbol's
    automatic name when unlabelled, or the number for a constant."""
    if v.is_constant:
        return f"{v.data:g}"
    return v.label or v.symbol.name


def tree_sizes(order):
    """{node: number of operations in its expression written out as a tree}.

    Exact Python ints, so a graph whose tree is exponentially larger than the
    graph itself (a node reused at every level) is measured, not expanded."""
    size = {}
    for v in order:
        size[v] = 1 + sum(size[c] for c in v.inputs)
    return size


def require_backward(root, nodes=None, what="this"):
    """Raise a clear error unless every node's gradient comes from root.backward()."""
    if backward_root(root) is not root:
        name = root.label or "root"
        raise RuntimeError(f"{what} needs gradients: call {name}.backward() first")
    for v in nodes or ():
        if backward_root(v) is not root:
            raise RuntimeError(
                f"the gradient of node {name_of(v)!r} comes from another backward(), "
                f"not from {root.label or 'this root'}'s: call backward() on it again"
            )


def fmt_num(x, digits=10):
    """A number for a table: 10 significant digits, '—' when missing."""
    if x is None:
        return "—"
    if isinstance(x, float) and math.isnan(x):
        return "nan"
    if x == 0:
        x = 0.0  # -0.0 prints as "-0", which a reader takes for a sign that matters
    return f"{x:.{digits}g}"


_SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


@functools.lru_cache(maxsize=4096)
def pretty(expr):
    """A one-line, readable form of a SymPy expression: ``w1·(1 − o²)``.

    SymPy's own string (deterministic term order) with small integer powers as
    superscripts, ``·`` for products and a true minus sign."""
    s = sympy.sstr(expr)
    s = re.sub(r"\*\*(\d{1,2})\b", lambda m: m.group(1).translate(_SUP), s)
    s = re.sub(r"\*\*\((-\d{1,2})\)", lambda m: m.group(1).translate(_SUP), s)
    s = s.replace("**", "^").replace("*", "·")
    return re.sub(r"(?<![eE])-", "−", s)


def count_ops_at_most(expr, limit):
    """The number of nodes in expr's tree, or None once it passes limit (never
    walks more than limit nodes, however large the expression)."""
    n = 0
    for _ in sympy.preorder_traversal(expr):
        n += 1
        if n > limit:
            return None
    return n


def graph(root):
    """root's nodes in topological order and each node's index in it."""
    order = topo_order(root)
    return order, {v: i for i, v in enumerate(order)}
