# %% [markdown]
# # 15. micrograd's demo: two moons
#
# The lecture's library ends with a demo: a network of two hidden layers of 16
# ReLU neurons learns to separate two interleaving half-moons of points. It is
# the lecture's loop at a larger scale, with two changes of detail: the loss is
# the *max-margin* (SVM) loss $\frac{1}{n}\sum_i \max(0, 1 - y_i s_i)$ plus a
# small penalty $10^{-4}\sum_p p^2$ on the weights, and the learning rate
# decays from 1.0 to 0.1 over the 100 steps.
#
# `engine.demo` holds the demo's setup, loss and loop once (the tests, the
# benchmarks and the training panel use the same code). It seeds NumPy and
# `random` with 1337 as micrograd does, and draws the moons with scikit-learn's
# algorithm, so it gets micrograd's data, micrograd's initial weights and
# micrograd's numbers: its saved notebook ends at
# `step 99 loss 0.010978370135492717, accuracy 100.0%`, and so does this one.
#
# For speed we pass `fused=True`: each neuron's sum $b + \sum_i w_i x_i$ becomes
# one `affine` node instead of $2n$ nodes of `*` and `+`. The arithmetic, and so
# every number, stays the same; the graph has about 8 times fewer nodes.

# %%
%matplotlib inline
import math
import time

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

from engine import Value, demo, topo_order
from widgets import follow_theme, training

follow_theme()  # the figures below turn over with JupyterLab's dark theme

# %%
model, X, y = demo.setup(fused=True)
print(model)
print("number of parameters", len(model.parameters()))
plt.figure(figsize=(5, 5))
plt.scatter(X[:, 0], X[:, 1], c=y, s=20, cmap="jet")
plt.show()

# %% [check]
assert len(model.parameters()) == 337 and X.shape == (100, 2) and set(y) == {-1, 1}

# %%
loss, acc = demo.svm_loss(model, X, y)
print(f"before training: loss {loss.data!r}, accuracy {acc:.0%}")
unfused_model, _, _ = demo.setup(fused=False)  # micrograd's graph: the same seed, same weights
unfused_loss, _ = demo.svm_loss(unfused_model, X, y)
print(f"nodes in the loss's graph: {len(topo_order(loss)):,} fused, "
      f"{len(topo_order(unfused_loss)):,} as micrograd builds it")

# %% [check]
assert math.isclose(loss.data, 0.8958441028683222, rel_tol=1e-12) and acc == 0.5
assert unfused_loss.data == loss.data
assert len(topo_order(unfused_loss)) > 5 * len(topo_order(loss))

# %%
del unfused_model, unfused_loss

# %% [markdown]
# ## Training, 100 steps

# %%
bar = W.IntProgress(min=0, max=100, description="training")
status = W.Label()
display(W.HBox([bar, status]))
log = []


def on_step(k, loss, acc):
    bar.value = k + 1
    status.value = f"step {k} loss {loss:.6f}, accuracy {acc:.0%}"
    if k % 10 == 0 or k == 99:
        log.append(f"step {k} loss {loss!r}, accuracy {acc * 100}%")


start = time.perf_counter()
history = demo.train(model, X, y, steps=100, on_step=on_step)
print(f"{time.perf_counter() - start:.1f} s")
print("\n".join(log))

# %%
final_loss, final_acc = demo.svm_loss(model, X, y)

# %% [check]
assert len(history) == 100 and bar.value == 100
assert math.isclose(history[0], 0.8958441028683222, rel_tol=1e-12)
assert math.isclose(history[-1], 0.010978370135492717, rel_tol=1e-9)  # micrograd's step 99
assert final_acc == 1.0

# %% [markdown]
# ## The decision boundary
#
# Score every point of a grid with the trained network, exactly as micrograd's
# demo does, and colour the plane by the sign of the score.

# %%
h = 0.25
x_min, x_max = X[:, 0].min() - 1, X[:, 0].max() + 1
y_min, y_max = X[:, 1].min() - 1, X[:, 1].max() + 1
xx, yy = np.meshgrid(np.arange(x_min, x_max, h), np.arange(y_min, y_max, h))
Xmesh = np.c_[xx.ravel(), yy.ravel()]
inputs = [list(map(Value, xrow)) for xrow in Xmesh]
scores = list(map(model, inputs))
Z = np.array([s.data > 0 for s in scores]).reshape(xx.shape)

fig = plt.figure(figsize=(5, 5))
plt.contourf(xx, yy, Z, cmap=plt.cm.Spectral, alpha=0.8)
plt.scatter(X[:, 0], X[:, 1], c=y, s=40, cmap=plt.cm.Spectral)
plt.xlim(xx.min(), xx.max())
plt.ylim(yy.min(), yy.max())
plt.show()

# %%
on_data = [model(list(map(Value, row))).data > 0 for row in X]

# %% [check]
assert on_data == list(y > 0)  # every training point on its side of the boundary
assert 0 < Z.mean() < 1

# %% [markdown]
# ## In the training panel
#
# The training panel runs the same demo. By default it trains on the compiled
# closed forms (`engine.compile`: the loss and its 337 gradients as NumPy code for
# the whole batch, the same numbers to rounding), so *Run* takes the 100 steps in
# well under a second; its *graph* menu switches to the fused graph or to
# micrograd's own, unfused graph, a node per operation rebuilt every step, which
# takes seconds and lets you watch the loss curve and the boundary move.

# %%
panel = training("moons")
panel

# %% [check]
assert panel.model is not model and len(panel.model.parameters()) == 337
assert panel.graph.value == "compiled"  # what the text above says
