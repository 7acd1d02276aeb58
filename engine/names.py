"""Automatic names: ``v1, v2...`` for unlabelled variables, ``u1, u2...`` for
unlabelled results, given per graph, in the graph's topological order.

Every view (the drawing, ``check``, ``formulas``, the panels, the stepper and the
exercise) calls a node by its label, or by the name given here; a label always
wins. The numbers come from the graph itself, not from a session-wide counter: the
same graph built twice gets the same names, whatever ran in the session before
(the tour run twice still says ``u1, u2, u3``, not ``u52, u53, u54``).

A node keeps the name it was first given. ``name_graph(root)`` names every node
of root's graph that has none, numbering on from the largest number already used
below them (each named node remembers that largest number, ``top``), skipping the
graph's labels. The walk stops at named nodes, so naming a graph costs once what
its new part costs, and a node asked for its name alone (``symbol(v)``) is named
with the graph of the last ``backward()`` that reached it, else its own.

No SymPy here: names are strings; ``engine.symbolic`` makes symbols of them.
"""

from engine.graph import EPOCH, backward_root, topo_order

_KIND = {True: "v", False: "u"}


def memo(v):
    """The node's memo dict, emptied of everything named after labels if one changed
    (the automatic name and its ``top`` stay: they do not depend on labels)."""
    m = getattr(v, "_memo", None)
    if m is None:
        m = v._memo = {"epoch": EPOCH[0]}
    elif m["epoch"] != EPOCH[0]:
        m = v._memo = {"epoch": EPOCH[0], "auto": m.get("auto"), "top": m.get("top")}
    return m


def auto_name(v):
    """v's automatic name (``u3``), naming its graph first if need be; None for a
    constant. The label, when there is one, is what views show (``name``)."""
    if v.is_constant:
        return None
    m = memo(v)
    if m.get("auto") is None:
        root = backward_root(v)
        name_graph(root if root is not None else v)
    return m["auto"]


def name(v):
    """What a view calls v: its label, else its automatic name (None: a constant)."""
    return v.label or auto_name(v)


def _number(name, prefix):
    if name and name[0] == prefix and name[1:].isdigit():
        return int(name[1:])
    return 0


def name_graph(root):
    """Give every node of root's graph without an automatic name one (see the module
    docstring); returns root. Iterative: a million-node chain works."""
    fresh, seen, labels = [], set(), set()
    tops = [0, 0]  # the largest v and u numbers already used below the fresh part
    named_below = 0  # named nodes met: two or more may be graphs named apart
    stack = [(root, False)]
    while stack:  # a depth-first walk in micrograd's order, stopping at named nodes
        v, done = stack.pop()
        if done:
            fresh.append(v)
            continue
        if v in seen:
            continue
        seen.add(v)
        if v.label:
            labels.add(v.label)
        m = None if v.is_constant else memo(v)
        if m is not None and m.get("top") is not None:
            tops = [max(a, b) for a, b in zip(tops, m["top"])]
            named_below += 1
            continue
        stack.append((v, True))
        stack.extend((c, False) for c in reversed(v.inputs))
    counters = list(tops)
    for v in fresh:
        below = [0, 0]
        for c in v.inputs:
            t = None if c.is_constant else memo(c).get("top")
            if t is not None:
                below = [max(a, b) for a, b in zip(below, t)]
        if v.is_constant:
            continue
        m = memo(v)
        kind = 0 if v.is_variable else 1
        prefix = "v" if kind == 0 else "u"
        if m.get("auto") is None:
            counters[kind] += 1
            while f"{prefix}{counters[kind]}" in labels:
                counters[kind] += 1
            m["auto"] = f"{prefix}{counters[kind]}"
        below[kind] = max(below[kind], _number(m["auto"], prefix))
        m["top"] = tuple(below)
    if named_below > 1:
        distinct(topo_order(root))
    return root


def distinct(nodes):
    """Rename, in order, every unlabelled node whose automatic name another node of
    ``nodes`` (a graph) already has, or a label there: graphs named apart, then
    joined (``p + q`` of two neurons), would otherwise both have a ``u5``."""
    for v in nodes:  # every node named before any is compared: naming may rename
        auto_name(v)
    labels = {v.label for v in nodes if v.label}
    seen, clash = set(labels), []
    for v in nodes:
        if v.is_constant or v.label:
            continue
        n = auto_name(v)
        if n in seen:
            clash.append(v)
        seen.add(n)
    for v in clash:
        seen.add(rename(v, seen))


def rename(v, taken):
    """A new automatic name for v, the smallest clear of ``taken`` (the names in its
    graph): for a clash between graphs joined later, or a label given later."""
    m = memo(v)
    prefix = _KIND[bool(v.is_variable)]
    k = 1
    while f"{prefix}{k}" in taken:
        k += 1
    m["auto"] = f"{prefix}{k}"
    m["top"] = None  # the tops above it may be stale: a clash found later is renamed too
    EPOCH[0] += 1
    return m["auto"]
