# %% [markdown]
# # 11. A multilayer perceptron
#
# One neuron draws one line through its input space; stack them and the network
# can bend. A *layer* is several neurons reading the same inputs; an *MLP* feeds
# each layer's outputs to the next. `MLP(3, [4, 4, 1])` takes 3 numbers, has two
# hidden layers of 4 tanh neurons and one output neuron, and returns a single
# `Value` in $(-1, 1)$. Nothing new happens underneath: the network is one big
# expression of the same `+`, `*` and `tanh` nodes, and `backward()` works on it
# as on the single neuron.

# %%
import random

import sympy

from engine import Value, topo_order
from engine.nn import MLP
from explorer import check, draw

# %%
random.seed(1337)  # the weights are drawn at random: fix them, for the same numbers each run
net = MLP(3, [4, 4, 1], act="tanh")
x = [2.0, 3.0, -1.0]
out = net(x)
print(net)
print("out =", out)

# %% [check]
assert isinstance(out, Value) and -1 < out.data < 1
assert [len(layer.neurons) for layer in net.layers] == [4, 4, 1]

# %% [markdown]
# Every weight and bias is a labelled variable: `w_{2,1,3}` is layer 2, neuron 1,
# input 3. The inputs are plain numbers here, so they enter the graph as
# constants.

# %%
print([p.label for p in net.layers[0].neurons[0].parameters()])
print(len(topo_order(out)), "nodes in the graph")

# %% [markdown]
# ## The picture
#
# 126 nodes are too many to read, so here is the first neuron's graph alone, and
# then the whole network with each neuron's sum fused into one `affine` node
# ($b + \sum_i w_i x_i$). The fused network draws the weights from the same seed
# and gives exactly the same output.

# %%
draw(net.layers[0].neurons[0](x))

# %%
random.seed(1337)
fused = MLP(3, [4, 4, 1], act="tanh", fused=True)
out_fused = fused(x)

# %% [check]
assert out_fused.data == out.data

# %%
print(len(topo_order(out_fused)), "nodes, output", out_fused.data)
draw(out_fused)

# %% [markdown]
# ## What the explorer adds
#
# After `backward()`, every parameter has a gradient and a closed form. The chain
# rule view of a first-layer weight stays short: it names the inner nodes
# (unlabelled nodes get automatic names `u1, u2, ...`; each $1 - u^2$ is a tanh's
# local slope) and sums over the four paths through the second layer. Written
# out in the parameters, the same derivative has hundreds of operations. The
# check holds all 41 gradients against SymPy and finite differences.

# %%
out.backward()
w = net.parameters()[0]
print(w.label, "grad =", w.grad)
w.chain_expr

# %%
print("operations: chain view", sympy.count_ops(w.chain_expr),
      " expanded", sympy.count_ops(w.grad_expr))

# %% [check]
assert sympy.count_ops(w.chain_expr) < sympy.count_ops(w.grad_expr) / 5

# %%
report = check(out)

# %% [check]
assert report.ok and len(report.rows) == 41

# %%
print(report.summary())
