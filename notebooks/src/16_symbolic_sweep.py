# %% [markdown]
# # 16. The formulas behind the numbers: SymPy's `diff` versus the reverse sweep
#
# Every gradient in these notebooks comes with a closed form. There are two ways
# to get one. The *oracle* writes the whole output as one SymPy expression and
# differentiates it with `sympy.diff`; it is independent of our engine, which is
# why the explorer uses it as a check. The *reverse sweep* does what `backward()`
# does, with symbols instead of numbers: one symbol per node, each node's small
# local derivative, multiplied back from the output. Both give the same function,
# but not the same amount of writing. An expression written out as a tree repeats
# every shared piece each time it is used, and differentiating repeats it again:
# this is *expression swell*. The sweep keeps each piece once, by name; `sympy.cse`
# can find the shared pieces again afterwards.

# %%
%matplotlib inline
import random
import time

import matplotlib.pyplot as plt
import sympy

from engine import Value, oracle, topo_order
from engine.nn import MLP
from explorer import formulas
from widgets import follow_theme

follow_theme()  # the figures below turn over with JupyterLab's dark theme

# %% [markdown]
# ## Pure SymPy, three tanh layers deep
#
# $y = \tanh(w_3 \tanh(w_2 \tanh(w_1 x + b_1) + b_2) + b_3)$, differentiated
# with respect to $x$ by SymPy:

# %%
x, w1, w2, w3, b1, b2, b3 = sympy.symbols("x w1 w2 w3 b1 b2 b3", real=True)
y = sympy.tanh(w3 * sympy.tanh(w2 * sympy.tanh(w1 * x + b1) + b2) + b3)
dy_dx = sympy.diff(y, x)
dy_dx

# %% [markdown]
# The same derivative by a reverse sweep, in SymPy too: name the hidden values
# $h_1, h_2, h_3$, start from $\bar y = 1$ and multiply back by each layer's
# local derivative $w_k (1 - h_k^2)$. Every step is one short product.

# %%
h1, h2, h3 = sympy.symbols("h1 h2 h3", real=True)
definitions = {
    h1: sympy.tanh(w1 * x + b1),
    h2: sympy.tanh(w2 * h1 + b2),
    h3: sympy.tanh(w3 * h2 + b3),
}
bar_h3 = sympy.Integer(1)  # y = h3
bar_h2 = bar_h3 * (1 - h3**2) * w3
bar_h1 = bar_h2 * (1 - h2**2) * w2
bar_x = bar_h1 * (1 - h1**2) * w1
bar_x

# %%
# put the definitions back, innermost first, and it is SymPy's answer
expanded = bar_x.subs(h3, definitions[h3]).subs(h2, definitions[h2]).subs(h1, definitions[h1])

# %% [check]
assert sympy.simplify(expanded - dy_dx) == 0

# %%
print("operations: sympy.diff", sympy.count_ops(dy_dx), "  sweep", sympy.count_ops(bar_x))


# %% [markdown]
# ## How the two grow with depth
#
# The same chain built from the engine's `Value`s, $d$ layers deep. `oracle(y, x)`
# is `sympy.diff(y.expr, x.symbol)`; `x.chain_expr` is the engine's symbolic
# reverse sweep. The oracle's formula grows with the square of the depth (layer
# $k$'s factor repeats the $k$ layers below it), the sweep's in proportion to it,
# and `sympy.cse` of the oracle's formula brings it back to a straight line.

# %%
def tanh_chain(depth, seed=0):
    rng = random.Random(seed)
    x = Value(0.5, label="x")
    h = x
    for k in range(1, depth + 1):
        w = Value(rng.uniform(-1, 1), label=f"w_{k}")
        b = Value(rng.uniform(-1, 1), label=f"b_{k}")
        a = w * h
        z = a + b
        h = z.tanh()
        a.label, z.label, h.label = f"a_{k}", f"z_{k}", f"h_{k}"
    h.label = "y"
    return x, h


def cse_size(exprs):
    shared, reduced = sympy.cse(exprs)
    return sum(sympy.count_ops(e) for _, e in shared) + sum(map(sympy.count_ops, reduced))


depths = [1, 2, 4, 8, 12, 16]
sizes = {"sympy.diff": [], "reverse sweep": [], "cse of sympy.diff": []}
for depth in depths:
    xv, yv = tanh_chain(depth)
    yv.backward()
    sizes["sympy.diff"].append(sympy.count_ops(oracle(yv, xv)))
    sizes["reverse sweep"].append(sympy.count_ops(xv.chain_expr))
    sizes["cse of sympy.diff"].append(cse_size([oracle(yv, xv)]))
for name, s in sizes.items():
    print(f"{name:>18}", s)
plt.figure(figsize=(5, 3))
for name, s in sizes.items():
    plt.plot(depths, s, "o-", label=name)
plt.xlabel("depth")
plt.ylabel("operations in dy/dx")
plt.legend()
plt.show()

# %%
diff16, sweep16, cse16 = (s[-1] for s in sizes.values())

# %% [check]
assert diff16 > 5 * sweep16 and cse16 < 3 * sweep16
assert sizes["sympy.diff"][-1] / sizes["sympy.diff"][2] > 2 * 16 / 4  # faster than linear

# %%
# and the expanded sweep is the oracle's function: equal at the point
xv, yv = tanh_chain(16)
yv.backward()
at = {v.symbol: sympy.Float(v.data, 30) for v in topo_order(yv) if v.is_variable}

# %% [check]
assert abs(float(oracle(yv, xv).xreplace(at)) - float(xv.grad_expr.xreplace(at))) < 1e-14
assert abs(float(xv.grad_expr.xreplace(at)) - xv.grad) < 1e-14

# %% [markdown]
# ## Many parameters
#
# Training needs the gradient with respect to *every* parameter. The oracle
# differentiates the whole expression once per parameter; the sweep gets them all
# in one pass, sharing the work between them as `backward()` does with numbers.
# On a small tanh network with 105 parameters:

# %%
random.seed(0)
net = MLP(2, [8, 8, 1], act="tanh")
inputs = [Value(0.5, label="x_1"), Value(-0.3, label="x_2")]
out = net(inputs)
out.label = "y"
params = net.parameters()
out_expr = out.expr  # built once, used by both

start = time.perf_counter()
by_diff = [oracle(out, p) for p in params]
t_diff = time.perf_counter() - start

start = time.perf_counter()
out.backward()
by_sweep = [p.chain_expr for p in params]
t_sweep = time.perf_counter() - start

ops_diff = sum(map(sympy.count_ops, by_diff))
ops_sweep = sum(map(sympy.count_ops, by_sweep))
print(f"{len(params)} parameters, {len(topo_order(out))} nodes")
print(f"sympy.diff per parameter: {t_diff:.2f} s, {ops_diff:,} operations in all")
print(f"one reverse sweep:        {t_sweep:.2f} s, {ops_sweep:,} operations in all")
print(f"cse of the oracle's formulas: {cse_size(by_diff):,} operations")

# %% [check]
assert len(params) == 105
assert ops_diff > 10 * ops_sweep
assert cse_size(by_diff) < ops_diff / 10

# %%
at = {v.symbol: sympy.Float(v.data, 30) for v in topo_order(out) if v.is_variable}
worst = max(abs(float(d.xreplace(at)) - p.grad) for d, p in zip(by_diff, params))
print("largest gap between the oracle's value and backprop's number:", worst)

# %% [check]
assert worst < 1e-12

# %% [markdown]
# The explorer's formula table uses the same idea when a formula is long: it
# shortens the cells with `sympy.cse`, naming the shared pieces $\xi_1, \xi_2,
# \ldots$ and listing them under the table. Here for the two-layer chain.

# %%
xv, yv = tanh_chain(2)
yv.backward()
formulas(yv, max_ops=10)
