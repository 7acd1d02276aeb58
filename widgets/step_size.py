"""The step-size panel: finite differences against the analytic derivative as h
shrinks, measured beside their error models.

A view over ``explorer.step_size.StepSizeModel`` (the numbers, and their theory in
its docstring; a test calls it without a widget): the point x and the step h as
controls, the three estimates of f'(x) and their errors in a table, the models in
words, and the measured errors on a log-log plot beside the models, with each
model's best step h* and the measured bottom of the V. Where f''(x) = 0 or
f'''(x) = 0 (any quadratic has f''' = 0) there is no best h to mark: the panel says
so in words.
"""

import html

import ipywidgets as W
import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator

from engine import DomainError
from explorer._common import latex
from explorer.step_size import ESTIMATES, StepSizeModel
from explorer.theory import model_error
from widgets._common import Panel, error_html, figure, image, num, png
from widgets._target import lecture_f

MAX_LATEX = 200  # characters of a formula worth typesetting in a title
COLOURS = {"forward": "tab:blue", "central": "tab:orange"}
ROWS = ESTIMATES
# the model's numbers, read through the panel (notebooks and scripts use them)
NUMBERS = frozenset(
    "x0 backprop exact fx d2 d3 models h_star curve_h curve_error best_h best_error "
    "estimates errors differences".split()
)
ROW_NAMES = {
    "backprop": "backprop x.grad",
    "forward": "forward (f(x+h) − f(x)) / h",
    "central": "central (f(x+h) − f(x−h)) / 2h",
}
FLOOR = 1e-17  # an error of exactly 0 has no place on a log axis: drawn at the floor
CEILING = 1e280  # matplotlib's log axis overflows a float near 1e300: drawn at the ceiling


def _shown(errors):
    return np.clip(errors, FLOOR, CEILING)


class StepSize(Panel):
    """Finite differences of ``root`` with respect to ``var`` at its current value.

    ``StepSize(root, var)`` for a graph, ``StepSize(f, x=3.0)`` for a Python function
    of one Value, ``StepSize("exp(x)", x=20)`` for a text. Widgets: ``.h`` (the
    FloatLogSlider), ``.x`` (the point), ``.view`` ('absolute'/'relative' error),
    ``.cells[row, column]`` (rows ``backprop``, ``forward``, ``central``; columns
    ``value``, ``error``), ``.notes`` (HTML: the theory in words), ``.plot``.

    ``.model`` is the ``StepSizeModel`` they show; its numbers read through the
    panel too: ``.exact`` (f'(x) from the closed form), ``.d2``, ``.d3`` (f'',
    f'''), ``.h_star`` ({'forward': h*, 'central': h*}, None where the model has
    no minimum), ``.best_h`` (the measured bottoms of the V), ``.curve_h`` and
    ``.curve_error`` (the measured absolute errors).
    """

    READ_THROUGH = NUMBERS

    def __init__(self, target=lecture_f, var=None, *, x=None, h=1e-3, **values):
        self.model = StepSizeModel(target, var, x=x, h=h, **values)
        self.root, self.var = self.model.root, self.model.var

        self.h = W.FloatLogSlider(
            value=h, base=10, min=-12, max=0, step=0.1, description="h",
            readout_format=".1e", continuous_update=True,
            layout=W.Layout(width="100%", max_width="480px"),
        )  # fmt: skip
        self.x = W.FloatText(value=self.var.data, description=self.var.label or "x")
        self.view = W.ToggleButtons(options=["absolute", "relative"], value="absolute")
        self.view.add_class("ade-step-view")
        self.title = W.HTMLMath()
        self.exact_label = W.HTMLMath()
        self.error = W.HTML()
        self.notes = W.HTMLMath()
        self.notes.add_class("ade-step-notes")
        self.theory = W.HTML(layout=W.Layout(max_width="100%"))
        self.theory.add_class("ade-step-models")
        self.cells = {(r, c): W.Label() for r in ROWS for c in ("value", "error")}
        for (r, c), cell in self.cells.items():
            cell.add_class(f"ade-step-{r}-{c}")  # for a browser test to find
        self._error_head = W.HTML()
        head = [W.HTML("<b>estimate</b>"), W.HTML("<b>value</b>"), self._error_head]
        body = []
        for r in ROWS:
            body += [W.Label(ROW_NAMES[r]), self.cells[r, "value"], self.cells[r, "error"]]
        self.table = W.GridBox(
            head + body, layout=W.Layout(grid_template_columns="260px 180px 120px")
        )
        self.plot = image()
        self.widget = W.VBox(
            [
                self.title,
                W.HBox([self.x, self.h]),
                self.view,
                self.error,
                self.exact_label,
                self.table,
                self.notes,
                self.theory,
                self.plot,
            ]
        )
        self.x.observe(self._on_x, names="value")
        self.h.observe(self._on_h, names="value")
        self.view.observe(self._on_view, names="value")
        self._on_x()

    def _on_x(self, change=None):
        """A new point x (the model is made at the first); the view redrawn on it."""
        x0 = float(self.x.value)
        try:
            if change is not None:
                self.model.move(x0)
        except DomainError as e:  # keep the last good point and say why
            self.error.value = error_html(f"{self.var.label or 'x'} = {num(x0)}: {e}")
            return
        self.error.value = ""
        f, x = _latex(self.root), _latex(self.var)
        formula = latex(self.root.expr)
        shown = f", ${f} = {formula}$" if len(formula) <= MAX_LATEX else ""
        self.title.value = (
            f"Step size for $\\partial {f} / \\partial {x}$ at ${x} = {num(self.x0)}${shown}"
        )
        derivative = latex(self.var.grad_expr)
        derivative = f"{derivative} = " if len(derivative) <= MAX_LATEX else ""
        self.exact_label.value = (
            f"closed form: $\\partial {f} / \\partial {x} = {derivative}{num(self.exact, 17)}$; "
            f"$f'' = {num(self.d2)}$, $f''' = {num(self.d3)}$ at ${x}$"
        )
        self.notes.value = self._notes()
        self._draw_curves()
        self._on_h()

    def _on_view(self, change=None):
        self.notes.value = self._notes()
        self._draw_curves()
        self._on_h()

    @property
    def relative(self):
        """Errors shown relative to |f'(x)| (not where f'(x) = 0)."""
        return self.view.value == "relative" and self.exact != 0

    def _on_h(self, change=None):
        h = float(self.h.value)
        self.model.at_h(h)
        scale = self.model.scale(self.relative)
        # the picture first, then the numbers and the picture in one go: drawing takes
        # a third of a second, and the table sent before it ran ahead of the plot
        picture = self._mark(h)
        self._error_head.value = "<b>|error| / |f′|</b>" if self.relative else "<b>|error|</b>"
        for r in ROWS:
            self.cells[r, "value"].value = num(self.estimates[r], 12)
            self.cells[r, "error"].value = num(self.errors[r] / scale, 3)
        self.theory.value = _theory_html(self.model.theory)
        self.plot.value = picture

    # -- the theory in words ---------------------------------------------------
    def _notes(self):
        lines = []
        models = (("forward", self.d2, "f''", "h/2"), ("central", self.d3, "f'''", "h^2/6"))
        for k, d, name, order in models:
            hs, best = self.h_star[k], self.best_h[k]
            measured = "no finite error" if best is None else f"measured best h ≈ {best:.0e}"
            if not np.isfinite(d):
                lines.append(
                    f"<b>{k}</b>: ${name}$ is not finite at x (a pole or the edge of the "
                    f"domain): no model; {measured}."
                )
            elif d == 0:
                lines.append(
                    f"<b>{k}</b>: ${name} = 0$ at x, so its truncation term (${name}\\,{order}$) "
                    f"vanishes: the {k} difference is exact up to round-off here, and its "
                    "error only falls as h grows. No best h to mark."
                )
            elif hs is None:
                lines.append(
                    f"<b>{k}</b>: f(x) = 0, so the round-off model (eps |f| / h) is 0 and "
                    f"the model has no minimum; {measured}."
                )
            else:
                beyond = " (beyond the plotted h: truncation is negligible)" if hs > 1 else ""
                lines.append(f"<b>{k}</b>: model h* = {hs:.1e}{beyond}; {measured}.")
        if self.view.value == "relative" and self.exact == 0:
            lines.append("f'(x) = 0: no relative error; the errors shown are absolute.")
        return '<div class="ade-step-theory">' + "<br>".join(lines) + "</div>"

    # -- the picture ---------------------------------------------------------
    def _draw_curves(self):
        """The curves, drawn once per point x and view; ``_mark`` moves only the h marks."""
        scale = self.model.scale(self.relative)
        fig = figure(6.4, 4.8)
        fig.subplots_adjust(bottom=0.33, top=0.89)  # the legend below, a two-line title
        ax = fig.add_subplot()
        self._fig, self._legend_ax, self._marks, self._scale = fig, ax, {}, scale
        self._legend = None
        finite = [e[np.isfinite(e)] / scale for e in self.curve_error.values()]
        finite = [e for e in finite if e.size]
        if not finite:  # every quotient overflowed or left the domain: nothing to plot
            self._nothing = (
                f"no finite difference quotient at x = {num(self.x0)} for any h from 1e-12 "
                "to 1: f(x ± h) overflows a float or leaves f's domain"
            )
            self.error.value = error_html(self._nothing)
            return
        self._nothing = None
        for k, c in COLOURS.items():
            err = np.where(np.isfinite(self.curve_error[k]), self.curve_error[k], np.nan)
            ax.loglog(self.curve_h, _shown(err / scale), color=c, lw=1.6,
                      label=f"{k}, measured")  # fmt: skip
            model = model_error(self.models[k], self.curve_h) / scale
            ax.loglog(self.curve_h, _shown(model), color=c, lw=1.2, ls="--",
                      alpha=0.8, label=f"{k}, model")  # fmt: skip
            hs = self.h_star[k]
            if hs is not None and hs <= 1:
                ax.axvline(hs, color=c, ls=":", lw=1.2, label=f"{k} model h* = {hs:.0e}")
            b = self.best_h[k]
            d = self.d2 if k == "forward" else self.d3
            if b is not None and d != 0:  # no truncation: the measured "best" is no best
                eb = float(_shown(self.best_error[k] / scale))
                # the words go to the legend, under the plot: no label sits on a curve
                ax.plot([b], [eb], "v", color=c, ms=9, label=f"{k} measured best h ≈ {b:.0e}")
            (self._marks[k],) = ax.plot([], [], "o", color=c, ms=7, mec="black")
        self._hline = ax.axvline(1e-3, color="black", ls="--", lw=1, label="h")
        ax.set_xlabel("step h")
        ax.set_ylabel("|error| / |f′(x)|" if self.relative else "|estimate − closed form|")
        ax.set_xlim(1e-12, 1)
        top = max(float(e.max()) for e in finite)
        ax.set_ylim(FLOOR / 3, min(max(top, 1e-12) * 30, CEILING))
        for axis in (ax.xaxis, ax.yaxis):  # plain '1e-08' labels: mathtext costs 0.2 s a draw
            axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0e}"))
            axis.set_major_locator(LogLocator(base=100.0))
        ax.text(0.02, 0.96, "← round-off", transform=ax.transAxes, va="top", fontsize=8)
        ax.text(0.98, 0.96, "truncation →", transform=ax.transAxes, va="top", ha="right",
                fontsize=8)  # fmt: skip
        exact = [f"{k}: {name} = 0 at x, exact up to round-off (no best h)"
                 for k, d, name in (("forward", self.d2, "f''"), ("central", self.d3, "f'''"))
                 if d == 0]  # fmt: skip
        if exact:  # a fixed position: placing a title automatically measures the ticks
            # one line each: side by side they ran past the figure's edge
            ax.set_title("\n".join(exact), fontsize=9, y=1.0)
        ax.grid(True, which="major", alpha=0.3)

    def _mark(self, h):
        if self._nothing is not None:
            return b""
        for k, line in self._marks.items():
            line.set_data([h], [_shown(self.errors[k] / self._scale)])
        self._hline.set_xdata([h, h])
        self._hline.set_label(f"h = {h:.1e}")
        if self._legend is not None:
            self._legend.remove()
        self._legend = self._fig.legend(*self._legend_ax.get_legend_handles_labels(),
                                        loc="lower center", ncol=2, fontsize=8)  # fmt: skip
        return png(self._fig)


def _theory_html(texts):
    """The error models with the values put in (``explorer.theory``), one per line."""
    lines = "".join(
        f'<div class="ade-step-model-{k}">{html.escape(t)}</div>' for k, t in texts.items()
    )
    return f'<div class="ade-num" style="white-space:normal">{lines}</div>'


def _latex(v):
    """A node's name in LaTeX: its label's symbol, else f for the output, x for a variable."""
    return latex(v.symbol) if v.label else ("x" if v.is_variable else "f")


def step_size(target=lecture_f, var=None, *, x=None, h=1e-3, **values):
    """The step-size panel (see ``StepSize``); the lecture's f at x = 3 by default.
    ``step_size("x*y", "y", x=1, y=2)``: the other variables' values as keywords."""
    return StepSize(target, var, x=x, h=h, **values)


__all__ = ["StepSize", "step_size"]
