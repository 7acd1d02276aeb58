"""The descent panel: steps of a chosen rule and size against the analytic optimum,
with the theory of the rate from the Hessian.

A view over ``explorer.descent.DescentModel`` (the mathematics: the rates from the
Hessian, the four step rules, the predictions, the closed-form optimum and the
verdict, in ``explorer.descent``'s docstring; a test calls it without a widget). A
gradient step moves every chosen variable by ``dx = -lr * grad`` (descent) or
``+lr * grad`` (ascent, the lecture's chapter 5: ``x.data += 0.01 * x.grad``). For
f(x) = 3x^2 - 4x + 5 (f'' = 6) it converges for 0 < lr < 1/3 = 2/f'' (the critical
rate) and lands on x* = 2/3 in one step at lr = 1/6 = 1/f''; the panel marks both
rates on a ruler under its rate slider, says what the chosen rate means, and shows
each step's change predicted to first and second order beside the actual one, in a
table and a picture (``widgets._descent_plot``).
"""

import html
import math

import ipywidgets as W

from explorer.descent import BETA, MAX_STEPS, METHODS, RATE_RANGE, DescentModel, check_args
from explorer.theory import rate_theory
from widgets._common import MUTED, STATUS, Panel, error_html, image, num, row
from widgets._descent_plot import draw
from widgets._descent_table import steps_table
from widgets._target import lecture_f

RULER_INSET = 6  # px from the box's edge to the slider's track at either end (measured)
# the model's numbers and methods, read through the panel (notebooks and tests use them)
NUMBERS = frozenset(
    "root vars names start fname nodes symbolic quadratic H0 optima line critical_rate "
    "best_rate rate_note trajectory stopped optimum diverged verdict run f_at".split()
)


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
    says why) come from the Hessian at the start. All these numbers are the
    ``DescentModel``'s (``.model``), read through the panel.
    """

    READ_THROUGH = NUMBERS

    def __init__(
        self, target=lecture_f, variables=None, *, start=None, lr=0.1, steps=10, ascent=False,
        method="gradient",
    ):  # fmt: skip
        check_args(lr, steps, method)
        self.model = DescentModel(target, variables, start=start)

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

    def update(self, change=None):
        ascent = self.direction.value == "ascent"
        method = self.method.value
        own_step = method in ("line search", "newton")
        if change is not None and change["owner"] is self.lr and own_step:
            return  # these choose their own step: nothing the rate changes
        self.model.update(float(self.lr.value), self.steps.value, ascent, method)
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
        if method == "line search" and self.line is not None:
            parts.append(self.line.what)
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
