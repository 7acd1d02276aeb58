"""Looking at a graph: draw it, check backprop node by node, read its formulas, parse text.

- ``draw(root, ...)``: micrograd's picture (graphviz), with formulas on request.
- ``check(root, ...)``: backprop against the closed form, SymPy's oracle and a
  finite difference, node by node, with a verdict (``CheckReport``).
- ``formulas(root)``: forward, local and global formulas of every node.
- ``parse(text, **values)``: an expression's text into a graph (whitelisted).
- ``inject_bug(op, kind)``: backprop with the lecture's bugs, for teaching.
- ``Backprop(root)``: the forward and backward pass as steps, one node at a time.
- ``Exercise(root)``: a student's grads or local derivatives, judged and diagnosed.
- the ``explorer`` command (``explorer.cli``).

Imports the engine and graphviz, never ipywidgets.
"""

from explorer.backprop import Backprop
from explorer.bugs import BUGS, inject_bug
from explorer.checking import check
from explorer.drawing import draw
from explorer.exercise import Exercise
from explorer.formula_table import FormulaRow, FormulaTable, formulas
from explorer.lecture import lecture_neuron
from explorer.parsing import ParseError, parse
from explorer.report import AGREE, CheckReport, CheckRow, verdict

__all__ = [
    "AGREE",
    "BUGS",
    "Backprop",
    "CheckReport",
    "CheckRow",
    "Exercise",
    "FormulaRow",
    "FormulaTable",
    "ParseError",
    "check",
    "draw",
    "formulas",
    "inject_bug",
    "lecture_neuron",
    "parse",
    "verdict",
]
