# %% [markdown]
# # 4. Backpropagation by hand
#
# Backpropagation asks: for every node of the graph, how does the output $L$
# change when that node changes? Start at the output, where $\partial L/\partial L
# = 1$, and walk back. At a product $L = d \cdot f$ each input's gradient is the
# *other* input's value times the gradient coming from above; a sum passes its
# gradient through unchanged. That is the chain rule, applied one node at a time:
#
# $$\frac{\partial L}{\partial a} = \frac{\partial L}{\partial e}\,
# \frac{\partial e}{\partial a} = -2 \cdot b = 6.$$
#
# Below we fill in every `grad` by hand, then check each one by nudging, then let
# the engine do it all with one `backward()`.

# %%
import math

import sympy

from engine import Value
from explorer import check, draw, formulas
from widgets import nudge

# %%
a = Value(2.0, label="a")
b = Value(-3.0, label="b")
c = Value(10.0, label="c")
e = a * b
e.label = "e"
d = e + c
d.label = "d"
f = Value(-2.0, label="f")
L = d * f
L.label = "L"

# %% [markdown]
# ## By hand, node by node

# %%
L.grad = 1.0  # dL/dL
f.grad = d.data * L.grad  # L = d * f
d.grad = f.data * L.grad
e.grad = 1.0 * d.grad  # d = e + c: a sum passes the gradient on
c.grad = 1.0 * d.grad
a.grad = b.data * e.grad  # e = a * b
b.grad = a.data * e.grad
by_hand = {v.label: v.grad for v in (L, d, f, e, c, a, b)}
by_hand

# %% [check]
assert by_hand == {"L": 1.0, "d": -2.0, "f": 4.0, "e": -2.0, "c": -2.0, "a": 6.0, "b": -4.0}

# %%
draw(L)

# %% [markdown]
# ## Checked by nudging
#
# The lecture checks each gradient by rebuilding the expression with one input
# pushed by $h$. With the engine we push the leaf's `data` and call `forward()`,
# which recomputes the whole graph from its leaves. Then we put the leaf back:
# forgetting that would measure every later slope at a moved point (chapter 2).

# %%
h = 0.001
L0 = L.data
nudged = {}
for v in (a, b, c, f):
    v.data += h
    nudged[v.label] = (L.forward() - L0) / h
    v.data -= h  # put it back before the next nudge
L.forward()
nudged

# %%
for name, slope in nudged.items():
    assert math.isclose(slope, by_hand[name], abs_tol=1e-2), name

# %% [check]
assert L.forward() == -8.0  # the graph is where it started

# %% [markdown]
# ## The engine: one `backward()`
#
# `backward()` seeds $\partial L/\partial L = 1$ and applies the same two rules at
# every node, from the output back to the leaves. Gradients *accumulate*
# (chapter 8), so the hand-written ones are zeroed first.

# %%
L.zero_grad()
L.backward()
engine_grads = {v.label: v.grad for v in (L, d, f, e, c, a, b)}
engine_grads

# %% [check]
assert engine_grads == by_hand

# %% [markdown]
# ## What the explorer adds
#
# Every gradient as a formula: the chain rule written with the intermediate
# nodes (`chain`), and the same expanded into the inputs (`grad`), next to the
# local derivative of each node with respect to its inputs.

# %%
formulas(L)

# %%
A, B, C, F = sympy.symbols("a b c f", real=True)

# %% [check]
assert a.grad_expr == B * F and b.grad_expr == A * F
assert c.grad_expr == F and f.grad_expr == A * B + C
assert e.chain_expr == f.symbol

# %%
draw(L, formulas="chain", edge_derivatives=True)

# %% [markdown]
# And the agreement check, every node this time: backprop's number, the closed
# form evaluated, SymPy's own `diff` of the whole expression, and a central
# difference.

# %%
report = check(L, nodes="all")
report

# %% [check]
assert report.ok and len(report.rows) == 7

# %% [markdown]
# ## The nudge panel
#
# Move a slider: $L$, every gradient and the verdicts follow. Set $c$ to $6$ and
# $d = 0$: now $\partial L/\partial f = 0$, since $f$ no longer matters.

# %%
panel = nudge(L)
panel

# %%
panel.sliders["c"].value = 6.0
print("L =", L.data, " dL/df =", f.grad)

# %% [check]
assert L.data == 0.0 and f.grad == 0.0 and panel.report.ok

# %%
panel.reset_values()

# %% [check]
assert L.data == -8.0 and a.grad == 6.0

# %% [markdown]
# ## Watch it, one node at a time
#
# The stepper goes through the forward pass (each node's value from its inputs')
# and then `backward()`'s own order from $L$ back: at each step the node is outlined
# on the drawing, and the card shows its local derivatives, the gradient flowing in,
# their product and the `+=` into each input's grad. Grads not reached yet are empty.
# Press play, or click the slider and use the arrow keys.

# %%
from widgets import backprop, exercise

stepper = backprop(L)
stepper

# %%
stepper.position = len(stepper.steps) - 1
print(stepper.model.describe())

# %% [check]
last = stepper.steps[-1].grads
assert (last[a], last[b], last[c], last[d], last[e], last[f]) == (6.0, -4.0, -2.0, -2.0, -2.0, 4.0)

# %% [markdown]
# ## Now you: the same gradients, checked
#
# Fill in each node's gradient from $L$ back. A wrong answer gets a diagnosis
# (a flipped sign, the upstream gradient left out, ...); the hint and the answer
# come only when you ask. The calls below are what typing in the panel does.

# %%
quiz = exercise(L)
quiz

# %%
print(quiz.answer("f", 4))
print(quiz.answer("d", 2))
print(quiz.answer("e", 2))

# %% [check]
assert quiz.model.items[0].correct
assert "sign flipped" in quiz.answer("d", 2).diagnosis
