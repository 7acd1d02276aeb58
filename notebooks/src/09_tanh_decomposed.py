# %% [markdown]
# # 9. tanh, broken into pieces
#
# Backpropagation does not care how big the operations are. A tanh node with its
# own derivative, or tanh spelled out as
# $$o = \frac{e - 1}{e + 1}, \qquad e = \exp(2n),$$
# out of an exponential, a product with a constant, a subtraction, an addition
# and a division: the chain rule through the small pieces gives the same
# gradients as the one big rule. To write it this way, though, `Value` must
# accept plain numbers (`e - 1`, `2 * n`) and offer `-`, `/` and `**`.

# %%
import math

import sympy

from engine import Value, topo_order
from explorer import check, draw, formulas

# %%
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
# ----
e = (2 * n).exp()
e.label = "e"
o = (e - 1) / (e + 1)
# ----
o.label = "o"
o.backward()
print("o =", o.data)
grads = {v.label: v.grad for v in (x1, w1, x2, w2, b)}
grads

# %% [check]
# chapter 7's numbers, from the single tanh rule
assert math.isclose(o.data, 0.7071067811865476, rel_tol=1e-12)

# %%
for label, g in {"x1": -1.5, "w1": 1.0, "x2": 0.5, "w2": 0.0, "b": 0.5}.items():
    assert math.isclose(grads[label], g, abs_tol=1e-12), label

# %% [markdown]
# The graph is longer: `exp`, a product with the constant 2, `e + (-1)` for the
# subtraction, and `(e - 1) * (e + 1)**-1` for the division, each a primitive
# with its own two-line rule. The grey boxes are the Python numbers, wrapped.

# %%
draw(o)

# %%
ops = {v._op for v in topo_order(o) if v._op}
constants = sorted({v.data for v in topo_order(o) if v.is_constant})
print("operations:", sorted(ops), " constants:", constants)

# %% [check]
assert {"exp", "*", "+", "**-1"} <= ops and "tanh" not in ops
assert constants == [-1.0, 1.0, 2.0]

# %% [markdown]
# ## The pitfall: `2 * n` and `e - 1`
#
# `e - 1` works because the engine wraps the number 1 into a constant node
# before subtracting; the lecture's first `Value` had no such wrapping, and
# `a + 1` failed looking for `1.data`. `2 * n` needs one more step. Python first
# asks the left operand, `int.__mul__(2, n)`, which does not know Values and
# answers `NotImplemented`; only then does it try the right operand's *reflected*
# method, `n.__rmul__(2)`. A Value type without `__rmul__` therefore supports
# `n * 2` but not `2 * n`:

# %%
print("int.__mul__(2, n) ->", (2).__mul__(n))


class ValueWithoutRmul(Value):
    """The engine's Value, with the reflected product taken away again."""

    def __rmul__(self, other):
        return NotImplemented


m = ValueWithoutRmul(0.5, label="m")
print("m * 2 =", m * 2)
try:
    2 * m
    raise AssertionError("2 * m should have failed")
except TypeError as err:
    print("2 * m  ->", f"TypeError: {err}")

# %% [check]
assert (n * 2).data == (2 * n).data == 2 * n.data

# %%
two_n = 2 * n  # computed as n.__rmul__(2), i.e. n * 2: the 2 is wrapped, second

# %% [check]
assert two_n._prev[0] is n and two_n._prev[1].is_constant and two_n._prev[1].data == 2
assert (1 - n).data == 1 - n.data and (1 / n).data == 1 / n.data  # __rsub__, __rtruediv__

# %% [markdown]
# ## What the explorer adds
#
# Symbolically the pieces still spell tanh: SymPy confirms that the expression
# and its gradient equal the single-rule versions, and the formula table shows
# the local derivative of every piece.

# %%
N = n.expr
print("o =", o.expr)
x1.grad_expr

# %% [check]
assert sympy.simplify((o.expr - sympy.tanh(N)).rewrite(sympy.exp)) == 0
assert sympy.simplify((x1.grad_expr - w1.symbol * (1 - sympy.tanh(N) ** 2)).rewrite(sympy.exp)) == 0

# %%
formulas(o)

# %%
report = check(o, nodes="all")
report

# %% [check]
assert report.ok
