# %% [markdown]
# # 7. Backward through each operation, then through the whole graph
#
# Each operation only needs to know its own local derivative. A node that has
# received its gradient `out.grad` hands each input `local derivative × out.grad`:
#
# - `+` passes `out.grad` through to both inputs;
# - `*` gives each input the other input's value times `out.grad`;
# - `tanh` gives its input $(1 - o^2)\cdot$ `out.grad`.
#
# Chapter 7 applies these by hand to the neuron, one node at a time. Chapter 7.1
# automates the order: a node may pass its gradient on only once it has
# collected all of it, so we sort the graph topologically (every node after its
# inputs) and apply the rules in reverse. That loop is `backward()`.

# %%
import math

from engine import Value, topo_order
from explorer import check, draw, inject_bug


# %%
def neuron():
    """The lecture's neuron, o = tanh(x1*w1 + x2*w2 + b), every node labelled."""
    x1 = Value(2.0, label="x1")
    x2 = Value(0.0, label="x2")
    w1 = Value(-3.0, label="w1")
    w2 = Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o


o = neuron()
nodes = {v.label: v for v in topo_order(o)}
x1, x2, w1, w2, b = (nodes[k] for k in ("x1", "x2", "w1", "w2", "b"))
x1w1, x2w2, x1w1x2w2, n = (nodes[k] for k in ("x1*w1", "x2*w2", "x1*w1 + x2*w2", "n"))
EXPECTED = {"o": 1.0, "n": 0.5, "b": 0.5, "x1*w1 + x2*w2": 0.5, "x1*w1": 0.5,
            "x2*w2": 0.5, "x1": -1.5, "w1": 1.0, "x2": 0.5, "w2": 0.0}  # fmt: skip

# %% [markdown]
# ## 7. By hand, one operation at a time

# %%
o.grad = 1.0
n.grad = (1 - o.data**2) * o.grad  # tanh
x1w1x2w2.grad = n.grad  # +
b.grad = n.grad
x1w1.grad = x1w1x2w2.grad  # +
x2w2.grad = x1w1x2w2.grad
x2.grad = w2.data * x2w2.grad  # *
w2.grad = x2.data * x2w2.grad
x1.grad = w1.data * x1w1.grad  # *
w1.grad = x1.data * x1w1.grad
{v.label: v.grad for v in topo_order(o)}

# %%
for label, g in EXPECTED.items():
    assert math.isclose(nodes[label].grad, g, abs_tol=1e-12), label

# %%
draw(o)

# %% [markdown]
# ## 7.1 The whole graph: topological order
#
# `engine.topo_order` lists the nodes so that each comes after all its inputs; it
# walks depth first with an explicit stack, so a graph a million nodes deep
# works too.

# %%
topo = topo_order(o)
[v.label for v in topo]

# %% [check]
assert len(topo) == 10

# %%
position = {v: i for i, v in enumerate(topo)}

# %% [check]
assert all(position[c] < position[v] for v in topo for c in v._prev)
assert [v.label for v in topo[-2:]] == ["n", "o"]


# %% [markdown]
# Now the rules in reverse order. Each one is the lecture's `_backward`, written
# here against the graph the engine built (`_op`, `_prev`, `data`, `grad`), and
# it *adds* into `grad` (chapter 8 says why).

# %%
def backward_by_hand(root, tanh_rule):
    for v in topo_order(root):
        v.grad = 0.0
    root.grad = 1.0
    for v in reversed(topo_order(root)):
        if v._op == "+":
            for child in v._prev:
                child.grad += v.grad
        elif v._op == "*":
            p, q = v._prev
            p.grad += q.data * v.grad
            q.grad += p.data * v.grad
        elif v._op == "tanh":
            (child,) = v._prev
            child.grad += tanh_rule(v.data, v.grad)


def tanh_right(t, out_grad):
    return (1 - t**2) * out_grad


backward_by_hand(o, tanh_right)
by_hand = {v.label: v.grad for v in topo}
o.zero_grad()  # backward() adds into grad: start from 0, as backward_by_hand does
o.backward()  # the engine's own: the same loop over its rule table
by_engine = {v.label: v.grad for v in topo}

# %% [check]
assert by_hand == by_engine

# %%
for label, g in EXPECTED.items():
    assert math.isclose(by_engine[label], g, abs_tol=1e-12), label
by_engine

# %% [markdown]
# The explorer shows each edge's local derivative and each node's gradient as a
# formula, and checks every node against SymPy and a finite difference.

# %%
draw(o, formulas="chain", edge_derivatives=True)

# %%
report = check(o, nodes="all")
report

# %% [check]
assert report.ok

# %% [markdown]
# ## The notes' own bug: `1 - t**2 * out.grad`
#
# The lecture notes once wrote tanh's backward without the parentheses:
# `self.grad += 1 - t**2 * out.grad`. Operator precedence makes that
# $1 - (t^2 \cdot \text{out.grad})$, which equals the right
# $(1 - t^2)\cdot\text{out.grad}$ exactly when `out.grad == 1`. On a lone neuron
# the tanh *is* the output, its grad *is* 1, and every number comes out right:

# %%
def tanh_buggy(t, out_grad):
    return 1 - t**2 * out_grad


backward_by_hand(o, tanh_buggy)

# %% [check]
assert {v.label: v.grad for v in topo} == by_hand  # the bug is invisible here

# %%
print("lone neuron, buggy rule: x1.grad =", x1.grad, " w1.grad =", w1.grad)

# %% [markdown]
# It shows as soon as anything comes after the tanh, as a loss always does. Take
# $L = (o - 1)^2$ and inject the same bug into the engine's backward with
# `explorer.inject_bug`. A per-node agreement check catches it at once: every node
# below the tanh disagrees with the closed form, SymPy and the finite difference.

# %%
o = neuron()
L = (o - 1) ** 2
L.label = "L"
with inject_bug("tanh", "tanh-precedence"):
    L.backward()
buggy = check(L, nodes="all")
print(buggy.summary())
buggy

# %%
flagged = {v.label for v in buggy.flagged}

# %% [check]
assert not buggy.ok
assert "n" in flagged and "x1" in flagged and "o" not in flagged  # wrong from the tanh down

# %%
draw(L, verdicts=buggy)

# %% [markdown]
# Outside the `with` block the engine's own rule is back: zero the gradients, run
# `backward()` again, and everything agrees.

# %%
L.zero_grad()
L.backward()
fixed = check(L, nodes="all")
fixed

# %% [check]
assert fixed.ok
