"""A network's gradients as the chain rule writes them, with its parts named.

On a network, ``grad_expr`` of a first-layer weight is the whole network written
out (the one-sample moons loss: thousands of operations per weight), and even the
chain-rule view (``chain_expr``, intermediate nodes as symbols) repeats the sum
over every path above the weight. Backprop never writes either: it keeps one
number per node, the adjoint ∂R/∂node, and reuses it. Here the same, in symbols:

- ``δ_{u}`` is ∂R/∂u for a node u (R: the output of the last ``backward()``), named
  when the adjoint is a sum of several terms (paths meet at u) or is read by more
  than one input of u, and is longer than a factor or two; an adjoint that short is
  written where it is used;
- a parameter's formula is then the chain rule's last step: ``∂R/∂w = x·δ_{s}`` (the
  input it multiplies, times the adjoint of the neuron's sum);
- each name used is defined once, in the order backprop computes them (from the
  output back), and so is each intermediate node's symbol (``u = b + w·x + ...``:
  a tree of + or * nodes that nothing else reads is written as one sum or product).

Every formula is in the rule table's local partials (``engine.local_partials``), so
relu's gradient reads ``θ(u)`` (SymPy's Heaviside) at its input u. One reverse walk
over the graph, each step a small SymPy expression: the one-sample moons loss, 1,662
nodes, takes well under a second.
"""

import sympy

from engine import exact, local_partials
from engine.local import rule_args
from engine.rules import SYM
from explorer._common import count_ops_at_most, name_of

SHORT = 4  # operations: an adjoint this short is written where it is used, not named
LONG = 160  # operations: an adjoint this long is named even if it is read once


def delta(v):
    """The symbol δ_{name} of ∂R/∂v."""
    return sympy.Symbol(f"δ_{{{name_of(v)}}}", real=True)


class NamedChain:
    """∂R/∂v for every node of root's graph, with shared parts named.

    ``chain[v]``: the formula of ∂R/∂v (node symbols and δ names);
    ``deltas``: {δ symbol: (node, its formula)} for every adjoint named;
    ``definitions(exprs)``: the (symbol, formula) pairs that define every δ and
    node symbol the expressions use, transitively, in the order to read them."""

    def __init__(self, root, order):
        self.root, self.order = root, order
        consumers = {}
        for v in order:
            for c in set(v.inputs):
                consumers[c] = consumers.get(c, 0) + 1
        self.consumers = consumers
        self.node_of = {v.symbol: v for v in order if not v.is_constant}
        terms = {root: [sympy.Integer(1)]}
        self.chain, self.deltas, ref = {}, {}, {}
        for v in reversed(order):
            if v not in terms or v.is_constant:
                continue
            a = sympy.Add(*terms.pop(v))
            self.chain[v] = a
            if not v.inputs or v.rule is None:
                continue
            partials = {}
            for c, d in zip(v.inputs, local_partials(v)):
                if not c.is_constant and d != 0:
                    partials[c] = partials.get(c, 0) + d
            ref[v] = self._name(v, a, len(partials))
            for c, d in partials.items():
                terms.setdefault(c, []).append(ref[v] * d)

    def _name(self, v, a, readers):
        """δ_v if v's adjoint is worth a name, else the adjoint itself."""
        if v is self.root or v.is_variable:
            return a
        ops = count_ops_at_most(a, LONG)
        if ops is None or (readers > 1 and ops > SHORT):  # None: over LONG
            s = delta(v)
            self.deltas[s] = (v, a)
            return s
        return a

    def _private(self, c):
        """c is read by one node only and has no label: its formula may be written
        inside that node's."""
        return c.inputs and c.rule is not None and self.consumers.get(c, 0) == 1 and not c.label

    def forward(self, v):
        """v's forward formula in node symbols: a tree of + (or *) nodes that only
        feed each other is one sum (product) of its terms, and a short term read by
        nothing else is written out (``b + w_0·u_0 + w_1·u_1``, not ``b + u8 + u9``)."""
        rule = v.rule
        if rule is None or not v.inputs:
            return v.symbol
        if rule.name not in ("+", "*"):
            return self._local(v)
        parts, stack = [], list(reversed(v.inputs))
        while stack:
            c = stack.pop()
            if c.rule is rule and self._private(c):
                stack.extend(reversed(c.inputs))
            elif self._private(c) and count_ops_at_most(e := self._local(c), SHORT) is not None:
                parts.append(e)
            else:
                parts.append(c.symbol)
        return sympy.Add(*parts) if rule.name == "+" else sympy.Mul(*parts)

    @staticmethod
    def _local(v):
        """v's rule on its inputs' symbols (``Max(0, u)`` for a relu of u)."""
        xs = [c.symbol for c in v.inputs]
        xs += [exact(k) for k in rule_args(v)[len(v.inputs) :]]  # k of x ** k
        return sympy.sympify(v.rule.forward(SYM, *xs))

    def definitions(self, exprs):
        """(symbol, formula) for every δ and intermediate node the expressions use,
        each once: the δs from the output back (backprop's order), then the nodes
        from the inputs forward (the forward pass's order)."""
        seen, todo = set(), []
        for e in exprs:
            if isinstance(e, sympy.Basic):
                todo.extend(e.free_symbols)
        deltas, nodes = [], []
        while todo:
            s = todo.pop()
            if s in seen:
                continue
            seen.add(s)
            if s in self.deltas:
                v, e = self.deltas[s]
                deltas.append((v, s, e))
            elif s in self.node_of and self.node_of[s].inputs:
                v = self.node_of[s]
                e = self.forward(v)
                nodes.append((v, s, e))
            else:
                continue
            todo.extend(e.free_symbols)
        index = {v: i for i, v in enumerate(self.order)}
        deltas.sort(key=lambda t: -index[t[0]])
        nodes.sort(key=lambda t: index[t[0]])
        return [(s, e) for _, s, e in deltas + nodes]
