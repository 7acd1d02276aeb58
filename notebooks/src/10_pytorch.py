# %% [markdown]
# # 10. The same neuron in PyTorch
#
# PyTorch does what our engine does, on tensors instead of scalars: each tensor
# that `requires_grad` records the operations applied to it, and `.backward()`
# walks them in reverse, accumulating into `.grad`. Building the lecture's neuron
# in PyTorch should therefore give chapter 7's numbers, and it does, to 15
# digits, *if* every tensor is a 64-bit float from the start (the last bit can
# differ: PyTorch computes tanh with its own library, not Python's `math`). The lecture's own run
# printed 0.70710669 and −1.50000039 instead: it made its tensors with
# `torch.Tensor([...])`, which is 32-bit, and only then converted to 64 bits. By
# that time the bias had already been rounded to 32 bits.

# %%
import math

import torch

from engine import Value
from explorer import check


# %%
def engine_neuron():
    x1 = Value(2.0, label="x1")
    x2 = Value(0.0, label="x2")
    w1 = Value(-3.0, label="w1")
    w2 = Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    o = n.tanh()
    o.label = "o"
    o.backward()
    return o, {v.label: v.grad for v in (x1, x2, w1, w2, b)}


o, ours = engine_neuron()
print("engine: o =", o.data, ours)

# %% [markdown]
# ## The lecture's way: float32 first, then `.double()`

# %%
x1 = torch.Tensor([2.0]).double()
x1.requires_grad = True
x2 = torch.Tensor([0.0]).double()
x2.requires_grad = True
w1 = torch.Tensor([-3.0]).double()
w1.requires_grad = True
w2 = torch.Tensor([1.0]).double()
w2.requires_grad = True
b = torch.Tensor([6.8813735870195432]).double()
b.requires_grad = True
n = x1 * w1 + x2 * w2 + b
o32 = torch.tanh(n)
o32.backward()
print("o       ", o32.item())
print("x1.grad ", x1.grad.item())
print("b as stored:", b.item(), " (asked for 6.8813735870195432)")

# %% [check]
assert round(o32.item(), 8) == 0.70710669  # the lecture's printout, to its 8 decimals
assert round(x1.grad.item(), 8) == -1.50000039
assert b.item() == float(torch.tensor(6.8813735870195432, dtype=torch.float32))
assert abs(o32.item() - o.data) > 1e-8  # not the engine's number

# %% [markdown]
# The bias is off by about $2 \times 10^{-7}$, the spacing of 32-bit floats near 7,
# so $n$ is off by as much, and every gradient with it.
#
# ## The fix: 64-bit from the start

# %%
def leaf(x):
    return torch.tensor([x], dtype=torch.float64, requires_grad=True)


x1, x2, w1, w2, b = leaf(2.0), leaf(0.0), leaf(-3.0), leaf(1.0), leaf(6.8813735870195432)
o64 = torch.tanh(x1 * w1 + x2 * w2 + b)
o64.backward()
theirs = {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b}
print(f"{'':4} {'engine':>22} {'PyTorch float64':>22}")
print(f"{'o':4} {o.data:>22.17g} {o64.item():>22.17g}")
for k, t in theirs.items():
    print(f"{k:4} {ours[k]:>22.17g} {t.grad.item():>22.17g}")

# %% [check]
assert math.isclose(o64.item(), o.data, rel_tol=1e-15)

# %%
for k, t in theirs.items():
    assert math.isclose(t.grad.item(), ours[k], rel_tol=1e-14, abs_tol=1e-15), k

# %% [check]
assert math.isclose(ours["x1"], -1.5, rel_tol=1e-12)
assert math.isclose(ours["w1"], 1.0, rel_tol=1e-12)

# %% [markdown]
# ## What the explorer adds
#
# PyTorch and the engine agree with each other; the explorer says they are also
# *right*, against an independent derivation (SymPy's `diff` of the whole formula)
# and a finite difference.

# %%
report = check(o)
report

# %% [check]
assert report.ok
