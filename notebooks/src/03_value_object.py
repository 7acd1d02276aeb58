# %% [markdown]
# # 3. The `Value` object and its picture
#
# To differentiate an expression automatically, each number has to remember how
# it was made. A `Value` wraps a float (`data`) and, when it is the result of an
# operation, keeps the operation (`_op`) and the Values that went into it
# (`_prev`). Building $L = (ab + c) f$ out of Values therefore builds a graph,
# and that graph is what backpropagation will walk. Labels are only names, for
# the pictures and, here, for the formulas too.

# %%
import re

import sympy

from engine import Value
from explorer import draw

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
L

# %% [markdown]
# Every result knows its inputs and the operation that made it; the inputs keep
# their order, so `a + a` would show both edges.

# %%
print("d._prev =", d._prev)
print("d._op   =", repr(d._op))
print("L._op   =", repr(L._op), " inputs:", [v.label for v in L._prev])

# %% [check]
assert L.data == -8.0
assert d._op == "+" and e._op == "*" and L._op == "*"
assert d._prev == (e, c) and L._prev == (d, f)
assert a._op == "" and a._prev == ()

# %% [markdown]
# ## The picture
#
# `explorer.draw` draws the graph as the lecture does: left to right, one record
# per Value showing `label | data | grad`, and a small circle for the operation
# that made each result. The grads are all 0 for now: nothing has been
# backpropagated yet (chapter 4).

# %%
dot = draw(L)
dot

# %%
src = dot.source

# %% [check]
assert "rankdir=LR" in src
assert len(re.findall(r"shape=record", src)) == 7  # a, b, c, e, d, f, L
assert len(re.findall(r"shape=circle", src)) == 3  # *, +, *: one per result
assert "{ L | data -8.0000 | grad 0.0000 }" in src

# %% [markdown]
# ## What the explorer adds: the expression at every node
#
# The engine can also run the same graph symbolically: every node's `expr` is its
# formula in the variables, built from the same rule table as the numbers.

# %%
for v in (e, d, L):
    print(f"{v.label} = {v.expr}")
L.expr

# %%
A, B, C, F = sympy.symbols("a b c f", real=True)

# %% [check]
assert sympy.expand(L.expr - (A * B + C) * F) == 0
assert L.expr.subs({A: 2, B: -3, C: 10, F: -2}) == -8

# %%
draw(L, formulas="expr")
