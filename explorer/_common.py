"""Small helpers the explorer's views share: names, sizes, the backward root, printing."""

import functools
import math
import re

import sympy

from engine import topo_order
from engine.graph import backward_root
from engine.names import name_graph

# Above this many operations in a whole expression tree, SymPy work (building the
# expression, diff, expanding a gradient) takes seconds to minutes: a 1-sample
# loss of micrograd's MLP(2, [16, 16, 1]) has about 4,800 and takes about 4 s.
MAX_SYMBOLIC = 2000
# The chain-rule view's total size over the variables (``sweep_sizes``): SymPy builds
# about 20,000 operations of it a second (x/x/.../x, 200 deep: 20,500 in 0.6 s).
MAX_CHAIN = 25_000
# sympy.diff of a composition n deep grows faster than n^2: 60 deep 0.5 s, 99 deep 4 s
MAX_ORACLE_DEPTH = 60


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
    # the output is named as the student named it: its label, else "the output"
    # (a variable called root exists only in the library's code)
    call = f"call {root.label}.backward()" if root.label else "call backward() on the output"
    if backward_root(root) is not root:
        raise RuntimeError(f"{what} needs gradients: {call} first")
    for v in nodes or ():
        if backward_root(v) is not root:
            owner = f"{root.label}'s" if root.label else "the output's"
            raise RuntimeError(
                f"the gradient of node {name_of(v)!r} comes from another backward(), "
                f"not from {owner}: {call} again"
            )


def depth(order):
    """The longest path from a leaf to the root (``order[-1]``), in operations."""
    d = {}
    for v in order:
        d[v] = 1 + max((d[c] for c in v.inputs), default=-1)
    return d[order[-1]]


def sweep_sizes(order):
    """Estimated size of d root/d node for every node (root = ``order[-1]``) in the
    chain-rule view: a factor per edge on every path.

    Exact Python ints from one reverse pass over the graph, before SymPy is asked for
    anything: ``x/x/.../x`` with 666 x's has a chain-rule view of about 220,000
    operations, which SymPy takes 15 s to build."""
    chain = {order[-1]: 1}
    for v in reversed(order):
        if v in chain:
            for c in v.inputs:
                chain[c] = chain.get(c, 0) + chain[v] + 1
    return chain


def symbolic_budget(order, max_symbolic=MAX_SYMBOLIC, max_chain=MAX_CHAIN, expand=True):
    """Why the closed forms of this graph (root = ``order[-1]``) would take too long,
    in one line, or None when they fit: decided by sizes, before SymPy is called.
    ``expand=False``: only the chain-rule view is wanted, not the expanded form."""
    tree = tree_sizes(order)[order[-1]]
    if expand and tree > max_symbolic:
        return (
            f"the expression has about {tree:,} operations (limit {max_symbolic:,}): "
            "SymPy would take too long"
        )
    chain = sweep_sizes(order)
    total = sum(chain.get(v, 0) for v in order if v.is_variable)
    if total > max_chain:
        return (
            f"the chain rule's formulas would have about {total:,} operations (limit "
            f"{max_chain:,}): SymPy would take too long"
        )
    return None


def fmt_num(x, digits=10):
    """A number for a table: 10 significant digits, '—' when missing."""
    if x is None:
        return "—"
    if isinstance(x, float) and math.isnan(x):
        return "nan"
    return f"{x + 0.0:.{digits}g}"  # + 0.0: no "-0" in a table


_SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


@functools.lru_cache(maxsize=4096)
def latex(expr):
    """A formula (or a node's symbol) as LaTeX, as the panels show it."""
    return sympy.latex(expr)


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
    """root's nodes in topological order and each node's index in it; the graph's
    unlabelled nodes are named first (``engine.names``), so every view calls a node
    the same."""
    name_graph(root)
    order = topo_order(root)
    return order, {v: i for i, v in enumerate(order)}


# SymPy builds the closed forms of a graph at about this many units of
# ``closed_form_work`` a second; the limit keeps check() interactive (about 1 s)
MAX_CLOSED_WORK = 100_000


def closed_form_work(order):
    """An estimate of the work of every variable's ``grad_expr`` (root = ``order[-1]``),
    counted the way the engine builds them, on the graph, not on the trees:

    - each node's expression is built once, and a tree of + (or *) nodes is one
      sum (product) of all its terms: a node's inputs, plus the terms of each sum
      or product read by a node of another kind (or the root);
    - the reverse sweep gives each node one term per edge into it, and along a
      single path a product of one more factor per node (a chain 666 deep holds
      products of up to 666 factors: quadratic in depth);
    - the expansion rebuilds each of those once.

    Exact ints from two passes, before SymPy is asked anything. A network's loss,
    whose tree is thousands of times its graph, costs about its graph here."""
    flat, consumers = {}, {}
    for v in order:
        rule = v.rule
        n = 0
        for c in v.inputs:
            n += flat[c] if rule is not None and c.rule is rule and rule.name in "+*" else 1
            consumers.setdefault(c, []).append(rule)
        flat[v] = max(n, 1)
    work = 0
    for v in order:
        work += 1 + len(v.inputs)
        if v.rule is not None and v.rule.name in ("+", "*"):
            users = consumers.get(v, ())
            if v is order[-1] or any(r is not v.rule for r in users):
                work += flat[v]
    # the sweep: a node's adjoint is a sum of its edges' terms, or along one path a
    # product one factor longer than the path's
    length = {order[-1]: 0}
    for v in reversed(order):
        if v not in length or not v.inputs:
            continue
        n = len(consumers.get(v, ())) if v is not order[-1] else 1
        here = 1 if n > 1 else length[v]
        work += 2 * (n if n > 1 else here)  # built, then expanded
        grows = 0 if v.rule is not None and v.rule.name in ("+", "affine") else 1  # d/d = 1
        for c in v.inputs:
            length[c] = here + grows
    return work


def closed_form_why(order, limit=MAX_CLOSED_WORK):
    """Why every variable's closed form of this graph would take too long, in one
    line, or None (``closed_form_work`` against ``limit``)."""
    work = closed_form_work(order)
    if work <= limit:
        return None
    return (
        f"building the closed forms would take about {work:,} SymPy operations on this "
        f"graph (limit {limit:,}, about a second)"
    )
