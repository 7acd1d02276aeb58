"""Looking at a graph: draw it, check backprop node by node, read its formulas, parse text.

- ``draw(root, ...)``: micrograd's picture (graphviz), with formulas on request.
- ``check(root, ...)``: backprop against the closed form, SymPy's oracle and a
  finite difference, node by node, with a verdict (``CheckReport``).
- ``formulas(root)``: forward, local and global formulas of every node.
- ``parse(text, **values)``: an expression's text into a graph (whitelisted).
- ``inject_bug(op, kind)``: backprop with the lecture's bugs, for teaching.
- ``Backprop(root)``: the forward and backward pass as steps, one node at a time.
- ``Exercise(root)``: a student's grads or local derivatives, judged and diagnosed.
- the panels' models, which ``widgets`` shows and tests call without a widget:
  ``NudgeModel(root)`` (every gradient three ways at the variables' values, and the
  Taylor line), ``StepSizeModel(f, x=...)`` (finite differences against the closed
  form as h shrinks, and their error models), ``DescentModel(f, start=...)`` (steps,
  rates from the Hessian, the optimum), ``Trainer(dataset)`` (an MLP's training loop).
- the ``explorer`` command (``explorer.cli``).

Imports the engine and graphviz, never ipywidgets.
"""

from explorer.backprop import Backprop
from explorer.bugs import BUGS, inject_bug
from explorer.checking import check
from explorer.descent import DescentModel
from explorer.drawing import draw
from explorer.exercise import Exercise
from explorer.formula_table import FormulaRow, FormulaTable, formulas
from explorer.lecture import lecture_neuron
from explorer.nudge import NudgeModel
from explorer.parsing import ParseError, parse
from explorer.report import AGREE, CheckReport, CheckRow, verdict
from explorer.step_size import StepSizeModel
from explorer.training import Trainer

__all__ = [
    "AGREE",
    "BUGS",
    "Backprop",
    "CheckReport",
    "CheckRow",
    "DescentModel",
    "Exercise",
    "FormulaRow",
    "FormulaTable",
    "NudgeModel",
    "ParseError",
    "StepSizeModel",
    "Trainer",
    "check",
    "draw",
    "formulas",
    "inject_bug",
    "lecture_neuron",
    "parse",
    "verdict",
]
