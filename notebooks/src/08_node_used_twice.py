# %% [markdown]
# # 8. A node used twice
#
# When one value feeds two places, it influences the output along two paths, and
# its gradient is the *sum* of what comes back along each: the multivariable
# chain rule. That is why every backward rule writes `grad +=` and never
# `grad =`. With `=`, the second path overwrites the first, and a graph where
# nothing is reused hides the mistake completely. Here it is made visible by
# injecting the `=` bug into the engine, catching it with the agreement check,
# and removing it again.

# %%
from engine import Value
from explorer import check, draw, inject_bug

# %% [markdown]
# ## $b = a + a$
#
# $b = 2a$, so $db/da = 2$. The `+` node's two inputs are the same Value, and the
# graph shows both edges.

# %%
a = Value(3.0, label="a")
b = a + a
b.label = "b"
b.backward()
print("a.grad =", a.grad)

# %% [check]
assert a.grad == 2.0

# %%
draw(b)

# %% [markdown]
# With the bug: backward *assigns* each contribution, so the second edge's 1
# overwrites the first edge's 1 and `a.grad` reads 1. The closed form, SymPy and
# the finite difference all say 2, and the check says *wrong*.

# %%
b.zero_grad()
with inject_bug("+", "assign-not-accumulate"):
    b.backward()
print("a.grad with the bug =", a.grad)
report = check(b)
report

# %% [check]
assert a.grad == 1.0 and not report.ok

# %% [markdown]
# ## The lecture's second example
#
# $a = -2$, $b = 3$, $d = ab$, $e = a + b$, $f = de$. Both $a$ and $b$ feed $d$
# *and* $e$. By the product rule $\partial f/\partial a = be + d = 3 \cdot 1 - 6
# = -3$ and $\partial f/\partial b = ae + d = -2 - 6 = -8$.

# %%
def example():
    a = Value(-2.0, label="a")
    b = Value(3.0, label="b")
    d = a * b
    d.label = "d"
    e = a + b
    e.label = "e"
    f = d * e
    f.label = "f"
    return a, b, f


a, b, f = example()
f.backward()
print("a.grad =", a.grad, " b.grad =", b.grad)

# %% [check]
assert (a.grad, b.grad) == (-3.0, -8.0)
assert check(f, nodes="all").ok

# %% [markdown]
# The lecture's first version had `=` in every operation. Injected the same way
# (`op="all"`), each leaf keeps only the contribution of the last node to visit
# it, the `*`: $a$ gets $b \cdot 1 = 3$ and $b$ gets $a \cdot 1 = -2$.

# %%
a, b, f = example()
with inject_bug("all", "assign-not-accumulate"):
    f.backward()
print("with the bug: a.grad =", a.grad, " b.grad =", b.grad)
buggy = check(f, nodes="all")
buggy

# %% [check]
assert (a.grad, b.grad) == (3.0, -2.0)
assert {v.label for v in buggy.flagged} == {"a", "b"}

# %% [markdown]
# The picture colours each node by its verdict: the two leaves that are used
# twice are the wrong ones; everything used once is fine.

# %%
draw(f, verdicts=buggy, formulas="grad")

# %% [markdown]
# ## Fixed
#
# Outside the `with` block the engine's accumulating backward is back. Zero the
# gradients, run it again, and the check agrees everywhere.

# %%
f.zero_grad()
f.backward()
fixed = check(f, nodes="all")
fixed

# %% [check]
assert (a.grad, b.grad) == (-3.0, -8.0) and fixed.ok

# %%
draw(f, verdicts=fixed, formulas="grad")

# %% [markdown]
# ## Step through it: two contributions into $a$
#
# Going back, $a$ is reached twice: first through $e = a + b$ (local derivative 1,
# times $e$'s grad $-6$), then through $d = ab$ (local derivative $b = 3$, times
# $d$'s grad $1$). The card shows each `+=` with the grad before and after:
# $-6 \to -3$. With `=` the second would overwrite the first and leave $3$.

# %%
from widgets import backprop, exercise

a, b, f = example()
stepper = backprop(f)
stepper.position = len(stepper.steps) - 1
stepper

# %%
print(stepper.model.describe())

# %% [check]
into_a = [c for s in stepper.steps for c in s.contributions if c.input is a]
assert [(c.before, c.after) for c in into_a] == [(None, -6.0), (-6.0, -3.0)]
assert stepper.steps[-1].grads[b] == -8.0

# %% [markdown]
# And by hand: the exercise names chapter 8's bug when only one contribution is
# counted.

# %%
quiz = exercise(f)
print(quiz.answer("a", 3))

# %% [check]
assert "node used twice" in quiz.answer("a", 3).diagnosis
assert quiz.answer("a", -3).correct
