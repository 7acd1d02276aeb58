# %% [markdown]
# # 12. A dataset and a loss
#
# A network is only as good as its answers on examples we know. Take four inputs
# with the targets we want, +1 or −1, run the network on each, and measure how far
# off it is with a single number: the *loss*, here the sum of squared errors
# $L = \sum_i (\hat y_i - y_i)^2$. It is 0 only when every prediction hits its
# target, and it is one more `Value`, at the end of one big graph through all
# four forward passes, so `backward()` tells every weight how to move to lower it.
#
# Python's `sum()` adds from `0`, so the first addition is `0 + Value`. That is an
# `int` on the left, which only works because `Value` has `__radd__`.

# %%
import math
import random

import sympy
from IPython.display import Math, display

from engine import Value
from engine.data import LECTURE_XS, LECTURE_YS
from engine.nn import MLP
from explorer import check

# %%
xs = [
    [2.0, 3.0, -1.0],
    [3.0, -1.0, 0.5],
    [0.5, 1.0, 1.0],
    [1.0, 1.0, -1.0],
]
ys = [1.0, -1.0, -1.0, 1.0]  # desired targets

# %% [check]
assert xs == LECTURE_XS and ys == LECTURE_YS

# %%
random.seed(1337)
net = MLP(3, [4, 4, 1], act="tanh")
ypred = [net(x) for x in xs]
loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))
print("predictions:", [round(y.data, 4) for y in ypred])
print("loss:", loss)

# %% [check]
assert isinstance(loss, Value)
assert math.isclose(loss.data, sum((y.data - t) ** 2 for y, t in zip(ypred, ys)), rel_tol=1e-12)

# %% [markdown]
# ## The pitfall: `0 + Value`
#
# `sum(values)` computes `0 + values[0] + values[1] + ...`. For the first `+`,
# Python asks `int.__add__(0, v)`, which answers `NotImplemented`, and then
# `v.__radd__(0)`. Take the reflected method away and `sum()` breaks; giving it a
# `Value` to start from is the other way out.

# %%
print("int.__add__(0, loss) ->", (0).__add__(loss))


class ValueWithoutRadd(Value):
    """The engine's Value, with the reflected sum taken away again."""

    def __radd__(self, other):
        return NotImplemented


terms = [ValueWithoutRadd(1.0), ValueWithoutRadd(2.0)]
try:
    sum(terms)
    raise AssertionError("sum() should have failed")
except TypeError as err:
    print("sum(terms)  ->", f"TypeError: {err}")
print("sum(terms, Value(0.0)) ->", sum(terms, Value(0.0)))

# %% [check]
assert sum(terms, Value(0.0)).data == 3.0
assert (0 + loss).data == loss.data

# %% [markdown]
# ## What the explorer adds
#
# After `backward()`, the gradient arriving at each prediction is
# $\partial L/\partial \hat y_i = 2(\hat y_i - y_i)$: negative when the prediction
# is too low, pulling it up. The same formula comes out of the engine if we make
# the loss of four free predictions, and the numbers match the big graph's.

# %%
loss.backward()
yhat = [Value(y.data, label=f"yhat_{i + 1}") for i, y in enumerate(ypred)]
small = sum((yh - ygt) ** 2 for ygt, yh in zip(ys, yhat))
small.label = "L"
small.backward()
for yh, y in zip(yhat, ypred):
    display(Math(rf"\frac{{\partial L}}{{\partial {sympy.latex(yh.symbol)}}} = "
                 rf"{sympy.latex(yh.grad_expr)} = {y.grad:.6f}"))

# %%
for yh, y, t in zip(yhat, ypred, ys):
    assert math.isclose(y.grad, 2 * (y.data - t), rel_tol=1e-12)
    assert math.isclose(yh.grad, y.grad, rel_tol=1e-12)
    assert sympy.expand(yh.grad_expr - 2 * (yh.symbol - t)) == 0

# %% [markdown]
# The check covers all 41 parameters of the big graph. Its expression is large
# (over a thousand operations), so the explorer skips SymPy's `diff` of the whole
# thing, says so, and still compares backprop with the closed form from its own
# reverse sweep and with finite differences.

# %%
report = check(loss)

# %% [check]
assert report.ok and len(report.rows) == 41

# %%
print(report.summary())
print(report.skipped)
