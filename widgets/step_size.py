"""The step-size panel: finite differences against the analytic derivative as h shrinks.

For f of one variable x (other variables of the graph held fixed):

- forward difference  D+(h) = (f(x + h) - f(x)) / h,
  error = f''(x) h / 2 + O(h^2)  (truncation)  +  ~eps |f(x)| / h  (round-off);
- central difference  D0(h) = (f(x + h) - f(x - h)) / (2h),
  error = f'''(x) h^2 / 6 + O(h^4)  +  ~eps |f(x)| / h.

Truncation falls as h shrinks and round-off grows, so on a log-log plot each error
is a V whose bottom is the best h: near sqrt(eps) ~ 1e-8 for the forward
difference and eps^(1/3) ~ 1e-5 for the central one. The reference value is the
closed form d root/d x (``grad_expr``) evaluated to 30 digits; backprop's
``x.grad`` is shown beside it.
"""

import ipywidgets as W
import numpy as np
import sympy
from matplotlib.ticker import FuncFormatter, LogLocator

from engine import DomainError
from widgets._common import Panel, error_html, figure, image, num, png
from widgets._target import evaluate, lecture_f, point, resolve

H_EXPONENTS = np.linspace(-12.0, 0.0, 121)  # the plotted h: ten per decade
MAX_LATEX = 200  # characters of a formula worth typesetting in a title
COLOURS = {"forward": "tab:blue", "central": "tab:orange"}
ROWS = ("backprop", "forward", "central")
ROW_NAMES = {
    "backprop": "backprop x.grad",
    "forward": "forward (f(x+h) − f(x)) / h",
    "central": "central (f(x+h) − f(x−h)) / 2h",
}


class StepSize(Panel):
    """Finite differences of ``root`` with respect to ``var`` at its current value.

    ``StepSize(root, var)`` for a graph, or ``StepSize(f, x=3.0)`` for a Python
    function of one Value. ``.h`` is the FloatLogSlider, ``.x`` the point,
    ``.cells[row, column]`` the Labels of the table (rows ``backprop``,
    ``forward``, ``central``; columns ``value``, ``error``), ``.plot`` the Image.
    """

    def __init__(self, target=lecture_f, var=None, *, x=None, h=1e-3):
        if not (isinstance(h, (int, float)) and 1e-12 <= h <= 1):
            raise ValueError(f"h must be a number from 1e-12 to 1, got {h!r}")
        self.root, variables = resolve(target, var, 3.0 if x is None else x, "step_size")
        if len(variables) != 1:
            names = ", ".join(v.label or "?" for v in variables)
            raise ValueError(f"step_size: pick one variable to vary (the graph has {names})")
        (self.var,) = variables
        if x is not None:
            self.var.data = float(x)
        self.root.forward()  # the graph as the user left it may be stale
        self.x0 = self.var.data

        self.h = W.FloatLogSlider(
            value=h, base=10, min=-12, max=0, step=0.1, description="h",
            readout_format=".1e", continuous_update=True,
            layout=W.Layout(width="480px"),
        )  # fmt: skip
        self.x = W.FloatText(value=self.var.data, description=self.var.label or "x")
        self.title = W.HTMLMath()
        self.exact_label = W.HTMLMath()
        self.error = W.HTML()
        self.cells = {(r, c): W.Label() for r in ROWS for c in ("value", "error")}
        for (r, c), cell in self.cells.items():
            cell.add_class(f"ade-step-{r}-{c}")  # for a browser test to find
        head = [W.HTML(f"<b>{t}</b>") for t in ("estimate", "value", "|error|")]
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
                self.error,
                self.exact_label,
                self.table,
                self.plot,
            ]
        )
        self.x.observe(self._on_x, names="value")
        self.h.observe(self._on_h, names="value")
        self._on_x()

    # -- the numbers ---------------------------------------------------------
    def _f(self, x):
        self.var.data = float(x)  # a NumPy float in data would fail the engine's float check
        return self.root.forward()

    def _f_or_nan(self, x):
        try:
            return self._f(x)
        except (DomainError, OverflowError):  # x +- h left f's domain: no estimate
            return float("nan")

    def differences(self, h):
        """(forward, central) difference quotients at the current x for step h."""
        x0 = self.x0
        try:
            fx, fp, fm = self._f(x0), self._f_or_nan(x0 + h), self._f_or_nan(x0 - h)
        finally:
            self.var.data = x0
            self.root.forward()
        return (fp - fx) / h, (fp - fm) / (2 * h)

    def _on_x(self, change=None):
        x0 = float(self.x.value)
        self.var.data = x0
        try:
            self.root.forward()
        except DomainError as e:  # keep the last good point and say why
            self.var.data = self.x0
            self.root.forward()
            self.error.value = error_html(f"{self.var.label or 'x'} = {num(x0)}: {e}")
            return
        self.error.value = ""
        self.x0 = x0
        self.root.zero_grad()
        self.root.backward()
        self.backprop = self.var.grad
        self.exact = evaluate(self.var.grad_expr, point(self.root))
        f, x = _latex(self.root), _latex(self.var)
        formula = sympy.latex(self.root.expr)
        shown = f", ${f} = {formula}$" if len(formula) <= MAX_LATEX else ""
        self.title.value = (
            f"Step size for $\\partial {f} / \\partial {x}$ at ${x} = {num(self.x0)}${shown}"
        )
        derivative = sympy.latex(self.var.grad_expr)
        derivative = f"{derivative} = " if len(derivative) <= MAX_LATEX else ""
        self.exact_label.value = (
            f"closed form: $\\partial {f} / \\partial {x} = {derivative}{num(self.exact, 17)}$"
        )
        hs = 10.0**H_EXPONENTS
        est = np.array([self.differences(float(h)) for h in hs])
        self.curve_h = hs
        self.curve_error = {
            "forward": np.abs(est[:, 0] - self.exact),
            "central": np.abs(est[:, 1] - self.exact),
        }
        self.best_h, self.best_error = {}, {}
        for k, e in self.curve_error.items():
            i = _best(e)
            self.best_h[k], self.best_error[k] = float(hs[i]), float(e[i])
        self._draw_curves()
        self._on_h()

    def _on_h(self, change=None):
        h = float(self.h.value)
        fwd, cen = self.differences(h)
        self.estimates = {"backprop": self.backprop, "forward": fwd, "central": cen}
        self.errors = {k: abs(v - self.exact) for k, v in self.estimates.items()}
        for r in ROWS:
            self.cells[r, "value"].value = num(self.estimates[r], 12)
            self.cells[r, "error"].value = num(self.errors[r], 3)
        self.plot.value = self._mark(h)

    # -- the picture ---------------------------------------------------------
    def _draw_curves(self):
        """The curves, drawn once per point x; ``_mark`` moves only the h marks."""
        fig = figure(6.4, 3.8)
        ax = fig.add_subplot()
        floor = 1e-17  # an error of exactly 0 has no place on a log axis: draw it at the floor
        self._marks = {}
        for k, c in COLOURS.items():
            ax.loglog(self.curve_h, np.maximum(self.curve_error[k], floor), color=c, lw=1.6,
                      label=f"{k} difference")  # fmt: skip
            b, eb = self.best_h[k], max(self.best_error[k], floor)
            ax.plot([b], [eb], "v", color=c, ms=9)
            edge = b > 0.1  # at the right edge the label goes above-left of the mark
            ax.annotate(f"best h ≈ {b:.0e}", (b, eb), textcoords="offset points",
                        xytext=(-8, 10) if edge else (0, -16), ha="right" if edge else "center",
                        color=c, fontsize=8)  # fmt: skip
            (self._marks[k],) = ax.plot([], [], "o", color=c, ms=7, mec="black")
        self._hline = ax.axvline(1e-3, color="black", ls="--", lw=1, label="h")
        ax.set_xlabel("step h")
        ax.set_ylabel("|estimate − closed form|")
        ax.set_xlim(1e-12, 1)
        top = max(float(np.nanmax(e)) for e in self.curve_error.values())
        ax.set_ylim(floor / 3, max(top, 1e-12) * 30)
        for axis in (ax.xaxis, ax.yaxis):  # plain '1e-08' labels: mathtext costs 0.2 s a draw
            axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0e}"))
            axis.set_major_locator(LogLocator(base=100.0))
        ax.text(0.02, 0.96, "← round-off", transform=ax.transAxes, va="top", fontsize=8)
        ax.text(0.98, 0.96, "truncation →", transform=ax.transAxes, va="top", ha="right",
                fontsize=8)  # fmt: skip
        if self.best_h["central"] > 0.1:  # e.g. any quadratic: f''' = 0, no h^2 term
            ax.text(0.98, 0.88, "central: no truncation error to see here",
                    color=COLOURS["central"], transform=ax.transAxes, ha="right", va="top",
                    fontsize=8)  # fmt: skip
        ax.grid(True, which="major", alpha=0.3)
        self._legend_ax = ax
        self._fig = fig

    def _mark(self, h):
        floor = 1e-17
        for k, line in self._marks.items():
            line.set_data([h], [max(self.errors[k], floor)])
        self._hline.set_xdata([h, h])
        self._hline.set_label(f"h = {h:.1e}")
        self._legend_ax.legend(loc="lower left", fontsize=8)
        return png(self._fig)


def _best(errors, width=7):
    """Index of the bottom of the V. The round-off side is noise, and its single
    lowest point is luck, so take the minimum of the running median of log error
    over ``width`` neighbouring h (0.7 of a decade)."""
    logs = np.log10(np.maximum(errors, 1e-300))
    logs[~np.isfinite(errors)] = np.inf
    half = width // 2
    padded = np.pad(logs, half, mode="edge")
    smooth = np.array([np.median(padded[i : i + width]) for i in range(len(logs))])
    return int(np.argmin(smooth))


def _latex(v):
    """A node's name in LaTeX: its label's symbol, else f for the output, x for a variable."""
    return sympy.latex(v.symbol) if v.label else ("x" if v.is_variable else "f")


def step_size(target=lecture_f, var=None, *, x=None, h=1e-3):
    """The step-size panel (see ``StepSize``); the lecture's f at x = 3 by default."""
    return StepSize(target, var, x=x, h=h)


__all__ = ["StepSize", "step_size"]
