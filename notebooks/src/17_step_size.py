# %% [markdown]
# # 17. Step sizes from second derivatives
#
# Two step sizes run through the lecture. In chapter 1 the derivative is estimated
# with a small step h, `(f(x + h) - f(x)) / h`; in chapter 5 and onwards the
# parameters move by a step of size `rate * grad`. How small should h be, and how
# large the rate? Both answers come from second (and third) derivatives, and the
# engine gives those two ways: in closed form, `engine.hessian_expr(root, variables)`
# is the gradient of the reverse sweep differentiated once more; in numbers,
# `engine.hessian` runs the rule table's partials over dual numbers (forward over
# reverse, no SymPy), which scales to a network's loss (chapter 14's notebook).

# %%
import math

import numpy as np
import sympy

import engine
from engine import Value
from widgets import descent, step_size

# %%
x, y = Value(1.0, label="x"), Value(1.0, label="y")
bowl = x**2 + 10 * y**2
print(engine.hessian_expr(bowl, [x, y]))
print(engine.hessian(bowl, [x, y]))
assert engine.hessian_expr(bowl, [x, y]) == sympy.hessian(bowl.expr, [x.symbol, y.symbol])

# %% [markdown]
# ## The best h of a finite difference
#
# A forward difference errs by truncation, about $|f''|\,h/2$, and by round-off:
# $f(x+h)$ and $f(x)$ are each off by up to $\varepsilon|f|$ (machine epsilon,
# $2^{-52}$), and their difference is divided by $h$, so about
# $2\varepsilon|f|/h$. The sum is least at $h^* = 2\sqrt{\varepsilon|f|/|f''|}$.
# The central difference's truncation is $|f'''|\,h^2/6$ and its round-off
# $\varepsilon|f|/h$, least at $h^* = \sqrt[3]{3\varepsilon|f|/|f'''|}$.
# The panel draws both models (dashed) beside the measured errors and marks each
# $h^*$. Try the relative view: for $e^x$ at 20 the absolute errors are
# large numbers, the relative ones are not.

# %%
panel = step_size("exp(x)", x=20.0)
panel

# %%
print("model h*:", panel.h_star)
print("measured best h:", panel.best_h)
cases = [("exp(x)", 20.0), ("tanh(2*x)", 0.5), ("sin(x)", 1.0), ("log(x)", 2.0),
         ("x**3 - 2*x", 1.5)]  # fmt: skip
for text, at in cases:
    p = step_size(text, x=at)
    for kind in ("forward", "central"):
        ratio = p.best_h[kind] / p.h_star[kind]
        print(f"{text:12} at {at:4}: {kind:7} h* = {p.h_star[kind]:.1e}, "
              f"measured {p.best_h[kind]:.1e}, ratio {ratio:.2f}")  # fmt: skip
        assert 0.1 <= ratio <= 10  # within a factor of 10 of the theory

# %% [markdown]
# On chapter 1's quadratic $f''' = 0$: the central difference has no truncation
# error at all and is exact up to round-off, so its error only falls as h grows.
# The measured curve's lowest point (at h = 1) is not a "best h", and the panel
# says so in words instead of marking it.

# %%
quadratic = step_size(x=3.0)
assert quadratic.d3 == 0 and quadratic.h_star["central"] is None
assert "exact up to round-off" in quadratic.notes.value
quadratic

# %% [markdown]
# ## The critical and the best learning rate
#
# A gradient step on a quadratic with Hessian $H$ multiplies the error along each
# eigenvector (eigenvalue $\lambda$) by $1 - r\lambda$. All shrink while
# $r < 2/\lambda_{max}$, the *critical rate*; the slowest shrinks fastest at
# $r = 2/(\lambda_{max} + \lambda_{min})$, the *best fixed rate*. For
# $f = 3x^2 - 4x + 5$, $f'' = 6$: critical $1/3$, best $1/6$, where one step
# lands on the minimum.

# %%
parabola = descent(start=3.0, lr=0.1, steps=30)
assert math.isclose(parabola.critical_rate, 1 / 3) and math.isclose(parabola.best_rate, 1 / 6)
parabola

# %%
bowl_panel = descent("x**2 + 10*y**2", start={"x": 1, "y": 1}, lr=0.05, steps=1000)
crit, best = bowl_panel.critical_rate, bowl_panel.best_rate
assert math.isclose(crit, 0.1) and math.isclose(best, 2 / 22)


def distance(panel, lr, steps=300):
    """How far from the optimum the steps end (inf if they left the floats)."""
    trajectory, stopped = panel.run(lr, steps, ascent=False)
    return math.inf if stopped else math.dist(trajectory[-1]["x"], panel.optimum["x"])


for d in (parabola, bowl_panel):
    crit, best = d.critical_rate, d.best_rate
    assert distance(d, 0.98 * crit) < 1e-3  # just below the critical rate: converges
    assert distance(d, 1.02 * crit) > 1e3  # just above: diverges
    # the best rate beats its neighbours on either side
    for neighbour in (0.8 * best, 1.2 * best):
        assert distance(d, best, 20) < distance(d, neighbour, 20)
    print(f"critical {crit:.4g}, best {best:.4g}: checked")

# %% [markdown]
# ## Newton and the exact line search
#
# Newton's step $-H^{-1}\nabla f$ jumps to the minimum of the local quadratic: on
# a quadratic, in one step. The exact line search walks along $-\nabla f$ to the
# lowest point on that line; for a polynomial $f$ SymPy writes
# $\tfrac{d}{dt} f(x - t\,\nabla f)$ as a polynomial in $t$ in closed form.
# On Rosenbrock's valley it needs far fewer steps than any fixed rate.

# %%
newton = descent("x**2 + 10*y**2 + x*y - 3*x", start={"x": 4, "y": -2}, method="newton")
assert np.allclose(newton.trajectory[1]["x"], newton.optimum["x"], atol=1e-12)
newton.trajectory[1]["x"], newton.optimum["exact"]

# %%
rosenbrock = descent(
    lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
    start={"x": 1.2, "y": 1.2}, lr=2e-3, steps=1000, method="line search",
)  # fmt: skip
rosenbrock

# %%
def steps_to(trajectory, tol=1e-3):
    return next((k for k, p in enumerate(trajectory) if p["f"] < tol), math.inf)


line = steps_to(rosenbrock.trajectory)
fixed = {lr: steps_to(rosenbrock.run(lr, 1000, ascent=False)[0])
         for lr in (5e-4, 1e-3, rosenbrock.best_rate, 2e-3)}  # fmt: skip
print("line search:", line, "steps; fixed rates:", fixed)
assert line < min(fixed.values())
