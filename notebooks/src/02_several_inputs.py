# %% [markdown]
# # 2. A function of several inputs
#
# With more than one input there is one slope per input: push one, hold the
# others still, and see how far the output moves. For $d = ab + c$ at
# $a = 2, b = -3, c = 10$ that gives the *partial derivatives*
# $\partial d/\partial a = b = -3$, $\partial d/\partial b = a = 2$ and
# $\partial d/\partial c = 1$. The catch is in "hold the others still": nudge one
# input, forget to put it back, and the next slope is measured somewhere else.

# %%
import math

import sympy
from IPython.display import Math, display

from engine import Value
from explorer import check, draw
from widgets import nudge

# %%
h = 0.0001
a, b, c = 2.0, -3.0, 10.0

d1 = a * b + c
a += h
d2 = a * b + c
print("d1", d1)
print("d2", d2)
print("slope", (d2 - d1) / h)

# %% [check]
assert d1 == 4.0
assert math.isclose((d2 - d1) / h, -3.0, rel_tol=1e-9)

# %% [markdown]
# The same for each input in turn, starting afresh each time:

# %%
def d_of(a, b, c):
    return a * b + c


point = dict(a=2.0, b=-3.0, c=10.0)
slopes = {}
for name in point:
    nudged = dict(point, **{name: point[name] + h})  # a copy: the point stays put
    slopes[name] = (d_of(**nudged) - d_of(**point)) / h
slopes

# %% [check]
assert math.isclose(slopes["a"], -3.0, rel_tol=1e-9)
assert math.isclose(slopes["b"], 2.0, rel_tol=1e-9)
assert math.isclose(slopes["c"], 1.0, rel_tol=1e-9)

# %% [markdown]
# ## With the engine
#
# Now the same expression out of `Value`s. One `backward()` gives all three
# partials at once, and each comes with its formula.

# %%
a = Value(2.0, label="a")
b = Value(-3.0, label="b")
c = Value(10.0, label="c")
d = a * b + c
d.label = "d"
d.backward()
for v in (a, b, c):
    display(Math(rf"\frac{{\partial d}}{{\partial {v.label}}} = {sympy.latex(v.grad_expr)}"
                 rf" = {v.grad:g}"))

# %% [check]
assert d.data == 4.0
assert (a.grad, b.grad, c.grad) == (-3.0, 2.0, 1.0)
assert a.grad_expr == b.symbol and b.grad_expr == a.symbol and c.grad_expr == 1

# %% [markdown]
# ## The pitfall: mutating inputs in place between nudges
#
# A graph of `Value`s keeps the numbers it computed. Nudging means changing a
# leaf's `data` *in place*, and two things can then go wrong:
#
# 1. forgetting to recompute: `d.data` still holds the old result until
#    `d.forward()` runs the graph again, so the "slope" comes out 0;
# 2. forgetting to put the input back: the next input's slope is then measured at
#    a different point ($a = 2.0001$ instead of 2).

# %%
d0 = d.data
a.data += h
stale = (d.data - d0) / h  # no forward(): d has not moved
fresh = (d.forward() - d0) / h
print("without forward():", stale, "  with forward():", fresh)

# %% [check]
assert stale == 0.0 and math.isclose(fresh, -3.0, rel_tol=1e-9)

# %%
# ...and a is still 2.0001: the change in d now holds both nudges, a's and b's.
b.data += h
mixed = (d.forward() - d0) / h
print(f"a is {a.data}, so the slope in b reads {mixed:.6f} instead of 2")
a.data, b.data = 2.0, -3.0  # put both back
d.forward()

# %% [check]
# (a + h)(b + h) + c - (ab + c) = (b + a + h) h: the slope reads b + a + h = -0.9999
assert math.isclose(mixed, -3.0 + 2.0 + h, rel_tol=1e-6)

# %% [markdown]
# The explorer's `check` nudges every variable for you, one at a time, with a
# central difference, and always restores it: here backprop, the closed form,
# SymPy's own derivative and the finite difference all agree.

# %%
report = check(d)
report

# %% [check]
assert report.ok and d.data == 4.0 and a.data == 2.0

# %%
draw(d, formulas="grad")

# %% [markdown]
# ## The nudge panel
#
# A slider per input. Each move sets the input's `data`, runs `forward()`,
# zeroes the gradients and runs `backward()`, then checks agreement again: the
# gradients follow the point, the formulas stay the same.

# %%
panel = nudge(d)
panel

# %%
panel.sliders["a"].value = 3.0  # the panel above moves too
print("d =", d.data, " dd/db =", b.grad)

# %% [check]
assert d.data == 1.0 and b.grad == 3.0 and panel.report.ok

# %%
panel.reset_values()

# %% [check]
assert d.data == 4.0
