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
# check flags every parameter, and says why: `backward()` counts the passes a
# gradient holds when it starts over gradients an earlier one left.

# %%
final.backward()
stale = check(final)
print(stale.summary())

# %% [check]
assert not stale.ok
assert "2 backward() passes" in stale.summary() and "zero_grad()" in stale.summary()

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
assert report.ok and "zero_grad" not in report.summary()

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

# %% [markdown]
# ## How large a rate? The critical rate 2/λmax
#
# Near a point, the loss is about a quadratic with Hessian H (the matrix of second
# derivatives). A gradient step multiplies the error along each eigenvector of H
# (eigenvalue λ) by 1 − rate·λ. Along the steepest direction, λmax, it shrinks only
# while |1 − rate·λmax| < 1, that is while the rate is below **2/λmax**, the critical
# rate: above it that direction overshoots by more than it moves.
#
# `engine.curvature` measures λmax of the lecture's loss, all 41 parameters, from the
# engine's own rules (forward over reverse, no SymPy: a few milliseconds).

# %%
from engine import curvature, hessian


def loss_of(net):
    return sum((net(x) - y) ** 2 for x, y in zip(xs, ys))


random.seed(1337)
net0 = MLP(3, [4, 4, 1], act="tanh")
start = curvature(loss_of(net0), net0.parameters())
print(start)
print(start.note)
print(f"the lecture's rate 0.1 against the critical rate {start.critical_rate:.4f}:",
      f"rate x λmax = {0.1 * start.largest:.2f}")  # fmt: skip

# %% [markdown]
# Is that λmax right? An independent look: along its eigenvector u, the gradient
# changes at the rate λmax, so a central difference of backprop's gradient along u,
# divided by the step, gives λmax back.

# %%
params = net0.parameters()
H = hessian(loss_of(net0), params)
lams, vecs = np.linalg.eigh(H)
u = vecs[:, -1]
theta = [p.data for p in params]


def gradient_at(values):
    for p, v in zip(params, values):
        p.data = float(v)
    loss = loss_of(net0)
    net0.zero_grad()  # this chapter's lesson
    loss.backward()
    return np.array([p.grad for p in params])


h = 1e-5
along = (gradient_at(np.add(theta, h * u)) - gradient_at(np.subtract(theta, h * u))) @ u / (2 * h)
gradient_at(theta)  # back where it was
print("λmax:", start.largest, " difference of the gradient along u:", along)

# %% [check]
assert start.method == "exact" and start.n == 41
assert math.isclose(start.largest, lams[-1], rel_tol=1e-12)
assert math.isclose(along, start.largest, rel_tol=1e-6)
assert start.critical_rate < 0.1 < 1.2 * start.critical_rate  # the lecture's rate: just above

# %% [markdown]
# The lecture's 0.1 is *just above* the critical rate at the start (rate·λmax ≈ 2.2),
# and yet it trains, the loss falling at every step. The quadratic picture is local:
# measure λmax again after every step of the lecture's run, and it hovers near
# 2/0.1 = 20 for the first few steps (training at the edge of stability), then falls
# fast as the network fits the data, so the rate is safely below the critical one
# from then on.
#
# A rate well above the critical one, 0.3 (rate·λmax ≈ 6.7, an overshoot of
# |1 − 6.7| = 5.7 along the steepest direction), no longer brings the loss down
# steadily: it blows up, from 2.7 to 3.9 and from 1.4 to 7.9 in one step, as the
# theory says a rate past 2/λmax does. Rates below the critical one fall at every
# step.
#
# **What to look for.** The run at 0.3 then drops to a loss of 2e-6, lower than any
# other: as with the forgotten `zero_grad` above, that is a lucky landing (its big
# steps drove every tanh into saturation, where the curvature and the gradient are
# nearly 0), not a better rate. Read the curve: a loss that leaps up at a fixed
# rate means the rate is past 2/λmax of where it stands.

# %%
def run(lr, steps=20, measure=False):
    random.seed(1337)
    net = MLP(3, [4, 4, 1], act="tanh")
    losses, critical = [], []
    for _ in range(steps):
        loss = loss_of(net)
        if measure:
            critical.append(curvature(loss, net.parameters()).critical_rate)
        net.zero_grad()
        loss.backward()
        for p in net.parameters():
            p.data -= lr * p.grad
        losses.append(loss.data)
    return losses, critical


lecture, critical = run(0.1, measure=True)
runs = {lr: run(lr)[0] for lr in (0.05, 0.08, 0.3)}
runs[0.1] = lecture

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4))
left.semilogy(critical, "o-", color="tab:red", label="critical rate 2/λmax")
left.axhline(0.1, color="black", lw=1, ls="--", label="the lecture's rate 0.1")
left.set_xlabel("step")
left.set_title("the critical rate along the lecture's run", fontsize=10)
left.legend(fontsize=8)
for lr, losses in sorted(runs.items()):
    above = lr > start.critical_rate
    right.semilogy(losses, "s--" if above else "o-", ms=3,
                   label=f"rate {lr}" + (" (above 2/λmax)" if above else ""))  # fmt: skip
right.set_xlabel("step")
right.set_ylabel("loss")
right.set_title("the loss at rates below and above the critical one", fontsize=10)
right.legend(fontsize=8)
plt.show()
print("critical rate, steps 0 to 7:", [round(c, 3) for c in critical[:8]])
print("rate 0.3:", [round(x, 3) for x in runs[0.3][:10]])

# %% [check]
assert all(b < a for lr in (0.05, 0.08) for a, b in zip(runs[lr], runs[lr][1:]))
assert critical[0] < 0.1 and critical[-1] > 1.0  # the curvature falls as it learns
jumps = [b / a for a, b in zip(runs[0.3], runs[0.3][1:])]
assert sum(j > 1 for j in jumps[:8]) >= 2 and max(jumps[:8]) > 2  # it jumps up, twice
