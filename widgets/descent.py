"""The descent panel: steps of a chosen rule and size against the analytic optimum,
with the theory of the rate from the Hessian.

A gradient step moves every chosen variable by ``dx = -lr * grad`` (descent) or
``+lr * grad`` (ascent, the lecture's chapter 5: ``x.data += 0.01 * x.grad``).
To first order the output then changes by g . dx, to second order by
g . dx + (1/2) dx^T H dx; the actual change differs from the first by the
curvature. For f(x) = 3x^2 - 4x + 5 (f'' = 6) a step maps x - 2/3 to
(1 - 6 lr)(x - 2/3): it converges for 0 < lr < 1/3 = 2/f'' (the critical rate)
and lands on x* = 2/3 in one step at lr = 1/6 = 1/f''. In several variables the
eigenvalues of the Hessian play f''s part: critical rate 2 / l_max, best fixed
rate 2 / (l_max + l_min) (see ``widgets._descent_math``, which also holds the
momentum, line-search and Newton steps).

The optimum is solved for in closed form (``sympy.solve`` of grad f = 0, kept
when its Hessian is definite the right way) when f is a polynomial in the
chosen variables; other functions get no closed-form optimum.

Each step's f and gradient are backprop's (``vary`` sets the point, ``backward()``
the gradient); the Hessian and its products with a step are numeric
(``engine.SecondOrder``: forward over reverse, no SymPy), so the panel takes a
network's loss in any number of variables. Closed forms (f's formula for the
pictures and the line search, the optimum) are used only on graphs of at most
``SYMBOLIC_NODES`` nodes; on larger ones f is evaluated by the graph itself.
"""

import html
import math

import ipywidgets as W
import numpy as np

from engine import DomainError, SecondOrder, Value, topo_order, vary
from explorer.descent import (
    BETA,
    METHODS,
    LineSearch,
    closed_form,
    optima,
    rates,
    trajectory,
    verdict,
)
from explorer.theory import rate_theory
from widgets._common import MUTED, STATUS, Panel, error_html, image, num, row
from widgets._descent_plot import draw
from widgets._descent_table import steps_table
from widgets._target import lecture_f, resolve, variables_of

RATE_RANGE = (1e-5, 10.0)
RULER_INSET = 6  # px from the box's edge to the slider's track at either end (measured)
MAX_STEPS = 1000
SYMBOLIC_NODES = 200  # past this many nodes, f's closed form is not built


def _check_args(lr, steps, method):
    lo, hi = RATE_RANGE
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not lo <= lr <= hi:
        raise ValueError(f"descent: lr must be a number from {lo:g} to {hi:g}, got {lr!r}")
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS:
        raise ValueError(f"descent: steps must be an integer from 1 to {MAX_STEPS}, got {steps!r}")
    if method not in METHODS:
        raise ValueError(f"descent: method must be one of {', '.join(METHODS)}, got {method!r}")


class Descent(Panel):
    """Steps on ``root`` over ``variables`` from their current values.

    Controls: ``.lr`` (FloatLogSlider, 1e-5 to 10), ``.steps`` (IntSlider, 1 to
    1000), ``.direction`` ('descent'/'ascent'), ``.method`` ('gradient',
    'momentum', 'line search', 'newton'). After each change ``.trajectory`` holds
    one dict per point (``x``, ``f``, ``grad``; for every step but the last
    ``predicted`` (first order), ``predicted2`` (second order) and ``actual``
    change, and ``t`` for a line search), ``.optimum`` the closed-form optimum or
    None, ``.diverged`` and ``.verdict`` what happened, ``.summary`` / ``.table``
    (HTML) and ``.plot`` (Image) show them. ``.critical_rate`` and ``.best_rate``
    (None where the Hessian at the start is not positive definite, ``.rate_note``
    says why) come from the Hessian at the start.
    """

    def __init__(
        self, target=lecture_f, variables=None, *, start=None, lr=0.1, steps=10, ascent=False,
        method="gradient",
    ):  # fmt: skip
        _check_args(lr, steps, method)
        self.root, self.vars = resolve(target, variables, 3.0 if start is None else start,
                                       "descent")  # fmt: skip
        self.names = [v.label or f"x{i}" for i, v in enumerate(self.vars)]
        if isinstance(target, Value) and start is not None:  # else the graph's own values
            starts = start if isinstance(start, dict) else dict.fromkeys(self.names, start)
            for n, v in zip(self.names, self.vars):
                v.data = float(starts.get(n, v.data))
        self.start = [v.data for v in self.vars]
        self.root.forward()
        self.fname = self.root.label or "f"
        self._compile()

        # The rate's ruler is drawn under the slider's track, in the same box: the
        # slider has no label or readout of its own (they would take a width the
        # ruler cannot know), so the track spans the box; the label and a box to type
        # the rate in sit beside it.
        self.lr = W.FloatLogSlider(
            value=lr, base=10, min=-5, max=1, step=1e-4, description="",
            readout=False, continuous_update=True, layout=W.Layout(width="100%", margin="0"),
        )  # fmt: skip
        self.lr.add_class("ade-rate-slider")
        self.lr_text = W.Text(
            value=f"{lr:.4g}", description="rate", continuous_update=False,
            style={"description_width": "34px"}, layout=W.Layout(width="130px"),
        )  # fmt: skip
        self.lr_text.add_class("ade-rate-text")
        self._rate_echo = False
        self.lr_text.observe(self._typed_rate, names="value")
        self.lr.observe(self._slid_rate, names="value")
        self.steps = W.IntSlider(
            value=steps, min=1, max=MAX_STEPS, description="steps",
            layout=W.Layout(flex="1 1 260px", min_width="220px", max_width="420px"),
        )  # fmt: skip
        self.direction = W.ToggleButtons(
            options=["descent", "ascent"], value="ascent" if ascent else "descent"
        )
        self.method = W.ToggleButtons(options=list(METHODS), value=method)
        self.method.add_class("ade-descent-method")
        self.rate_marks = W.HTML(layout=W.Layout(width="100%", margin="0"))
        self.rate_marks.add_class("ade-rate-marks")
        track = W.VBox(
            [self.lr, self.rate_marks],
            layout=W.Layout(flex="1 1 260px", min_width="200px", max_width="560px"),
        )
        track.add_class("ade-rate-track")
        self.summary = W.HTML()
        self.table = W.HTML()  # fits the column: no box of its own to scroll
        self.plot = image("100%")
        self.widget = W.VBox(
            [
                W.HBox([self.lr_text, track], layout=W.Layout(align_items="flex-start")),
                row([self.steps]),
                row([self.direction, self.method]),
                self.summary,
                self.plot,
                self.table,
            ]
        )
        self.optima = optima(self.root, self.vars, self.symbolic)
        for w in (self.lr, self.steps, self.direction, self.method):
            w.observe(self.update, names="value")
        self.update()

    # -- the rate: a slider to drag, a box to type in ------------------------------
    def _typed_rate(self, change):
        """A typed rate moves the slider; one outside the range, or not a number,
        puts the slider's rate back in the box."""
        if self._rate_echo:
            return
        try:
            r = float(change["new"])
        except ValueError:
            r = math.nan
        if not RATE_RANGE[0] <= r <= RATE_RANGE[1]:
            self._show_rate(self.lr.value)
            return
        self.lr.value = r

    def _slid_rate(self, change):
        """The box follows the slider, to 4 digits; the slider's own rounding of a
        typed rate (its steps are a ten-thousandth of a decade) leaves the box as typed."""
        try:
            shown = float(self.lr_text.value)
        except ValueError:
            shown = math.nan
        if abs(change["new"] - shown) > 2.5e-3 * abs(shown):
            self._show_rate(change["new"])

    def _show_rate(self, r):
        self._rate_echo = True  # the box shows the slider's rate, not a typed one
        try:
            self.lr_text.value = f"{r:.4g}"
        finally:
            self._rate_echo = False

    # -- the closed forms, compiled once ---------------------------------------
    def _compile(self):
        """The numeric second order over the chosen variables, the rates at the start,
        and, on a small graph, f as a float function of all the graph's variables
        (the others held at their data)."""
        leaves = variables_of(self.root)
        chosen = {id(v) for v in self.vars}
        self._others = [v for v in leaves if id(v) not in chosen]
        self._second = SecondOrder(self.root, self.vars, "descent")
        self.nodes = len(topo_order(self.root))
        self.symbolic = self.nodes <= SYMBOLIC_NODES
        self._line = None  # built when the line search is first chosen
        self._f_expr = self._f_floats = None
        self.quadratic = False
        if self.symbolic:
            self._f_expr, self._f_floats, self.quadratic = closed_form(
                self.root, self.vars, self._others
            )
        self.second_note = ""  # what was left out (nothing: the Hessian is numeric)
        try:
            self.H0 = self._second.hessian()
        except DomainError as e:  # sqrt's at 0, say: no curvature to read rates from
            self.H0, self._no_h0 = None, str(e)

    def _hessian_at(self, x):
        """The Hessian at x, where the graph's data is now (nan where it is undefined:
        a prediction only)."""
        try:
            return self._second.hessian()
        except DomainError:
            return np.full((len(x), len(x)), np.nan)

    def _curve_along(self, d):
        """d^T H d at the graph's current data, by one Hessian-vector product (nan
        where the second derivative is undefined)."""
        try:
            return self._second.along(d.tolist())
        except DomainError:
            return math.nan

    def _rates(self, ascent):
        if self.H0 is None:
            self.critical_rate = self.best_rate = None
            self.rate_note = self._no_h0
            return
        self.critical_rate, self.best_rate, why = rates(self.H0, ascent)
        how = (
            "exact: f is quadratic"
            if self.quadratic
            else "a local estimate from the Hessian at the start (f is not quadratic)"
        )
        self.rate_note = why or how

    # -- the numbers ---------------------------------------------------------
    def run(self, lr, steps, ascent, method="gradient"):
        """The trajectory of ``steps`` steps (``explorer.descent.trajectory``); leaves
        the graph as found (data and grads, however the run ends: Ctrl-C included)."""
        _check_args(lr, steps, method)
        rest = [v.data for v in self._others]
        if method == "line search" and self._line is None:
            if self.symbolic:
                syms = [v.symbol for v in self.vars]
                self._line = LineSearch(self._f_expr, syms, [v.symbol for v in self._others],
                                        self._f_floats)  # fmt: skip
            else:
                self._line = LineSearch.numeric(len(self.vars))
        return trajectory(
            self.root, self.vars, self.start, lr, steps, method, ascent,
            line=self._line, symbolic=self.symbolic, rest=rest,
            hessian_at=self._hessian_at, curve_along=self._curve_along,
        )  # fmt: skip

    def update(self, change=None):
        ascent = self.direction.value == "ascent"
        method = self.method.value
        own_step = method in ("line search", "newton")
        if change is not None and change["owner"] is self.lr and own_step:
            return  # these choose their own step: nothing the rate changes
        self._rates(ascent)
        self.trajectory, self.stopped = self.run(
            float(self.lr.value), self.steps.value, ascent, method
        )
        self.optimum = self.optima["max" if ascent else "min"]
        self.diverged, self.verdict = verdict(self.trajectory, self.optimum, ascent, self.stopped)
        # the summary last: the front end applies updates in order, so once the page
        # shows the new summary, the picture and the table are the new ones too
        self.plot.value = draw(self, ascent)
        self.table.value = self._table()
        self.rate_marks.value = self._rate_marks(method)
        self.summary.value = self._summary(ascent, method)

    # -- what it shows -------------------------------------------------------
    def _rate_marks(self, method):
        """The critical and best rates on a log ruler under the rate control, and
        what the rate means for the chosen method."""
        lo, hi = (math.log10(r) for r in RATE_RANGE)
        tick = (
            '<span class="ade-rate-tick" style="position:absolute;left:{:.1f}%;top:1px;'
            f'font-size:10px;color:{MUTED};transform:translateX({{}})">1e{{}}</span>'
        )
        ends = {int(lo): "0", int(hi): "-100%"}  # the end labels read inwards: inside the box
        ticks = "".join(
            tick.format(100 * (e - lo) / (hi - lo), ends.get(e, "-50%"), e)
            for e in range(int(lo), int(hi) + 1)
        )
        marks = ""
        # best < critical always: best's label ends at its mark, critical's starts at it
        # best on the upper line, critical on the lower: close rates never collide;
        # a label reads away from its mark, towards the middle, so it stays inside
        lines = (("best", self.best_rate, STATUS["good"], -32),
                 ("critical", self.critical_rate, STATUS["wrong"], -17))  # fmt: skip
        for name, r, colour, top in lines:
            if r is not None and RATE_RANGE[0] <= r <= RATE_RANGE[1]:
                pos = 100 * (math.log10(r) - lo) / (hi - lo)
                left = pos < 50
                text = f"| {name} {r:.4g}" if left else f"{name} {r:.4g} |"
                marks += (
                    f'<span class="ade-rate-{name}" title="{name} rate {r:.4g}" '
                    f'data-rate="{r!r}" data-side="{"left" if left else "right"}" '
                    f'style="position:absolute;left:{pos:.3f}%;top:{top}px;color:{colour};'
                    f"transform:translateX({'0' if left else '-100%'});font-size:11px;"
                    f'font-weight:600;white-space:nowrap">{text}</span>'
                )
        # the track of a slider with no label or readout runs from the handle's half
        # width (RULER_INSET) inside the box's left edge to as far inside its right
        ruler = (
            f'<div class="ade-rate-ruler" style="position:relative;height:16px;'
            f"margin:34px {RULER_INSET}px 2px {RULER_INSET}px;border-top:1px solid {MUTED}"
            f'">{ticks}{marks}</div>'
        )
        if self.critical_rate is None:
            line = f"no safe rate from the Hessian: {self.rate_note}"
        elif self.best_rate is None:
            line = (
                f"critical rate 2/λmax = {self.critical_rate:.4g} (beyond it gradient steps "
                f"along the most curved direction grow), no best rate: {self.rate_note}"
            )
        else:
            line = (
                f"critical rate 2/λmax = {self.critical_rate:.4g} (beyond it gradient steps on "
                f"the local quadratic diverge), best fixed rate 2/(λmax+λmin) = "
                f"{self.best_rate:.4g}; {self.rate_note}"
            )
        if method == "gradient" and self.H0 is not None:
            words = rate_theory(float(self.lr.value), self.H0, self.names,
                                self.direction.value == "ascent", self.quadratic)  # fmt: skip
            line += f". {words}" if words else ""
        if method in ("line search", "newton"):
            line += f". The {method} chooses its own step: the rate is not used"
        elif method == "momentum":
            line += f". Momentum (β = {BETA}) changes these thresholds: they are gradient's"
        return f'{ruler}<div class="ade-rate-note" style="font-size:12px">{html.escape(line)}</div>'

    def _summary(self, ascent, method):
        last = self.trajectory[-1]
        xs = ", ".join(f"{n} = {num(x)}" for n, x in zip(self.names, last["x"]))
        n, fn = len(self.trajectory) - 1, self.fname
        way = "ascent" if ascent else "descent"
        parts = [
            f"{way} by {method}, after {n} step{'s' * (n != 1)}: {xs}, {fn} = {num(last['f'])}"
        ]
        opt = self.optimum
        kind = "maximum" if ascent else "minimum"
        if opt is not None:
            at = ", ".join(f"{n}* = {s}" for n, s in zip(self.names, opt["exact"]))
            dist = math.dist(last["x"], opt["x"])
            value = f"{opt['f_exact']}"
            if value != num(opt["f"]):  # 11/3 = 3.66667, but 0 once
                value += f" = {num(opt['f'])}"
            parts.append(
                f"closed-form {kind} (sympy.solve of grad {fn} = 0): {at}, {fn}* = {value}"
                f"; distance now {num(dist, 3)}"
            )
        else:
            parts.append(f"no closed-form {kind}: {self.optima['why']}")
        if method == "line search" and self._line is not None:
            parts.append(self._line.what)
        body = "<br>".join(html.escape(p) for p in parts)
        if self.stopped and "converged" in self.stopped:
            body += f"<br>stopped at {html.escape(self.stopped)}"
        elif self.stopped:
            body += error_html(f"stopped at {self.stopped}")
        elif self.diverged:
            body += error_html(self.verdict)
        return f'<div class="ade-summary">{body}</div>'

    def _table(self):
        return steps_table(self.trajectory, self.names, self.fname)

    def f_at(self, x):
        """f at the chosen variables' values x (closed form on a small graph, else the
        graph's own forward; nan outside its domain)."""
        try:
            if self._f_floats is not None:
                return self._f_floats(*x, *[v.data for v in self._others])[0]
            with vary(self.root, self.vars) as at:
                return at(*x)
        except (ValueError, ZeroDivisionError, OverflowError, TypeError):
            return math.nan


def descent(
    target=lecture_f, variables=None, *, start=None, lr=0.1, steps=10, ascent=False,
    method="gradient", **values,
):  # fmt: skip
    """The descent panel (see ``Descent``): by default the lecture's f from x = 3.
    Starting values are keywords, as for every panel: ``descent("x**2 + 10*y**2",
    x=1, y=1)`` (``start={"x": 1, "y": 1}`` says the same)."""
    if values:
        if start is not None:
            raise TypeError("descent: give the starting values as keywords or as start=, not both")
        start = values
    return Descent(target, variables, start=start, lr=lr, steps=steps, ascent=ascent,
                   method=method)  # fmt: skip
