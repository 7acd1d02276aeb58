"""The symbolic views of a graph, built on demand from the same rule table.

- ``symbol(v)``: the node's own SymPy symbol (its label, or an automatic name).
- ``expr(v)``: the node as an expression in the variables: the rule table's
  forward run with ``m = SYM`` over the graph in topological order.
- ``chain_expr(root, v)``: d root/d v by the reverse sweep of ``backward()`` run
  symbolically, with one symbol per intermediate node: at a tanh ``o`` the local
  derivative reads ``1 - o**2``. This is the chain rule as the lecture writes it.
- ``grad_expr(root, v)``: the same, expanded into the variables (each intermediate
  symbol replaced by that node's ``expr``). The attributes ``v.chain_expr`` and
  ``v.grad_expr`` are sugar for root = the output of v's last ``backward()``.
- ``oracle(root, var)``: ``sympy.diff(root.expr, var.symbol)``, computed
  independently of the sweep, to check it.

Results are memoized on the nodes and rebuilt when a label changes. Every walk
is iterative; SymPy's own printers may still recurse on very deep expressions.
"""

import functools
import weakref
from fractions import Fraction

import sympy

from engine.canonical import add, mul
from engine.graph import topo_order
from engine.names import auto_name, distinct, name_graph
from engine.names import memo as _memo
from engine.rules import RULES, SYM

# + and * nodes: a tree of them is one sum (product), made by one canonical add (mul)
_GATHERED = {RULES["+"]: add, RULES["*"]: mul}
_MAKE = {sympy.Add: add, sympy.Mul: mul}  # how the expansion rebuilds a sum or product
_ZERO, _ONE = sympy.S.Zero, sympy.S.One


def exact(x):
    """A constant's SymPy form: 2.0 -> 2, 0.5 -> 1/2; other floats stay Floats."""
    f = Fraction(x)
    if f.denominator <= 1024:
        return sympy.Rational(f.numerator, f.denominator)
    return sympy.Float(x)


def symbol(v):
    """The node's symbol: its label (real), or its automatic name (``v1, v2...`` for
    an unlabelled variable, ``u1, u2...`` for an unlabelled result), given per graph
    (``engine.names``)."""
    if v.is_constant:
        return exact(v.data)
    m = _memo(v)
    if "symbol" not in m:
        m["symbol"] = sympy.Symbol(v.label or auto_name(v), real=True)
    return m["symbol"]


def _args(v, of):
    """A rule's symbolic arguments: ``of(input)`` for each input, then the exact k."""
    args = [of(c) for c in v._prev]
    if v._k is not None:
        args.append(exact(v._k))
    return args


def _no_rule(v):
    """The symbolic views of a node made micrograd's way: a one-line refusal."""
    if v._rule is None and v._prev:
        raise ValueError(
            f"node {symbol(v).name!r} (op {v._op!r}) was made micrograd's way, with a "
            "backward closure and no rule: its formula is unknown; give the op a rule "
            "with engine.primitive(name, forward) and build it with that"
        )


def _check_names(nodes, kinds="variables"):
    """Distinct nodes need distinct names, or the formulas would merge them. The
    graphs of the nodes no other node uses (the roots) are named first
    (``engine.names``); an automatic name
    that a label in the graph already has (``u1``), or that another node has (two
    graphs named apart, then joined), is renumbered; two labels alike are the user's
    to fix."""
    used = {id(c) for v in nodes for c in v.inputs}
    for v in nodes:
        if id(v) not in used:
            name_graph(v)
    distinct(nodes)
    seen = {}
    for v in nodes:
        if v.is_variable or (kinds == "nodes" and not v.is_constant):
            s = symbol(v)
            if seen.setdefault(s.name, v) is not v:
                raise ValueError(
                    f"two different {kinds} are both named {s.name!r}: give them distinct labels"
                )


def _sympy_depth_guard(fn):
    """SymPy recurses on an expression's nesting: past a few hundred levels (a deep
    tanh chain) it raises RecursionError. Say so in words, and what still works."""

    @functools.wraps(fn)
    def guarded(*args):
        try:
            return fn(*args)
        except RecursionError:
            raise RecursionError(
                f"{fn.__name__}: SymPy cannot hold an expression nested this deep (it "
                "recurses on nesting); chain_expr and the numbers work at any depth"
            ) from None

    return guarded


@_sympy_depth_guard
def expr(root):
    """root as a SymPy expression in the variables' symbols."""
    m = _memo(root)
    if "expr" in m:
        return m["expr"]
    nodes = topo_order(root)
    _check_names(nodes)
    for v in nodes:
        mv = _memo(v)
        if "expr" not in mv and v._rule not in _GATHERED:  # a sum waits until it is read
            _no_rule(v)
            if v._rule is None:
                mv["expr"] = symbol(v)
            else:
                mv["expr"] = v._rule.forward(SYM, *_args(v, _built))
    return _built(root)


def _built(v):
    """v's expression, memoized; a sum's or a product's is built here, on its first
    read."""
    m = _memo(v)
    if "expr" not in m:
        if v._rule not in _GATHERED:
            return expr(v)
        m["expr"] = _gather(v)
    return m["expr"]


def _gather(v):
    """A ``+`` (``*``) node's expression: every term (factor) of its tree of sums
    (products) not built yet, added (multiplied) at once: the rule's forward, a + b
    (a b), on the whole tree. SymPy sorts a sum's terms each time it makes one, so
    adding a 337-term sum node by node sorted 337 growing sums; one sum sorts once,
    and gives the same canonical sum."""
    rule = v._rule
    terms, stack = [], list(reversed(v._prev))
    while stack:
        c = stack.pop()
        mc = _memo(c)
        if "expr" in mc:
            terms.append(mc["expr"])
        elif c._rule is rule:
            stack.extend(reversed(c._prev))
        else:
            terms.append(_built(c))
    return _GATHERED[rule](*terms)


def expr_with(root, replaced):
    """root's expression with the given nodes replaced ({node: SymPy expression}):
    the rule table's forward run symbolically from them (for d root/d node by
    ``sympy.diff`` at an intermediate node)."""
    sub = dict(replaced)
    for w in topo_order(root):
        if w not in sub and any(c in sub for c in w._prev):
            _no_rule(w)
            sub[w] = w._rule.forward(SYM, *_args(w, lambda c: sub[c] if c in sub else expr(c)))
    return sympy.sympify(sub.get(root, 0))


def local_forward(v):
    """v as its rule's formula in its inputs' own symbols (``o = tanh(n)``: tanh(n)), the
    chain-rule view of the node itself, as ``local_partials`` is of its derivatives."""
    _no_rule(v)
    if v._rule is None:
        return symbol(v)
    return sympy.sympify(v._rule.forward(SYM, *_args(v, symbol)))


def local_partials(v):
    """d v/d input for each input of v, in the chain-rule view (node symbols)."""
    _no_rule(v)
    if v._rule is None:
        return ()
    return tuple(map(sympy.sympify, _partials(v)))


def _partials(v):
    """local_partials as the rule returns them: a 0 or 1 may be a Python int."""
    return v._rule.partials(SYM, symbol(v), *_args(v, symbol))


def _factors(d):
    """A local partial as factors of a path: () for 1, None for 0."""
    if type(d) is int or type(d) is float:
        return None if d == 0 else () if d == 1 else (sympy.sympify(d),)
    return None if d is _ZERO else () if d is _ONE else (d,)


def _sweep(root):
    """The reverse sweep of backward(), with symbols: {id(node): d root/d node}.

    Keyed by id, not by node: the memo lives on root, and a key holding root
    would be a reference cycle. The ids stay valid as long as root is alive."""
    m = _memo(root)
    if "sweep" not in m:
        nodes = topo_order(root)
        _check_names(nodes, "nodes")
        for v in nodes:
            _no_rule(v)
        # While one path reaches a node its adjoint is a tuple of factors, multiplied
        # only when asked for: growing one SymPy product link by link down a chain
        # re-sorts it at every link, quadratic in depth. Where paths meet, their terms
        # are listed, and added by one Add when the sweep reaches the node (all its
        # paths are in by then): adding them one by one re-sorted the growing sum.
        # An input met twice (p * p) gets one term, its partial counted twice.
        adj = {id(root): ()}
        for v in reversed(nodes):
            a = adj.get(id(v))
            if a is None or v._a is None:
                continue
            if type(a) is list:
                a = adj[id(v)] = _total(a)
            if type(a) is not tuple:
                a = (a,)
            partials = {}  # {input: its partials}, inputs in order of first use
            for c, d in zip(v._prev, _partials(v)):
                partials.setdefault(c, []).append(d)
            for c, ds in partials.items():
                f = _factors(ds[0] if len(ds) == 1 else add(*ds))
                if f is None:
                    continue
                term = a + f
                old = adj.get(id(c))
                if old is None:
                    adj[id(c)] = term
                elif type(old) is list:
                    old.append(term)
                else:
                    adj[id(c)] = [old, term]
        m["sweep"] = _Adjoints(adj)
        m["sweep"].members = set(map(id, nodes))
    return m["sweep"]


def _product(a):
    if type(a) is not tuple:
        return a
    return a[0] if len(a) == 1 else mul(*a)


def _total(terms):
    return add(*map(_product, terms))


class _Adjoints(dict):
    """{id(node): d root/d node}: factor tuples become SymPy products, and lists of
    them sums, on first read."""

    def __getitem__(self, key):
        a = super().get(key)
        if a is None:
            return sympy.Integer(0)
        if type(a) is tuple or type(a) is list:
            a = _product(a) if type(a) is tuple else _total(a)
            self[key] = a
        return a

    def get(self, key, default=None):
        return self[key] if key in self else default


def _root_of(v):
    ref = getattr(v, "_root", None)
    root = ref() if ref is not None else None
    if root is None:
        raise RuntimeError(
            "no gradient formula: no backward() has reached this node yet (call backward() "
            "on an output that depends on it, or name the output: grad_expr(output, node)), "
            "or that output has been freed"
        )
    return root


def _root_and_node(root, v):
    """(root, v) of ``f(root, v)``, or of ``f(v)`` with root the output of v's last
    ``backward()``; v must be a node of root's graph."""
    if v is None:
        return _root_of(root), root
    if id(v) not in _sweep(root).members:
        raise ValueError(f"{v!r} is not a node of the output's graph")
    return root, v


def chain_expr(root, v=None):
    """d root/d v written with the intermediate nodes' symbols. ``chain_expr(v)``
    (and the attribute ``v.chain_expr``): root is the output of v's last
    ``backward()``."""
    root, v = _root_and_node(root, v)
    return _sweep(root)[id(v)]


def chain_exprs(root):
    """{node: d root/d node} for every node of root's graph, in the chain-rule view
    (node symbols), by the same symbolic sweep, without a ``backward()``: for a view
    that must leave the graph's grads alone (the exercise)."""
    sweep = _sweep(root)
    return {v: sweep[id(v)] for v in topo_order(root)}


@_sympy_depth_guard
def grad_expr(root, v=None):
    """d root/d v in closed form, in the variables. ``grad_expr(v)`` (and the
    attribute ``v.grad_expr``): root is the output of v's last ``backward()``.
    Nothing is run or stamped: the sweep is the rule table's, read from root."""
    root, v = _root_and_node(root, v)
    m = _memo(v)
    held = m.get("grad_expr")
    if held is None or held[0]() is not root:
        m["grad_expr"] = (weakref.ref(root), _expand(root, _sweep(root)[id(v)]))
    return m["grad_expr"][1]


def _expand(root, chain):
    """A chain-rule form with every node symbol replaced by the node's expression.

    What ``chain.xreplace({symbol: expr})`` gives, but one walk per root remembers
    every subexpression it has expanded: the closed forms of a network's parameters
    share most of their chains (all of a layer's weights share the adjoints of the
    layers above), and each shared part is expanded once, not once per parameter.
    A step function keeps its new argument unevaluated (as relu's Max is in
    ``expr``): evaluating ``Heaviside(sum)`` asks SymPy the sign of the whole sum,
    most of the expansion's time on an MLP, and finds none; a number's step is
    still evaluated. Iterative: no recursion on the chain's nesting."""
    m = _memo(root)
    if "expanded" not in m:
        expr(root)  # every node's expression but the sums', in one walk
        m["expanded"] = {}
    done, nodes = m["expanded"], _result_symbols(root)
    stack = [(chain, False)]
    while stack:
        e, ready = stack.pop()
        if e in done:
            continue
        if not ready:
            node = nodes.get(e)
            if node is not None:
                done[e] = _built(node())
            elif not e.args:
                done[e] = e
            else:
                stack.append((e, True))
                stack.extend((a, False) for a in e.args if a not in done)
            continue
        args = [done[a] for a in e.args]
        if all(a is b for a, b in zip(args, e.args)):
            done[e] = e
        elif e.func is sympy.Heaviside and not args[0].is_number:
            done[e] = sympy.Heaviside(*args, evaluate=False)
        else:
            done[e] = _MAKE.get(e.func, e.func)(*args)
    return done[chain]


def _result_symbols(root):
    """{symbol of a result node: a weak reference to it}, once per root (weak: the
    memo lives on root, and holding root would make a cycle). A sum's expression is
    built only when a chain holds its symbol."""
    m = _memo(root)
    if "results" not in m:
        m["results"] = {symbol(n): weakref.ref(n) for n in topo_order(root) if n._rule}
    return m["results"]


def oracle(root, var):
    """The independent check: sympy.diff of root's whole expression by var's symbol."""
    return diff(expr(root), symbol(var))


def diff(e, s):
    """``sympy.diff(e, s)``, where SymPy leaves the piecewise constant functions
    underived: ``Mod(a, b)`` is written ``a - b floor(a/b)`` first, and the derivative
    of ``floor``, ``ceiling`` and ``sign`` (of an argument SymPy cannot prove real),
    0 off their jumps, is 0."""
    if e.has(sympy.Mod):
        e = e.replace(
            lambda a: isinstance(a, sympy.Mod),
            lambda a: a.args[0] - a.args[1] * sympy.floor(a.args[0] / a.args[1]),
        )
    d = sympy.diff(e, s)
    if d.has(sympy.Derivative):
        d = d.replace(_piecewise_constant_derivative, lambda a: sympy.Integer(0))
        if d.has(sympy.Subs):  # Subs(0, ...) where the derivative was of a composition
            d = d.replace(lambda a: isinstance(a, sympy.Subs), lambda a: a.doit())
    return d


def _piecewise_constant_derivative(a):
    return isinstance(a, sympy.Derivative) and isinstance(
        a.expr, sympy.floor | sympy.ceiling | sympy.sign
    )
