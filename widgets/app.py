"""The explorer as one page with no code: type an expression, move its variables.

``App()`` is what ``make app`` serves with Voila: a text box for an expression
(``sin(x)*y``) and one for its starting values (``x = 1, y = 2``; a variable not
given starts at 1), then three tabs on that one expression:

- "explore": the nudge panel (a slider per variable; value, gradients, verdicts and
  the graph follow each move), the agreement table (``explorer.check``) and the
  formula table (``explorer.formulas``), both following the sliders;
- "step size": the finite-difference panel for one chosen variable;
- "descent": the gradient-descent panel;
- "backprop": the forward and backward pass one node at a time (``widgets.backprop``);
- "exercise": the student's own backprop, checked (``widgets.exercise``).

The text goes through ``explorer.parse`` (an ast whitelist, never ``eval``): a bad
expression shows the parser's one-line message in the page and leaves the last
good panels where they were. The step-size and descent panels are built when their
tab is first opened, each on a graph of its own (a panel moves its variables).
"""

import re

import ipywidgets as W

from explorer import ParseError, formulas
from widgets._common import MUTED, Panel, error_html, row, status_html
from widgets._target import resolve, variables_of
from widgets.backprop import BackpropPanel
from widgets.descent import Descent
from widgets.exercise import ExercisePanel
from widgets.nudge import Nudge
from widgets.step_size import StepSize

EXAMPLE = "tanh(x1*w1 + x2*w2 + b)"
EXAMPLE_VALUES = "x1 = 2, w1 = -3, x2 = 0, w2 = 1, b = 6.8813735870195432"
TABS = ("explore", "step size", "descent", "backprop", "exercise")
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_PAIR = re.compile(rf"\s*([A-Za-z_][A-Za-z_0-9]*)\s*=\s*({_NUMBER})\s*")


def parse_values(text):
    """``"x = 1, y = -2.5"`` -> {"x": 1.0, "y": -2.5}; raises ParseError naming the
    first part that is not ``name = number``."""
    values = {}
    for part in filter(str.strip, text.replace(";", ",").split(",")):
        m = _PAIR.fullmatch(part)
        if not m:
            raise ParseError(f"values: {part.strip()!r} is not 'name = number'")
        values[m.group(1)] = float(m.group(2))
    return values


class App(Panel):
    """The page (see the module docstring). For tests: ``.expression`` and
    ``.values`` (Text), ``.message`` (HTML: the parser's message, empty when the
    text is good), ``.tabs``, and the panels ``.nudge``, ``.step``, ``.descent``,
    ``.backprop`` and ``.exercise``
    (None until built); ``.check_table`` and ``.formula_table`` hold the HTML."""

    def __init__(self, expression=EXAMPLE, values=EXAMPLE_VALUES):
        self.expression = W.Text(
            value=expression, description="f =", continuous_update=False,
            placeholder="an expression, e.g. sin(x)*y",
            layout=W.Layout(flex="3 1 300px", max_width="640px"),
        )  # fmt: skip
        self.expression.add_class("ade-expression")
        self.values = W.Text(
            value=values, description="start", continuous_update=False,
            placeholder="x = 1, y = 2 (others start at 1)",
            layout=W.Layout(flex="2 1 240px", max_width="520px"),
        )  # fmt: skip
        self.values.add_class("ade-values")
        self.message = W.HTML()
        self.message.add_class("ade-message")
        help_text = (
            "Numbers, variables, + − * / **, and the functions exp log tanh sin cos tan "
            "sqrt abs relu sigmoid ... Press Enter to apply."
        )
        self.help = W.HTML(f'<span style="color:{MUTED};font-size:12px">{help_text}</span>')
        self.check_table = W.HTML(layout=W.Layout(max_width="100%"))
        self.check_table.add_class("ade-app-check")
        self.formula_table = W.HTMLMath(layout=W.Layout(max_width="100%"))
        self.formula_table.add_class("ade-app-formulas")
        self.explore = W.VBox(layout=W.Layout(max_width="100%"))
        self.step_box = W.VBox(layout=W.Layout(max_width="100%"))
        self.descent_box = W.VBox(layout=W.Layout(max_width="100%"))
        self.backprop_box = W.VBox(layout=W.Layout(max_width="100%"))
        self.exercise_box = W.VBox(layout=W.Layout(max_width="100%"))
        self.tabs = W.Tab([self.explore, self.step_box, self.descent_box, self.backprop_box,
                           self.exercise_box])  # fmt: skip
        for i, title in enumerate(TABS):
            self.tabs.set_title(i, title)
        self.tabs.layout.max_width = "100%"
        self.nudge = self.step = self.descent = self.backprop = self.exercise = None
        self.widget = W.VBox(
            [row([self.expression, self.values]), self.help, self.message, self.tabs],
            layout=W.Layout(max_width="100%"),
        )
        self.widget.add_class("ade-app")
        self._echo = False  # the values box being set to the graph's starting values
        self.expression.observe(lambda _: self.apply(), names="value")
        self.values.observe(lambda _: self._echo or self.apply(), names="value")
        self.tabs.observe(lambda _: self._build_tab(), names="selected_index")
        self.apply()

    # -- the expression --------------------------------------------------------
    def _graph(self):
        """A fresh graph of the typed expression (its output labelled f), or
        ParseError. Starting values for names the expression lacks are ignored:
        they belong to the expression typed before."""
        text = self.expression.value.strip()
        if not text:
            raise ParseError("type an expression, e.g. sin(x)*y")
        values = parse_values(self.values.value)
        _, found = resolve(text, what="the page")
        names = {v.label for v in found}
        root, _ = resolve(text, start={k: v for k, v in values.items() if k in names},
                          what="the page")  # fmt: skip
        root.label = root.label or "f"
        return root

    def apply(self):
        """Read both boxes; on success rebuild the panels, else show the message."""
        try:
            root = self._graph()
            panel = Nudge(root)
        except (ParseError, ValueError, TypeError, ArithmeticError) as e:
            self.message.value = error_html(str(e))
            self.message.add_class("ade-message-shown")
            return False
        self.message.value = ""
        self.message.remove_class("ade-message-shown")
        # the box shows where this expression starts (names it lacks are dropped)
        self._echo = True
        try:
            self.values.value = ", ".join(f"{n} = {v!r}" for n, v in zip(panel.names, panel.start))
        finally:
            self._echo = False
        self.nudge = panel
        panel.widget.add_class("ade-panel")
        panel.listeners.append(self._tables)
        panel.simplify.observe(lambda _: self._tables(panel.report), names="value")
        self._tables(panel.report)
        self.explore.children = [
            panel.widget,
            W.HTML("<h4>agreement</h4>"),
            self.check_table,
            W.HTML("<h4>formulas</h4>"),
            self.formula_table,
        ]
        self.step = self.descent = self.backprop = self.exercise = None
        self.step_box.children = self.descent_box.children = ()
        self.backprop_box.children = self.exercise_box.children = ()
        self._build_tab()
        return True

    def _tables(self, report):
        self.check_table.value = report._repr_html_()
        try:
            simple = self.nudge.simplify.value == "simplified"
            self.formula_table.value = formulas(self.nudge.root, simplify=simple)._repr_html_()
        except (ValueError, RuntimeError) as e:
            self.formula_table.value = status_html(str(e), "doubtful")

    # -- the other tabs ----------------------------------------------------------
    def _build_tab(self):
        tab = TABS[self.tabs.selected_index or 0]
        try:
            if tab == "step size" and self.step is None:
                self._build_step()
            elif tab == "descent" and self.descent is None:
                box = self.descent_box
                self.descent = Descent(self._graph())
                self.descent.widget.add_class("ade-panel")
                box.children = [self.descent.widget]
            elif tab in ("backprop", "exercise") and getattr(self, tab) is None:
                self._build_teaching(tab)
        except (ParseError, ValueError, TypeError, ArithmeticError) as e:
            box = {"step size": self.step_box, "descent": self.descent_box,
                   "backprop": self.backprop_box, "exercise": self.exercise_box}[tab]  # fmt: skip
            box.children = [W.HTML(error_html(f"{tab}: {e}"))]

    def _build_teaching(self, tab):
        """The step-by-step pass or the exercise, on a graph of their own."""
        panel = (BackpropPanel if tab == "backprop" else ExercisePanel)(self._graph())
        panel.widget.add_class("ade-panel")
        setattr(self, tab, panel)
        (self.backprop_box if tab == "backprop" else self.exercise_box).children = [panel.widget]

    def _build_step(self):
        root = self._graph()
        names = [v.label for v in self.nudge.vars]
        choose = W.Dropdown(options=names, value=names[0], description="vary")
        holder = W.VBox(layout=W.Layout(max_width="100%"))

        def show(_=None):
            g = self._graph()
            var = next(v for v in variables_of(g) if v.label == choose.value)
            self.step = StepSize(g, var)
            self.step.widget.add_class("ade-panel")
            holder.children = [self.step.widget]

        choose.observe(show, names="value")
        self.step = StepSize(root, next(v for v in variables_of(root) if v.label == names[0]))
        self.step.widget.add_class("ade-panel")
        holder.children = [self.step.widget]
        note = W.HTML(
            f'<span style="color:{MUTED};font-size:12px">the other variables stay at their '
            "starting values</span>"
        )
        self.step_box.children = [row([choose, note]), holder] if len(names) > 1 else [holder]


def app(expression=EXAMPLE, values=EXAMPLE_VALUES):
    """The page's panel (see ``App``), for a notebook or for Voila."""
    return App(expression, values)


__all__ = ["App", "app", "parse_values"]
