# %% [markdown]
# # 5. One optimisation step
#
# A gradient is a direction: it says which way each input should move to make the
# output grow, and how strongly the output reacts. So to push $L$ up, move every
# leaf a little along its own gradient, `x.data += 0.01 * x.grad`, and compute $L$
# again. To first order the change is the step size times the squared length of
# the gradient, $\Delta L \approx 0.01 \sum_i (\partial L/\partial x_i)^2 = 0.72$;
# the actual change, 0.7135, falls a little short because $L$ is curved. Training
# a neural net is this step, repeated (with a minus sign, to push a loss down).

# %%
import math

from engine import Value
from explorer import check
from widgets import descent

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
L.backward()
print("L =", L.data, " grads:", {v.label: v.grad for v in (a, b, c, f)})

# %% [check]
assert check(L).ok  # the gradients we are about to follow are right

# %% [markdown]
# ## The step
#
# Change the leaves in place, then recompute. The lecture rebuilds the
# expression; `L.forward()` does the same on the graph we already have. Without
# either, `L.data` would still read the old $-8$.

# %%
predicted = 0.01 * sum(v.grad**2 for v in (a, b, c, f))
for v in (a, b, c, f):
    v.data += 0.01 * v.grad
print("before forward():", L.data)
L.forward()
print("after forward(): ", L.data)
print(f"change {L.data + 8:.6f}, first-order prediction {predicted:.6f}")

# %% [check]
assert math.isclose(L.data, -7.286496, rel_tol=1e-12)
assert (a.data, b.data, c.data, f.data) == (2.06, -3.04, 9.98, -1.96)
assert math.isclose(predicted, 0.72) and L.data + 8 < predicted

# %%
# The lecture's way: build the expression again from the moved leaves. Same number.
e2 = a * b
L2 = (e2 + c) * f
L2.data

# %% [check]
assert L2.data == L.data

# %% [markdown]
# ## The descent panel
#
# The panel takes repeated steps of a chosen size and compares, at each step, the
# first-order prediction $\text{rate} \cdot |\nabla L|^2$ with the actual change.
# Here it starts from the lecture's point, going *up* (ascent) as the lecture
# does. $L = (ab + c) f$ has no maximum (nor minimum), and the panel says so:
# `sympy.solve` of $\nabla L = 0$ finds only saddle points.

# %%
for v, x in zip((a, b, c, f), (2.0, -3.0, 10.0, -2.0)):
    v.data = x  # back to the lecture's point
L.forward()
panel = descent(L, [a, b, c, f], lr=0.01, steps=10, ascent=True)
panel

# %%
first = panel.trajectory[1]

# %% [check]
assert math.isclose(first["f"], -7.286496, rel_tol=1e-12)
assert math.isclose(panel.trajectory[0]["predicted"], 0.72)
assert panel.optimum is None
assert L.data == -8.0  # the panel leaves the graph where it found it

# %% [markdown]
# On chapter 1's parabola $f(x) = 3x^2 - 4x + 5$ there is a minimum, at
# $x^* = 2/3$, and descent finds it. A step multiplies the distance to $x^*$ by
# $1 - 6\,\text{rate}$: past a rate of $1/3$ that factor exceeds 1 in size and
# the steps fly off. Slide the rate past 0.33 to see it.

# %%
parabola = descent(lambda x: 3 * x**2 - 4 * x + 5, start=3.0, lr=0.1, steps=20)
parabola

# %%
x_star = parabola.optimum["x"][0]

# %% [check]
assert math.isclose(x_star, 2 / 3) and not parabola.diverged
assert abs(parabola.trajectory[-1]["x"][0] - x_star) < 1e-6  # 0.4 ** 20 of the way left

# %%
parabola.lr.value = 0.4  # 1 - 6 * 0.4 = -1.4: each step overshoots further

# %% [check]
assert parabola.diverged

# %%
parabola.lr.value = 0.1
