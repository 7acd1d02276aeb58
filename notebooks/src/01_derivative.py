# %% [markdown]
# # 1. The derivative of a simple function
#
# A derivative answers one question: if I push the input a tiny bit, how much
# does the output move, per unit of push? For $f(x) = 3x^2 - 4x + 5$ we can
# estimate it with plain Python, by evaluating $f$ twice and dividing the rise by
# the run:
#
# $$f'(x) \approx \frac{f(x+h) - f(x)}{h}.$$
#
# The smaller $h$, the closer the estimate, up to a point: past it, the floating
# point round-off in $f(x+h) - f(x)$ takes over. Then we let the engine compute the
# same slope exactly, and the explorer writes the derivative down as a formula.

# %%
%matplotlib inline
import math

import matplotlib.pyplot as plt
import numpy as np
import sympy
from IPython.display import Math, display

from engine import Value
from explorer import check, draw
from widgets import follow_theme, step_size

follow_theme()  # the figures below turn over with JupyterLab's dark theme

# %%
def f(x):
    return 3 * x**2 - 4 * x + 5


f(3.0)

# %% [check]
assert f(3.0) == 20.0

# %%
xs = np.arange(-5, 5, 0.25)
plt.figure(figsize=(5, 3))
plt.plot(xs, f(xs))
plt.title("f(x) = 3x² − 4x + 5")
plt.show()

# %% [markdown]
# ## The slope by nudging
#
# Push $x = 3$ by $h = 0.001$ and divide. The exact slope is $f'(3) = 6 \cdot 3 - 4
# = 14$; the estimate is off by $3h$, the curvature term, so it reads 14.003.

# %%
h = 0.001
x = 3.0
slope = (f(x + h) - f(x)) / h
slope

# %% [check]
assert math.isclose(slope, 14.003, rel_tol=1e-9)  # 14 + 3h: the estimate's own error

# %% [markdown]
# At $x = -3$ the function falls (slope $-22$), and at $x = 2/3$ it is flat: the
# bottom of the parabola.

# %%
for x in (-3.0, 2 / 3):
    print(f"x = {x:+.4f}: slope ≈ {(f(x + h) - f(x)) / h:+.6f}")

# %% [check]
assert abs((f(-3.0 + h) - f(-3.0)) / h - (-22)) < 0.01
assert abs((f(2 / 3 + h) - f(2 / 3)) / h) < 0.01

# %% [markdown]
# ## The pitfall: too small an $h$
#
# Floats carry about 16 significant digits. $f(3) = 20$, so $f(3 + h)$ and $f(3)$
# agree in their leading digits and their difference keeps only the few digits
# left over: at $h = 10^{-14}$ the estimate is wrong in the second digit, and at
# $h = 10^{-16}$, $3 + h$ *is* $3$ and the slope comes out exactly 0.

# %%
for h in (1e-3, 1e-6, 1e-8, 1e-10, 1e-12, 1e-14, 1e-16):
    est = (f(3.0 + h) - f(3.0)) / h
    print(f"h = {h:.0e}: slope ≈ {est:<20.15g} error {abs(est - 14):.1e}")

# %% [check]
assert abs((f(3.0 + 1e-8) - f(3.0)) / 1e-8 - 14) < 1e-5  # a good h
assert abs((f(3.0 + 1e-14) - f(3.0)) / 1e-14 - 14) > 0.1  # round-off has taken over
assert (f(3.0 + 1e-16) - f(3.0)) / 1e-16 == 0  # 3 + 1e-16 == 3 in floats

# %% [markdown]
# ## The same slope, from the engine
#
# Build $f$ out of a `Value` instead of a float, call `backward()`, and read
# `x.grad`: the exact slope, no $h$ anywhere. The explorer adds what the engine
# knows symbolically: the node's expression and the closed form of the derivative.

# %%
x = Value(3.0, label="x")
y = f(x)  # the same Python function, now on a Value
y.label = "y"
y.backward()
x.grad

# %%
display(Math(rf"y = {sympy.latex(y.expr)} = {y.data:g}"))
display(Math(rf"\frac{{dy}}{{dx}} = {sympy.latex(x.grad_expr)} = {x.grad:g}"))

# %% [check]
assert y.data == 20.0
assert x.grad == 14.0
X = sympy.Symbol("x", real=True)
assert sympy.expand(x.grad_expr - (6 * X - 4)) == 0

# %%
check(y)

# %%
draw(y)

# %% [markdown]
# `3 * x**2` made a few *constant* nodes (the 3, the 2, the −4): they are the
# grey boxes. The chapter on `2 * a` (9) says why a number needs wrapping.
#
# ## The step-size panel
#
# The panel below estimates $f'(3)$ with the forward difference above and with
# the central one, $\frac{f(x+h) - f(x-h)}{2h}$, for every $h$ from $10^{-12}$ to
# 1, and plots the error against the closed form. The forward curve is a V:
# truncation error on the right (it shrinks with $h$), round-off on the left (it
# grows as $h$ shrinks). The central difference has no truncation error at all on
# a parabola (its error is $f'''(x)\,h^2/6$, and $f''' = 0$), so only round-off
# is left and it falls as $h$ grows. Slide $h$, or change $x$.

# %%
panel = step_size(f, x=3.0, h=1e-3)
panel

# %%
print("best h for the forward difference:", panel.best_h["forward"])

# %% [check]
assert panel.exact == 14.0
assert 1e-10 <= panel.best_h["forward"] <= 1e-6  # about sqrt(machine epsilon)
assert panel.errors["central"] < 1e-9  # exact on a parabola, up to round-off
assert math.isclose(panel.estimates["forward"], 14.003, rel_tol=1e-9)
