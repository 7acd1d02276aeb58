"""``NudgeModel(root)``: the numbers the nudge panel shows, at the variables' values.

The lecture's chapter 5 nudges an input and watches the output move; its chapter 7
reads each input's gradient off backward(). At a point x this model holds, per
variable x_i,

- backprop's d root/d x_i (``grad``), after ``root.forward(); root.zero_grad();
  root.backward()``;
- the closed form d root/d x_i evaluated at x (``closed_form``), a central finite
  difference (``finite_diff``) and the verdict on their agreement (``verdict``),
  all from ``explorer.check`` (its ``CheckReport`` is ``.report``);

the output f(x) (``.output``), and the Taylor line (``.taylor``): the move of f
from where the variables started, predicted to first and second order beside the
actual value (``explorer.taylor``).

``move(x=...)`` sets variables and recomputes; ``update()`` recomputes at the
graph's current data (a slider sets the data itself). A point outside f's domain
(log of a negative number, 1/0) raises ``DomainError`` and leaves the last good
numbers in place, so a view can say why and keep showing them. The nudge panel
(``widgets.nudge``) is a view over this model; a test calls it without a widget.
"""

import math
from dataclasses import dataclass

from engine import Value
from engine.names import name_graph
from explorer._common import name_of
from explorer.checking import check
from explorer.target import variables_of
from explorer.taylor import TaylorLine, taylor_line, taylor_start


@dataclass(frozen=True)
class NudgeRow:
    """One variable at the current point: its value, backprop's gradient of the
    output with respect to it, the closed form's and the finite difference's (None
    where ``check`` has no row for it), and the verdict on their agreement."""

    name: str
    value: float
    grad: float
    closed_form: float | None
    finite_diff: float | None
    verdict: str | None


class NudgeModel:
    """The output, every variable's gradient three ways and the Taylor line of
    ``root`` (see the module docstring). ``.vars`` the variables, ``.names`` their
    labels (every unlabelled node of the graph gets its name, as every view calls
    it), ``.start`` their values when the model was made; after each ``update()``:
    ``.rows`` {name: NudgeRow}, ``.output``, ``.taylor`` (a ``TaylorLine``),
    ``.report`` (the ``CheckReport``). ``h`` is the finite difference's relative step.
    """

    def __init__(self, root, *, h=1e-5):
        if not isinstance(root, Value):
            raise TypeError(f"nudge needs a Value (a graph's output), got {type(root).__name__}")
        if isinstance(h, bool) or not isinstance(h, int | float) or not 0 < h < math.inf:
            raise ValueError(f"nudge: h must be a positive number, got {h!r}")
        self.root, self.h = root, h
        self.vars = variables_of(root)
        if not self.vars:
            raise ValueError("nudge: the graph has no variables to slide")
        name_graph(root)  # names the graph's unlabelled nodes, as every view calls them
        self.names = [name_of(v) for v in self.vars]
        if len(set(self.names)) != len(self.names):
            raise ValueError("nudge: give every variable a distinct label (they name the sliders)")
        self._by_name = dict(zip(self.names, self.vars))
        self.start = [v.data for v in self.vars]
        root.forward()
        root.zero_grad()
        root.backward()
        self.taylor_start = taylor_start(root, self.vars)
        self.update()

    def variable(self, name):
        """The variable called ``name`` (KeyError naming the known ones otherwise)."""
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(
                f"nudge: no variable {name!r} (one of {', '.join(self.names)})"
            ) from None

    def move(self, **values):
        """Set the named variables to the values given, then ``update()``."""
        targets = [(self.variable(n), float(x)) for n, x in values.items()]
        for v, x in targets:
            v.data = x
        self.update()

    def reset(self):
        """Every variable back to where it started, then ``update()``."""
        for v, x in zip(self.vars, self.start):
            v.data = x
        self.update()

    def update(self):
        """Forward, backward and the check at the graph's current data. On a
        ``DomainError`` the numbers stay the last good ones and the error is raised."""
        value = self.root.forward()
        self.root.zero_grad()
        self.root.backward()
        report = check(self.root, h=self.h)
        checked = {id(r.node): r for r in report.rows}
        rows = {}
        for n, v in zip(self.names, self.vars):
            r = checked.get(id(v))
            rows[n] = NudgeRow(
                n, v.data, v.grad,
                None if r is None else r.closed_form,
                None if r is None else r.finite_diff,
                None if r is None else r.verdict,
            )  # fmt: skip
        self.report, self.rows, self.output = report, rows, value
        self.taylor = taylor_line(self.taylor_start, [v.data for v in self.vars], value)


__all__ = ["NudgeModel", "NudgeRow", "TaylorLine"]
