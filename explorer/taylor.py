"""The Taylor line: the move of f from a start x0, predicted to first and second order,

    f(x0 + dx) ~ f0 + g . dx                      (first order)
    f(x0 + dx) ~ f0 + g . dx + (1/2) dx^T H dx    (second order)

with g and H the gradient and Hessian at x0 (the nudge panel shows both beside the
actual output; on a quadratic the second order is exact).
"""

from dataclasses import dataclass

from engine import DomainError, hessian


def taylor_start(root, variables):
    """(f, gradient, Hessian) at the current data, or a sentence saying why the
    second order is not offered. Call after ``backward()``. The Hessian is numeric
    (``engine.hessian``: forward over reverse, no SymPy), for any number of variables."""
    start = (root.data, [v.data for v in variables], [v.grad for v in variables])
    try:
        return start + (hessian(root, variables),)
    except (DomainError, ValueError, TypeError) as e:
        return start + (f"no Hessian here: {e}",)


def taylor(f0, g0, H0, dx):
    """f(x0 + dx) predicted: to first order f0 + g0 . dx, to second order
    f0 + g0 . dx + (1/2) dx^T H0 dx (H0 None: the first order only)."""
    first = f0 + sum(g * d for g, d in zip(g0, dx))
    if H0 is None:
        return first, None
    curve = sum(dx[i] * H0[i][j] * dx[j] for i in range(len(dx)) for j in range(len(dx)))
    return first, first + curve / 2


@dataclass(frozen=True)
class TaylorLine:
    """f at the current point beside its predictions from the start: ``first`` and
    ``second`` order (``second`` None, and ``why`` saying why, where the start has
    no Hessian) and the ``actual`` value."""

    first: float
    second: float | None
    actual: float
    why: str = ""


def taylor_line(start, x, actual):
    """The ``TaylorLine`` at the point x, from ``start`` (``taylor_start``'s tuple)."""
    f0, x0, g0, H0 = start
    why = H0 if isinstance(H0, str) else ""
    first, second = taylor(f0, g0, None if why else H0, [a - b for a, b in zip(x, x0)])
    return TaylorLine(first, second, actual, why)
