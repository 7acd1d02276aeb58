"""The descent panel: gradient steps of a chosen size against the analytic optimum.

A step moves every chosen variable by ``delta = -lr * grad`` (descent) or
``+lr * grad`` (ascent, the lecture's chapter 5: ``x.data += 0.01 * x.grad``).
To first order the output then changes by

    predicted = sum_i grad_i * delta_i = -+ lr * |grad|^2,

and the actual change f(x + delta) - f(x) differs from it by the curvature term
(1/2) delta^T H delta + ... For f(x) = 3x^2 - 4x + 5 the optimum is x* = 2/3,
f* = 11/3; a step maps x - x* to (1 - 6 lr)(x - x*), so descent converges for
0 < lr < 1/3 and diverges past it.

The optimum is solved for in closed form (``sympy.solve`` of grad f = 0, kept
when its Hessian is definite the right way) when f is a polynomial in the
chosen variables; other functions get no closed-form optimum.
"""

import html
import math

import ipywidgets as W
import numpy as np
import sympy
from matplotlib.ticker import FuncFormatter, MaxNLocator

from engine import DomainError, Value
from widgets._common import Panel, error_html, figure, image, num, png
from widgets._target import lecture_f, resolve, variables_of

MAX_SOLVE = 4  # variables: polynomial systems in more of them can make solve crawl


class Descent(Panel):
    """Gradient steps on ``root`` over ``variables`` from their current values.

    ``.lr`` (FloatLogSlider), ``.steps`` (IntSlider), ``.direction``
    (ToggleButtons 'descent'/'ascent'); after each change ``.trajectory`` holds one
    dict per point (``x``: the variables' values, ``f``, ``grad``, and for every
    step but the last ``predicted`` and ``actual`` change), ``.optimum`` the
    closed-form optimum or None, ``.summary`` / ``.table`` (HTML) and ``.plot``
    (Image) show them.
    """

    def __init__(
        self, target=lecture_f, variables=None, *, start=None, lr=0.1, steps=10, ascent=False
    ):
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

        # linear, in steps of 0.001: the lecture's rates (0.01, 0.05, 0.1) and the
        # divergence threshold of its f (1/3) must be reachable exactly or closely
        self.lr = W.FloatSlider(
            value=lr, min=0.001, max=1.0, step=0.001, description="rate",
            readout_format=".3f", continuous_update=True, layout=W.Layout(width="420px"),
        )  # fmt: skip
        self.steps = W.IntSlider(value=steps, min=1, max=100, description="steps")
        self.direction = W.ToggleButtons(
            options=["descent", "ascent"], value="ascent" if ascent else "descent"
        )
        self.summary = W.HTML()
        self.table = W.HTML(layout=W.Layout(max_height="260px", overflow="auto"))
        self.plot = image("100%")
        self.widget = W.VBox(
            [W.HBox([self.lr, self.steps]), self.direction, self.summary, self.plot, self.table]
        )
        self.optima = _solve(self.root, self.vars)
        for w in (self.lr, self.steps, self.direction):
            w.observe(self.update, names="value")
        self.update()

    # -- the numbers ---------------------------------------------------------
    def run(self, lr, steps, ascent):
        """The trajectory of ``steps`` steps of size ``lr``; leaves the graph as found."""
        sign = 1.0 if ascent else -1.0
        traj, stopped = [], None
        try:
            for k in range(steps + 1):
                f = self.root.forward()
                self.root.zero_grad()
                self.root.backward()
                grad = [v.grad for v in self.vars]
                point = {"x": [v.data for v in self.vars], "f": f, "grad": grad}
                if traj:
                    traj[-1]["actual"] = f - traj[-1]["f"]
                traj.append(point)
                if not all(map(math.isfinite, [f, *grad, *point["x"]])):
                    stopped = f"step {k}: the numbers left the floats (diverged)"
                    break
                if k == steps:
                    break
                delta = [sign * lr * g for g in grad]
                point["predicted"] = sum(g * d for g, d in zip(grad, delta))
                for v, d in zip(self.vars, delta):
                    v.data += d
        except (DomainError, OverflowError) as e:
            stopped = f"step {len(traj)}: {e}"
            traj[-1].pop("predicted", None)
        finally:
            for v, x in zip(self.vars, self.start):
                v.data = x
            self.root.forward()
            self.root.zero_grad()
            self.root.backward()
        return traj, stopped

    def update(self, change=None):
        ascent = self.direction.value == "ascent"
        self.trajectory, self.stopped = self.run(float(self.lr.value), self.steps.value, ascent)
        self.optimum = self.optima["max" if ascent else "min"]
        self.diverged = self.stopped is not None or _growing(self.trajectory, self.optimum)
        self.summary.value = self._summary(ascent)
        self.table.value = self._table()
        self.plot.value = self._draw(ascent)

    # -- what it shows -------------------------------------------------------
    def _summary(self, ascent):
        last = self.trajectory[-1]
        xs = ", ".join(f"{n} = {num(x)}" for n, x in zip(self.names, last["x"]))
        n, fn = len(self.trajectory) - 1, self.fname
        parts = [f"after {n} step{'s' * (n != 1)}: {xs}, {fn} = {num(last['f'])}"]
        opt = self.optimum
        kind = "maximum" if ascent else "minimum"
        if opt is not None:
            at = ", ".join(f"{n}* = {s}" for n, s in zip(self.names, opt["exact"]))
            parts.append(
                f"closed-form {kind} (sympy.solve of grad {fn} = 0): {at}, {fn}* = {opt['f_exact']}"
                f" = {num(opt['f'])}"
            )
        else:
            parts.append(f"no closed-form {kind}: {self.optima['why']}")
        body = "<br>".join(html.escape(p) for p in parts)
        if self.stopped:
            body += error_html(f"stopped at {self.stopped}")
        elif self.diverged:
            body += error_html("diverging: the steps move away from the optimum")
        return f'<div class="ade-summary">{body}</div>'

    def _table(self):
        fn = self.fname
        head = ["k", *self.names, fn, "|grad|", f"predicted Δ{fn} = grad·Δx", f"actual Δ{fn}"]
        rows = []
        for k, p in enumerate(self.trajectory):
            gnorm = math.sqrt(sum(g * g for g in p["grad"]))
            cells = [k, *map(num, p["x"]), num(p["f"]), num(gnorm)]
            cells += [num(p.get("predicted")), num(p.get("actual"))]
            rows.append("".join(f"<td>{c}</td>" for c in cells))
        th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
        trs = "".join(f"<tr>{r}</tr>" for r in rows)
        return (
            "<style>.ade-steps td, .ade-steps th {padding: 1px 10px; text-align: right}</style>"
            '<table class="ade-steps" style="font-family:monospace;font-size:12px">'
            f"<tr>{th}</tr>{trs}</table>"
        )

    def _draw(self, ascent):
        fig = figure(9.0, 3.4)
        fig.subplots_adjust(left=0.08, right=0.98, top=0.9, bottom=0.15, wspace=0.28)
        left, right = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
        traj = [p for p in self.trajectory if math.isfinite(p["f"])]
        fs = np.array([p["f"] for p in traj])
        if len(self.vars) == 1:
            xs = np.array([p["x"][0] for p in traj])
            self._draw_curve(left, xs)
            left.plot(xs, fs, "o-", color="tab:red", ms=4, lw=1, label="steps")
            left.plot(xs[:1], fs[:1], "s", color="black", ms=6, label="start")
            left.set_xlabel(self.names[0])
            if self.optimum is not None:
                left.plot([self.optimum["x"][0]], [self.optimum["f"]], "*", color="tab:green",
                          ms=14, label=f"optimum f* = {num(self.optimum['f'], 4)}")  # fmt: skip
        else:
            left.plot(range(len(fs)), fs, "o-", color="tab:red", ms=4, lw=1, label=self.fname)
            left.set_xlabel("step k")
            if self.optimum is not None:
                left.axhline(self.optimum["f"], color="tab:green", ls="--", label=f"{self.fname}*")
        left.set_ylabel(self.fname)
        left.set_title(f"{'ascent' if ascent else 'descent'}, rate {float(self.lr.value):.4g}",
                       fontsize=10, y=1.0)  # fmt: skip
        left.legend(fontsize=8)
        ks = [k for k, p in enumerate(traj) if "actual" in p and "predicted" in p]
        pred = [traj[k]["predicted"] for k in ks]
        act = [traj[k]["actual"] for k in ks]
        right.plot(ks, pred, "o-", color="tab:blue", ms=4, label="predicted: grad · Δx")
        right.plot(ks, act, "s--", color="tab:orange", ms=4, label="actual: f(x+Δx) − f(x)")
        right.axhline(0, color="gray", lw=0.8)
        if pred and max(map(abs, pred + act)) > 1e3 * (min(map(abs, pred + act)) + 1e-300):
            right.set_yscale("symlog", linthresh=1e-3)
            right.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        right.set_xlabel("step k")
        for ax in (left, right) if len(self.vars) > 1 else (right,):
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        right.set_ylabel("change of f")
        # a fixed title position: placing it automatically measures every tick label
        right.set_title("first-order prediction vs actual change", fontsize=10, y=1.0)
        right.legend(fontsize=8)
        return png(fig, dpi=80)

    def _draw_curve(self, ax, xs):
        """f over the range the steps cover (and the optimum), by forward() on the graph."""
        pts = list(xs) + ([self.optimum["x"][0]] if self.optimum is not None else [])
        lo, hi = min(pts), max(pts)
        pad = max(0.25 * (hi - lo), 0.5)
        grid = np.linspace(lo - pad, hi + pad, 200)
        (v,) = self.vars
        ys = []
        try:
            for x in grid:
                v.data = float(x)
                try:
                    ys.append(self.root.forward())
                except (DomainError, OverflowError):
                    ys.append(np.nan)
        finally:
            v.data = self.start[0]
            self.root.forward()
        ax.plot(grid, ys, color="gray", lw=1.2, label="f")


def _growing(traj, optimum):
    """Diverging: the distance to the optimum (or |grad| without one) grows
    over the last steps instead of shrinking."""
    if len(traj) < 3:
        return False
    if optimum is not None:
        dist = [math.dist(p["x"], optimum["x"]) for p in traj]
    else:
        dist = [math.hypot(*p["grad"]) for p in traj]
    return dist[-1] > dist[0] and dist[-1] > dist[-2] > dist[-3]


def _solve(root, variables):
    """{'min': ..., 'max': ..., 'why': ...}: the closed-form stationary points of f
    (other variables held at their values) that are a local minimum / maximum."""
    out = {"min": None, "max": None, "why": ""}
    syms = [v.symbol for v in variables]
    held = {v.symbol: sympy.Rational(v.data) for v in variables_of(root) if v not in variables}
    f = sympy.sympify(root.expr).xreplace(held)
    if len(syms) > MAX_SOLVE:
        out["why"] = f"more than {MAX_SOLVE} variables: solve is not tried"
        return out
    if not f.is_polynomial(*syms):
        out["why"] = "f is not a polynomial in the variables: solve is only tried on those"
        return out
    grad = [sympy.diff(f, s) for s in syms]
    hess = sympy.hessian(f, syms)
    try:
        sols = sympy.solve(grad, syms, dict=True)
    except NotImplementedError:
        sols = []
    found = {"min": [], "max": []}
    for sol in sols:
        if set(sol) != set(syms) or any(sol[s].free_symbols for s in syms):
            continue  # a family of stationary points, not an isolated one
        if not all(sol[s].is_real for s in syms):
            continue
        h = hess.xreplace(sol)
        for kind, definite in (("min", h.is_positive_definite), ("max", h.is_negative_definite)):
            if definite:
                fx = f.xreplace(sol)
                found[kind].append(
                    {
                        "exact": [sol[s] for s in syms],
                        "x": [float(sol[s]) for s in syms],
                        "f_exact": fx,
                        "f": float(fx),
                    }  # fmt: skip
                )
    for kind, pick in (("min", min), ("max", max)):
        if found[kind]:
            out[kind] = pick(found[kind], key=lambda o: o["f"])
    if not (found["min"] or found["max"]):
        out["why"] = "grad f = 0 has no isolated real solution with a definite Hessian"
    elif not found["min"]:
        out["why"] = "only maxima: f has no local minimum"
    elif not found["max"]:
        out["why"] = "only minima: f has no local maximum"
    return out


def descent(target=lecture_f, variables=None, *, start=None, lr=0.1, steps=10, ascent=False):
    """The descent panel (see ``Descent``): by default the lecture's f from x = 3."""
    return Descent(target, variables, start=start, lr=lr, steps=steps, ascent=ascent)
