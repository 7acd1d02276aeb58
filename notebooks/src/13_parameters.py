# %% [markdown]
# # 13. All the parameters
#
# To train a network we must reach every number it is allowed to change: the
# weights and the bias of every neuron. Each module lists its own, `Neuron` its
# weights and bias, `Layer` those of its neurons, `MLP` those of its layers, so
# `net.parameters()` collects all of them in one list. For `MLP(3, [4, 4, 1])`:
# the first layer has $4 \times (3 + 1) = 16$, the second $4 \times (4 + 1) = 20$
# and the output neuron $4 + 1 = 5$, which makes 41. After a `backward()` of the
# loss, each carries its gradient, and chapter 14 moves them all against it.

# %%
%matplotlib inline
import random

import matplotlib.pyplot as plt
import sympy

from engine.data import LECTURE_XS, LECTURE_YS
from engine.nn import MLP
from explorer import check
from widgets import follow_theme

follow_theme()  # the figures below turn over with JupyterLab's dark theme

# %%
random.seed(1337)
net = MLP(3, [4, 4, 1], act="tanh")
params = net.parameters()
per_layer = [len(layer.parameters()) for layer in net.layers]
print(len(params), "parameters:", per_layer)

# %% [check]
assert len(params) == 41 and per_layer == [16, 20, 5]
assert len(set(map(id, params))) == 41  # each one once
assert len(MLP(3, [4, 4, 1]).parameters()) == 41  # micrograd's ReLU network: the same count

# %%
print([p.label for p in net.layers[2].parameters()])

# %% [markdown]
# ## Their gradients
#
# One `backward()` of the loss over the four samples fills in all 41. The bars
# show which way, and how hard, each parameter pulls.

# %%
ypred = [net(x) for x in LECTURE_XS]
errors = [yout - ygt for ygt, yout in zip(LECTURE_YS, ypred)]
for i, (yout, err) in enumerate(zip(ypred, errors), start=1):
    yout.label, err.label = f"yhat_{i}", f"e_{i}"  # names for the formulas below
loss = sum(err**2 for err in errors)
loss.label = "L"
loss.backward()
plt.figure(figsize=(9, 2.8))
plt.bar(range(len(params)), [p.grad for p in params])
plt.xticks(range(len(params)), [f"${p.label}$" for p in params], rotation=90, fontsize=8)
plt.ylabel("dL/dp")
plt.tight_layout()
plt.show()

# %% [check]
assert all(p.grad != 0 for p in params)

# %% [markdown]
# ## What the explorer adds
#
# The output neuron's parameters are the nearest to the loss, and their gradient
# formulas, in the chain-rule view, are short. For the output bias: a sum over
# the four samples of the loss's slope $2e_i$ (with $e_i = \hat y_i - y_i$) times
# tanh's slope $1 - \hat y_i^2$.

# %%
b_out = net.layers[2].neurons[0].b
print(b_out.label)
b_out.chain_expr

# %%
e = sympy.symbols("e_1:5", real=True)
yhat = sympy.symbols("yhat_1:5", real=True)

# %% [check]
assert sympy.expand(b_out.chain_expr - sum(2 * e[i] * (1 - yhat[i] ** 2) for i in range(4))) == 0

# %% [markdown]
# Checking a few chosen nodes instead of all 41 is cheaper, and then the
# explorer can afford SymPy's own `diff` of the whole loss as well (the oracle
# column).

# %%
report = check(loss, nodes=net.layers[2].parameters())
report

# %% [check]
assert report.ok and all(r.oracle is not None for r in report.rows)

# %% [markdown]
# `zero_grad()` on the network resets all 41 at once (the next chapter needs it).

# %%
net.zero_grad()

# %% [check]
assert all(p.grad == 0 for p in params)
