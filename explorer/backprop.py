"""``Backprop(root)``: the forward and the backward pass, one node at a time.

The lecture's chapters 4 to 8 do backprop by hand: from the output back, each
node's local derivative times the gradient flowing in, added (``+=``) into the
input's grad; a node used twice gets two such additions (chapter 8). This module
writes that pass down as a list of steps a panel (``widgets.backprop``) or a test
can walk:

- the forward pass, in topological order: one step per variable (its value is
  given) and per result (its value from its inputs');
- the seed: ``root.grad = 1``;
- the backward pass, in ``backward()``'s own order (``engine.backward_order``): one
  step per result node, with, for each input, the local derivative in symbols
  (``1 − o²``, the rule table's own partial in the chain-rule view) and in
  numbers, the gradient flowing in, their product, and the input's grad before
  and after the ``+=``.

Each step records every grad after it, ``None`` where no gradient has arrived yet
(shown empty, not 0). The numbers are made the way ``backward()`` makes them (the
same partials, the same products, added in the same order, from 0.0), so the last
step holds exactly the grads ``backward()`` leaves: a test holds them equal on
random graphs over the whole rule table. The graph itself is not touched: its
data and grads stay as they were.
"""

from dataclasses import dataclass, field

from engine import local_partials, topo_order
from explorer._common import graph, name_of, pretty

MAX_NODES = 300  # a step per node: past a few hundred, step through a part


class TooLarge(ValueError):
    """The graph has more nodes than a step-by-step pass can show; ``.parts`` lists
    inner nodes whose graphs fit, largest first (pass one instead)."""

    def __init__(self, message, parts=()):
        super().__init__(message)
        self.parts = list(parts)


def fmt(x):
    """A number in a step's text: 4 significant digits, a true minus, '' for none."""
    if x is None:
        return ""
    return f"{x + 0.0:.4g}".replace("-", "−")


@dataclass(frozen=True)
class Contribution:
    """One ``+=`` of the backward pass: ``grad[input] += local · upstream``.

    ``use``/``uses``: which of the input's contributions this is, of how many in the
    whole pass (chapter 8: a node used twice gets two)."""

    output: object
    input: object
    output_name: str
    input_name: str
    local_expr: object  # SymPy, in the chain-rule view (node symbols)
    local: float
    upstream: float
    product: float
    before: float | None
    after: float
    use: int = 1
    uses: int = 1

    @property
    def symbolic(self):
        """``∂o/∂n = 1 − o² = 0.5`` (the formula left out when it is a number)."""
        head = f"∂{self.output_name}/∂{self.input_name}"
        if self.local_expr is None or self.local_expr.is_Number:
            return f"{head} = {fmt(self.local)}"
        return f"{head} = {pretty(self.local_expr)} = {fmt(self.local)}"

    @property
    def text(self):
        """The whole ``+=`` in one line, before and after."""
        before = "empty" if self.before is None else fmt(self.before)
        nth = f" (contribution {self.use} of {self.uses})" if self.uses > 1 else ""
        return (
            f"{self.input_name}.grad += {fmt(self.local)} · {fmt(self.upstream)} = "
            f"{fmt(self.product)}: {before} → {fmt(self.after)}{nth}"
        )


@dataclass(frozen=True)
class Step:
    """One step: ``phase`` is "forward", "seed" or "backward"; ``node`` the node it
    is about; ``contributions`` (backward only) the ``+=`` it makes, in order;
    ``grads`` every node's grad after it ({node: float or None}); ``computed`` the
    nodes whose value is known after it."""

    index: int
    phase: str
    node: object
    name: str
    text: str
    upstream: float | None = None
    contributions: tuple = ()
    grads: dict = field(default_factory=dict, repr=False)
    computed: frozenset = field(default_factory=frozenset, repr=False)

    @property
    def locals(self):
        """The local derivatives of this step, one line each (``∂o/∂n = 1 − o² = 0.5``)."""
        return [c.symbolic for c in self.contributions]


def formula(v, of):
    """v written from its inputs, each shown by ``of(input)``: ``a · b``, ``tanh(n)``."""
    parts = [of(c) for c in v.inputs]
    if v.op in ("+", "*") and len(parts) == 2:
        return (" + " if v.op == "+" else " · ").join(parts)
    if v.op.startswith("**") and len(parts) == 1:
        return f"{parts[0]}{v.op}"
    return f"{v.op}({', '.join(parts)})"


def _forward_text(v, name):
    if v.is_variable:
        return f"{name} = {fmt(v.data)} (a variable: its value is given)"
    return f"{name} = {formula(v, name_of)} = {formula(v, lambda c: fmt(c.data))} = {fmt(v.data)}"


class Backprop:
    """The steps of root's forward and backward pass (see the module docstring).

    ``.steps`` (a list of ``Step``), ``.position`` (the step shown, 0-based; set it,
    or call ``.next()``, ``.previous()``, ``.first()``, ``.last()``), ``.step``
    (the current ``Step``), ``.grads`` (after it). Raises ``TooLarge`` past
    ``max_nodes`` nodes, naming inner nodes whose graphs fit."""

    def __init__(self, root, max_nodes=MAX_NODES):
        order, _ = graph(root)
        if len(order) > max_nodes:
            parts = parts_that_fit(order, max_nodes)
            hint = (
                f" e.g. the node {name_of(parts[0])!r} ({len(topo_order(parts[0]))} nodes)"
                if parts
                else ""
            )
            raise TooLarge(
                f"the graph has {len(order):,} nodes, more than {max_nodes} to step through: "
                f"choose a part of it (an inner node's graph),{hint} or pass max_nodes",
                parts,
            )
        for v in order:
            if v.inputs and v.rule is None:
                raise ValueError(
                    f"node {name_of(v)!r} (op {v.op!r}) was made micrograd's way, without a "
                    "rule: its local derivatives are unknown, so it cannot be stepped through"
                )
        self.root, self.order = root, order
        self.names = {v: name_of(v) for v in order}
        self.steps = self._build(order)
        self._position = 0

    # -- building ------------------------------------------------------------
    def _build(self, order):
        steps, known, root = [], set(), self.root
        grads = dict.fromkeys(order)
        for v in order:
            if v.is_constant:
                known.add(v)
                continue
            known.add(v)
            steps.append(
                Step(
                    len(steps),
                    "forward",
                    v,
                    self.names[v],
                    _forward_text(v, self.names[v]),
                    grads=dict(grads),
                    computed=frozenset(known),
                )  # fmt: skip
            )
        grads[root] = 1.0
        steps.append(
            Step(
                len(steps),
                "seed",
                root,
                self.names[root],
                f"{self.names[root]}.grad = 1 (∂{self.names[root]}/∂{self.names[root]}: "
                "the pass starts at the output)",
                upstream=1.0,
                grads=dict(grads),
                computed=frozenset(known),
            )  # fmt: skip
        )
        uses = {}
        for v in order:
            for c in v.inputs:
                uses[c] = uses.get(c, 0) + 1
        seen = {}
        for v in reversed(order):  # backward()'s own order: engine.backward_order
            if not v.inputs:
                continue
            g = grads[v] if grads[v] is not None else 0.0
            exprs = local_partials(v)
            made = []
            for c, d, e in zip(v.inputs, v.local_grads(), exprs):
                before = grads[c]
                product = d * g
                after = (0.0 if before is None else before) + product
                grads[c] = after
                seen[c] = seen.get(c, 0) + 1
                made.append(
                    Contribution(
                        v,
                        c,
                        self.names[v],
                        self.names[c],
                        e,
                        d,
                        g,
                        product,
                        before,
                        after,
                        seen[c],
                        uses[c],
                    )  # fmt: skip
                )
            name = self.names[v]
            text = (
                f"back through {name} = {formula(v, name_of)}: its grad {fmt(g)} flows to "
                + ", ".join(dict.fromkeys(self.names[c] for c in v.inputs))
            )
            steps.append(
                Step(
                    len(steps),
                    "backward",
                    v,
                    name,
                    text,
                    upstream=g,
                    contributions=tuple(made),
                    grads=dict(grads),
                    computed=frozenset(known),
                )  # fmt: skip
            )
        return steps

    # -- walking ---------------------------------------------------------------
    @property
    def position(self):
        return self._position

    @position.setter
    def position(self, i):
        if not isinstance(i, int) or isinstance(i, bool):
            raise TypeError(f"position must be an int, got {type(i).__name__}")
        if not 0 <= i < len(self.steps):
            raise IndexError(f"position {i} is outside the steps 0..{len(self.steps) - 1}")
        self._position = i

    @property
    def step(self):
        return self.steps[self._position]

    @property
    def grads(self):
        """{node: grad or None} after the current step."""
        return self.step.grads

    def next(self):
        """One step on (stays at the last); returns the new step."""
        self._position = min(self._position + 1, len(self.steps) - 1)
        return self.step

    def previous(self):
        """One step back (stays at the first); returns the new step."""
        self._position = max(self._position - 1, 0)
        return self.step

    def first(self):
        self._position = 0
        return self.step

    def last(self):
        self._position = len(self.steps) - 1
        return self.step

    def __len__(self):
        return len(self.steps)

    def describe(self, step=None):
        """The step as lines of text: what happens, then each ``+=``."""
        s = self.step if step is None else step
        lines = [f"step {s.index + 1} of {len(self.steps)} ({s.phase}): {s.text}"]
        for c in s.contributions:
            lines.append(f"  {c.symbolic};  upstream ∂{self._rname}/∂{c.output_name} = "
                         f"{fmt(c.upstream)};  {c.text}")  # fmt: skip
        return "\n".join(lines)

    @property
    def _rname(self):
        return self.names[self.root]

    def __repr__(self):
        return self.describe()


def parts_that_fit(order, max_nodes):
    """Inner nodes of a graph (``order``, root last) whose own graphs have at most
    ``max_nodes`` nodes, the largest first (at most ten): parts to step through.
    Sizes by one pass over the order: a node's graph size counted as a tree, capped
    at max_nodes + 1, is at least its true size, so a node shown always fits."""
    cap = max_nodes + 1
    size = {}
    for v in order:
        size[v] = min(cap, 1 + sum(size[c] for c in v.inputs))
    fits = [v for v in order[:-1] if v.inputs and size[v] <= max_nodes]
    fits.sort(key=lambda v: -size[v])
    return fits[:10]


__all__ = ["Backprop", "Contribution", "MAX_NODES", "Step", "TooLarge", "parts_that_fit"]
