"""``StepSizeModel(f, x=...)``: finite differences against the analytic derivative
as h shrinks, measured beside their error models: the numbers the step-size panel
(``widgets.step_size``) shows; a test calls it without a widget.

For f of one variable x (other variables of the graph held fixed), with
eps = 2^-52 (float64's machine epsilon):

- forward difference  D+(h) = (f(x + h) - f(x)) / h,
  error ~ |f''(x)| h / 2  (truncation)  +  2 eps |f(x)| / h  (round-off: each of
  the two values is off by up to eps |f|, and their difference is divided by h);
  the sum is least at h* = 2 sqrt(eps |f| / |f''|);
- central difference  D0(h) = (f(x + h) - f(x - h)) / (2h),
  error ~ |f'''(x)| h^2 / 6  +  eps |f(x)| / h  (two values, divided by 2h);
  least at h* = cbrt(3 eps |f| / |f'''|)

(``explorer.theory``). Truncation falls as h shrinks and round-off grows, so on a
log-log plot each error is a V whose bottom is near h*: about 1e-8 for the forward
difference and 1e-5 for the central one when f and its derivatives are of order 1.
f'' and f''' are numeric (``engine.second_and_third``: f'' exact by forward over
reverse, f''' the Richardson-extrapolated difference of that exact f''), so a
network's loss works as well as a toy; the reference derivative is the closed form
(``grad_expr``), evaluated at x to 30 digits.

Where f''(x) = 0 or f'''(x) = 0 (any quadratic has f''' = 0) the model's truncation
term vanishes: the difference is exact up to round-off, its error only falls as h
grows, and there is no best h (``h_star`` None). Where f(x) = 0 the round-off model
is 0 and has no minimum either.
"""

import numpy as np

from engine import DomainError, second_and_third, vary
from engine.evaluate import precise
from explorer.target import lecture_f, point, resolve_one
from explorer.theory import error_models, optimal_h, step_size_theory

H_EXPONENTS = np.linspace(-12.0, 0.0, 121)  # the measured h: ten per decade, 1e-12 to 1
KINDS = ("forward", "central")
ESTIMATES = ("backprop", *KINDS)


class StepSizeModel:
    """Finite differences of ``root`` with respect to ``var`` (see the module docstring).

    ``StepSizeModel(root, var)`` for a graph, ``StepSizeModel(f, x=3.0)`` for a
    Python function of one Value, ``StepSizeModel("exp(x)", x=20)`` for a text, and
    ``StepSizeModel("x*y", "x", x=1, y=2)`` for one of several variables, the others
    held at their values (``explorer.target.resolve_one``); the lecture's f at x = 3
    by default.

    At the point (``move(x)``; ``.x0``): ``.backprop`` (x.grad), ``.exact`` (f'(x)
    from the closed form), ``.fx``, ``.d2``, ``.d3`` (f, f'', f'''), ``.models``
    (each difference's error model, ``explorer.theory``), ``.h_star`` ({'forward':
    h*, 'central': h*}, None where the model has no minimum), ``.curve_h`` and
    ``.curve_error`` (the measured absolute errors over 1e-12 <= h <= 1), ``.best_h``
    and ``.best_error`` (the measured bottoms of the V, None where no error is finite).
    At the step (``at_h(h)``; ``.h``): ``.estimates`` and ``.errors`` ({'backprop',
    'forward', 'central'}: the three estimates of f'(x) and their absolute errors),
    ``.theory`` (each error model in words, with the values put in).
    """

    def __init__(self, target=lecture_f, var=None, *, x=None, h=1e-3, **values):
        if not (isinstance(h, (int, float)) and 1e-12 <= h <= 1):
            raise ValueError(f"h must be a number from 1e-12 to 1, got {h!r}")
        self.root, self.var = resolve_one(target, var, x, values, "step_size")
        self.root.forward()  # the graph as the user left it may be stale
        self.h = float(h)
        self.move(self.var.data)

    def _quotients(self, hs):
        """[(forward, central)] difference quotients at x0 for each step h; nan where
        x +- h leaves f's domain or f overflows there. The graph is left as found."""
        x0, out = self.x0, []

        def at(f, x):
            try:
                return f(x)
            except (DomainError, OverflowError):
                return float("nan")

        with vary(self.root, [self.var]) as f, np.errstate(over="ignore", invalid="ignore"):
            fx = f(x0)
            for h in hs:
                fp, fm = at(f, x0 + h), at(f, x0 - h)
                out.append(((fp - fx) / h, (fp - fm) / (2 * h)))
        return out

    def differences(self, h):
        """(forward, central) difference quotients at the current x for step h."""
        return self._quotients([float(h)])[0]

    def move(self, x):
        """The point x: everything measured there, then the estimates at the current h.
        Outside f's domain: ``DomainError``, and the last good point stays."""
        x0 = float(x)
        with vary(self.root, [self.var]) as f:
            f(x0)  # in f's domain? (raises before anything changes)
        self.var.data = x0  # the model's point: the graph stays there
        self.root.forward()
        self.x0 = x0
        self.root.zero_grad()
        self.root.backward()
        self.backprop = self.var.grad
        self.exact = precise(self.var.grad_expr, point(self.root))
        self.fx = self.root.data
        self.d2, self.d3 = second_and_third(self.root, self.var)
        self.models = error_models(self.fx, self.d2, self.d3)
        self.h_star = {k: optimal_h(m) for k, m in self.models.items()}
        hs = 10.0**H_EXPONENTS
        est = np.array(self._quotients(hs))
        self.curve_h = hs
        with np.errstate(invalid="ignore", over="ignore"):
            self.curve_error = {k: np.abs(est[:, i] - self.exact) for i, k in enumerate(KINDS)}
        self.best_h, self.best_error = {}, {}
        for k, e in self.curve_error.items():
            i = best_index(e)
            self.best_h[k] = None if i is None else float(hs[i])
            self.best_error[k] = None if i is None else float(e[i])
        self.at_h(self.h)

    def at_h(self, h):
        """The three estimates of f'(x) at step h, their errors and the models' words."""
        self.h = float(h)
        fwd, cen = self.differences(self.h)
        self.estimates = {"backprop": self.backprop, "forward": fwd, "central": cen}
        self.errors = {k: abs(v - self.exact) for k, v in self.estimates.items()}
        self.theory = step_size_theory(self.fx, self.d2, self.d3, self.h)

    def scale(self, relative):
        """What errors are divided by: |f'(x)| for relative errors (1 where f'(x) = 0,
        which has no relative error, and for absolute ones)."""
        return abs(self.exact) if relative and self.exact != 0 else 1.0


def best_index(errors, width=7):
    """Index of the bottom of the V (None if no error is finite). The round-off side
    is noise, and its single lowest point is luck, so take the minimum of the
    running median of log error over ``width`` neighbouring h (0.7 of a decade)."""
    if not np.isfinite(errors).any():
        return None
    with np.errstate(divide="ignore"):
        logs = np.log10(np.maximum(errors, 1e-300))
    logs[~np.isfinite(errors)] = np.inf
    half = width // 2
    padded = np.pad(logs, half, mode="edge")
    smooth = np.array([np.median(padded[i : i + width]) for i in range(len(logs))])
    return int(np.argmin(smooth))
