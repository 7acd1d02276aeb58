"""The nudge panel: a slider per variable; the output, every gradient, its closed
form, the agreement verdict and the graph follow each move.

A view over ``explorer.nudge.NudgeModel`` (the numbers; a test calls it without a
widget). On every move of a slider for variable x_i:

    x_i.data = slider value;  model.update()  (forward, zero_grad, backward, check);
    show model.rows, model.output, model.taylor;  redraw explorer.draw(root, verdicts=report)

so each row shows backprop's d root/d x_i, the closed form d root/d x_i (a SymPy
formula in the variables, fixed for the graph and typeset once) evaluated at the
new point, a central finite difference, and the verdict on their agreement.

A move into a domain error (log of a negative number, 1/0) shows the error in
the panel and keeps the last good numbers and picture; the next move back into
the domain recomputes everything. The reset button puts every slider back.
"""

import html
import math
import re

import ipywidgets as W

from engine import BudgetError, DomainError, Value, topo_order
from explorer import draw
from explorer._common import count_ops_at_most, latex
from explorer.nudge import NudgeModel
from explorer.readable import readable
from explorer.render import layout_budget
from widgets._common import (
    Panel,
    error_html,
    extend_to,
    move_to,
    num,
    row,
    scroll_box,
    status_html,
    svg_inline,
    typed_box,
    verdict_html,
)
from widgets._target import resolve

MAX_DRAWN = 500  # nodes: past this a drawing is unreadable, and slow
MAX_TREE = 120  # SymPy tree nodes: past that a formula is unreadable, and slow to typeset


def css_name(label):
    """A label as a CSS class suffix: ``w_{1,0}`` -> ``w__1_0_``."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", label)


def default_range(x, span=None):
    """(min, max, step) around x: x +- max(2, |x|) unless a span is given; 400 steps."""
    half = span if span is not None else max(2.0, abs(x))
    lo, hi = x - half, x + half
    return lo, hi, (hi - lo) / 400


class Nudge(Panel):
    """Sliders over ``root``'s variables and live agreement of its gradients.

    Widgets, for a test or a notebook: ``.sliders[label]`` (FloatSlider),
    ``.output`` (HTML: the root's value), ``.grads[label]``, ``.closed[label]``,
    ``.finite[label]`` (Labels), ``.formulas[label]`` (HTMLMath),
    ``.verdicts[label]`` (HTML), ``.typed[label]`` (FloatText: a value typed there
    past the slider's range extends the range), ``.graph`` (HTML with the SVG),
    ``.error`` (HTML, empty when all is well), ``.note`` (HTML: what the panel did
    on its own, such as extending a range), ``.reset`` (Button), ``.taylor`` (HTML:
    the Taylor line). ``.model`` is the ``NudgeModel`` whose numbers they show;
    ``.report`` its last ``CheckReport``.

    Layout: one row per variable, its slider and typed value, then its backprop
    gradient, closed form, finite difference and verdict, each with a caption; the
    row wraps (numbers under the slider) when the column is narrow, so the
    verdict always stays with its numbers and nothing scrolls sideways.
    """

    def __init__(self, root, *, ranges=None, span=None, h=1e-5, formulas=None, graph=True):
        if not isinstance(root, Value):
            raise TypeError(f"nudge needs a Value (a graph's output), got {type(root).__name__}")
        if span is not None and not (isinstance(span, int | float) and 0 < span < math.inf):
            raise ValueError(f"nudge: span must be a positive number, got {span!r}")
        self.model = NudgeModel(root, h=h)  # checks h, names the variables, takes the start
        self.root, self.h, self.draw_formulas, self.show_graph = root, h, formulas, graph
        order = topo_order(root)
        nodes = len(order)
        if graph and nodes <= MAX_DRAWN and (why := layout_budget(order)):
            self.show_graph = False  # the same left out when graphviz would take too long
            self.drawing_note = f"graph not drawn: {why}"
        elif graph and nodes > MAX_DRAWN:
            # every graph is taken; past this size the picture is what is left out
            self.show_graph = False
            self.drawing_note = (
                f"the graph has {nodes:,} nodes: too many to draw (limit {MAX_DRAWN}); "
                "draw a part of it with explorer.draw(node)"
            )
        else:
            self.drawing_note = ""
        self._quiet = False
        self._typeset = False
        self._limits_follow = False
        self.listeners = []  # called with the CheckReport after each refresh
        self.vars, self.names, self.start = self.model.vars, self.model.names, self.model.start
        ranges = dict(ranges or {})
        unknown = set(ranges) - set(self.names)
        if unknown:
            raise ValueError(f"nudge: ranges given for unknown variables {sorted(unknown)}")

        self.sliders, self.grads, self.closed, self.finite = {}, {}, {}, {}
        self.formulas, self.verdicts, self.limits, self.typed = {}, {}, {}, {}
        for name, v in zip(self.names, self.vars):
            lo, hi, step = default_range(v.data, span)
            if name in ranges:
                lo, hi = map(float, ranges[name])
                if not lo < hi:
                    raise ValueError(f"nudge: the range of {name} needs min < max, got {lo, hi}")
                step = (hi - lo) / 400
            # The slider's own readout clamps a typed value into its range without a
            # word; a text box beside it lets a typed value extend the range instead.
            s = W.FloatSlider(
                value=v.data, min=min(lo, v.data), max=max(hi, v.data), step=step,
                description=name, continuous_update=True, readout=False,
                layout=W.Layout(flex="1 1 200px", min_width="150px", max_width="360px"),
                style={"description_width": "initial"},
            )  # fmt: skip
            s.add_class("ade-slider")
            s.add_class(f"ade-slider-{css_name(name)}")
            s.observe(self._on_slide(v, name), names="value")
            self.sliders[name] = s
            t = typed_box(s, self._on_extend(name))
            t.add_class(f"ade-typed-{css_name(name)}")
            self.typed[name] = t
            for kind, store in (("grad", self.grads), ("closed", self.closed),
                                ("finite", self.finite)):  # fmt: skip
                lab = W.Label(layout=W.Layout(min_width="118px"))  # -4.987225806e-05 fits
                lab.add_class(f"ade-{kind}")
                lab.add_class("ade-num")
                lab.add_class(f"ade-{kind}-{css_name(name)}")
                store[name] = lab
            self.verdicts[name] = W.HTML(layout=W.Layout(min_width="90px"))
            self.verdicts[name].add_class(f"ade-verdict-{css_name(name)}")
            self.formulas[name] = W.HTMLMath()
            self.limits[name] = self._limit_boxes(s)

        self.output = W.HTML()
        self.output.add_class("ade-output")
        self.error = W.HTML()
        self.note = W.HTML()
        self.graph = W.HTML()
        self.graph.add_class("ade-graph")
        if self.drawing_note:
            self.graph.value = status_html(self.drawing_note, "info", "ade-note")
        self.reset = W.Button(description="Reset", icon="undo", tooltip="back to the start")
        self.reset.on_click(lambda _: self.reset_values())
        # what is shown only: the check evaluates the computed closed form either way
        self.simplify = W.ToggleButtons(
            options=["as computed", "simplified"], value="as computed",
            tooltips=["the chain rule's sum of paths", "SymPy's factor_terms / factor / "
                      "simplify, under a time budget"],
            style={"button_width": "auto"},
        )  # fmt: skip
        self.simplify.add_class("ade-simplify")
        self.simplify.observe(self._retypeset, names="value")
        self.widget = self._layout()
        self.taylor = _taylor_widget(self.widget, after=self.error)
        self._typeset_formulas()
        self.show()

    # -- layout --------------------------------------------------------------
    def _limit_boxes(self, slider):
        lo = W.FloatText(value=slider.min, description="min", layout=W.Layout(width="160px"))
        hi = W.FloatText(value=slider.max, description="max", layout=W.Layout(width="160px"))

        def apply(_):
            if self._limits_follow:  # the boxes are being set to the slider's range
                return
            if lo.value < hi.value:
                # min and max are checked against each other once, at the end; a value
                # outside the new range is clamped into it (and the panel follows).
                with slider.hold_trait_notifications():
                    slider.min, slider.max = lo.value, hi.value
                    slider.step = (hi.value - lo.value) / 400

        lo.observe(apply, names="value")
        hi.observe(apply, names="value")
        return row([W.Label(slider.description, layout=W.Layout(width="60px")), lo, hi])

    def _cell(self, caption, widget):
        head = W.HTML(f'<span class="ade-cell-caption">{html.escape(caption)}</span>')
        return W.VBox([head, widget], layout=W.Layout(flex="0 0 auto"))

    def _layout(self):
        rows = []
        for n in self.names:
            left = W.HBox(
                [self.sliders[n], self.typed[n]],
                layout=W.Layout(flex="1 1 280px", max_width="470px", align_items="center"),
            )
            numbers = row(
                [
                    self._cell("backprop grad", self.grads[n]),
                    self._cell("closed form", self.closed[n]),
                    self._cell("finite diff", self.finite[n]),
                    self._cell("verdict", self.verdicts[n]),
                ],
                gap="2px 10px",
                flex="1 1 auto",
            )
            r = row([left, numbers], gap="2px 16px", padding="2px 0")
            r.add_class("ade-var-row")
            r.add_class(f"ade-row-{css_name(n)}")
            rows.append(r)
        table = W.VBox(rows, layout=W.Layout(max_width="100%"))
        ranges = W.Accordion([W.VBox([self.limits[n] for n in self.names])])
        ranges.set_title(0, "slider ranges")
        ranges.selected_index = None
        formulas = W.Accordion(
            [W.VBox([self.simplify, *(scroll_box(self.formulas[n]) for n in self.names)])]
        )
        top = self.root.label or "f"
        formulas.set_title(0, f"closed forms ∂{top}/∂ each variable")
        formulas.selected_index = 0 if len(self.names) <= 8 else None
        formulas.observe(self._typeset_formulas, names="selected_index")
        self._formula_box = formulas
        # the graph right under the sliders that move it, the folding boxes after
        parts = [row([self.output, self.reset]), self.error, self.note, table]
        if self.show_graph:
            parts.append(self.graph)
        parts += [formulas, ranges]
        return W.VBox(parts, layout=W.Layout(max_width="100%"))

    def _typeset_formulas(self, change=None):
        """Each variable's d root/d x in LaTeX, once: the formula does not move with
        the sliders, only its value does. Done when the formulas are first shown;
        a formula too big to read (or to typeset quickly) gives way to its
        chain-rule view, or to a note."""
        if self._typeset or self._formula_box.selected_index is None:
            return
        self._typeset = True
        simplified = self.simplify.value == "simplified"
        top = latex(self.root.symbol) if self.root.label else "f"
        for n, v in zip(self.names, self.vars):
            text = r"\text{(too long to typeset here: see explorer.formulas)}"
            for view in ("grad_expr", "chain_expr"):
                e = getattr(v, view)
                if count_ops_at_most(e, MAX_TREE) is not None:
                    note = None
                    if simplified and view == "grad_expr":
                        e, note = readable(e)
                    text = latex(e)
                    if note:
                        text += rf"\quad\text{{({note})}}"
                    break
            var = latex(v.symbol)
            self.formulas[n].value = f"$\\dfrac{{\\partial {top}}}{{\\partial {var}}} = {text}$"

    def _retypeset(self, change=None):
        self._typeset = False
        self._typeset_formulas()

    # -- behaviour -----------------------------------------------------------
    def _on_slide(self, var, name):
        def moved(change):
            var.data = float(change["new"])
            if not self._quiet:
                self.refresh()

        return moved

    def _on_extend(self, name):
        def extended(x, lo, hi):
            """A value typed past the slider's end widened its range: the range boxes
            follow, and the panel says so."""
            _, lo_box, hi_box = self.limits[name].children
            self._limits_follow = True
            try:
                lo_box.value, hi_box.value = lo, hi
            finally:
                self._limits_follow = False
            self.note.value = status_html(
                f"{name} = {num(x)} was outside its slider's range: the range is now "
                f"{num(lo)} to {num(hi)}",
                "info",
                "ade-note",
            )

        return extended

    def extend(self, name, x):
        """Widen ``name``'s slider so that x lies inside, move it there, and say so."""
        self._on_extend(name)(x, *extend_to(self.sliders[name], x))

    @property
    def report(self):
        """The model's last ``CheckReport``."""
        return self.model.report

    def refresh(self):
        """The model's update, then its numbers shown; on a domain error, say so and
        keep the last good state."""
        try:
            self.model.update()
        except DomainError as e:
            self.error.value = error_html(f"{e}: showing the last good values")
            self.error.add_class("ade-error-shown")
            return
        self.error.value = ""
        self.error.remove_class("ade-error-shown")
        self.show()

    def show(self):
        """The model's numbers in the widgets, and the graph drawn with its verdicts."""
        model, report = self.model, self.model.report
        for n in self.names:
            r = model.rows[n]
            self.grads[n].value = num(r.grad, 10)
            self.closed[n].value = num(r.closed_form, 10)
            self.finite[n].value = num(r.finite_diff, 10)
            self.verdicts[n].value = "" if r.verdict is None else verdict_html(r.verdict)
        if self.show_graph:
            try:
                dot = draw(self.root, verdicts=report, formulas=self.draw_formulas)
                self.graph.value = svg_inline(dot)
            except BudgetError as e:  # dot stopped at its time limit: no graph from now on
                self.show_graph, self.drawing_note = False, f"graph not drawn: {e}"
                self.graph.value = status_html(self.drawing_note, "info", "ade-note")
        self.taylor.value = taylor_html(model.taylor)
        # The output goes last: the front end applies updates in order, so once the
        # page shows the new output, every other number and the graph are there too.
        top = html.escape(self.root.label or "output")
        value = num(model.output, 10)
        self.output.value = f'<b>{top} = <span class="ade-output-value">{value}</span></b>'
        for listener in self.listeners:
            listener(report)

    def reset_values(self):
        """Every slider (so every variable) back to where it started."""
        self._quiet = True  # one refresh for all the sliders, not one per slider
        try:
            for n, x in zip(self.names, self.start):  # a typed value may have moved the grid
                move_to(self.sliders[n], x)
        finally:
            self._quiet = False
        self.refresh()


_OPTIONS = ("ranges", "span", "h", "formulas", "graph")


def nudge(target, **kwargs):
    """The nudge panel (see ``Nudge``) for a graph's output, an expression's text or a
    function of Values: ``nudge("sin(x)*y", x=1, y=2)``, ``nudge(lambda x, y: x.sin()
    * y, x=1, y=2)``. Keywords other than the panel's options are the starting values."""
    options = {k: kwargs.pop(k) for k in _OPTIONS if k in kwargs}
    if isinstance(target, Value) and kwargs:
        raise TypeError(f"nudge: unknown options {sorted(kwargs)} (one of {', '.join(_OPTIONS)})")
    root, _ = resolve(target, start=kwargs or None, what="nudge")
    return Nudge(root, **options)


# -- the Taylor picture: the move from the start, predicted to first and second order
# (the numbers: explorer.taylor, through the model)


def taylor_html(line):
    """One line: a ``TaylorLine``'s predictions from the start beside the actual output."""
    cells = [
        ("first", "1st order f₀ + g·Δx", num(line.first, 10)),
        ("second", "2nd order + ½ Δxᵀ H Δx", line.why or num(line.second, 10)),
        ("actual", "actual", num(line.actual, 10)),
    ]
    parts = [
        f'{name} = <span class="ade-taylor-{cls}" style="font-family:monospace">'
        f"{html.escape(text)}</span>"
        for cls, name, text in cells
    ]
    return f'<div class="ade-taylor">from the start: {"; ".join(parts)}</div>'


def _taylor_widget(box, after):
    """An HTML line placed in ``box`` just after ``after`` (at the end if it is not
    one of box's children)."""
    line = W.HTML()
    kids = list(box.children)
    kids.insert(kids.index(after) + 1 if after in kids else len(kids), line)
    box.children = kids
    return line
