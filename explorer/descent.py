"""Gradient descent's mathematics, which the descent panel shows: the closed-form
optimum, the rates from the Hessian, the four step rules (the exact line search's
step: ``explorer.line_search``), and the verdict on what happened; ``DescentModel``
holds them for one graph, the numbers the panel (``widgets.descent``) is a view of.

**Rates.** On a quadratic f with Hessian H (positive definite, eigenvalues
l_min <= ... <= l_max), a gradient step x <- x - r grad f multiplies the error's
component along each eigenvector by (1 - r l). It shrinks every component while
|1 - r l| < 1 for all l, that is for 0 < r < 2 / l_max (the *critical* rate);
the slowest component shrinks fastest when 1 - r l_min = -(1 - r l_max), that is
at r = 2 / (l_max + l_min) (the *best* fixed rate), where both shrink by
(l_max - l_min) / (l_max + l_min). For any other f these come from the Hessian at
the start: a local estimate, exact only while f stays that quadratic.

**Steps.** With g = grad f at x and s = -1 for descent (+1 for ascent):
- gradient: dx = s r g;
- momentum (Polyak's heavy ball, beta = 0.9): v <- beta v + s r g, dx = v;
- line search: dx = s t g with t the exact minimiser (maximiser) of
  phi(t) = f(x + s t g) over t > 0;
- newton: dx = -H^-1 g (a stationary point of the local quadratic model).

**Predictions.** To first order f changes by g . dx; to second order by
g . dx + (1/2) dx^T H dx. On a quadratic the second order is exact.
"""

import math

import numpy as np
import sympy

from engine import DomainError, SecondOrder, Value, topo_order, vary
from engine.evaluate import lambdify_floats
from explorer.line_search import LineSearch
from explorer.target import lecture_f, resolve, variables_of

METHODS = ("gradient", "momentum", "line search", "newton")
BETA = 0.9  # momentum's share of the last step
MAX_SOLVE = 4  # variables: polynomial systems in more of them can make solve crawl
RATE_RANGE = (1e-5, 10.0)
MAX_STEPS = 1000
SYMBOLIC_NODES = 200  # past this many nodes, f's closed form is not built


def check_args(lr, steps, method):
    """A rate in ``RATE_RANGE``, 1 to ``MAX_STEPS`` steps, one of ``METHODS``, or a
    ValueError naming the one that is not."""
    lo, hi = RATE_RANGE
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not lo <= lr <= hi:
        raise ValueError(f"descent: lr must be a number from {lo:g} to {hi:g}, got {lr!r}")
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS:
        raise ValueError(f"descent: steps must be an integer from 1 to {MAX_STEPS}, got {steps!r}")
    if method not in METHODS:
        raise ValueError(f"descent: method must be one of {', '.join(METHODS)}, got {method!r}")


def rates(H, ascent=False):
    """(critical, best, why): 2 / l_max and 2 / (l_max + l_min) of the Hessian (of -f
    for ascent). The critical rate needs only l_max > 0: past it a step along the
    most curved direction overshoots by more than it moves, on any Hessian (a
    network's loss has a saddle's). The best rate needs a positive definite one;
    ``why`` says what is missing, "" when nothing is."""
    H = -H if ascent else H
    eig = np.linalg.eigvalsh(H)
    lo, hi = float(eig[0]), float(eig[-1])
    if not np.isfinite(eig).all():
        return None, None, "the Hessian at the start is not finite"
    if lo <= 0:
        shape = "concave" if hi <= 0 else "a saddle" if lo < 0 else "flat along a direction"
        goal = "maximum" if ascent else "minimum"
        why = (
            f"the Hessian of f{' (of -f, ascent)' if ascent else ''} at the start has "
            f"eigenvalues from {lo:.3g} to {hi:.3g}: {shape} there, so its quadratic has no "
            f"{goal} and no rate converges on it"
        )
        if hi > 0:
            why += "; 2/λmax still bounds the rate along the most curved direction"
            return 2 / hi, None, why
        return None, None, why
    return 2 / hi, 2 / (hi + lo), ""


def is_quadratic(f, syms):
    """f is a polynomial of degree <= 2 in syms: the rates are then exact."""
    return bool(f.is_polynomial(*syms)) and sympy.Poly(f, *syms).total_degree() <= 2


def verdict(traj, optimum, ascent, stopped):
    """(diverged, words): judged from what happened. Diverging means the steps made
    f worse than at the start (higher for descent, lower for ascent) and it kept
    getting worse over the last steps, or a known optimum's distance kept growing
    while f got worse; numbers leaving the floats diverged too. f improving is
    never a warning."""
    goal, worse_word = ("maximum", "falls") if ascent else ("minimum", "rises")
    if stopped:  # numbers past the floats: diverged; a domain's edge: only stopped
        return "left the floats" in stopped or "overflow" in stopped, stopped
    fs = [p["f"] for p in traj]
    if len(fs) < 3:
        return False, ""
    sign = -1.0 if ascent else 1.0
    worse = sign * (fs[-1] - fs[0]) > 0
    still = sign * (fs[-1] - fs[-2]) > 0 and sign * (fs[-2] - fs[-3]) > 0
    away = False
    if optimum is not None:
        dist = [math.dist(p["x"], optimum["x"]) for p in traj]
        away = dist[-1] > dist[0] and dist[-1] > dist[-2] > dist[-3]
    if worse and (still or away):
        why = f"f {worse_word} step after step"
        if away:
            why += f" and the distance to the {goal} grows"
        return True, f"diverging: {why}"
    return False, ""


def optima(root, variables, symbolic=True):
    """{'min': ..., 'max': ..., 'why': ...}: the closed-form stationary points of f
    (other variables held at their values) that are a local minimum / maximum.
    ``symbolic=False``: the graph is too large for its closed form: none is tried."""
    out = {"min": None, "max": None, "why": ""}
    if len(variables) > MAX_SOLVE:
        out["why"] = f"more than {MAX_SOLVE} variables: solve is not tried"
        return out
    if not symbolic:
        out["why"] = "the graph is too large for its closed form: solve is not tried"
        return out
    syms = [v.symbol for v in variables]
    held = {v.symbol: sympy.Rational(v.data) for v in variables_of(root) if v not in variables}
    f = sympy.sympify(root.expr).xreplace(held)
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


def trajectory(root, variables, start, lr, steps, method="gradient", ascent=False, *,
               line=None, symbolic=True, rest=(), hessian_at=None, curve_along=None):  # fmt: skip
    """``steps`` steps of ``method`` from ``start`` on root's graph (see the module):
    a list with one point per step ({"x", "f", "grad"}, and "predicted" and
    "predicted2", the change to first and second order, "actual", "t" for the line
    search) and why the run stopped early (None if it did not). ``line``: the
    ``LineSearch`` for the line search; ``hessian_at(x)`` and ``curve_along(d)``:
    the Hessian and d^T H d at the graph's current data (nan where undefined).
    Leaves the graph as found, data and grads, however the run ends (Ctrl-C too)."""
    sign = 1.0 if ascent else -1.0
    if hessian_at is None or curve_along is None:  # the numeric second order, by default
        second = SecondOrder(root, variables, "trajectory")
        hessian_at = hessian_at or (lambda x: second.hessian())
        curve_along = curve_along or (lambda d: second.along(d.tolist()))
    traj, stopped, velocity = [], None, [0.0] * len(variables)
    n = len(variables)
    with vary(root, variables, grads=True) as at:
        # f by the graph itself, for the line search where there is no closed form
        by_graph = None if symbolic else (lambda *a: [at(*a[:n])])
        x = list(start)
        for k in range(steps + 1):
            try:
                f = at(*x)
                root.zero_grad()
                root.backward()
            except (DomainError, OverflowError) as e:
                stopped = f"step {k}: {e}"
                break
            grad = [v.grad for v in variables]
            point = {"x": list(x), "f": f, "grad": grad}
            if traj:
                traj[-1]["actual"] = f - traj[-1]["f"]
            traj.append(point)
            if not all(map(math.isfinite, [f, *grad])):
                stopped = f"step {k}: the numbers left the floats (diverged)"
                break
            if k == steps:
                break
            if method == "gradient":
                dx = [sign * lr * g for g in grad]
            elif method == "momentum":
                velocity = [BETA * u + sign * lr * g for u, g in zip(velocity, grad)]
                dx = list(velocity)
            elif method == "line search":
                t = line.step(x, [sign * g for g in grad], rest, -sign, f=by_graph)
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
                    H = hessian_at(x)
                    dx = [float(d) for d in -np.linalg.solve(H, np.array(grad))]
                except np.linalg.LinAlgError:
                    stopped = f"step {k}: the Hessian is singular: no Newton step"
                    break
            first = sum(g * d for g, d in zip(grad, dx))
            point["predicted"] = first
            d = np.array(dx)
            with np.errstate(all="ignore"):  # a diverging run: inf is the right answer
                if method == "newton":  # H is at hand
                    curve = float(d @ H @ d)
                else:
                    curve = curve_along(d) if np.isfinite(d).all() else math.inf
                point["predicted2"] = first + 0.5 * curve
            x = [float(a + b) for a, b in zip(x, dx)]
            if not all(map(math.isfinite, x)):
                stopped = f"step {k + 1}: the numbers left the floats (diverged)"
                break
    if stopped and traj:  # the step that failed has no actual change to predict
        traj[-1].pop("predicted", None)
        traj[-1].pop("predicted2", None)
    root.zero_grad()
    root.backward()
    return traj, stopped


def closed_form(root, variables, others):
    """(f, f as a float function of ``variables`` then ``others``, whether f is a
    quadratic in ``variables``): the closed form the exact line search and the
    optimum are read from."""
    syms = [v.symbol for v in variables]
    f = sympy.sympify(root.expr)
    floats = lambdify_floats([*syms, *[v.symbol for v in others]], [f])
    return f, floats, is_quadratic(f, syms)


class DescentModel:
    """Steps on ``root`` over ``variables`` from their current values: the numbers the
    descent panel (``widgets.descent``) shows; a test calls it without a widget.

    ``DescentModel(root, variables)`` for a graph, ``DescentModel("x**2 + 10*y**2",
    start={"x": 1, "y": 1})`` for a text, ``DescentModel(f, start=3.0)`` for a
    function. ``.names``, ``.start`` the variables' names and starting values;
    ``.H0`` the Hessian at the start (numeric: ``engine.SecondOrder``; None where it
    is undefined), ``.quadratic`` (f is a quadratic: the rates are exact),
    ``.optima`` (``optima``). On a graph of at most ``SYMBOLIC_NODES`` nodes f's
    closed form is built (``.symbolic``) for the line search, ``f_at`` and the optima.

    ``update(lr, steps, ascent, method)`` runs: ``.trajectory`` (one dict per point,
    see ``trajectory``), ``.stopped``, ``.optimum`` (the closed-form minimum, or
    maximum for ascent, or None), ``.diverged`` and ``.verdict`` (``verdict``),
    ``.critical_rate``, ``.best_rate`` and ``.rate_note`` (``rates`` of ``.H0``).
    """

    def __init__(self, target=lecture_f, variables=None, *, start=None):
        self.root, self.vars, _ = resolve(
            target, variables, 3.0 if start is None else start, "descent"
        )
        self.names = [v.label or f"x{i}" for i, v in enumerate(self.vars)]
        if isinstance(target, Value) and start is not None:  # else the graph's own values
            starts = start if isinstance(start, dict) else dict.fromkeys(self.names, start)
            for n, v in zip(self.names, self.vars):
                v.data = float(starts.get(n, v.data))
        self.start = [v.data for v in self.vars]
        self.root.forward()
        self.fname = self.root.label or "f"
        chosen = {id(v) for v in self.vars}
        self._others = [v for v in variables_of(self.root) if id(v) not in chosen]
        self._second = SecondOrder(self.root, self.vars, "descent")
        self.nodes = len(topo_order(self.root))
        self.symbolic = self.nodes <= SYMBOLIC_NODES
        self.line = None  # the LineSearch, made when the line search is first run
        self._f_expr = self._f_floats = None
        self.quadratic = False
        if self.symbolic:
            self._f_expr, self._f_floats, self.quadratic = closed_form(
                self.root, self.vars, self._others
            )
        try:
            self.H0, self._no_h0 = self._second.hessian(), ""
        except DomainError as e:  # sqrt's at 0, say: no curvature to read rates from
            self.H0, self._no_h0 = None, str(e)
        self.optima = optima(self.root, self.vars, self.symbolic)

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

    def rates(self, ascent=False):
        """``.critical_rate``, ``.best_rate`` and ``.rate_note`` from the Hessian at the
        start (of -f for ascent); returns the first two."""
        if self.H0 is None:
            self.critical_rate = self.best_rate = None
            self.rate_note = self._no_h0
        else:
            self.critical_rate, self.best_rate, why = rates(self.H0, ascent)
            self.rate_note = why or (
                "exact: f is quadratic"
                if self.quadratic
                else "a local estimate from the Hessian at the start (f is not quadratic)"
            )
        return self.critical_rate, self.best_rate

    def run(self, lr, steps, ascent, method="gradient"):
        """The trajectory of ``steps`` steps (``trajectory``) and why it stopped early;
        leaves the graph as found (data and grads, however the run ends: Ctrl-C included)."""
        check_args(lr, steps, method)
        rest = [v.data for v in self._others]
        if method == "line search" and self.line is None:
            if self.symbolic:
                syms = [v.symbol for v in self.vars]
                self.line = LineSearch(self._f_expr, syms, [v.symbol for v in self._others],
                                       self._f_floats)  # fmt: skip
            else:
                self.line = LineSearch.numeric(len(self.vars))
        return trajectory(
            self.root, self.vars, self.start, lr, steps, method, ascent,
            line=self.line, symbolic=self.symbolic, rest=rest,
            hessian_at=self._hessian_at, curve_along=self._curve_along,
        )  # fmt: skip

    def update(self, lr, steps, ascent=False, method="gradient"):
        """Run, and judge the run against the optimum (see the class docstring)."""
        self.rates(ascent)
        self.trajectory, self.stopped = self.run(lr, steps, ascent, method)
        self.optimum = self.optima["max" if ascent else "min"]
        self.diverged, self.verdict = verdict(self.trajectory, self.optimum, ascent, self.stopped)

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
