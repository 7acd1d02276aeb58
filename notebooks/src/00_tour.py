# %% [markdown]
# # The explorer in five minutes
#
# This project is micrograd, the small autodiff engine of Andrej Karpathy's
# lecture, with one addition: next to every number it computes, it can show the
# formula that number comes from. You build an expression out of `Value`s exactly
# as in the lecture, call `backward()`, and every node has its gradient as a
# number (`.grad`) *and* as a closed form (`.grad_expr`, a SymPy expression). The
# explorer then checks that backprop, the closed form, SymPy's own derivative and
# a finite difference all agree, draws the graph with the formulas on it, and
# lets you move the inputs with sliders.
#
# Here is all of that on the lecture's neuron. The numbered notebooks then follow
# the lecture chapter by chapter (the list is at the end).
#
# A thin bar with "…" between cells is a folded self-check: the asserts that keep
# each notebook's numbers honest (CI runs every notebook). They stay out of the
# reading; click the bar to see one. The panels and tables follow JupyterLab's
# theme (Settings → Theme) and fit a narrow column; a graph too wide for the
# column is scaled down, and its "full size" toggle shows it at its own size.

# %%
import math

import sympy
from IPython.display import Math, display

import engine
from engine import Value
from explorer import check, draw, formulas, parse
from widgets import nudge

# %% [markdown]
# ## 1. Build the neuron, as in the lecture
#
# $o = \tanh(x_1 w_1 + x_2 w_2 + b)$, with the lecture's numbers.

# %%
x1 = Value(2.0, label="x1")
x2 = Value(0.0, label="x2")
w1 = Value(-3.0, label="w1")
w2 = Value(1.0, label="w2")
b = Value(6.8813735870195432, label="b")
n = x1 * w1 + x2 * w2 + b
n.label = "n"
o = n.tanh()
o.label = "o"
o

# %% [markdown]
# ## 2. Backpropagate, and read numbers and formulas side by side

# %%
o.backward()
for v in (x1, w1, x2, w2, b, n):
    display(Math(rf"\frac{{\partial o}}{{\partial {sympy.latex(v.symbol)}}} = "
                 rf"{sympy.latex(v.grad_expr)} = {v.grad:.6f}"))

# %% [check]
assert math.isclose(o.data, 1 / math.sqrt(2), rel_tol=1e-12)

# %%
expected = {"x1": -1.5, "w1": 1.0, "x2": 0.5, "w2": 0.0, "b": 0.5}
for v in (x1, w1, x2, w2, b):
    assert math.isclose(v.grad, expected[v.label], abs_tol=1e-12), v.label

# %% [markdown]
# Or every node at once: its forward formula, its local derivative with respect
# to each input, and the gradient, both in the chain-rule view (written with the
# intermediate nodes' names, as you would by hand) and expanded into the inputs.
# Unlabelled nodes get automatic names such as `u1`.

# %%
formulas(o)

# %% [markdown]
# ## 3. Check that they agree
#
# For each input: backprop's number, the closed form evaluated, SymPy's `diff` of
# the whole expression (an independent oracle), and a central finite difference.
# The verdict bands are CS231n's: a relative error under $10^{-7}$ is good.

# %%
report = check(o)
report

# %% [check]
assert report.ok

# %% [markdown]
# ## 4. Draw the graph
#
# micrograd's picture (`label | data | grad` for every Value, a circle for every
# operation), with each node's gradient formula and each edge's local derivative.

# %%
draw(o, formulas="grad", edge_derivatives=True)

# %% [markdown]
# ## 5. Move the sliders
#
# The nudge panel: one slider per input. Every move recomputes the output,
# reruns `backward()` and the agreement check, and redraws the graph.

# %%
panel = nudge(o)
panel

# %%
panel.sliders["x2"].value = 1.0  # now w2 matters: its gradient is no longer 0

# %% [check]
assert w2.grad != 0 and panel.report.ok

# %%
panel.reset_values()

# %% [check]
assert w2.grad == 0

# %% [markdown]
# ## 6. Or type the expression
#
# `explorer.parse` turns text into the same graph. It reads only numbers, names,
# `+ - * / **` and the functions of the engine's table (listed here from the table
# itself, so a function added with `engine.primitive` shows up too): it never
# evaluates the text as Python.

# %%
print("parse knows:", ", ".join(engine.FUNCTIONS))

# %%
o2 = parse("tanh(x1*w1 + x2*w2 + b)", x1=2.0, x2=0.0, w1=-3.0, w2=1.0, b=6.8813735870195432)
o2.label = "o"
o2.backward()

# %% [check]
assert o2.data == o.data and o2.expr == o.expr

# %%
check(o2)

# %% [markdown]
# ## The notebooks
#
# | notebook | the lecture's chapter |
# |---|---|
# | [01_derivative](01_derivative.ipynb) | the slope of $3x^2 - 4x + 5$ by nudging; too small an $h$; the step-size panel |
# | [02_several_inputs](02_several_inputs.ipynb) | partial derivatives of $ab + c$; mutating inputs in place; the nudge panel |
# | [03_value_object](03_value_object.ipynb) | `Value`, its graph and its picture |
# | [04_manual_backprop](04_manual_backprop.ipynb) | backprop by hand, checked by nudging |
# | [05_optimisation_step](05_optimisation_step.ipynb) | one step along the gradient; the descent panel |
# | [06_neuron](06_neuron.ipynb) | a tanh neuron |
# | [07_backward](07_backward.ipynb) | each operation's backward, topological order; the notes' tanh bug |
# | [08_node_used_twice](08_node_used_twice.ipynb) | gradients accumulate: the `=` bug injected and fixed |
# | [09_tanh_decomposed](09_tanh_decomposed.ipynb) | tanh from `exp`, `-` and `/`; why `2 * n` needs `__rmul__` |
# | [10_pytorch](10_pytorch.ipynb) | the same neuron in PyTorch; the float32 pitfall |
# | [11_mlp](11_mlp.ipynb) | a multilayer perceptron |
# | [12_dataset_loss](12_dataset_loss.ipynb) | four samples and a squared-error loss; why `sum()` needs `__radd__` |
# | [13_parameters](13_parameters.ipynb) | the 41 parameters and their gradients |
# | [14_gradient_descent](14_gradient_descent.ipynb) | training; forgetting `zero_grad`; the training panel |
# | [15_micrograd_demo](15_micrograd_demo.ipynb) | micrograd's two-moons demo, to 100% accuracy |
# | [16_symbolic_sweep](16_symbolic_sweep.ipynb) | SymPy's `diff` against the reverse sweep: expression swell and `cse` |
# | [17_step_size](17_step_size.ipynb) | second derivatives: the best h of a finite difference, the critical and best learning rate, Newton and the line search |
