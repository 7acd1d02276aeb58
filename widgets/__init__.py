"""ipywidgets panels over the engine and the explorer.

- ``nudge(root)``: a slider per variable; value, gradients, closed forms,
  agreement verdicts and the graph update live.
- ``step_size(f)``: forward and central differences against the analytic
  derivative as h shrinks, the V-shaped error curve beside its truncation and
  round-off models, and the optimal step h* from the second and third derivative.
- ``descent(f)``: gradient, momentum, line-search or Newton steps against the
  analytic optimum, the critical and best rates from the Hessian, each step's
  first- and second-order prediction against the actual change.
- ``training()``: an MLP on the moons (or the lecture's four samples), with a
  progress bar, the loss curve and the decision boundary, moving while it runs.

- ``backprop(target)``: the forward and backward pass one node at a time on the
  drawing: each local derivative, the gradient flowing in, the ``+=``.
- ``exercise(target)``: the student fills in grads or local derivatives in
  backward order; each is judged against the closed form, with a diagnosis.

``widgets.app.App()`` puts them together on one typed expression: the page that
``make app`` serves with Voila.

Every panel follows JupyterLab's theme and reflows in a narrow column
(``widgets._common``: the stylesheet, the layout helpers, the figure ink).

Each returns a panel object that displays itself in Jupyter; its widgets are
attributes, so a test can set a slider's ``.value`` and read what the panel shows.
"""

from widgets.backprop import BackpropPanel, backprop
from widgets.descent import Descent, descent
from widgets.exercise import ExercisePanel, exercise
from widgets.nudge import Nudge, nudge
from widgets.step_size import StepSize, step_size
from widgets.training import Training, training

__all__ = [
    "BackpropPanel",
    "Descent",
    "ExercisePanel",
    "backprop",
    "exercise",
    "Nudge",
    "StepSize",
    "Training",
    "descent",
    "nudge",
    "step_size",
    "training",
]
