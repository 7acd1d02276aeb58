# %% [markdown]
# # 6. A neuron
#
# A neuron weighs its inputs, adds a bias, and squashes the sum:
# $o = \tanh(x_1 w_1 + x_2 w_2 + b)$. The squashing function $\tanh$ maps any
# real number into $(-1, 1)$; its slope is $1 - \tanh^2$, steep near 0 and flat
# far from it. The lecture picks the bias $b = 6.8813735870195432$ so that the sum
# is $n = 0.8813\ldots$ and the output is exactly $1/\sqrt 2$: then the local
# slope $do/dn = 1 - o^2$ is one half, and every gradient in the next chapters is
# a round number.

# %%
%matplotlib inline
import math

import matplotlib.pyplot as plt
import numpy as np
import sympy
from IPython.display import Math, display

from engine import Value, local_partials
from explorer import check, draw
from widgets import nudge

# %%
xs = np.arange(-5, 5, 0.2)
plt.figure(figsize=(5, 3))
plt.plot(xs, np.tanh(xs))
plt.grid()
plt.title("tanh")
plt.show()

# %%
# inputs x1, x2; weights w1, w2; the bias b
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
print("n =", n.data)
print("o =", o.data, "  1/sqrt(2) =", 1 / math.sqrt(2))

# %% [check]
assert math.isclose(n.data, 0.8813735870195432, rel_tol=1e-15)
assert math.isclose(o.data, 1 / math.sqrt(2), rel_tol=1e-15)

# %%
draw(o)

# %% [markdown]
# ## The local slope at the tanh
#
# The rule table holds tanh's derivative once, as $1 - o^2$ in terms of its own
# output $o$; the explorer shows it in that form. At our point it is one half,
# but floating point prints something like 0.4999999999999998 (the lecture got
# 0.4999999999999999: the last digit depends on the machine's `tanh`), so the
# checks below compare with a tolerance.

# %%
(do_dn,) = local_partials(o)
display(Math(rf"\frac{{do}}{{dn}} = {sympy.latex(do_dn)} = {1 - o.data**2!r}"))

# %% [check]
assert do_dn == 1 - o.symbol**2
assert math.isclose(1 - o.data**2, 0.5, rel_tol=1e-15)

# %% [markdown]
# ## What the explorer adds
#
# The neuron as one formula, and after a `backward()` (chapter 7 does it by hand)
# the closed form of $\partial o/\partial n$: the same $1 - o^2$, written in the
# inputs.

# %%
o.backward()
display(Math(rf"o = {sympy.latex(o.expr)}"))
display(Math(rf"\frac{{\partial o}}{{\partial n}} = {sympy.latex(n.grad_expr)} = {n.grad!r}"))

# %%
X1, X2, W1, W2, B = sympy.symbols("x1 x2 w1 w2 b", real=True)

# %% [check]
assert o.expr == sympy.tanh(B + W1 * X1 + W2 * X2)
assert sympy.simplify(n.grad_expr - (1 - sympy.tanh(B + W1 * X1 + W2 * X2) ** 2)) == 0
assert math.isclose(n.grad, 0.5, rel_tol=1e-15)
assert check(o, nodes="all").ok

# %%
draw(o, formulas="grad")

# %% [markdown]
# ## The nudge panel
#
# Slide the weights and watch the output saturate: push $w_1$ to $-1$ and the sum
# $n$ grows to about 4.9, $o$ to 0.9999, and every gradient shrinks towards 0, the
# flat tail of tanh. A neuron stuck there learns slowly.

# %%
panel = nudge(o)
panel

# %%
panel.sliders["w1"].value = -1.0
print("n =", n.data, " o =", o.data, " do/dw1 =", w1.grad)

# %% [check]
assert o.data > 0.999 and abs(w1.grad) < 0.01 and panel.report.ok

# %%
panel.reset_values()

# %% [check]
assert math.isclose(o.data, 1 / math.sqrt(2), rel_tol=1e-15)

# %% [markdown]
# ## Backprop through the neuron, step by step
#
# At the tanh the local derivative reads $1 - o^2$, in the node's own output, and
# its number is $0.5$; the `+` nodes pass their gradient on unchanged (local
# derivative 1); each `*` hands each input the other input's value times the
# gradient flowing in.

# %%
from widgets import backprop

stepper = backprop(o)
at_o = next(s for s in stepper.steps if s.phase == "backward" and s.node is o)
stepper.position = at_o.index
stepper

# %%
print(stepper.model.describe())

# %% [check]
assert at_o.locals == ["∂o/∂n = 1 − o² = 0.5"]
assert math.isclose(stepper.steps[-1].grads[x1], -1.5, rel_tol=1e-12)
assert stepper.steps[-1].grads[w2] == 0.0
