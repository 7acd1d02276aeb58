# %% [markdown]
# # 14. Gradient descent
#
# Training is chapter 5's step, repeated: compute the loss (forward), get every
# parameter's gradient (backward), move each parameter a little *against* its
# gradient, since we want the loss down, not up, and start again. Twenty steps of
# size 0.1 take the lecture's network from a loss of about 6 to under 0.05, with
# every prediction on its target's side of zero.
#
# One line is easy to forget: zeroing the gradients before each `backward()`.
# Gradients accumulate (chapter 8), so without it each step follows the sum of
# all the gradients so far, a push that keeps growing, and the loss jumps about.

# %%
%matplotlib inline
import math
import random

import matplotlib.pyplot as plt
import numpy as np

from engine.data import LECTURE_XS, LECTURE_YS
from engine.nn import MLP
from explorer import check
from widgets import follow_theme, training

xs, ys = LECTURE_XS, LECTURE_YS

follow_theme()  # the figures below turn over with JupyterLab's dark theme

# %%
def descend(seed=1337, steps=20, lr=0.1, zero_grad=True):
    """The lecture's loop; returns the network and the loss before each step."""
    random.seed(seed)
    net = MLP(3, [4, 4, 1], act="tanh")
    losses = []
    for k in range(steps):
        # forward pass
        ypred = [net(x) for x in xs]
        loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))
        # backward pass
        if zero_grad:
            for p in net.parameters():
                p.grad = 0.0
        loss.backward()
        # update
        for p in net.parameters():
            p.data += -lr * p.grad
        losses.append(loss.data)
    return net, losses


net, losses = descend()
for k, loss in enumerate(losses):
    print(k, loss)

# %%
ypred = [net(x) for x in xs]
final = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))
print("after 20 steps: loss", final.data, " predictions", [round(y.data, 4) for y in ypred])

# %% [check]
assert final.data < 0.05
assert all((y.data > 0) == (t > 0) for y, t in zip(ypred, ys))
assert all(b < a for a, b in zip(losses, losses[1:]))  # it falls at every step

# %% [markdown]
# Are the gradients the loop follows right? Ask the explorer at the trained
# network. A first try trips over this chapter's pitfall: the parameters still
# hold the last step's gradients, `backward()` adds the new ones on top, and the
# check flags every parameter.

# %%
final.backward()
stale = check(final)
print(stale.summary()[:120], "...")

# %% [check]
assert not stale.ok

# %% [markdown]
# Zero, then backward again. Here it must be the whole graph, `final.zero_grad()`:
# `net.zero_grad()` resets only the 41 parameters, and this graph's inner nodes
# still hold the gradients of the `backward()` we just ran on it.

# %%
final.zero_grad()
final.backward()
report = check(final)
print(report.summary())

# %% [check]
assert report.ok

# %% [markdown]
# ## The pitfall: forgetting `zero_grad`
#
# The same loop, the same seed, without the zeroing. Each `backward()` adds the
# new gradient to all the old ones. It may even go down faster at first (a
# runaway kind of momentum), but then the loss leaps back up, again and again.
#
# **What to look for.** On this seed the forgetful run *ends lower* than the
# correct one (its last losses print as 0.0, against about 0.018): do not read that
# as a better method. Read the curve, not its last point. Each step now moves by
# the sum of every gradient so far, not by the gradient here, so the loss is no
# longer pushed steadily downhill: it falls, then leaps up by orders of magnitude
# in one step (0.0003 to 0.17, then 0.0099 to 3.8) at a small, fixed rate. A plain
# gradient step at a small rate never does that; when your loss does, look for a
# missing `zero_grad`. The next run shows where the luck can end.

# %%
_, forgetful = descend(zero_grad=False)
plt.figure(figsize=(6, 3))
plt.semilogy(losses, "o-", label="zero_grad before each backward")
plt.semilogy(np.maximum(forgetful, 1e-12), "s--", label="zero_grad forgotten")
plt.xlabel("step")
plt.ylabel("loss")
plt.legend()
plt.show()
print([round(x, 4) for x in forgetful])

# %%
jumps = [b / max(a, 1e-300) for a, b in zip(forgetful, forgetful[1:])]

# %% [check]
assert max(jumps) > 100  # the loss leaps up by orders of magnitude in one step
assert sum(b > a for a, b in zip(forgetful, forgetful[1:])) >= 2  # more than once

# %% [markdown]
# With another seed the leaps end badly: the accumulated push drives every tanh
# into saturation on the wrong side, where its slope is 0, and the network is
# stuck at a loss of 8 with half its answers wrong. With `zero_grad` the same seed
# trains fine.

# %%
stuck_net, stuck = descend(seed=3, zero_grad=False)
good_net, good = descend(seed=3)
stuck_pred = [stuck_net(x).data for x in xs]
print("forgotten:", round(stuck[-1], 4), [round(y, 3) for y in stuck_pred])
print("zeroed:   ", round(good[-1], 4), [round(good_net(x).data, 3) for x in xs])

# %% [check]
assert stuck[-1] > 7.9 and good[-1] < 0.05
assert sum((y > 0) != (t > 0) for y, t in zip(stuck_pred, ys)) == 2

# %% [markdown]
# ## The training panel
#
# The same loop behind a button: the panel builds the same network from the same
# seed, so its loss curve is exactly the one above. Press *Run* for more steps,
# *New network* to start over, or change the rate (try 0.5, then 3).

# %%
panel = training("lecture", lr=0.1, steps=20, seed=1337)
panel.run()
panel

# %% [check]
assert len(panel.losses) == 20
assert all(math.isclose(a, b, rel_tol=1e-12) for a, b in zip(panel.losses, losses))
assert panel.accuracy == 1.0
