"""Walking a graph: its order, the start of backward(), recomputing, and varying inputs.

The one copy of each loop every other module uses: ``topo_order`` (inputs before
the nodes made from them), ``seed`` and ``backward_order`` (the start and the order
of ``backward()``'s sweep), ``recompute`` (``forward()`` over a stretch of the
order) and ``vary`` (set some nodes' data, recompute what depends on them, restore
everything on the way out; ``kept_grads`` restores the grads too).
No recursion anywhere: a chain a million nodes deep works.

``builds_without_gc`` pauses the cyclic garbage collector while a builder makes a
graph, and leaves it exactly as it found it: the graph has no cycles, so the
collector only costs time there.
"""

import contextlib
import functools
import gc
import math
import operator
import weakref

from engine.local import apply
from engine.rules import DomainError

# Bumped whenever a label changes, so that memoized symbols and expressions,
# which are named after labels, are rebuilt instead of going stale.
EPOCH = [0]

# A node's inputs live in two slots, ``_a`` and ``_b``, not in a tuple, so that a
# node is one object for the cyclic collector, not two: a leaf has both None; one
# input is ``_a`` with ``_b`` None; two are ``_a`` and ``_b``; three or more (an
# ``affine`` node, a custom op) are the tuple ``_a`` with ``_b`` this marker.
MANY = type("Many", (), {"__repr__": lambda self: "MANY", "__slots__": ()})()


def set_inputs(v, children):
    """Store the tuple ``children`` as v's inputs (see ``MANY``)."""
    n = len(children)
    if n == 0:
        v._a = v._b = None
    elif n == 1:
        v._a, v._b = children[0], None
    elif n == 2:
        v._a, v._b = children
    else:
        v._a, v._b = children, MANY


def inputs_of(v):
    """v's inputs, in order, as a tuple (micrograd's ``_prev``)."""
    a, b = v._a, v._b
    if b is None:
        return () if a is None else (a,)
    return a if b is MANY else (a, b)


def topo_order(root):
    """Every node of root's graph, each after all of its inputs (root last).

    The order of micrograd's recursive ``build_topo`` (depth-first, inputs in order,
    a node after its inputs), with an explicit stack instead of recursion, so a
    million-deep chain works. Visiting a node is the recursive call: a node not
    seen before goes on the stack under a ``None`` mark, with its other inputs
    above the mark, last input lowest, and its first input is visited at once;
    when the mark comes up again, all its inputs are placed, and so is it."""
    order, seen, stack = [], set(), []
    place, push, pop, see = order.append, stack.append, stack.pop, seen.add
    v = root
    while True:
        if v not in seen:
            see(v)
            a, b = v._a, v._b
            if a is not None:
                push(v)
                push(None)
                if b is MANY:
                    stack.extend(reversed(a[1:]))
                    a = a[0]
                elif b is not None:
                    push(b)
                v = a
                continue
            place(v)  # a leaf
        while stack:  # place every node whose inputs are done; visit the next input
            v = pop()
            if v is not None:
                break
            place(pop())
        else:
            return order


# {node: how many backward() passes its grad holds}, for the nodes whose grad was
# not zero when a backward() began (it adds to what an earlier one left): the
# lecture's chapter 14 bug, forgetting zero_grad(). Weak: it keeps no node alive.
PASSES = weakref.WeakKeyDictionary()
_GRAD = operator.attrgetter("grad")
SAMPLE = 256  # nodes at each end of the order that seed() looks at first


def seed(root, order):
    """The start of ``backward()``: ``root.grad = 1`` and every node of root's
    ``order`` stamped with root (``grad_expr``'s root); returns the order reversed,
    the order of the sweep.

    A node whose grad is not zero here will hold the sum of this pass and earlier
    ones: ``passes`` counts them. Looking at every node would cost a twentieth of
    the sweep, so the first and last nodes of the order are looked at first: the
    first parameters and inputs the graph reads (stale when ``zero_grad()`` was
    forgotten between steps) and the output's own inputs (stale when the same
    graph is backpropagated twice); only when one of them holds a gradient, or an
    earlier pass was counted, is every node counted. (Stale gradients only in the
    middle of a long order go uncounted: the check still flags them, without
    saying why.)"""
    ref = weakref.ref(root)
    for v in order:
        v._root = ref
    if PASSES or any(map(_GRAD, order[:SAMPLE])) or any(map(_GRAD, order[-SAMPLE:-1])):
        for v in order:
            if v.grad and v is not root:
                PASSES[v] = PASSES.get(v, 1) + 1
            elif PASSES:
                PASSES.pop(v, None)
    root.grad = 1.0
    return reversed(order)


def passes(v):
    """How many backward() passes v's grad is the sum of: 1, or more when backward()
    ran while v still held a gradient from an earlier one (no ``zero_grad()``)."""
    return PASSES.get(v, 1)


def backward_order(root, order=None):
    """The sweep of ``backward()``: seeds it (``seed``), then yields every result
    node from root back to the leaves. ``order``: root's ``topo_order``, when the
    caller has it already."""
    for v in seed(root, topo_order(root) if order is None else order):
        if v._a is not None:
            yield v


def builds_without_gc(call):
    """A builder ``call(self, x)`` that runs with the cyclic garbage collector
    paused, and leaves it exactly as it was, however the call exits.

    For the engine's bulk builders (a network's forward pass): the nodes they make
    hold no reference cycles, so the collector can find nothing among them, and
    re-scanning the graph while it grows is a large part of building it. Only
    ``gc.disable``/``gc.enable`` are called, ``enable`` only if the collector was
    on when the call began: a user's own ``gc.disable()``, the thresholds and
    ``gc.freeze`` are left alone, and nested builders change nothing (and cost a
    single test: a neuron's call inside a layer's inside a network's)."""

    @functools.wraps(call)
    def build(self, x):
        if not gc.isenabled():
            return call(self, x)
        gc.disable()
        try:
            return call(self, x)
        finally:
            gc.enable()

    return build


def variables_of(root, chosen=None, what="this"):
    """root's variables (the leaves a user made), in topological order; or ``chosen``
    (a Value or a list of them) after checking each is one of them, once."""
    present = [v for v in topo_order(root) if v.is_variable]
    if chosen is None:
        chosen = present
    else:
        chosen = [chosen] if hasattr(chosen, "_prev") else list(chosen)
        ids = {id(v) for v in present}
        for v in chosen:
            if id(v) not in ids:
                raise ValueError(f"{what}: {v!r} is not a variable of the output's graph")
        if len({id(v) for v in chosen}) != len(chosen):
            raise ValueError(f"{what}: a variable is listed twice")
    return chosen


def backward_root(v):
    """The output of the last ``backward()`` that reached v, or None."""
    ref = getattr(v, "_root", None)
    return ref() if ref is not None else None


def recompute(nodes):
    """Each result node's data again from its inputs, in the order given."""
    for v in nodes:
        if v._prev:
            if v._rule is None:
                raise TypeError(
                    f"cannot recompute {v!r}: its op {v._op!r} was made without a rule "
                    "(micrograd's way), so the engine knows its backward but not its "
                    "forward; register it with engine.primitive to give it both"
                )
            v.data = apply(v._rule, v._prev, v._k)


@contextlib.contextmanager
def kept_grads(nodes):
    """On leaving the block, however it is left (an error, Ctrl-C), every node's
    ``grad`` and the record of its last ``backward()`` root are as they were: a
    run that calls ``backward()`` at other points (a descent's trajectory) leaves
    the user's gradients, not those of a point partway along it."""
    saved = [(v, v.grad, getattr(v, "_root", None)) for v in nodes]
    try:
        yield
    finally:
        for v, g, r in saved:
            v.grad = g
            if r is not None:
                v._root = r
            elif hasattr(v, "_root"):
                del v._root


@contextlib.contextmanager
def vary(root, nodes, *, grads=False):
    """``with vary(root, [x, y]) as f: f(1.0, 2.0)`` sets x and y's data, recomputes
    the nodes after them and returns root's data; on leaving the block, however it
    is left, every node's data is as it was before, and with ``grads=True`` every
    node's grad too (``kept_grads``: for a block that runs ``backward()``).

    The nodes may be variables or intermediate nodes: an intermediate node is held
    at the value given while the nodes after it are recomputed (a nudge of that
    node alone, as the lecture nudges ``d`` or ``e`` in chapter 4)."""
    order = topo_order(root)
    index = {v: i for i, v in enumerate(order)}
    nodes = list(nodes)
    for v in nodes:
        if v not in index:
            raise ValueError(f"{v!r} is not in the graph of {root!r}")
    held = set(nodes)
    first = min((index[v] for v in nodes), default=len(order))
    after = [w for w in order[first + 1 :] if w._prev and w not in held]
    saved = [(w, w.data) for w in nodes + after]

    def f(*values):
        if len(values) != len(nodes):
            raise TypeError(f"expected {len(nodes)} values, got {len(values)}")
        for v, x in zip(nodes, values):
            x = float(x)
            if not math.isfinite(x):
                raise DomainError(f"cannot evaluate at a non-finite value: {x}")
            v.data = x
        recompute(after)
        return root.data

    keep = kept_grads(order) if grads else contextlib.nullcontext()
    try:
        with keep:
            yield f
    finally:
        for w, x in saved:
            w.data = x
