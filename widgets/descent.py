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
the gradient); the Hessian is ``engine.hessian_expr``, compiled once.
"""

import html
import math

import ipywidgets as W
import numpy as np
import sympy

from engine import DomainError, Value, hessian, hessian_expr, vary
from engine.symbolic import lambdify_floats
from explorer.theory import rate_theory
from widgets._common import Panel, error_html, image, num
from widgets._descent_math import BETA, METHODS, LineSearch, is_quadratic, optima, rates, verdict
from widgets._descent_plot import draw
from widgets._target import lecture_f, resolve, variables_of

RATE_RANGE = (1e-5, 10.0)
MAX_STEPS = 1000


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

        self.lr = W.FloatLogSlider(
            value=lr, base=10, min=-5, max=1, step=0.001, description="rate",
            readout_format=".4g", continuous_update=True,
            layout=W.Layout(width="100%", max_width="420px"),
        )  # fmt: skip
        self.steps = W.IntSlider(value=steps, min=1, max=MAX_STEPS, description="steps")
        self.direction = W.ToggleButtons(
            options=["descent", "ascent"], value="ascent" if ascent else "descent"
        )
        self.method = W.ToggleButtons(options=list(METHODS), value=method)
        self.method.add_class("ade-descent-method")
        self.rate_marks = W.HTML()
        self.rate_marks.add_class("ade-rate-marks")
        self.summary = W.HTML()
        self.table = W.HTML(layout=W.Layout(max_height="260px", overflow="auto"))
        self.plot = image("100%")
        self.widget = W.VBox(
            [
                W.HBox([self.lr, self.steps]),
                self.rate_marks,
                W.HBox([self.direction, self.method]),
                self.summary,
                self.plot,
                self.table,
            ]
        )
        self.optima = optima(self.root, self.vars)
        for w in (self.lr, self.steps, self.direction, self.method):
            w.observe(self.update, names="value")
        self.update()

    # -- the closed forms, compiled once ---------------------------------------
    def _compile(self):
        """f and the Hessian over the chosen variables as float functions of all the
        graph's variables (the others held at their data); the rates at the start."""
        leaves = variables_of(self.root)
        chosen = {id(v) for v in self.vars}
        self._others = [v for v in leaves if id(v) not in chosen]
        syms = [v.symbol for v in self.vars]
        rest = [v.symbol for v in self._others]
        self._f_expr = sympy.sympify(self.root.expr)
        self._H_expr = hessian_expr(self.root, self.vars)
        self._f_floats = lambdify_floats([*syms, *rest], [self._f_expr])
        self._H_floats = lambdify_floats([*syms, *rest], list(self._H_expr))
        self._line = None  # built when the line search is first chosen
        self.quadratic = is_quadratic(self._f_expr, syms)
        try:
            self.H0 = hessian(self.root, self.vars)
        except DomainError as e:  # sqrt's at 0, say: no curvature to read rates from
            self.H0, self._no_h0 = None, str(e)

    def _hessian_at(self, x):
        """The Hessian at x (nan where its closed form is undefined: a prediction only)."""
        n = len(x)
        try:
            flat = self._H_floats(*x, *[v.data for v in self._others])
        except (ValueError, ZeroDivisionError, OverflowError):
            return np.full((n, n), np.nan)
        return np.array(flat, dtype=float).reshape(n, n)

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
        """The trajectory of ``steps`` steps; leaves the graph as found."""
        _check_args(lr, steps, method)
        sign = 1.0 if ascent else -1.0
        rest = [v.data for v in self._others]
        if method == "line search" and self._line is None:
            syms = [v.symbol for v in self.vars]
            self._line = LineSearch(self._f_expr, syms, [v.symbol for v in self._others],
                                    self._f_floats)  # fmt: skip
        traj, stopped, velocity = [], None, [0.0] * len(self.vars)
        with vary(self.root, self.vars) as at:
            x = list(self.start)
            for k in range(steps + 1):
                try:
                    f = at(*x)
                    self.root.zero_grad()
                    self.root.backward()
                except (DomainError, OverflowError) as e:
                    stopped = f"step {k}: {e}"
                    break
                grad = [v.grad for v in self.vars]
                point = {"x": list(x), "f": f, "grad": grad}
                if traj:
                    traj[-1]["actual"] = f - traj[-1]["f"]
                traj.append(point)
                if not all(map(math.isfinite, [f, *grad])):
                    stopped = f"step {k}: the numbers left the floats (diverged)"
                    break
                if k == steps:
                    break
                H = self._hessian_at(x)
                if method == "gradient":
                    dx = [sign * lr * g for g in grad]
                elif method == "momentum":
                    velocity = [BETA * u + sign * lr * g for u, g in zip(velocity, grad)]
                    dx = list(velocity)
                elif method == "line search":
                    t = self._line.step(x, [sign * g for g in grad], rest, -sign)
                    if t is None:
                        better = "raises" if ascent else "lowers"
                        stopped = (f"step {k}: converged, or no bound: no t > 0 {better} f "
                                   "along the gradient (at f's rounding, or f is unbounded "
                                   "along it)")  # fmt: skip
                        break
                    point["t"] = t
                    dx = [sign * t * g for g in grad]
                else:
                    try:
                        dx = [float(d) for d in -np.linalg.solve(H, np.array(grad))]
                    except np.linalg.LinAlgError:
                        stopped = f"step {k}: the Hessian is singular: no Newton step"
                        break
                first = sum(g * d for g, d in zip(grad, dx))
                point["predicted"] = first
                d = np.array(dx)
                with np.errstate(all="ignore"):  # a diverging run: inf is the right answer
                    point["predicted2"] = first + 0.5 * float(d @ H @ d)
                x = [float(a + b) for a, b in zip(x, dx)]
                if not all(map(math.isfinite, x)):
                    stopped = f"step {k + 1}: the numbers left the floats (diverged)"
                    break
        if stopped and traj:  # the step that failed has no actual change to predict
            traj[-1].pop("predicted", None)
            traj[-1].pop("predicted2", None)
        self.root.zero_grad()
        self.root.backward()
        return traj, stopped

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
        ticks = "".join(
            f'<span style="position:absolute;left:{100 * (e - lo) / (hi - lo):.1f}%;'
            f'top:1px;font-size:10px;color:#666;transform:translateX(-50%)">1e{e}</span>'
            for e in range(int(lo), int(hi) + 1, 1)
        )
        marks = ""
        # best < critical always: best's label ends at its mark, critical's starts at it
        rows = (("best", self.best_rate, "#1b7f3b", "-100%"),
                ("critical", self.critical_rate, "#b00020", "0"))  # fmt: skip
        for name, r, colour, shift in rows:
            if r is not None and RATE_RANGE[0] <= r <= RATE_RANGE[1]:
                pos = 100 * (math.log10(r) - lo) / (hi - lo)
                text = f"{name} {r:.4g} |" if name == "best" else f"| {name} {r:.4g}"
                marks += (
                    f'<span class="ade-rate-{name}" title="{name} rate {r:.4g}" '
                    f'style="position:absolute;left:{pos:.1f}%;top:-16px;color:{colour};'
                    f'transform:translateX({shift});font-size:11px;white-space:nowrap">'
                    f"{text}</span>"
                )
        # under the slider's track (the slider is 420px: its label and readout take
        # the rest), on the same log scale
        ruler = (
            '<div style="position:relative;height:16px;width:243px;margin:16px 0 0 97px;'
            f'border-top:1px solid #999">{ticks}{marks}</div>'
        )
        if self.critical_rate is None:
            line = f"no safe rate from the Hessian: {self.rate_note}"
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
            parts.append(
                f"closed-form {kind} (sympy.solve of grad {fn} = 0): {at}, {fn}* = {opt['f_exact']}"
                f" = {num(opt['f'])}; distance now {num(dist, 3)}"
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

    def _table(self, limit=200):
        fn = self.fname
        head = ["k", *self.names, fn, "|grad|", f"predicted Δ{fn}: 1st order",
                "2nd order", f"actual Δ{fn}"]  # fmt: skip
        rows = []
        shown = self.trajectory if len(self.trajectory) <= limit else (
            self.trajectory[: limit // 2] + [None] + self.trajectory[-limit // 2 :]
        )  # fmt: skip
        for p in shown:
            if p is None:
                rows.append(f'<td colspan="{len(head)}">…</td>')
                continue
            k = self.trajectory.index(p)
            gnorm = math.sqrt(sum(g * g for g in p["grad"]))
            cells = [k, *map(num, p["x"]), num(p["f"]), num(gnorm)]
            cells += [num(p.get("predicted")), num(p.get("predicted2")), num(p.get("actual"))]
            rows.append("".join(f"<td>{c}</td>" for c in cells))
        th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
        trs = "".join(f"<tr>{r}</tr>" for r in rows)
        return (
            "<style>.ade-steps td, .ade-steps th {padding: 1px 10px; text-align: right}</style>"
            # its own box scrolls sideways in a narrow column, not the panel
            '<div class="ade-scroll"><table class="ade-steps" '
            'style="font-family:monospace;font-size:12px">'
            f"<tr>{th}</tr>{trs}</table></div>"
        )

    def f_at(self, x):
        """f at the chosen variables' values x (closed form; nan outside its domain)."""
        try:
            return self._f_floats(*x, *[v.data for v in self._others])[0]
        except (ValueError, ZeroDivisionError, OverflowError, TypeError):
            return math.nan


def descent(
    target=lecture_f, variables=None, *, start=None, lr=0.1, steps=10, ascent=False,
    method="gradient",
):  # fmt: skip
    """The descent panel (see ``Descent``): by default the lecture's f from x = 3."""
    return Descent(target, variables, start=start, lr=lr, steps=steps, ascent=ascent,
                   method=method)  # fmt: skip
